#!/usr/bin/env bash
# Every test of the project, on a fresh machine (the README's test command; CI runs it): install
# once, lint and format, the core module's reproducibility and the generated layout, Rust unit,
# differential, database and fuzz tests, the SQL contract suite, each host (Node, Go, JVM), then
# the cross-host suites (fresh differential cases through every runner, stored-row parity,
# races, least privilege, bound values). Starts its own PostgreSQL unless DATABASE_URL is set.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -n "${DATABASE_URL:-}" ] || exec "$root/scripts/with-db.sh" "$0" "$@"
cd "$root"
export AWA_ENQUEUE_SETUP_DIR="${AWA_ENQUEUE_SETUP_DIR:-$(mktemp -d /tmp/awa-enqueue-setup.XXXXXX)}"
times="$(mktemp)"
stage() { # name command...: run one stage and record its wall time
  local name="$1"; shift
  printf '\n=== %s\n' "$name"
  local start=$SECONDS
  "$@"
  printf '%-40s %5d s\n' "$name" "$((SECONDS - start))" >>"$times"
}
lint() {
  cargo fmt --all -- --check
  cargo clippy --locked --release --workspace --all-targets -q -- -D warnings
  local unformatted; unformatted="$(cd go-example && gofmt -l .)"
  [ -z "$unformatted" ] || { echo "gofmt: $unformatted" >&2; return 1; }
  (cd go-example && go vet ./...)
  node js/test/types/check.mjs # index.d.ts vs index.js/index.cjs exports; typed usage under strict tsc
  local f; for f in LICENSE-MIT LICENSE-APACHE; do # each package ships the root's license files
    cmp -s "$f" "js/$f" && cmp -s "$f" "go-example/$f" || { echo "$f: js/ or go-example/ copy differs" >&2; return 1; }
  done
}
fuzz() { cargo run -q --locked --release -p host-tests --bin fuzz -- --inputs "${AWA_FUZZ_INPUTS:-1000000}"; }

stage "setup (toolchain target, venv, npm, Go, Maven)" scripts/setup.sh
stage "lint (rustfmt, clippy, gofmt, go vet, tsc)" lint
stage "core module and layout files reproduce" scripts/build-wasm.sh --check
stage "Rust tests (unit, differential, database)" cargo test --locked --release --workspace
stage "fuzz (1,000,000 inputs)" fuzz
stage "SQL contract suite" scripts/test-sql-contract.sh
stage "Node host" scripts/test-node.sh
stage "Go host" scripts/test-go.sh
stage "JVM host" scripts/test-jvm.sh
stage "every runner: testdata, fresh cases, row parity" scripts/test-cross-host.sh
stage "cross-language races" scripts/test-races.sh
stage "least privilege" scripts/test-least-privilege.sh
stage "hostile strings are only bound" scripts/test-bound-values.sh
printf '\n=== all test suites passed; stage times:\n'
cat "$times"
