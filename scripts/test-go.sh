#!/usr/bin/env bash
# Go host tests: go test -race over go-example (golden vectors, bad inputs, concurrency,
# memory, and PostgreSQL tests with real Awa workers and Awa's Python and Rust producers), then
# the conformance runner through `go run` against testdata/.
#   scripts/with-db.sh scripts/test-go.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
: "${DATABASE_URL:?DATABASE_URL must be set (run through scripts/with-db.sh)}"
command -v go >/dev/null || { echo "test-go: Go 1.26+ is required" >&2; exit 1; }
"$root/scripts/setup-python.sh" >/dev/null   # Awa's migrator, worker and producer (.venv-awa)
# Awa's own Rust producer (awa-model insert_many) for the live dedup tests
(cd "$root" && cargo build -q --locked --release -p host-tests --bin awa-rust-insert)
export AWA_RUST_INSERT="${CARGO_TARGET_DIR:-$root/target}/release/awa-rust-insert"
cd "$root/go-example"
go mod download
go vet ./...
log="$(mktemp)"; actual="$(mktemp)"
trap 'rm -f "$log" "$actual"' EXIT
go test -race -count=1 -timeout 20m ./... 2>&1 | tee "$log"
tests="$(grep -c '^ok ' "$log" || true)"
for set in vectors:expected bad-inputs:bad-inputs.expected; do
  cases="$root/testdata/${set%%:*}.jsonl"; expected="$root/testdata/${set##*:}.jsonl"
  go run ./cmd/conformance < "$cases" > "$actual"
  python3 "$root/scripts/conformance-compare.py" "$expected" "$actual"
done
echo "test-go: go test -race passed ($tests packages ok), conformance runner matches testdata"
