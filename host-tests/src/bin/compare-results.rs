//! Compare a conformance runner's result lines with expected ones (docs/conformance.md rules):
//!   compare-results EXPECTED.jsonl ACTUAL.jsonl
//! Prints the first mismatches and a summary; exits 1 on any mismatch or a missing/extra line.

use host_tests::cases::compare;
use serde_json::Value;

fn lines(path: &str) -> anyhow::Result<Vec<Value>> {
    let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{path}: {e}"))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| anyhow::anyhow!("{path}:{}: not JSON: {e}", i + 1)))
        .collect()
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [expected, actual] = args.as_slice() else {
        anyhow::bail!("usage: compare-results EXPECTED.jsonl ACTUAL.jsonl")
    };
    let (exp, act) = (lines(expected)?, lines(actual)?);
    let mut mismatches: Vec<String> = exp
        .iter()
        .zip(&act)
        .filter_map(|(e, a)| compare(e, a).err().map(|why| format!("{}: {why}", e["id"])))
        .collect();
    if exp.len() != act.len() {
        mismatches.push(format!("{} expected lines, {} actual lines", exp.len(), act.len()));
    }
    for m in mismatches.iter().take(20) {
        eprintln!("mismatch {m}");
    }
    println!("compare-results: {} cases, {} mismatches ({actual} vs {expected})", exp.len(), mismatches.len());
    if !mismatches.is_empty() {
        std::process::exit(1);
    }
    Ok(())
}
