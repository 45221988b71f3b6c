#!/usr/bin/env bash
# pg_ctl on the throwaway cluster of scripts/with-db.sh (for fault-injection tests), e.g.
#   scripts/pg-ctl.sh restart     (same port and options; waits until it accepts connections)
set -euo pipefail
: "${AWA_ENQUEUE_PG_DATA:?only for the cluster scripts/with-db.sh started}"
run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "${1:-}" in
  restart|start) run_pg "$AWA_ENQUEUE_PG_BIN/pg_ctl" -D "$AWA_ENQUEUE_PG_DATA" -l "$AWA_ENQUEUE_PG_LOG" -w -t 60 -m fast "$1" >/dev/null ;;
  stop) run_pg "$AWA_ENQUEUE_PG_BIN/pg_ctl" -D "$AWA_ENQUEUE_PG_DATA" -w -t 60 -m fast stop >/dev/null ;;
  *) echo "usage: $0 restart|start|stop" >&2; exit 2 ;;
esac
