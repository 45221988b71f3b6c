#!/usr/bin/env bash
# JVM demo: a fresh Awa database, jobs enqueued through the JVM library (plain, unique + duplicate
# attempt, ordered, batch), then a real Awa Python worker completes them.
# Usage: scripts/with-db.sh scripts/demo-jvm.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
: "${DATABASE_URL:?DATABASE_URL must be set (see scripts/with-db.sh)}"
venv="$("$root/scripts/setup-python.sh")"
url="$("$root/scripts/new-awa-db.sh" jvm_demo)"
echo "== database: $url"

cd "$root/jvm-example"
mvn -B -q -ntp -DskipTests package
echo "== enqueue from the JVM"
java -cp "example/target/classes:example/target/lib/*" dev.awa.enqueue.example.Example "$url"

echo "== a real Awa Python worker (awa-pg 0.6.9) runs them"
"$venv/bin/python" "$root/scripts/awa_py.py" worker "$url" jvm_demo send_email 5 90
psql -X -d "$url" -c "SELECT id, kind, queue, state, args FROM awa.jobs ORDER BY id"
