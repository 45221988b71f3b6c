#!/usr/bin/env bash
# The main job: one Awa fleet on one throwaway PostgreSQL (from Debian's packages, unless
# DATABASE_URL is set). Awa's schema is installed by Awa's own migrator in queue-storage mode;
# Awa's Rust worker (awa crate) and Python worker (awa-pg) run while producers in Node, Go and
# the JVM (this project's packages) and in Rust (awa-model) and Python (awa-pg) enqueue the same
# logical jobs. Shows cross-language dedup, one enqueue shard, one partition, who ran what.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -n "${DATABASE_URL:-}" ] || exec "$root/scripts/with-db.sh" "$0" "$@"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}/release"
log="$(mktemp /tmp/awa-enqueue-demo-build.XXXXXX.log)"
echo "Building the producers and workers (log: $log) ..."
{
  scripts/setup-python.sh >/dev/null
  cargo build --locked --release -p host-tests --bin demo --bin awa-rust-worker
  (cd js && { [ -d node_modules/pg ] || npm ci --no-audit --no-fund --loglevel=error; })
  (cd go-example && go build -o "$target/go-conformance" ./cmd/conformance)
  jvm-example/conformance </dev/null
} >"$log" 2>&1 || { cat "$log" >&2; echo "demo: build failed" >&2; exit 1; }
echo
"$target/demo" \
  "Node=node $root/js/bin/conformance.mjs" \
  "Go=$target/go-conformance" \
  "JVM=$root/jvm-example/conformance"
rm -f "$log"
