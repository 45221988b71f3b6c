//! Host-side test support: the wasm component under wasmtime, the conformance case format,
//! the awa-model 0.6.9 oracle and the case generator.

pub mod backend;
pub mod cases;
pub mod component;
pub mod db;
pub mod fresh;
pub mod fuzz;
pub mod gen;
pub mod oracle;

use std::path::PathBuf;

/// Repository root (host-tests lives one level below it).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("repo root").to_path_buf()
}
