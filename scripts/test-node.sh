#!/usr/bin/env bash
# Node host (js/, npm package awa-enqueue): install pinned dev dependencies, verify that the
# committed generated/ bindings are exactly what jco builds from wasm/awa_enqueue.wasm (with the
# exact-TextDecoder patch), run every Node test (golden values, string classes against the Rust
# runner, trap recovery, API, PostgreSQL with node-postgres and postgres.js + a real Awa worker,
# dedup against Awa's Python and Rust producers, npm pack), then the conformance runner over
# every case file in testdata/ and a fresh generated set, each checked by compare-results, then
# the runtime/bundler matrix (scripts/test-node-matrix.sh) and the other clients' recipes
# (scripts/test-node-drivers.sh).
# Needs DATABASE_URL (use scripts/with-db.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
: "${DATABASE_URL:?DATABASE_URL must be set (run via scripts/with-db.sh)}"
command -v node >/dev/null || { echo "test-node: node is required" >&2; exit 1; }
cd "$root/js"
npm ci --no-audit --no-fund --loglevel=error
node build.mjs --check
"$root/scripts/setup-python.sh" >/dev/null
# Awa's own Rust producer (awa-model insert_many) for the live dedup tests; the Rust runner and
# compare-results for the string-class and conformance checks; gen-cases for fresh cases
(cd "$root" && cargo build -q --locked --release -p host-tests \
  --bin awa-rust-insert --bin conformance --bin compare-results --bin gen-cases)
release="${CARGO_TARGET_DIR:-$root/target}/release"
export AWA_RUST_INSERT="$release/awa-rust-insert"
node --test --test-concurrency=1 test/*.test.mjs   # test/matrix, test/drivers, test/types: below and in lint

tmp="$(mktemp -d /tmp/awa-enqueue-node.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
compare() { # cases expected
  node "$root/js/bin/conformance.mjs" < "$1" > "$tmp/actual.jsonl"
  "$release/compare-results" "$2" "$tmp/actual.jsonl"
}
compare "$root/testdata/vectors.jsonl" "$root/testdata/expected.jsonl"
for cases in "$root"/testdata/bad-inputs*.jsonl; do
  case "$cases" in *.expected.jsonl) continue ;; esac
  compare "$cases" "${cases%.jsonl}.expected.jsonl"
done
"$release/gen-cases" --seed 7 --n 20000 --out "$tmp/fresh" >/dev/null
compare "$tmp/fresh/cases.jsonl" "$tmp/fresh/expected.jsonl"
# the packed package under other runtimes and bundlers
"$root/scripts/test-node-matrix.sh"
# other clients: Kysely, Drizzle, Prisma, Neon (docs/node.md)
"$root/scripts/test-node-drivers.sh"
