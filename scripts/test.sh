#!/usr/bin/env bash
# Every test of the project, on a fresh machine: core module reproducibility, Rust unit tests,
# wasmtime host tests against awa-model 0.6.9 (incl. the PostgreSQL contract and round trips),
# the SQL contract suite, then each language host. Starts its own PostgreSQL unless DATABASE_URL
# is set.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

[ -n "${DATABASE_URL:-}" ] || exec scripts/with-db.sh "$0" "$@"

step() { printf '\n=== %s\n' "$*"; }

step "core module: committed bytes equal a fresh reproducible build"
scripts/build-wasm.sh --check

step "Rust: core unit tests, wasmtime host tests, database tests"
cargo test --locked --release --workspace

step "SQL contract suite (psql, both storage modes)"
scripts/test-sql-contract.sh

for host in node go jvm; do
  if [ -x "scripts/test-$host.sh" ]; then
    step "$host host"
    "scripts/test-$host.sh"
  fi
done
step "all test suites passed"
