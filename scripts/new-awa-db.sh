#!/usr/bin/env bash
# Create a fresh database on the server of DATABASE_URL, install the Awa schema with Awa's own
# migrator (awa-cli 0.6.9) and print its URL.
#   scripts/new-awa-db.sh NAME [canonical|queue_storage]
# canonical: as a fresh `awa migrate` leaves it. queue_storage: then finalized exactly as an Awa
# worker does at start (awa.storage_auto_finalize_if_fresh('awa')).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
name="$1"; mode="${2:-canonical}"
: "${DATABASE_URL:?DATABASE_URL must be set (see scripts/with-db.sh)}"
venv="$("$root/scripts/setup-python.sh")"
base="${DATABASE_URL%/*}"
PGOPTIONS="-c client_min_messages=warning" psql -q -X -v ON_ERROR_STOP=1 -d "$DATABASE_URL" -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" -c "CREATE DATABASE \"$name\"" >/dev/null
url="$base/$name"
"$venv/bin/awa" --database-url "$url" migrate >/dev/null
case "$mode" in
  canonical) ;;
  queue_storage)
    psql -q -X -v ON_ERROR_STOP=1 -d "$url" -c "SELECT awa.storage_auto_finalize_if_fresh('awa')" >/dev/null
    engine="$(psql -X -At -d "$url" -c 'SELECT awa.active_storage_engine()')"
    [ "$engine" = queue_storage ] || { echo "new-awa-db: expected queue_storage, got $engine" >&2; exit 1; } ;;
  *) echo "new-awa-db: unknown mode $mode" >&2; exit 2 ;;
esac
echo "$url"
