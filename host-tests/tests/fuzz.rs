//! A short fuzz run (host_tests::fuzz) so `cargo test` covers the fuzzer: a few thousand inputs
//! over every export, natively and through the component, with smaller huge inputs. The long
//! runs are `cargo run --release -p host-tests --bin fuzz -- --inputs N` (docs/testing.md).

use host_tests::fuzz::{self, input::Limits, Config};

#[test]
fn fuzz_every_export_native_and_wasm() {
    let env = |name: &str| std::env::var(name).ok().and_then(|s| s.parse::<u64>().ok());
    let seed = env("AWA_FUZZ_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64)
    });
    let cfg = Config {
        inputs: env("AWA_FUZZ_INPUTS").unwrap_or(5_000),
        seed,
        limits: Limits { max_bytes: 256 << 10, max_batch: 2_000 },
        ..Config::default()
    };
    let report = fuzz::run(&cfg).expect("fuzz run");
    println!("{report}");
    assert!(report.ok(), "rerun with AWA_FUZZ_SEED={seed}:\n{report}");
    assert_eq!(report.inputs, cfg.inputs);
    assert_eq!(report.per_export.len(), 22, "every export ran: {:?}", report.per_export.keys());
}
