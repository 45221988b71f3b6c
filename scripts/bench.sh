#!/usr/bin/env bash
# Benchmarks (not tests): the Rust bench (awa-model, native core, core in wasmtime), Node, Go and,
# when jvm-example has a runnable bench, the JVM, one after the other against one PostgreSQL
# server. Each prints `RESULT host=... metric=... value=...` lines; this prints them as a Markdown
# table with ratios measured in this one run (prepare vs rust-native, enqueue_many vs awa-model's
# insert_many in the same storage mode). Uses DATABASE_URL's server or a throwaway one.
#   scripts/bench.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
[ -n "${DATABASE_URL:-}" ] || exec scripts/with-db.sh "$0" "$@"
tmp="$(mktemp -d /tmp/awa-enqueue-bench.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT

echo "== build" >&2
cargo build -q --locked --release -p host-tests --bin bench
[ -d js/node_modules/pg ] || (cd js && npm ci --no-audit --no-fund >&2)
(cd go-example && go build -o "$tmp/go-bench" ./cmd/bench)
jvm_bench=jvm-example/example/src/main/java/dev/awa/enqueue/example/Bench.java
jvm=""
if [ -f "$jvm_bench" ] && grep -qE 'jvm prepare: |RESULT host=jvm' "$jvm_bench" && command -v mvn >/dev/null; then
  (cd jvm-example && mvn -B -q -ntp -DskipTests package >&2) && jvm=1 || echo "bench.sh: jvm-example does not build" >&2
fi

failed=0
run() { # name command...: stream its output, keep its RESULT lines
  echo "== $1" >&2
  shift
  "$@" 2>&1 | tee -a "$tmp/out" >&2 || { echo "bench.sh: failed: $*" >&2; failed=1; }
}
load_start="$(uptime)"
run rust "${CARGO_TARGET_DIR:-$root/target}/release/bench"
run node node js/bench/bench.mjs --db
run go "$tmp/go-bench" "$root"
if [ -n "$jvm" ]; then
  # One run per storage mode; its enqueueMany uses 1000 small jobs of its own per statement.
  for mode in canonical queue_storage; do
    run jvm env AWA_ENQUEUE_ROOT="$root" java -cp "jvm-example/example/target/classes:jvm-example/example/target/lib/*" \
      dev.awa.enqueue.example.Bench --seconds 5 "$(scripts/new-awa-db.sh "bench_jvm_$mode" "$mode")"
  done
else
  echo "== jvm: no runnable bench printing 'jvm prepare: N calls/s' (skipped)" >&2
fi
load_end="$(uptime)"

# `jvm prepare: N calls/s` counts as a RESULT line when the JVM bench prints none of its own.
if ! grep -q '^RESULT host=jvm ' "$tmp/out"; then
  sed -nE 's/^jvm prepare: ([0-9.]+) calls\/s.*/RESULT host=jvm metric=prepare value=\1 unit=calls\/s/p' "$tmp/out" | head -n 1 >>"$tmp/out"
  sed -nE 's/^jvm enqueueMany\(1000\) ([a-z_]+): ([0-9.]+) jobs\/s.*/RESULT host=jvm metric=enqueue_many mode=\1 value=\2 unit=jobs\/s/p' "$tmp/out" >>"$tmp/out"
fi
grep '^RESULT ' "$tmp/out" >"$tmp/results" || true

python3 - "$tmp/results" <<'PY'
import sys
rows = []
for line in open(sys.argv[1]):
    f = dict(kv.split("=", 1) for kv in line.split()[1:])
    f["value"] = float(f["value"])
    rows.append(f)
prep = [r for r in rows if r["metric"] == "prepare"]
base = next((r["value"] for r in prep if r["host"] == "rust-native"), None)
print("| host | storage mode | prepare calls/s | vs rust-native |")
print("|---|---|---:|---:|")
for r in prep:
    ratio = f"{r['value'] / base:.2f}" if base else "-"
    print(f"| {r['host']} | none (no database) | {r['value']:,.0f} | {ratio} |")
print()
print("| host | storage mode | enqueue_many jobs/s (1000 rows/statement) | vs awa-model insert_many, same mode |")
print("|---|---|---:|---:|")
for mode in ("canonical", "queue_storage"):
    many = [r for r in rows if r["metric"] == "enqueue_many" and r.get("mode") == mode]
    base = next((r["value"] for r in many if r["host"] == "awa-model"), None)
    for r in many:
        ratio = f"{r['value'] / base:.2f}" if base else "-"
        print(f"| {r['host']} | {mode} | {r['value']:,.0f} | {ratio} |")
PY
echo
echo "Machine load (uptime) at the start: ${load_start# }"
echo "Machine load (uptime) at the end:   ${load_end# }"
exit $failed
