#!/usr/bin/env bash
# Evidence for Awa, finding 3 (docs/upstream-findings.md): in queue storage two transactions that
# insert `available` jobs through awa.insert_job_compat into the same lanes (queue, priority,
# enqueue shard) in opposite orders deadlock (40P01) on Awa's per-lane advisory locks; the same
# work taken in (queue, priority, shard) order does not. Two psql sessions per round, interleaved
# with pg_sleep:
#   session 1: BEGIN; insert lane X; sleep 1 s; insert lane Y; COMMIT
#   session 2: sleep 0.4 s; BEGIN; insert lane Y (mixed) or X (ordered); sleep 1 s; the other; COMMIT
# Cases: two queues (priority 2), and one queue with priorities 1 and 2. Lanes exist beforehand
# (one committed job each), so only the advisory locks are involved. Uses DATABASE_URL's server or
# a throwaway one (scripts/with-db.sh).
#   scripts/upstream-lane-deadlock.sh [ROUNDS per case and order (default 5)]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -n "${DATABASE_URL:-}" ] || exec "$root/scripts/with-db.sh" "$0" "$@"
rounds="${1:-5}"
tmp="$(mktemp -d /tmp/upstream-deadlock.XXXXXX)"
db=upstream_lane_deadlock
url="$("$root/scripts/new-awa-db.sh" "$db" queue_storage)"
trap 'psql -X -q -d "$DATABASE_URL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
sql() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$url" "$@"; }

ins() { # queue priority
  echo "SELECT id FROM awa.insert_job_compat('upstream_deadlock', '$1', p_priority => $2::smallint);"
}
# Lanes: (upstream_dl_a, 2), (upstream_dl_b, 2), (upstream_dl_c, 1), (upstream_dl_c, 2).
sql -c 'SET client_min_messages = warning' -c "$(ins upstream_dl_a 2)" -c "$(ins upstream_dl_b 2)" \
  -c "$(ins upstream_dl_c 1)" -c "$(ins upstream_dl_c 2)" >/dev/null
echo "== the lanes' advisory lock keys (hashtextextended of the lane's enqueue sequence, as reserve_enqueue_seq and set_sequence_next take them)"
sql -c "SELECT format('  lane (%s, %s, shard %s): advisory lock [%s,%s,%s,1]', queue, priority, enqueue_shard,
          (SELECT oid FROM pg_database WHERE datname = current_database()),
          (k >> 32) & 4294967295, k & 4294967295)
        FROM (SELECT queue, priority, enqueue_shard, hashtextextended(format('%I.%I', 'awa', seq_name), 0) AS k
              FROM awa.queue_enqueue_heads WHERE queue LIKE 'upstream_dl_%') AS l ORDER BY queue, priority"

session() { # file: psql script of one session; prints nothing, leaves FILE.out/.err/.rc
  set +e
  psql -X -q -At -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -d "$url" -f "$1" >"$1.out" 2>"$1.err"
  echo $? >"$1.rc"
  set -e
}
round() { # name x_queue x_prio y_queue y_prio order(mixed|ordered)
  local s1="$tmp/$1.1.sql" s2="$tmp/$1.2.sql" first second
  if [ "$6" = mixed ]; then first="$(ins "$4" "$5")"; second="$(ins "$2" "$3")"; else first="$(ins "$2" "$3")"; second="$(ins "$4" "$5")"; fi
  printf '%s\n' '\set VERBOSITY verbose' 'SET client_min_messages = warning;' 'BEGIN;' "$(ins "$2" "$3")" \
    'SELECT pg_sleep(1);' "$(ins "$4" "$5")" 'COMMIT;' >"$s1"
  printf '%s\n' '\set VERBOSITY verbose' 'SET client_min_messages = warning;' 'SELECT pg_sleep(0.4);' 'BEGIN;' \
    "$first" 'SELECT pg_sleep(1);' "$second" 'COMMIT;' >"$s2"
  session "$s1" & local p1=$!
  session "$s2" & local p2=$!
  if [ "${observe:-}" = "$1" ]; then # who holds and who waits, 0.8 s in (session 1 is in pg_sleep)
    sleep 0.8
    sql -c "SELECT format('  pid %s %s advisory lock [%s,%s,%s,%s]; its current statement: %s', l.pid,
              CASE WHEN l.granted THEN 'holds' ELSE 'waits for' END, l.database, l.classid, l.objid, l.objsubid,
              left(regexp_replace(a.query, '\s+', ' ', 'g'), 90))
            FROM pg_locks AS l JOIN pg_stat_activity AS a USING (pid)
            WHERE l.locktype = 'advisory' AND a.datname = current_database() ORDER BY l.granted DESC, l.pid" >"$tmp/observed"
  fi
  wait "$p1" "$p2"
  cat "$s1.err" "$s2.err" >"$tmp/$1.err"
  echo "$(grep -c '40P01' "$tmp/$1.err" || true) $(( ($(cat "$s1.rc") == 0) + ($(cat "$s2.rc") == 0) ))"
}
first_deadlock=""
observe=two_queues-ordered-1_
total_committed=0
for case in "two queues|upstream_dl_a|2|upstream_dl_b|2" "one queue, priorities 1 and 2|upstream_dl_c|1|upstream_dl_c|2"; do
  IFS='|' read -r label xq xp yq yp <<<"$case"
  for order in mixed ordered; do
    deadlocks=0 committed=0
    for r in $(seq "$rounds"); do
      name="$(echo "$label-$order-$r" | tr -c 'a-z0-9-' '_')"
      read -r d c < <(round "$name" "$xq" "$xp" "$yq" "$yp" "$order")
      deadlocks=$((deadlocks + d)); committed=$((committed + c))
      [ "$d" -gt 0 ] && [ -z "$first_deadlock" ] && first_deadlock="$tmp/$name.err"
    done
    total_committed=$((total_committed + committed))
    printf '%-32s %-8s %s rounds: %s deadlocks (40P01), %s of %s transactions committed\n' \
      "$label" "$order" "$rounds" "$deadlocks" "$committed" "$((2 * rounds))"
  done
done
stored="$(sql -c "SELECT count(*) FROM awa.jobs WHERE kind = 'upstream_deadlock'")"
[ "$stored" = "$((4 + 2 * total_committed))" ] || { echo "stored $stored jobs, expected $((4 + 2 * total_committed))" >&2; exit 1; }
echo "jobs stored: $stored = 4 lane seeds + 2 per committed transaction (aborted transactions left none)"
echo "== locks 0.8 s into the first ordered two-queue round (session 1 sleeps between its inserts, session 2 waits)"
cat "$tmp/observed"
if [ -n "$first_deadlock" ]; then
  echo "== the first deadlock as the client saw it (ERROR, DETAIL, PL/pgSQL frames of its CONTEXT, innermost first)"
  grep -E '^(psql:.*)?ERROR|^DETAIL|^Process ' "$first_deadlock" | sed -E 's/^psql:[^ ]+ //; s/^/  /'
  grep -E '^(CONTEXT: +)?PL/pgSQL function' "$first_deadlock" | sed -E 's/^CONTEXT: +//; s/\(text,text,jsonb.*\) line/(...) line/; s/^/  /'
fi
echo "conditions: $(sql -c "SELECT 'PostgreSQL ' || current_setting('server_version') || ', fsync=' || current_setting('fsync') || ', deadlock_timeout=' || current_setting('deadlock_timeout')"), $(nproc) cores"
echo "load average (1/5/15 min) at start: $load_start, at end: $(cut -d' ' -f1-3 /proc/loadavg)"
