#!/usr/bin/env bash
# All JVM host tests: `mvn verify` of jvm-example (golden vectors, bad inputs, edge cases,
# concurrency, the ABI handshake, and with DATABASE_URL set: PostgreSQL, real Awa Python workers,
# Awa's Python and Rust producers), then the conformance script vs testdata/ (and the JVM edge
# cases), compared by host-tests' compare-results.
# Usage: scripts/with-db.sh scripts/test-jvm.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

if ! command -v mvn >/dev/null || ! command -v javac >/dev/null; then
  echo "test-jvm: installing Maven and JDK 17 from Debian packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq maven openjdk-17-jdk-headless >&2
fi
target="${CARGO_TARGET_DIR:-$root/target}"
# the one comparison of runner output (docs/conformance.md)
(cd "$root" && cargo build -q --locked --release -p host-tests --bin compare-results)
export AWA_COMPARE_RESULTS="$target/release/compare-results"
if [ -n "${DATABASE_URL:-}" ]; then
  "$root/scripts/setup-python.sh" >/dev/null
  # Awa's own Rust producer (awa-model insert_many) for the live dedup tests
  (cd "$root" && cargo build -q --locked --release -p host-tests --bin awa-rust-insert)
  export AWA_RUST_INSERT="$target/release/awa-rust-insert"
fi
[ -n "${DATABASE_URL:-}" ] || echo "test-jvm: DATABASE_URL unset, database tests will be skipped" >&2

log="$(mktemp /tmp/awa-enqueue-mvn.XXXXXX.log)"
cd "$root/jvm-example"
set +e
mvn -B -ntp verify >"$log" 2>&1
status=$?
set -e
if [ $status -ne 0 ]; then
  grep -E '^\[(ERROR|WARNING)\]|FAIL|Tests run:' "$log" | head -80 >&2
  echo "test-jvm: mvn verify failed (full log: $log)" >&2
  exit $status
fi
grep -E '^\[(INFO|WARNING)\] Tests run:' "$log" | grep -v ' in dev\.' || true
rm -f "$log"

out="$(mktemp)"
trap 'rm -f "$out"' EXIT
edge=jvm-example/awa-enqueue/src/test/resources
for pair in "testdata/vectors.jsonl testdata/expected.jsonl" \
            "testdata/bad-inputs.jsonl testdata/bad-inputs.expected.jsonl" \
            "$edge/edge-cases.jsonl $edge/edge-cases.expected.jsonl"; do
  set -- $pair
  ./conformance <"$root/$1" >"$out"
  "$AWA_COMPARE_RESULTS" "$root/$2" "$out"
done
echo "test-jvm: ok"
