//! Write testdata/ from awa-model 0.6.9: conformance cases and their expected results.
//!   cargo run --release -p host-tests --bin gen-vectors [-- OUT_DIR]

use host_tests::oracle;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;

pub const VECTOR_SEED: u64 = 0x00a0_a069;
pub const RANDOM_VECTORS: usize = 1500;

fn write_lines(path: PathBuf, lines: impl Iterator<Item = serde_json::Value>) -> std::io::Result<()> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    for line in lines {
        writeln!(f, "{line}")?;
    }
    f.flush()
}

fn main() -> std::io::Result<()> {
    let out = std::env::args().nth(1).map(PathBuf::from).unwrap_or_else(|| host_tests::repo_root().join("testdata"));
    std::fs::create_dir_all(&out)?;
    let vectors = oracle::vectors(VECTOR_SEED, RANDOM_VECTORS);
    write_lines(out.join("vectors.jsonl"), vectors.iter().map(|(c, _)| c.clone()))?;
    write_lines(out.join("expected.jsonl"), vectors.iter().map(|(_, e)| e.clone()))?;
    let bad = oracle::bad_inputs();
    write_lines(out.join("bad-inputs.jsonl"), bad.iter().map(|(c, _, _)| c.clone()))?;
    write_lines(
        out.join("bad-inputs.expected.jsonl"),
        bad.iter().map(|(c, code, field)| json!({"id": c["id"], "error": {"code": code, "field": field}})),
    )?;
    eprintln!("gen-vectors: {} vectors, {} bad inputs -> {}", vectors.len(), bad.len(), out.display());
    Ok(())
}
