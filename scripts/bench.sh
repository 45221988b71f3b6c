#!/usr/bin/env bash
# Benchmarks (not tests): every host's batch, parallel and single-job enqueue and cold start,
# interleaved with Awa's own Rust producer (awa-model) on fresh databases of one PostgreSQL, both
# storage modes; writes docs/benchmarks.md and docs/benchmarks.svg (scripts/bench.py).
#   scripts/bench.sh [--rounds N] [--quick] [--hosts Node,Go,JVM,Rust] [--out FILE]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -n "${DATABASE_URL:-}" ] || exec "$root/scripts/with-db.sh" "$0" "$@"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}/release"
hosts=Node,Go,JVM,Rust out=docs/benchmarks.md
args=("$@")
for i in "${!args[@]}"; do
  case "${args[$i]}" in
    --hosts) hosts="${args[$((i + 1))]:-}" ;;
    --out) out="${args[$((i + 1))]:-}" ;;
  esac
done
jvm=; [[ ",$hosts," == *,JVM,* ]] && jvm=jvm
scripts/setup.sh python node go $jvm
cargo build -q --locked --release -p host-tests --bin bench
(cd go-example && go build -o "$target/go-bench" ./cmd/bench)
if [ -n "$jvm" ]; then jvm-example/bench --help >/dev/null 2>&1 || true; fi   # builds the jar when stale
python3 scripts/bench.py "$root" "$target" "$@"
echo "bench: wrote $out and ${out%.md}.svg"
