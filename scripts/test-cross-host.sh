#!/usr/bin/env bash
# Every runner on the same cases: testdata/ (fixed) and fresh cases from a new seed (expected
# results from awa-model), compared by the one comparison (compare-results); then stored-row
# parity of every runner's --enqueue path against awa-model's insert_with, both storage modes.
#   scripts/test-cross-host.sh                 a new seed each run (printed)
#   AWA_CASES_SEED=S scripts/test-cross-host.sh    replay one seed
#   AWA_FRESH_CASES=N (default 20000)  AWA_PARITY_CASES=N (default 1500)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -n "${DATABASE_URL:-}" ] || exec "$root/scripts/with-db.sh" "$0" "$@"
cd "$root"
seed="${AWA_CASES_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}"
fresh="${AWA_FRESH_CASES:-20000}"
parity="${AWA_PARITY_CASES:-1500}"
target="${CARGO_TARGET_DIR:-$root/target}/release"
cargo build -q --locked --release -p host-tests --bin conformance --bin gen-cases --bin compare-results --bin row-parity
(cd go-example && go build -o "$target/go-conformance" ./cmd/conformance)
jvm-example/conformance </dev/null >/dev/null   # builds the jar when stale

runners=(
  "rust=$target/conformance"
  "node=node $root/js/bin/conformance.mjs"
  "go=$target/go-conformance"
  "jvm=$root/jvm-example/conformance"
)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "cross-host: fresh cases seed $seed ($fresh cases); replay: AWA_CASES_SEED=$seed scripts/test-cross-host.sh"
"$target/gen-cases" --seed "$seed" --n "$fresh" --out "$work/fresh" 2>/dev/null
"$target/gen-cases" --seed "$seed" --n "$parity" --out "$work/parity" 2>/dev/null
status=0
for r in "${runners[@]}"; do
  name="${r%%=*}"; cmd="${r#*=}"
  for set in testdata/vectors.jsonl:testdata/expected.jsonl testdata/bad-inputs.jsonl:testdata/bad-inputs.expected.jsonl \
             "$work/fresh/cases.jsonl:$work/fresh/expected.jsonl"; do
    cases="${set%%:*}"; expected="${set##*:}"
    $cmd <"$cases" >"$work/$name.out" || { echo "cross-host: $name runner failed on $cases" >&2; status=1; continue; }
    printf '%-5s ' "$name"
    "$target/compare-results" "$expected" "$work/$name.out" || status=1
  done
done
"$target/row-parity" --cases "$work/parity" "${runners[@]}" || status=1
[ $status = 0 ] && echo "cross-host: every runner agrees with awa-model (seed $seed)"
exit $status
