#!/usr/bin/env bash
# Evidence for Awa, finding 1 (docs/upstream-findings.md): in queue storage every `available`
# insert through awa.insert_job_compat emits 2-4 `NOTICE 42P07 ... already exists, skipping`.
# Counts the notices per job and where they come from, then measures what they cost: the same
# 1,000-row insert_job_compat statement with client_min_messages = notice (candidate) and
# = warning (reference), interleaved; each candidate run is divided by the mean of its two
# neighbouring reference runs. psql discards the notices (stderr to /dev/null), the cheapest
# possible client. Uses DATABASE_URL's server or a throwaway one (scripts/with-db.sh).
#   scripts/upstream-notice-flood.sh [ROUNDS (default 7)] [ROWS (default 1000)]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -n "${DATABASE_URL:-}" ] || exec "$root/scripts/with-db.sh" "$0" "$@"
rounds="${1:-7}"; rows="${2:-1000}"
tmp="$(mktemp -d /tmp/upstream-notice.XXXXXX)"
db=upstream_notice_flood
url="$("$root/scripts/new-awa-db.sh" "$db" queue_storage)"
trap 'psql -X -q -d "$DATABASE_URL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
sql() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$url" "$@"; }
notices() { grep -c 'already exists, skipping' "$1" || true; }

echo "== notices per job (queue storage; psql with SHOW_CONTEXT always)"
one() { # label SQL: run it alone, count its notices, keep the output
  sql -v SHOW_CONTEXT=always -c '\set VERBOSITY verbose' -c "$2" >/dev/null 2>"$tmp/$1.err"
  printf '%-46s %s notices\n' "$1" "$(notices "$tmp/$1.err")"
}
one "available, first job of a new lane" "SELECT awa.insert_job_compat('upstream_notice', 'upstream_notice_q')"
one "available, next job of the same lane" "SELECT awa.insert_job_compat('upstream_notice', 'upstream_notice_q')"
one "scheduled (run_at in an hour)" \
  "SELECT awa.insert_job_compat('upstream_notice', 'upstream_notice_q', p_state => 'scheduled', p_run_at => now() + interval '1 hour')"
one "$rows available rows in one statement" \
  "SELECT count(*) FROM (SELECT awa.insert_job_compat('upstream_notice', 'upstream_notice_q') FROM generate_series(1, $rows)) AS s"
echo "first notice of the next-job insert:"
grep -m1 -A0 'NOTICE' "$tmp/available, next job of the same lane.err" | sed 's/^/  /'
echo "emitted by (innermost Awa function of each notice's CONTEXT, next-job insert):"
awk '/NOTICE/ {want=1} want && /^PL\/pgSQL function awa\./ {sub(/ line .*/, ""); print; want=0}' \
  "$tmp/available, next job of the same lane.err" | sort | uniq -c | sed 's/^/  /'

echo "== cost: $rows-row statement, client_min_messages notice (candidate) vs warning (reference), $rounds rounds"
stmt="SELECT count(*) FROM (SELECT awa.insert_job_compat('upstream_notice', 'upstream_notice_q') FROM generate_series(1, $rows)) AS s \\g /dev/null"
run() { # arm level
  printf '%s\n' "SET client_min_messages = $2;" "SELECT clock_timestamp() AS t0 \\gset" "$stmt" \
    "SELECT 'RUN $1 ' || extract(epoch FROM clock_timestamp() - :'t0'::timestamptz);"
}
{
  run warmup notice; run warmup warning
  run quiet warning
  for _ in $(seq "$rounds"); do run notice notice; run quiet warning; done
} >"$tmp/runs.sql"
sql -f "$tmp/runs.sql" >"$tmp/runs.out" 2>/dev/null
stored="$(sql -c "SELECT count(*) FROM awa.jobs WHERE queue = 'upstream_notice_q' AND state = 'available'")"
expected=$(( 2 + rows + (3 + 2 * rounds) * rows ))
[ "$stored" = "$expected" ] || { echo "stored $stored available jobs, expected $expected" >&2; exit 1; }

python3 - "$tmp/runs.out" quiet <<'PY'
import statistics as st, sys
runs = [l.split() for l in open(sys.argv[1]) if l.startswith("RUN ")]
ref, ratios = sys.argv[2], {}
for i, r in enumerate(runs):
    if r[1] in (ref, "warmup"):
        continue
    before = next(float(x[2]) for x in reversed(runs[:i]) if x[1] == ref)
    after = next(float(x[2]) for x in runs[i + 1:] if x[1] == ref)
    ratios.setdefault(r[1], []).append(float(r[2]) / ((before + after) / 2))
for arm, rs in ratios.items():
    print(f"time ratio {arm}/{ref}: median {st.median(rs):.3f} [{min(rs):.3f}-{max(rs):.3f}], {len(rs)} rounds")
refs = [float(r[2]) for r in runs if r[1] == ref]
print(f"(reference runs: {len(refs)}, median {st.median(refs) * 1000:.0f} ms per statement; for scale only)")
PY
echo "conditions: $(sql -c "SELECT 'PostgreSQL ' || current_setting('server_version') || ', fsync=' || current_setting('fsync') || ', synchronous_commit=' || current_setting('synchronous_commit')"), $(nproc) cores"
echo "load average (1/5/15 min) at start: $load_start, at end: $(cut -d' ' -f1-3 /proc/loadavg)"
