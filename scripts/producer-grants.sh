#!/usr/bin/env bash
# Find the grants a producer role needs in a storage mode, from scratch: run every statement the
# hosts send (host-tests bin producer-statements) as a fresh role, grant what PostgreSQL denies,
# until all succeed; then drop each grant the statements do not need (a fresh database per try).
# Prints the list; sql-tests/producer-grants.MODE.sql holds the result for Awa 0.6.9.
#   scripts/producer-grants.sh canonical|queue_storage
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -n "${DATABASE_URL:-}" ] || exec "$root/scripts/with-db.sh" "$0" "$@"
mode="${1:?usage: producer-grants.sh canonical|queue_storage}"
cargo build -q --locked --release -p host-tests --bin producer-statements
stmts="$(mktemp)"; trap 'rm -f "$stmts"' EXIT
"${CARGO_TARGET_DIR:-$root/target}/release/producer-statements" >"$stmts"
role=awa_grants_probe
as_role() { local url="$1"; local base="${url%/*}"; echo "postgresql://$role@${base#*@}/${url##*/}"; }
fresh() { # grants... -> URL of a fresh database where $role has exactly these grants
  local url; url="$("$root/scripts/new-awa-db.sh" producer_grants "$mode")"
  psql -X -q -d "$url" -c "DROP ROLE IF EXISTS $role" -c "CREATE ROLE $role LOGIN" >/dev/null 2>&1
  for g in "$@"; do psql -X -q -d "$url" -c "${g//:\"role\"/$role}" >/dev/null; done
  echo "$url"
}
denied() { psql -X -q -v ON_ERROR_STOP=1 -d "$(as_role "$1")" -f "$stmts" 2>&1 >/dev/null | grep ERROR | head -1 || true; }
grants=('GRANT USAGE ON SCHEMA awa TO :"role"')
declare -A level
url="$(fresh "${grants[@]}")"
while err="$(denied "$url")"; [ -n "$err" ]; do
  if [[ "$err" =~ permission\ denied\ for\ (table|view)\ ([a-z_0-9]+) ]]; then
    t="${BASH_REMATCH[2]}"; n=${level[$t]:-0}; privs=(SELECT INSERT UPDATE DELETE); level[$t]=$((n + 1))
    g="GRANT ${privs[$n]} ON awa.$t TO :\"role\""
  elif [[ "$err" =~ permission\ denied\ for\ sequence\ ([a-z_0-9]+) ]]; then g="GRANT USAGE, UPDATE ON SEQUENCE awa.${BASH_REMATCH[1]} TO :\"role\""
  elif [[ "$err" =~ permission\ denied\ for\ schema\ awa ]]; then g='GRANT CREATE ON SCHEMA awa TO :"role"'
  else echo "producer-grants: not a missing grant: $err" >&2; exit 1; fi
  grants+=("$g"); psql -X -q -d "$url" -c "${g//:\"role\"/$role}" >/dev/null
done
keep=("${grants[@]}")
for g in "${grants[@]:1}"; do
  rest=(); for k in "${keep[@]}"; do [ "$k" != "$g" ] && rest+=("$k"); done
  [ -z "$(denied "$(fresh "${rest[@]}")")" ] && keep=("${rest[@]}")
done
printf '%s;\n' "${keep[@]}"
