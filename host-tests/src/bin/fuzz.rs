//! Fuzzer over every WIT export, natively and through the wasm component (see host_tests::fuzz).
//!   fuzz [--inputs N] [--seed S] [--threads T] [--native-only | --wasm-only] [--only I]
//!        [--max-bytes B] [--max-batch J] [--warmup-rounds R] [--max-wasm-mib M]
//! Exits 1 on a trap, panic, untyped error, mismatch or linear memory growth after the warm-up,
//! printing the seed, the input index, the input and the command that replays it.

use host_tests::fuzz::{self, Config};

fn main() {
    let mut cfg = Config {
        seed: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64 % 1_000_000_000_000),
        ..Config::default()
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = |name: &str| -> u64 {
            let v = args.next().unwrap_or_else(|| usage(&format!("{name} needs a value")));
            v.replace('_', "").parse().unwrap_or_else(|_| usage(&format!("{name}: not a number: {v}")))
        };
        match flag.as_str() {
            "--inputs" => cfg.inputs = value("--inputs"),
            "--seed" => cfg.seed = value("--seed"),
            "--threads" => cfg.threads = value("--threads") as usize,
            "--only" => cfg.only = Some(value("--only")),
            "--max-bytes" => cfg.limits.max_bytes = value("--max-bytes") as usize,
            "--max-batch" => cfg.limits.max_batch = value("--max-batch") as usize,
            "--warmup-rounds" => cfg.warmup_rounds = value("--warmup-rounds") as usize,
            "--max-wasm-mib" => cfg.wasm_cap = (value("--max-wasm-mib") as usize) << 20,
            "--native-only" => cfg.wasm = false,
            "--wasm-only" => cfg.native = false,
            other => usage(&format!("unknown argument {other}")),
        }
    }
    if !cfg.native && !cfg.wasm {
        usage("--native-only and --wasm-only exclude each other");
    }
    cfg.progress_every = if cfg.inputs >= 2_000_000 { 1_000_000 } else { 0 };
    eprintln!("fuzz: seed {}, {} inputs", cfg.seed, cfg.inputs);
    let report = fuzz::run(&cfg).unwrap_or_else(|e| {
        eprintln!("fuzz: {e:#}");
        std::process::exit(2)
    });
    if let Some(i) = cfg.only {
        let corpus = fuzz::input::Corpus::load().expect("testdata");
        println!("input {i}: {:?}", fuzz::input::generate(&corpus, cfg.limits, cfg.seed, i));
    }
    print!("{report}");
    std::process::exit(if report.ok() { 0 } else { 1 });
}

fn usage(problem: &str) -> ! {
    eprintln!(
        "fuzz: {problem}\nusage: fuzz [--inputs N] [--seed S] [--threads T] [--native-only | --wasm-only] \
         [--only I] [--max-bytes B] [--max-batch J] [--warmup-rounds R] [--max-wasm-mib M]"
    );
    std::process::exit(2)
}
