//! Derive the component from the committed core module: componentize [CORE] [OUT].

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let core = args.next().map(Into::into).unwrap_or_else(host_tests::component::core_module_path);
    let out = args.next().unwrap_or_else(|| "target/awa_enqueue.component.wasm".into());
    let component = host_tests::component::componentize(&std::fs::read(&core)?)?;
    std::fs::write(&out, &component)?;
    eprintln!("componentize: {} -> {out} ({} bytes)", core.display(), component.len());
    Ok(())
}
