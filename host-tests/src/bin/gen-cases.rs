//! Fresh conformance cases with expected results from awa-model 0.6.9 (docs/conformance.md):
//!   gen-cases --seed S --n N --out DIR   -> DIR/cases.jsonl, DIR/expected.jsonl
//! The same seed and count always give the same files.

use host_tests::fresh;
use std::io::Write;
use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    let (mut seed, mut n, mut out) = (None, 20_000usize, None);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or_else(|| anyhow::anyhow!("{a} needs a value"));
        match a.as_str() {
            "--seed" => seed = Some(value()?.parse::<u64>()?),
            "--n" => n = value()?.parse()?,
            "--out" => out = Some(PathBuf::from(value()?)),
            other => anyhow::bail!("unknown argument {other}; usage: gen-cases --seed S --n N --out DIR"),
        }
    }
    let (Some(seed), Some(out)) = (seed, out) else { anyhow::bail!("usage: gen-cases --seed S --n N --out DIR") };
    std::fs::create_dir_all(&out)?;
    let cases = fresh::fresh_cases(seed, n);
    let mut c = std::io::BufWriter::new(std::fs::File::create(out.join("cases.jsonl"))?);
    let mut e = std::io::BufWriter::new(std::fs::File::create(out.join("expected.jsonl"))?);
    for (case, expected) in &cases {
        writeln!(c, "{case}")?;
        writeln!(e, "{expected}")?;
    }
    c.flush()?;
    e.flush()?;
    eprintln!("gen-cases: seed {seed}, {} cases -> {}", cases.len(), out.display());
    Ok(())
}
