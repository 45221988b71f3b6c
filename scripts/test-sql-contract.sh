#!/usr/bin/env bash
# SQL-level contract suite: sql-tests/contract.sql against a canonical and a queue-storage
# database, output diffed against sql-tests/contract.<mode>.expected.
#   scripts/test-sql-contract.sh            (a throwaway PostgreSQL unless DATABASE_URL is set)
#   scripts/test-sql-contract.sh --update   rewrite the expected files from this server
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -n "${DATABASE_URL:-}" ] || exec "$root/scripts/with-db.sh" "$0" "$@"
status=0
for mode in canonical queue_storage; do
  url="$("$root/scripts/new-awa-db.sh" "sql_contract_$mode" "$mode")"
  out="$(mktemp)"
  PGOPTIONS='-c client_min_messages=warning' psql -X -q -d "$url" -f "$root/sql-tests/contract.sql" >"$out" 2>&1 || true
  sed -i -E 's/(Asynchronous notification "[^"]*"( with payload "[^"]*")? received from server process with PID )[0-9]+/\1<pid>/; s/^psql:[^:]*:[0-9]+: //' "$out"
  expected="$root/sql-tests/contract.$mode.expected"
  if [ "${1:-}" = "--update" ]; then
    cp "$out" "$expected"
    echo "sql-contract: wrote $expected"
  elif diff -u "$expected" "$out" >"$out.diff"; then
    echo "sql-contract: $mode: contract unchanged ($(grep -c '^##' "$expected") sections)"
  else
    echo "sql-contract: $mode: the database no longer matches the pinned contract (- pinned, + now):" >&2
    cat "$out.diff" >&2
    status=1
  fi
  rm -f "$out" "$out.diff"
done

# The suite must notice a changed contract: add an overload in a scratch database and expect a diff.
if [ "${1:-}" != "--update" ]; then
  url="$("$root/scripts/new-awa-db.sh" sql_contract_altered canonical)"
  psql -X -q -d "$url" -c "CREATE FUNCTION awa.insert_job_compat(p_kind text, p_extra int) RETURNS int LANGUAGE sql AS 'SELECT 1'"
  out="$(mktemp)"
  PGOPTIONS='-c client_min_messages=warning' psql -X -q -d "$url" -f "$root/sql-tests/contract.sql" >"$out" 2>&1 || true
  sed -i -E 's/(Asynchronous notification "[^"]*"( with payload "[^"]*")? received from server process with PID )[0-9]+/\1<pid>/; s/^psql:[^:]*:[0-9]+: //' "$out"
  if { diff -u "$root/sql-tests/contract.canonical.expected" "$out" || true; } | grep -q "^+ *2$"; then
    echo "sql-contract: an added overload is reported as a contract change (self-check)"
  else
    echo "sql-contract: self-check failed: an added overload went unnoticed" >&2
    status=1
  fi
  rm -f "$out"
fi
exit $status
