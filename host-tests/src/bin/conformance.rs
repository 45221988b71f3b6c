//! Conformance runner (shared/conformance.md) through the wasm component in wasmtime:
//! case lines on stdin, one result line per case on stdout, in order.

use host_tests::cases::{error_line, run_line};
use host_tests::component::WasmCore;
use std::io::{BufRead, BufWriter, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};

fn main() -> anyhow::Result<()> {
    let mut core = WasmCore::load()?;
    let stdin = std::io::stdin();
    let mut out = BufWriter::new(std::io::stdout().lock());
    std::panic::set_hook(Box::new(|_| {}));
    for line in stdin.lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let result = match catch_unwind(AssertUnwindSafe(|| run_line(&mut core, &line))) {
            Ok(v) => v,
            Err(_) => {
                core = WasmCore::load()?;
                let id = serde_json::from_str::<serde_json::Value>(&line).ok().and_then(|v| v.get("id").cloned());
                error_line(id.unwrap_or_default(), "module_trap", "", "the module trapped on this case")
            }
        };
        writeln!(out, "{result}")?;
    }
    out.flush()?;
    Ok(())
}
