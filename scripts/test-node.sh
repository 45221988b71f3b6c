#!/usr/bin/env bash
# Node host (js/, npm package awa-enqueue): install pinned dev dependencies, verify that the
# committed generated/ bindings are exactly what jco builds from wasm/awa_enqueue.wasm, then run
# every Node test (golden vectors, bad inputs, API, PostgreSQL + real Awa worker, dedup against
# Awa's Python and Rust producers, npm pack).
# Needs DATABASE_URL (use scripts/with-db.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
: "${DATABASE_URL:?DATABASE_URL must be set (run via scripts/with-db.sh)}"
command -v node >/dev/null || { echo "test-node: node is required" >&2; exit 1; }
cd "$root/js"
npm ci --no-audit --no-fund --loglevel=error
node build.mjs --check
"$root/scripts/setup-python.sh" >/dev/null
# Awa's own Rust producer (awa-model insert_many) for the live dedup tests
(cd "$root" && cargo build -q --locked --release -p host-tests --bin awa-rust-insert)
export AWA_RUST_INSERT="${CARGO_TARGET_DIR:-$root/target}/release/awa-rust-insert"
node --test --test-concurrency=1 test/
