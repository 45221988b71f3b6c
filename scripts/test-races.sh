#!/usr/bin/env bash
# Cross-language races (host-tests bin race): 36 concurrent producers (6 each of the Rust,
# Node, Go and JVM runners' --enqueue path, Awa's Rust producer awa-model and Python producer
# awa-pg) enqueue overlapping unique jobs and their own jobs while Awa's Rust and Python workers
# drain the queues, in both storage modes; then 8 concurrent multi-queue batch producers (2 per
# host) in queue storage. The counts must balance exactly, with no deadlock.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -n "${DATABASE_URL:-}" ] || exec "$root/scripts/with-db.sh" "$0" "$@"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}/release"
scripts/setup-python.sh >/dev/null
cargo build -q --locked --release -p host-tests --bin race --bin conformance --bin awa-rust-insert --bin awa-rust-worker
(cd go-example && go build -o "$target/go-conformance" ./cmd/conformance)
"$target/race" --per-host 6 --batch-producers-per-host 2 \
  "rust=$target/conformance" "node=node $root/js/bin/conformance.mjs" "go=$target/go-conformance" "jvm=$root/jvm-example/conformance"
