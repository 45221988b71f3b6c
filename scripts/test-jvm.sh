#!/usr/bin/env bash
# All JVM host tests: `mvn verify` of jvm-example (golden vectors, bad inputs, edge cases,
# concurrency, the ABI handshake, PostgreSQL, real Awa Python workers, Awa's Python and Rust
# producers), then the conformance script vs testdata/ (and the JVM edge
# cases), compared by host-tests' compare-results, then scripts/test-jvm-install.sh, the
# framework examples, and the library's tests again on the newest JDK under /usr/lib/jvm.
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

# The newest JDK on the machine (the baseline is 17): the library's tests and the conformance
# runner again, on the classes built above.
newest=""; newest_major=17
for release in /usr/lib/jvm/*/release; do
  major="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release")"
  if [ -n "$major" ] && [ "$major" -gt "$newest_major" ]; then newest="$(dirname "$release")"; newest_major=$major; fi
done
if [ -n "$newest" ]; then
  echo "test-jvm: again on JDK $newest_major ($newest)"
  excludes="$(mktemp)"; echo '**/FaultsTest.java' >"$excludes"   # the server faults ran above, on 17
  (cd "$root/jvm-example" && JAVA_HOME="$newest" mvn -B -ntp -q -pl awa-enqueue -Dsurefire.excludesFile="$excludes" \
    surefire:test@default-test surefire:test@no-otel) >"$log" 2>&1 || { tail -80 "$log" >&2; exit 1; }
  rm -f "$excludes" "$root"/jvm-example/awa-enqueue/target/surefire-reports/TEST-dev.awa.enqueue.FaultsTest.xml
  grep -hE 'tests=' "$root"/jvm-example/awa-enqueue/target/surefire-reports/TEST-*.xml | sed -n 's/.*name="\([^"]*\)".*tests="\([0-9]*\)" errors="\([0-9]*\)" skipped="\([0-9]*\)" failures="\([0-9]*\)".*/  \1: \2 tests, \3 errors, \5 failures, \4 skipped/p'
  for pair in "testdata/vectors.jsonl testdata/expected.jsonl" "testdata/bad-inputs.jsonl testdata/bad-inputs.expected.jsonl"; do
    set -- $pair
    PATH="$newest/bin:$PATH" ./conformance <"$root/$1" >"$out"
    "$AWA_COMPARE_RESULTS" "$root/$2" "$out"
  done
  rm -f "$log"
fi
echo "test-jvm: ok"
