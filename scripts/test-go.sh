#!/usr/bin/env bash
# Go host tests: go vet, gofmt, go test -race over go-example (ABI checks, string classes,
# concurrency, memory, traps, and PostgreSQL tests through pgx, pgx stdlib and lib/pq with
# real Awa workers and Awa's Python and Rust producers), then the conformance runner against
# testdata/ and a fresh generated case set, compared by compare-results; then
# test-go-install.sh (the module installed from a GOPROXY tree, as a consumer would).
#   scripts/with-db.sh scripts/test-go.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
: "${DATABASE_URL:?DATABASE_URL must be set (run through scripts/with-db.sh)}"
command -v go >/dev/null || { echo "test-go: Go 1.26+ is required" >&2; exit 1; }
"$root/scripts/setup-python.sh" >/dev/null   # Awa's migrator, worker and producer (.venv-awa)
# Awa's own Rust producer (awa-model insert_many) for the live dedup tests; the case generator
# and the one comparison of runner output
(cd "$root" && cargo build -q --locked --release -p host-tests --bin awa-rust-insert --bin gen-cases --bin compare-results)
bin="${CARGO_TARGET_DIR:-$root/target}/release"
export AWA_RUST_INSERT="$bin/awa-rust-insert"
cd "$root/go-example"
go mod download
go vet ./...
unformatted="$(gofmt -l .)"
[ -z "$unformatted" ] || { echo "test-go: gofmt -l lists files to format:" >&2; echo "$unformatted" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
go test -race -count=1 -timeout 20m ./... 2>&1 | tee "$tmp/log"
tests="$(grep -c '^ok ' "$tmp/log" || true)"
go build -o "$tmp/conformance" ./cmd/conformance
for set in vectors:expected bad-inputs:bad-inputs.expected; do
  "$tmp/conformance" < "$root/testdata/${set%%:*}.jsonl" > "$tmp/actual.jsonl"
  "$bin/compare-results" "$root/testdata/${set##*:}.jsonl" "$tmp/actual.jsonl"
done
"$bin/gen-cases" --seed "${GEN_SEED:-7}" --n 20000 --out "$tmp/fresh" >/dev/null
"$tmp/conformance" < "$tmp/fresh/cases.jsonl" > "$tmp/fresh/actual.jsonl"
"$bin/compare-results" "$tmp/fresh/expected.jsonl" "$tmp/fresh/actual.jsonl"
"$root/scripts/test-go-install.sh"   # installs like a published module (GOPROXY tree, vendor)
echo "test-go: go vet and gofmt clean, go test -race passed ($tests packages ok), conformance runner matches testdata and fresh cases (seed ${GEN_SEED:-7}), module installs from a GOPROXY tree"
