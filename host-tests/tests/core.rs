//! The core module through the wasm component (wasmtime) against awa-model 0.6.9.

use awa_enqueue::Placeholders;
use host_tests::backend::{Backend, Native};
use host_tests::cases::{compare, run_line};
use host_tests::component::WasmCore;
use host_tests::gen::{self, Rng};
use host_tests::oracle;
use serde_json::Value;

fn read_lines(path: &str) -> Vec<String> {
    std::fs::read_to_string(host_tests::repo_root().join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

fn check_lines(backend: &mut dyn Backend, cases: &[String], expected: &[String]) -> Vec<String> {
    assert_eq!(cases.len(), expected.len());
    cases
        .iter()
        .zip(expected)
        .filter_map(|(case, exp)| {
            let exp: Value = serde_json::from_str(exp).expect("expected line");
            let got = run_line(backend, case);
            compare(&exp, &got).err().map(|e| format!("{}: {e}", exp["id"]))
        })
        .collect()
}

fn seed() -> u64 {
    std::env::var("AWA_DIFF_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1)
    })
}

/// At least 10,000 fresh cases per run: awa-model computes expected values from native values, the
/// component and the native core get non-canonical spellings of the same values.
#[test]
fn differential_against_awa_model() {
    let seed = seed();
    let n: usize = std::env::var("AWA_DIFF_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(12_000);
    let cases = oracle::generate(seed, n, "d-");
    let mut wasm = WasmCore::load().expect("load component");
    let mut mismatches = Vec::new();
    for (line, exp) in &cases {
        let line = line.to_string();
        for (name, got) in [("wasm", run_line(&mut wasm, &line)), ("native", run_line(&mut Native, &line))] {
            if let Err(e) = compare(exp, &got) {
                mismatches.push(format!("{name} {}: {e}\n  case: {line}", exp["id"]));
            }
        }
    }
    println!("differential: seed {seed}, {n} cases, {} mismatches", mismatches.len());
    assert!(
        mismatches.is_empty(),
        "seed {seed} (rerun with AWA_DIFF_SEED={seed}):\n{}",
        mismatches[..mismatches.len().min(20)].join("\n")
    );
}

#[test]
fn component_reproduces_testdata() {
    let mut wasm = WasmCore::load().expect("load component");
    let bad = check_lines(&mut wasm, &read_lines("testdata/vectors.jsonl"), &read_lines("testdata/expected.jsonl"));
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    let bad = check_lines(
        &mut wasm,
        &read_lines("testdata/bad-inputs.jsonl"),
        &read_lines("testdata/bad-inputs.expected.jsonl"),
    );
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// The committed testdata is exactly what the generator writes today.
#[test]
fn testdata_is_regenerated_identically() {
    let dir = std::env::temp_dir().join(format!("awa-enqueue-vectors-{}", std::process::id()));
    let status =
        std::process::Command::new(env!("CARGO_BIN_EXE_gen-vectors")).arg(&dir).status().expect("run gen-vectors");
    assert!(status.success());
    for name in ["vectors.jsonl", "expected.jsonl", "bad-inputs.jsonl", "bad-inputs.expected.jsonl"] {
        let fresh = std::fs::read(dir.join(name)).expect("fresh");
        let committed = std::fs::read(host_tests::repo_root().join("testdata").join(name)).expect("committed");
        assert!(fresh == committed, "testdata/{name} differs from a fresh `gen-vectors` run; regenerate and commit");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn core_module_has_zero_imports_and_speaks_the_contract() {
    let bytes = std::fs::read(host_tests::component::core_module_path()).expect("core module");
    let engine = wasmtime::Engine::default();
    let module = wasmtime::Module::new(&engine, &bytes).expect("valid core module");
    assert_eq!(module.imports().count(), 0, "core module must not import anything");
    let mut wasm = WasmCore::from_core(&bytes).expect("component");
    let c = wasm.contract();
    assert_eq!((c.awa_version.as_str(), c.abi_version), (awa_enqueue::AWA_VERSION, awa_enqueue::ABI_VERSION));
    assert_eq!((c.min_schema_version, c.max_tested_schema_version), (40, 43));
    for style in [Placeholders::Dollar, Placeholders::Question] {
        assert_eq!(wasm.insert_sql(style), awa_enqueue::insert_sql(style));
        assert_eq!(wasm.try_insert_sql(style), awa_enqueue::try_insert_sql(style));
        assert_eq!(wasm.existing_job_sql(style), awa_enqueue::existing_job_sql(style));
        assert_eq!(wasm.insert_many_sql(style), awa_enqueue::insert_many_sql(style));
    }
}

/// A batch is all or nothing and names the failing job.
#[test]
fn batches_are_all_or_nothing() {
    let mut wasm = WasmCore::load().expect("load component");
    let good = awa_enqueue::Job { kind: "k".into(), ..Default::default() };
    let bad = awa_enqueue::Job { kind: "k".into(), priority: Some(9), ..Default::default() };
    let ok = wasm.prepare_many(&[good.clone(), good.clone()]).expect("two good jobs");
    assert_eq!(ok.len(), 2);
    let err = wasm.prepare_many(&[good.clone(), bad.clone(), good.clone()]).unwrap_err();
    assert_eq!((err.code.as_str(), err.field.as_str()), ("priority_out_of_range", "jobs[1].priority"));
    let err = wasm.insert_many_binds(&[good.clone(), good.clone(), bad]).unwrap_err();
    assert_eq!((err.code.as_str(), err.field.as_str()), ("priority_out_of_range", "jobs[2].priority"));
    assert_eq!(wasm.prepare_many(&[]).unwrap_err().code.as_str(), "empty_batch");
    assert_eq!(wasm.insert_many_binds(&[]).unwrap_err().code.as_str(), "empty_batch");
    let jobs: Vec<awa_enqueue::Job> = (0..50)
        .map(|i| awa_enqueue::Job { kind: "k".into(), queue: Some(format!("q{}", i % 7)), ..Default::default() })
        .collect();
    for split in [awa_enqueue::BatchSplit::ByQueue, awa_enqueue::BatchSplit::Contiguous] {
        assert_eq!(
            wasm.insert_many_parts(&jobs, 3, split).unwrap(),
            awa_enqueue::insert_many_parts(&jobs, 3, split).unwrap()
        );
    }
    let many = vec![good; 20_000];
    assert_eq!(wasm.insert_many_binds(&many).expect("no batch-size cap").len(), awa_enqueue::sql::INSERT_MANY_BINDS);
}

/// Hostile input never traps the module: random text and bytes into every text entry point.
#[test]
fn hostile_input_never_traps() {
    let mut wasm = WasmCore::load().expect("load component");
    let mut rng = Rng::new(seed());
    for i in 0..3000 {
        let text: String = match i % 3 {
            0 => gen::gen_string(&mut rng, 64, true),
            1 => {
                let v = gen::gen_value(&mut rng, 4, true);
                let mut s = gen::spelled(&mut rng, &v);
                let cut = rng.below(s.len() + 1);
                s.truncate((0..=cut).rev().find(|&c| s.is_char_boundary(c)).unwrap_or(0));
                s
            }
            _ => "[".repeat(rng.below(5000)),
        };
        let _ = wasm.canonical_json(&text);
        let _ = wasm.unique_key(&text, Some(&text), Some(&text), Some(rng.next_u64() as i64));
        let _ = wasm.kind_from_type_name(&text);
        let job = awa_enqueue::Job {
            kind: text.clone(),
            args_json: Some(text.clone()),
            queue: Some(text.clone()),
            run_at: Some(text.clone()),
            metadata_json: Some(text.clone()),
            tags: vec![text.clone()],
            priority: Some(rng.next_u64() as i64),
            ..Default::default()
        };
        let _ = wasm.prepare(&job);
    }
    let huge = format!("[{}]", vec!["1.5"; 200_000].join(","));
    assert!(wasm.canonical_json(&huge).is_ok());
}
