#!/usr/bin/env bash
# The main job: start an embedded PostgreSQL (unless DATABASE_URL is set), install the Awa
# schema with Awa's own migrator, enqueue sample jobs built by the one wasm core from Rust
# (wasmtime), Node, Go and the JVM, and let a real Awa worker (awa-pg 0.6.9) complete them.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
[ -n "${DATABASE_URL:-}" ] || exec scripts/with-db.sh "$0" "$@"
venv="$(scripts/setup-python.sh)"

echo "== Rust host (wasmtime): build, insert, show rows"
url="$(scripts/new-awa-db.sh rust_demo canonical)"
cargo run -q --locked --release -p host-tests --bin demo -- "$url"
echo "== a real Awa Python worker runs the Rust-enqueued jobs"
"$venv/bin/python" scripts/awa_py.py worker "$url" default,orders send_email,send_invoice,sync_order 3 60 >/dev/null
psql -X -q -d "$url" -c "SELECT id, kind, queue, state, args FROM awa.jobs ORDER BY id"

for host in node go jvm; do
  if [ -x "scripts/demo-$host.sh" ]; then
    echo
    echo "== $host host"
    "scripts/demo-$host.sh"
  fi
done
