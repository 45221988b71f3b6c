#!/usr/bin/env bash
# Demo of the Go host: a fresh Awa database, a few jobs enqueued through pgx by
# go-example/cmd/enqueue (incl. a unique job and a duplicate attempt), then a real Awa Python
# worker completing them.
#   scripts/with-db.sh scripts/demo-go.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
: "${DATABASE_URL:?DATABASE_URL must be set (see scripts/with-db.sh)}"
venv="$("$root/scripts/setup-python.sh")"
url="$("$root/scripts/new-awa-db.sh" go_demo canonical)"
cd "$root/go-example"
go build -o "${TMPDIR:-/tmp}/awa-enqueue-go-demo" ./cmd/enqueue
enqueue() { DATABASE_URL="$url" "${TMPDIR:-/tmp}/awa-enqueue-go-demo" -queue go_demo -kind demo_job "$@"; }
echo "== a plain job"
enqueue -args '{"to":"ada@example.com"}' -tags demo,go
echo "== a batch of 3"
enqueue -args '{"batch":true}' -n 3
echo "== a unique job, then the same job again (duplicate reported through a savepoint)"
enqueue -args '{"invoice":42,"amount":1.0}' -unique -n 2
echo "== a real Awa Python worker runs them"
"$venv/bin/python" "$root/scripts/awa_py.py" worker "$url" go_demo demo_job 5 30 \
  | python3 -c 'import json, sys; [print("  worker ran #%d %s on %s args=%s" % (j["id"], j["kind"], j["queue"], json.dumps(j["args"]))) for j in json.load(sys.stdin)["seen"]]'
psql -X -q -d "$url" -c "SELECT id, kind, queue, args, state, encode(unique_key, 'hex') AS unique_key FROM awa.jobs ORDER BY id"
rm -f "${TMPDIR:-/tmp}/awa-enqueue-go-demo"
