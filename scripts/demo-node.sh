#!/usr/bin/env bash
# Demo: a Node service enqueues jobs (incl. a unique one and a duplicate attempt) through the
# awa-enqueue npm package, and a real Awa Python worker (awa-pg 0.6.9) completes them.
# Needs DATABASE_URL (use scripts/with-db.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
: "${DATABASE_URL:?DATABASE_URL must be set (run via scripts/with-db.sh)}"
cd "$root/js"
[ -d node_modules/pg ] || npm ci --no-audit --no-fund --loglevel=error
url="$("$root/scripts/new-awa-db.sh" node_demo queue_storage)"
venv="$("$root/scripts/setup-python.sh")"
echo "== Node enqueues into $url (queue storage)"
# the example imports 'awa-enqueue' by name: run it from a scratch project that links this package
demo="$(mktemp -d /tmp/awa-enqueue-demo.XXXXXX)"
trap 'rm -rf "$demo"' EXIT
mkdir -p "$demo/node_modules"
ln -s "$root/js" "$demo/node_modules/awa-enqueue"
ln -s "$root/js/node_modules/pg" "$demo/node_modules/pg"
for dep in "$root"/js/node_modules/pg-* "$root"/js/node_modules/postgres-* "$root"/js/node_modules/pgpass "$root"/js/node_modules/split2 "$root"/js/node_modules/xtend; do
  [ -e "$dep" ] && ln -s "$dep" "$demo/node_modules/$(basename "$dep")"
done
cp "$root/js/examples/enqueue.mjs" "$demo/"
DATABASE_URL="$url" node "$demo/enqueue.mjs"
echo "== a real Awa Python worker runs them"
"$venv/bin/python" - "$url" <<'PY'
import asyncio, sys, awa
async def main(url):
    client = awa.AsyncClient(url)
    done = []
    for kind, queue in [("send_email", "default"), ("send_invoice", "default"), ("sync_order", "orders"),
                        ("sync_order", "orders__p1"), ("sync_order", "orders__p2"), ("sync_order", "orders__p3")]:
        @client.task(dict, kind=kind, queue=queue)
        async def handle(job, kind=kind):
            done.append(job.id)
            print(f"  worker: ran #{job.id} {job.kind} on {job.queue} args={job.args}", flush=True)
    await client.start([(q, 2) for q in ["default", "orders", "orders__p1", "orders__p2", "orders__p3"]], poll_interval_ms=100)
    for _ in range(100):
        if len(done) >= 5:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)
    await client.shutdown(timeout_ms=5000)
asyncio.run(main(sys.argv[1]))
PY
echo "== final states"
psql -X -q -d "$url" -c "SELECT id, kind, queue, state, encode(unique_key, 'hex') AS unique_key FROM awa.jobs ORDER BY id"
psql -X -q -d "$DATABASE_URL" -c 'DROP DATABASE IF EXISTS node_demo WITH (FORCE)'
