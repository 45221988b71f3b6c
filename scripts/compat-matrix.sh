#!/usr/bin/env bash
# Compatibility matrix: for each awa-cli release, install its schema with its own migrator, run
# the startup schema check (through the component) and the SQL contract suite, and print one
# Markdown table row. Starts a throwaway PostgreSQL unless DATABASE_URL is set.
#   scripts/compat-matrix.sh 0.6.9 0.6.8 ...
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -n "${DATABASE_URL:-}" ] || exec "$root/scripts/with-db.sh" "$0" "$@"
cd "$root"
cargo build -q --locked --release -p host-tests --bin schema-check
echo "| awa-cli | schema_version | schema check | contract suite (canonical / queue storage) |"
echo "|---|---|---|---|"
for v in "$@"; do
  if ! AWA_CLI_VERSION="$v" scripts/setup-python.sh >/dev/null 2>&1; then
    echo "| $v | – | awa-cli $v did not install | – |"; continue
  fi
  if ! url="$(AWA_CLI_VERSION="$v" scripts/new-awa-db.sh "compat_${v//./_}" canonical 2>/dev/null)"; then
    echo "| $v | – | migrate failed | – |"; continue
  fi
  verdict="$(target/release/schema-check "$url" || true)"
  version="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get("schema_version"))' "$verdict")"
  check="$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print("compatible" + ("" if d.get("tested") else " (untested)") if d["compatible"] else d["code"])' "$verdict")"
  if suite="$(AWA_CLI_VERSION="$v" scripts/test-sql-contract.sh 2>&1)"; then
    contract="unchanged / unchanged"
  else
    contract="$(printf '%s\n' "$suite" | grep -E '^sql-contract: (canonical|queue_storage):' | sed -E 's/^sql-contract: ([a-z_]+): (contract unchanged).*/\1 unchanged/; s/^sql-contract: ([a-z_]+): the database no longer.*/\1 differs/' | paste -sd ';' -)"
    [ -n "$contract" ] || contract="suite could not run ($(printf '%s\n' "$suite" | grep -m1 -iE 'error|fail' | cut -c1-80))"
  fi
  echo "| $v | $version | $check | $contract |"
done
