#!/usr/bin/env bash
# Run a command with DATABASE_URL pointing at a PostgreSQL server.
# If DATABASE_URL is already set it is used as is. Otherwise a throwaway cluster is created
# (server installed from Debian's packages when missing), started on a free loopback port with
# trust auth, and removed when the command exits.
#   scripts/with-db.sh <command> [args...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ $# -gt 0 ] || { echo "usage: $0 command [args...]" >&2; exit 2; }

if [ -n "${DATABASE_URL:-}" ]; then
  exec "$@"
fi

pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}
if [ -z "$(pg_bin)" ] || [ ! -x "$(pg_bin)/initdb" ]; then
  echo "with-db: installing PostgreSQL server from Debian packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi
bin="$(pg_bin)"

dir="$(mktemp -d /tmp/awa-enqueue-pg.XXXXXX)"
run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$dir"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"

cleanup() {
  run_pg "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

run_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
run_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200 -c fsync=off" start >/dev/null \
  || { cat "$dir/server.log" >&2; exit 1; }

export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
export AWA_ENQUEUE_PG_BIN="$bin"
# For fault-injection tests: scripts/pg-ctl.sh restart|stop|start acts on this cluster.
export AWA_ENQUEUE_PG_DATA="$dir/data" AWA_ENQUEUE_PG_LOG="$dir/server.log"
echo "with-db: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') at $DATABASE_URL" >&2
set +e
"$@"
status=$?
set -e
exit $status
