#!/usr/bin/env bash
# Least privilege: in each storage mode, a role with exactly the grants of
# sql-tests/producer-grants.MODE.sql (and nothing more) enqueues through every host's runner
# (--enqueue: duplicate-safe singles, batches, holder lookups) without a database error, and
# cannot do what a producer should not: update or delete jobs, read another schema's table,
# alter or drop Awa's objects.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -n "${DATABASE_URL:-}" ] || exec "$root/scripts/with-db.sh" "$0" "$@"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}/release"
cargo build -q --locked --release -p host-tests --bin conformance --bin gen-cases
(cd go-example && go build -o "$target/go-conformance" ./cmd/conformance)
runners=("rust=$target/conformance" "node=node $root/js/bin/conformance.mjs" "go=$target/go-conformance" "jvm=$root/jvm-example/conformance")
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
"$target/gen-cases" --seed 4242 --n 400 --out "$work" 2>/dev/null
role=awa_enqueue_producer
status=0
# Each runner gets its own database: the same unique jobs in a batch would otherwise be
# (correctly) refused as duplicates of the previous runner's rows.
fresh_db() { # name mode: a fresh Awa database with the producer role granted exactly its grants
  local url; url="$(scripts/new-awa-db.sh "$1" "$2")"
  psql -X -q -v ON_ERROR_STOP=1 -d "$url" -c "DROP ROLE IF EXISTS $role" -c "CREATE ROLE $role LOGIN" >/dev/null 2>&1 \
    || true  # the role is cluster-wide: it exists after the first database
  psql -X -q -v ON_ERROR_STOP=1 -d "$url" -c "CREATE TABLE public.not_for_producers (secret text)" \
    -c "INSERT INTO public.not_for_producers VALUES ('s')" >/dev/null
  psql -X -q -v ON_ERROR_STOP=1 -d "$url" -v role="$role" -f "sql-tests/producer-grants.$2.sql" >/dev/null
  local base="${url%/*}"; echo "postgresql://$role@${base#*@}/${url##*/}"
}
for mode in canonical queue_storage; do
  for r in "${runners[@]}"; do
    name="${r%%=*}"; cmd="${r#*=}"
    role_url="$(fresh_db "least_privilege_${mode}_$name" "$mode")"
    DATABASE_URL="$role_url" $cmd --enqueue <"$work/cases.jsonl" >"$work/$name.out"
    ok=$(grep -c '"job_id' "$work/$name.out" || true); dbe=$(grep -c '"db_error"' "$work/$name.out" || true)
    printf 'least-privilege %-13s %-4s %3d enqueued (singles and batches), %d database errors\n' "$mode" "$name" "$ok" "$dbe"
    if [ "$dbe" != 0 ] || [ "$ok" = 0 ]; then grep '"db_error"' "$work/$name.out" | head -3 >&2; status=1; fi
  done
  for forbidden in "UPDATE awa.jobs SET priority = 1" "DELETE FROM awa.job_unique_claims" "TRUNCATE awa.job_unique_claims" \
      "SELECT * FROM public.not_for_producers" "ALTER FUNCTION awa.insert_job_compat(text,text,jsonb,awa.job_state,smallint,smallint,timestamptz,jsonb,text[],bytea,bit,bytea) RENAME TO x" \
      "DROP TABLE awa.job_unique_claims" "UPDATE awa.storage_transition_state SET state = 'canonical'" "DELETE FROM awa.queue_meta"; do
    if out="$(psql -X -q -v ON_ERROR_STOP=1 -d "$role_url" -c "$forbidden" 2>&1)"; then
      echo "least-privilege $mode: the producer role could: $forbidden" >&2; status=1
    elif ! grep -qE "permission denied|must be owner" <<<"$out"; then
      echo "least-privilege $mode: unexpected failure for $forbidden: $out" >&2; status=1
    fi
  done
  echo "least-privilege $mode: updates, deletes, truncation, other schemas and DDL on Awa's objects are refused"
done
exit $status
