#!/usr/bin/env bash
# All JVM host tests: `mvn verify` of jvm-example (golden vectors, bad inputs, edge cases,
# concurrency, the ABI handshake, PostgreSQL, real Awa Python workers, Awa's Python and Rust
# producers), then the conformance script vs testdata/ (and the JVM edge
# cases), compared by host-tests' compare-results, then scripts/test-jvm-install.sh.
# Usage: scripts/test-jvm.sh        (starts its own database when DATABASE_URL is unset)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -n "${DATABASE_URL:-}" ] || exec "$root/scripts/with-db.sh" "$0" "$@"

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
"$root/scripts/setup-python.sh" >/dev/null
# Awa's own Rust producer (awa-model insert_many) for the live dedup tests
(cd "$root" && cargo build -q --locked --release -p host-tests --bin awa-rust-insert)
export AWA_RUST_INSERT="$target/release/awa-rust-insert"

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
# the published artifact in a fresh consumer project
"$root/scripts/test-jvm-install.sh"
# Spring (JdbcTemplate in @Transactional), jOOQ and Kotlin examples, both storage modes
"$root/scripts/test-jvm-integrations.sh"
echo "test-jvm: ok"
