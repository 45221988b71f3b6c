//! Build-time tool for the WIT interface in `wit/`:
//!
//!   wit-codegen component CORE.wasm OUT.wasm
//!       the component (wit-component) derived from the core module
//!   wit-codegen layout CORE.wasm --go OUT.go --java OUT.java [--check]
//!       the canonical-ABI layout of every record, option, list and export of interface `core`
//!       (sizes, alignments, offsets, flat signatures, export names; wit-parser's SizeAlign),
//!       checked against the exports of the built core module. `--check` fails when a file
//!       differs from what would be written.

use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use wit_parser::abi::{AbiVariant, WasmType};
use wit_parser::{Resolve, SizeAlign, Type, TypeDefKind, WorldKey};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("component") if args.len() == 3 => component(Path::new(&args[1]), Path::new(&args[2])),
        Some("layout") if args.len() >= 2 => layout(&args[1..]),
        _ => bail!("usage: wit-codegen component CORE OUT | layout CORE --go OUT.go --java OUT.java [--check]"),
    }
}

fn component(core: &Path, out: &Path) -> Result<()> {
    let bytes = std::fs::read(core).with_context(|| format!("read {}", core.display()))?;
    let component = wit_component::ComponentEncoder::default().module(&bytes)?.validate(true).encode()?;
    std::fs::write(out, component).with_context(|| format!("write {}", out.display()))
}

struct Export {
    func: String,
    name: String,
    post: Option<String>,
    params: String,
    results: String,
    indirect_params: bool,
    ret_area: Option<(usize, usize)>,
}

struct Layout {
    interface: String,
    /// Constants named by parts (`["job", "run-at", "payload"]`).
    consts: Vec<(Vec<String>, usize)>,
    exports: Vec<Export>,
}

fn layout(args: &[String]) -> Result<()> {
    let core = PathBuf::from(&args[0]);
    let (mut go, mut java, mut check) = (None, None, false);
    let mut it = args[1..].iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--go" => go = it.next().map(PathBuf::from),
            "--java" => java = it.next().map(PathBuf::from),
            "--check" => check = true,
            other => bail!("unknown argument {other}"),
        }
    }
    let wit_dir = Path::new(env!("CARGO_MANIFEST_DIR")).parent().context("wit dir")?;
    let layout = compute(wit_dir)?;
    verify_against_module(&layout, &std::fs::read(&core).with_context(|| format!("read {}", core.display()))?)?;
    let mut stale = Vec::new();
    for (path, text) in [(go, render_go(&layout)), (java, render_java(&layout))] {
        let Some(path) = path else { continue };
        if check {
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                stale.push(path.display().to_string());
            }
        } else {
            std::fs::write(&path, text).with_context(|| format!("write {}", path.display()))?;
        }
    }
    if !stale.is_empty() {
        bail!("stale layout file(s), run scripts/build-wasm.sh: {}", stale.join(", "));
    }
    Ok(())
}

fn compute(wit_dir: &Path) -> Result<Layout> {
    let mut resolve = Resolve::default();
    let (pkg, _) = resolve.push_dir(wit_dir)?;
    let iface_id = *resolve.packages[pkg].interfaces.get("core").context("interface core")?;
    let mut sizes = SizeAlign::default();
    sizes.fill(&resolve)?;
    let interface = resolve.name_world_key(&WorldKey::Interface(iface_id));
    let mut consts = Vec::new();
    let iface = &resolve.interfaces[iface_id];

    for (name, &id) in &iface.types {
        let def = &resolve.types[id];
        match &def.kind {
            TypeDefKind::Record(r) => {
                let ty = Type::Id(id);
                consts.push((vec![name.clone(), "size".into()], (sizes.size(&ty).size_wasm32())));
                consts.push((vec![name.clone(), "align".into()], (sizes.align(&ty).align_wasm32())));
                let offsets = sizes.field_offsets(r.fields.iter().map(|f| &f.ty));
                for (field, (offset, fty)) in r.fields.iter().zip(offsets) {
                    let at = offset.size_wasm32();
                    consts.push((vec![name.clone(), field.name.clone()], (at)));
                    field_details(&resolve, &sizes, &[name.clone(), field.name.clone()], at, fty, &mut consts);
                }
            }
            TypeDefKind::Enum(e) => {
                for (i, case) in e.cases.iter().enumerate() {
                    consts.push((vec![name.clone(), case.name.clone()], (i)));
                }
            }
            _ => {}
        }
    }

    let mut exports = Vec::new();
    for (fname, func) in &iface.functions {
        let sig = resolve.wasm_signature(AbiVariant::GuestExport, func);
        let name = format!("{interface}#{fname}");
        let ret_area = func
            .result
            .as_ref()
            .filter(|_| sig.retptr)
            .map(|ty| (sizes.size(ty).size_wasm32(), sizes.align(ty).align_wasm32()));
        if let Some(ty) = &func.result {
            if let Some(payload) = result_payload(&resolve, &sizes, ty) {
                consts.push((vec![fname.clone(), "result".into(), "payload".into()], (payload)));
            }
        }
        let needs_post = func.result.as_ref().is_some_and(|ty| owns_memory(&resolve, ty));
        exports.push(Export {
            func: fname.clone(),
            post: needs_post.then(|| format!("cabi_post_{name}")),
            name,
            params: flat(&sig.params),
            results: flat(&sig.results),
            indirect_params: sig.indirect_params,
            ret_area,
        });
    }
    Ok(Layout { interface, consts, exports })
}

/// Payload offset, element size and nested record offsets of a field's type.
fn field_details(
    resolve: &Resolve,
    sizes: &SizeAlign,
    name: &[String],
    at: usize,
    ty: &Type,
    consts: &mut Vec<(Vec<String>, usize)>,
) {
    let Type::Id(id) = ty else { return };
    let with = |suffix: &str| name.iter().cloned().chain([suffix.to_string()]).collect::<Vec<_>>();
    match &resolve.types[*id].kind {
        TypeDefKind::Option(inner) => {
            let payload = sizes.payload_offset(wit_parser::Int::U8, [None, Some(inner)]).size_wasm32();
            consts.push((with("payload"), (at + payload)));
        }
        TypeDefKind::List(elem) => {
            consts.push((with("elem-size"), (sizes.size(elem).size_wasm32())));
            consts.push((with("elem-align"), (sizes.align(elem).align_wasm32())));
            if let Type::Id(eid) = elem {
                if let TypeDefKind::Option(inner) = &resolve.types[*eid].kind {
                    let payload = sizes.payload_offset(wit_parser::Int::U8, [None, Some(inner)]).size_wasm32();
                    consts.push((with("elem-payload"), (payload)));
                }
            }
        }
        TypeDefKind::Type(inner) => field_details(resolve, sizes, name, at, inner, consts),
        _ => {}
    }
}

/// Offset of the ok/err payload in a `result` (both cases share it).
fn result_payload(resolve: &Resolve, sizes: &SizeAlign, ty: &Type) -> Option<usize> {
    let Type::Id(id) = ty else { return None };
    match &resolve.types[*id].kind {
        TypeDefKind::Result(r) => {
            Some(sizes.payload_offset(wit_parser::Int::U8, [r.ok.as_ref(), r.err.as_ref()]).size_wasm32())
        }
        _ => None,
    }
}

/// Whether a value of `ty` points at memory the callee allocated (strings, lists).
fn owns_memory(resolve: &Resolve, ty: &Type) -> bool {
    match ty {
        Type::String => true,
        Type::Id(id) => match &resolve.types[*id].kind {
            TypeDefKind::List(_) => true,
            TypeDefKind::Record(r) => r.fields.iter().any(|f| owns_memory(resolve, &f.ty)),
            TypeDefKind::Option(t) | TypeDefKind::Type(t) => owns_memory(resolve, t),
            TypeDefKind::Result(r) => {
                r.ok.as_ref().is_some_and(|t| owns_memory(resolve, t))
                    || r.err.as_ref().is_some_and(|t| owns_memory(resolve, t))
            }
            TypeDefKind::Variant(v) => v.cases.iter().any(|c| c.ty.as_ref().is_some_and(|t| owns_memory(resolve, t))),
            _ => false,
        },
        _ => false,
    }
}

fn flat(types: &[WasmType]) -> String {
    types
        .iter()
        .map(|t| match t {
            WasmType::I32 | WasmType::Pointer | WasmType::Length => "i32",
            WasmType::I64 | WasmType::PointerOrI64 => "i64",
            WasmType::F32 => "f32",
            WasmType::F64 => "f64",
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Every export (and post-return) the layout names must exist in the core module with the
/// flat signature the canonical ABI gives it.
fn verify_against_module(layout: &Layout, core: &[u8]) -> Result<()> {
    let mut types = Vec::new();
    let mut func_types = Vec::new();
    let mut imported_funcs = 0;
    let mut exports = BTreeMap::new();
    for payload in wasmparser::Parser::new(0).parse_all(core) {
        match payload? {
            wasmparser::Payload::TypeSection(r) => {
                for group in r {
                    for sub in group?.into_types() {
                        types.push(sub.unwrap_func().clone());
                    }
                }
            }
            wasmparser::Payload::ImportSection(r) => {
                for imp in r.into_imports() {
                    if matches!(imp?.ty, wasmparser::TypeRef::Func(_)) {
                        imported_funcs += 1;
                    }
                }
            }
            wasmparser::Payload::FunctionSection(r) => {
                for t in r {
                    func_types.push(t?);
                }
            }
            wasmparser::Payload::ExportSection(r) => {
                for e in r {
                    let e = e?;
                    if e.kind == wasmparser::ExternalKind::Func {
                        exports.insert(e.name.to_string(), e.index);
                    }
                }
            }
            _ => {}
        }
    }
    let sig = |name: &str| -> Result<(String, String)> {
        let index = *exports.get(name).with_context(|| format!("core module lacks export {name}"))?;
        let ty = func_types.get(index as usize - imported_funcs).context("function index")?;
        let f = types.get(*ty as usize).context("type index")?;
        let render = |ts: &[wasmparser::ValType]| ts.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(",");
        Ok((render(f.params()), render(f.results())))
    };
    for e in &layout.exports {
        let (params, results) = sig(&e.name)?;
        if (params.as_str(), results.as_str()) != (e.params.as_str(), e.results.as_str()) {
            bail!("{}: module has ({params}) -> ({results}), WIT gives ({}) -> ({})", e.name, e.params, e.results);
        }
        match &e.post {
            Some(post) => {
                sig(post)?;
            }
            None if exports.contains_key(&format!("cabi_post_{}", e.name)) => {
                bail!("{} has an unexpected post-return", e.name)
            }
            None => {}
        }
    }
    sig("cabi_realloc")?;
    Ok(())
}

fn words(parts: &[String]) -> Vec<String> {
    parts.iter().flat_map(|p| p.split('-').map(str::to_string).collect::<Vec<_>>()).collect()
}

/// Exported Go identifier: `["prepare-many"]` -> `PrepareMany`, `["canonical-json"]` -> `CanonicalJSON`.
fn go_ident(parts: &[String]) -> String {
    words(parts)
        .iter()
        .map(|w| match w.as_str() {
            "json" | "sql" | "abi" => w.to_uppercase(),
            _ => {
                let mut c = w.chars();
                c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
            }
        })
        .collect()
}

fn java_ident(parts: &[String]) -> String {
    words(parts).iter().map(|w| w.to_uppercase()).collect::<Vec<_>>().join("_")
}

const HEADER: &str = "Code generated by wit/codegen (scripts/build-wasm.sh) from wit/awa-enqueue.wit; DO NOT EDIT.";

/// Go source as gofmt writes it: `=` aligned within each block.
fn render_go(l: &Layout) -> String {
    let mut s = format!("// {HEADER}\n\npackage abi\n\n");
    s.push_str("// Interface is the WIT interface whose exports the core module carries.\n");
    s.push_str(&format!("const Interface = {:?}\n\n", l.interface));
    s.push_str("// Sizes, alignments and offsets (bytes, wasm32) of the WIT types, by the canonical ABI.\nconst (\n");
    let consts: Vec<(String, String)> = l.consts.iter().map(|(name, n)| (go_ident(name), n.to_string())).collect();
    push_aligned(&mut s, &consts);
    s.push_str(")\n\n");
    s.push_str("// Export describes one export of the core module: its name, its post-return function\n");
    s.push_str("// (\"\" when none), its flat core signature, and its return area (size 0 when none).\n");
    s.push_str("type Export struct {\n\tName, Post, Params, Results string\n\tIndirectParams              bool\n\tRetSize, RetAlign           uint32\n}\n\n");
    s.push_str("// Exports of interface core.\nvar (\n");
    let exports: Vec<(String, String)> = l
        .exports
        .iter()
        .map(|e| {
            let (size, align) = e.ret_area.unwrap_or((0, 0));
            let value = format!(
                "Export{{Name: {:?}, Post: {:?}, Params: {:?}, Results: {:?}, IndirectParams: {}, RetSize: {size}, RetAlign: {align}}}",
                e.name,
                e.post.clone().unwrap_or_default(),
                e.params,
                e.results,
                e.indirect_params
            );
            (go_ident(std::slice::from_ref(&e.func)), value)
        })
        .collect();
    push_aligned(&mut s, &exports);
    s.push_str(")\n\n// All lists every export, for checks at instantiation.\nvar All = []Export{");
    s.push_str(&exports.iter().map(|(ident, _)| ident.as_str()).collect::<Vec<_>>().join(", "));
    s.push_str("}\n");
    s
}

fn push_aligned(s: &mut String, items: &[(String, String)]) {
    let width = items.iter().map(|(ident, _)| ident.len()).max().unwrap_or(0);
    for (ident, value) in items {
        s.push_str(&format!("\t{ident:width$} = {value}\n"));
    }
}

fn render_java(l: &Layout) -> String {
    let mut s = format!("// {HEADER}\npackage dev.awa.enqueue;\n\nimport java.util.List;\n\n");
    s.push_str("/** Canonical-ABI layout of the core module's WIT interface (sizes, offsets, exports). */\n");
    s.push_str("final class Layout {\n    private Layout() {}\n\n");
    s.push_str(&format!("    static final String INTERFACE = {:?};\n\n", l.interface));
    for (name, n) in &l.consts {
        s.push_str(&format!("    static final int {} = {n};\n", java_ident(name)));
    }
    s.push_str("\n    /** One export: name, post-return (\"\" when none), flat core signature, return area (size 0 when none). */\n");
    s.push_str("    record Export(String name, String post, String params, String results, boolean indirectParams, int retSize, int retAlign) {}\n\n");
    for e in &l.exports {
        let (size, align) = e.ret_area.unwrap_or((0, 0));
        s.push_str(&format!(
            "    static final Export {} = new Export({:?}, {:?}, {:?}, {:?}, {}, {size}, {align});\n",
            java_ident(std::slice::from_ref(&e.func)),
            e.name,
            e.post.clone().unwrap_or_default(),
            e.params,
            e.results,
            e.indirect_params
        ));
    }
    s.push_str(&format!(
        "\n    static final List<Export> ALL = List.of({});\n}}\n",
        l.exports.iter().map(|e| java_ident(std::slice::from_ref(&e.func))).collect::<Vec<_>>().join(", ")
    ));
    s
}
