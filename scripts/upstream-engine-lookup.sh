#!/usr/bin/env bash
# Evidence for Awa, finding 2 (docs/upstream-findings.md): the storage-engine lookup in every
# awa.insert_job_compat call (awa.active_queue_storage_schema() -> awa.active_storage_engine(), a
# SQL function that is never inlined: it has a SET search_path clause and a scalar subquery) and
# its share of a canonical-mode row.
# In a throwaway canonical database the script builds scratch copies (schema upstream_scratch,
# from the installed text via pg_get_functiondef, at run time; nothing is committed anywhere):
#   noset    the same lookup, engine function without its SET clause (still not inlinable)
#   inlined  active_queue_storage_schema with the engine function's own body pasted in place of
#            the call, so the lookup is one statement whose plan PL/pgSQL caches
#   none     no lookup: v_schema := NULL (what the lookup returns in canonical mode)
# and times, interleaved with the reference (awa.insert_job_compat as installed), N-row statements
# of each copy, plus N calls of the lookup alone and N calls of active_storage_engine() inside one
# query (where its plan is built once). Each candidate run is divided by the mean of its two
# neighbouring reference runs. Uses DATABASE_URL's server or a throwaway one (scripts/with-db.sh).
#   scripts/upstream-engine-lookup.sh [ROUNDS (default 9)] [ROWS (default 1000)]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -n "${DATABASE_URL:-}" ] || exec "$root/scripts/with-db.sh" "$0" "$@"
rounds="${1:-9}"; rows="${2:-1000}"
tmp="$(mktemp -d /tmp/upstream-engine.XXXXXX)"
db=upstream_engine_lookup
url="$("$root/scripts/new-awa-db.sh" "$db" canonical)"
trap 'psql -X -q -d "$DATABASE_URL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
sql() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$url" "$@"; }

sql <<'SQL'
CREATE SCHEMA upstream_scratch;
-- replace(s, old, new), failing unless `old` occurs exactly once
CREATE FUNCTION upstream_scratch.swap(s text, old text, new text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  IF (length(s) - length(replace(s, old, ''))) / length(old) <> 1 THEN
    RAISE EXCEPTION 'expected exactly one %', old;
  END IF;
  RETURN replace(s, old, new);
END $$;
DO $$
DECLARE
  ijc CONSTANT text := pg_get_functiondef('awa.insert_job_compat'::regproc);
  lookup CONSTANT text := pg_get_functiondef('awa.active_queue_storage_schema'::regproc);
  engine CONSTANT text := pg_get_functiondef('awa.active_storage_engine'::regproc);
  engine_body CONSTANT text := rtrim(btrim((SELECT prosrc FROM pg_proc WHERE oid = 'awa.active_storage_engine'::regproc), E' \n'), ';');
  v text;
BEGIN
  v := upstream_scratch.swap(engine, 'FUNCTION awa.active_storage_engine()', 'FUNCTION upstream_scratch.engine_noset()');
  EXECUTE upstream_scratch.swap(v, E' SET search_path TO ''pg_catalog'', ''awa''\n', '');
  v := upstream_scratch.swap(lookup, 'FUNCTION awa.active_queue_storage_schema()', 'FUNCTION upstream_scratch.schema_noset()');
  EXECUTE upstream_scratch.swap(v, 'awa.active_storage_engine()', 'upstream_scratch.engine_noset()');
  v := upstream_scratch.swap(lookup, 'FUNCTION awa.active_queue_storage_schema()', 'FUNCTION upstream_scratch.schema_inlined()');
  EXECUTE upstream_scratch.swap(v, 'awa.active_storage_engine()', '(' || engine_body || ')');
  FOREACH v IN ARRAY ARRAY['noset', 'inlined', 'none'] LOOP
    EXECUTE upstream_scratch.swap(
      upstream_scratch.swap(ijc, 'FUNCTION awa.insert_job_compat(', format('FUNCTION upstream_scratch.insert_job_compat_%s(', v)),
      'v_schema := awa.active_queue_storage_schema();',
      CASE v WHEN 'none' THEN 'v_schema := NULL;' ELSE format('v_schema := upstream_scratch.schema_%s();', v) END);
  END LOOP;
END $$;
SQL

echo "== awa.active_storage_engine(): configuration and whether the planner inlines it"
sql -c "SELECT 'language ' || l.lanname || ', volatility ' || p.provolatile::text || ', proconfig ' || coalesce(p.proconfig::text, '-')
          FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang WHERE p.oid = 'awa.active_storage_engine'::regproc"
sql -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT awa.active_storage_engine()" | sed 's/^/  as installed: /'
sql -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT upstream_scratch.engine_noset()" | sed 's/^/  without SET: /'
echo "  (an inlined call would show the function's body in Output, not the function)"
echo "== the copies return what the installed lookup returns:"
sql -c "SELECT format('  installed %s, noset %s, inlined %s', quote_nullable(awa.active_queue_storage_schema()),
          quote_nullable(upstream_scratch.schema_noset()), quote_nullable(upstream_scratch.schema_inlined()))"

echo "== cost: $rows-row statements / $rows calls vs $rows rows of awa.insert_job_compat as installed, $rounds rounds"
run() { # arm statement
  printf '%s\n' "SELECT clock_timestamp() AS t0 \\gset" "$2 \\g /dev/null" \
    "SELECT 'RUN $1 ' || extract(epoch FROM clock_timestamp() - :'t0'::timestamptz);"
}
rows_of() { echo "SELECT count(*) FROM (SELECT $1('upstream_engine', 'upstream_engine_q') FROM generate_series(1, $rows)) AS s"; }
ref="$(rows_of awa.insert_job_compat)"
{
  for arm in noset inlined none; do run warmup "$(rows_of "upstream_scratch.insert_job_compat_$arm")"; done
  run warmup "$ref"; run installed "$ref"
  for _ in $(seq "$rounds"); do
    for arm in noset inlined none; do run "$arm" "$(rows_of "upstream_scratch.insert_job_compat_$arm")"; run installed "$ref"; done
    run lookup_alone "SELECT count(awa.active_queue_storage_schema()) FROM generate_series(1, $rows)"; run installed "$ref"
    run engine_one_query "SELECT count(awa.active_storage_engine()) FROM generate_series(1, $rows)"; run installed "$ref"
  done
} >"$tmp/runs.sql"
sql -f "$tmp/runs.sql" >"$tmp/runs.out"
stored="$(sql -c "SELECT count(*) FROM awa.jobs WHERE queue = 'upstream_engine_q'")"
expected=$(( (5 + 8 * rounds) * rows ))
[ "$stored" = "$expected" ] || { echo "stored $stored jobs, expected $expected" >&2; exit 1; }

python3 - "$tmp/runs.out" installed <<'PY'
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
rs = ratios["none"]
print(f"share of a canonical row spent in the lookup (1 - none/{ref}): median {1 - st.median(rs):.3f} [{1 - max(rs):.3f}-{1 - min(rs):.3f}]")
refs = [float(r[2]) for r in runs if r[1] == ref]
print(f"(reference runs: {len(refs)}, median {st.median(refs) * 1000:.0f} ms per statement; for scale only)")
PY
echo "conditions: $(sql -c "SELECT 'PostgreSQL ' || current_setting('server_version') || ', fsync=' || current_setting('fsync') || ', synchronous_commit=' || current_setting('synchronous_commit')"), $(nproc) cores"
echo "load average (1/5/15 min) at start: $load_start, at end: $(cut -d' ' -f1-3 /proc/loadavg)"
