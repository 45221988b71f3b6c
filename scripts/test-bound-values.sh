#!/usr/bin/env bash
# Hostile strings are only ever bound: SQL-looking and quote-heavy values (each carrying a marker)
# in every field of singles and batches go through every host's runner (--enqueue) with
# log_statement = all; every statement text the server logs must be a fixed text (the core's
# statements, transaction control, driver housekeeping) and no statement text may contain a
# marker, while the logged bind parameters do. Needs the cluster of scripts/with-db.sh (its log).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# It reads the server log, so it always runs on a cluster of its own.
[ -n "${AWA_ENQUEUE_PG_LOG:-}" ] || exec env -u DATABASE_URL "$root/scripts/with-db.sh" "$0" "$@"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}/release"
cargo build -q --locked --release -p host-tests --bin conformance
(cd go-example && go build -o "$target/go-conformance" ./cmd/conformance)
runners=("rust=$target/conformance" "node=node $root/js/bin/conformance.mjs" "go=$target/go-conformance" "jvm=$root/jvm-example/conformance")
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
python3 - "$work/cases.jsonl" <<'PY'
import json, sys
hostile = ["'; DROP TABLE awa.jobs; --", "\\'", "$1", "?", ":x", "\"}{\"", "', NULL) --", "E'\\x00'", "$$ $$", "/*", "\\\\"]
lines = []
for i, h in enumerate(hostile):
    m = f"h0st1le{i}"
    v = m + h
    job = {"kind": v, "queue": f"q{i}{h}"[:40], "args_json": json.dumps({v: v}), "metadata_json": json.dumps({"m": v}),
           "tags": [v, h], "ordering_key_hex": v.encode().hex(), "unique": {}}
    lines.append({"id": f"one-{i}", "op": "prepare", "job": job})
    lines.append({"id": f"many-{i}", "op": "prepare_many", "jobs": [job | {"unique": None}, job | {"unique": None, "kind": m + "b"}]})
    lines.append({"id": f"dup-{i}", "op": "prepare", "job": job})
with open(sys.argv[1], "w") as f:
    for l in lines:
        f.write(json.dumps(l) + "\n")
PY
url="$(scripts/new-awa-db.sh bound_values queue_storage)"
psql -X -q -d "$url" -c "ALTER DATABASE bound_values SET log_statement = 'all'"
start=$(stat -c %s "$AWA_ENQUEUE_PG_LOG")
for r in "${runners[@]}"; do
  cmd="${r#*=}"; DATABASE_URL="$url" $cmd --enqueue <"$work/cases.jsonl" >"$work/${r%%=*}.out"
done
sleep 1
tail -c +"$((start + 1))" "$AWA_ENQUEUE_PG_LOG" >"$work/log"
psql -X -q -d "$url" -c "ALTER DATABASE bound_values RESET log_statement"
cargo run -q --locked --release -p host-tests --bin producer-statements >"$work/core.sql"
python3 - "$work/log" "$work/core.sql" <<'PY'
import re, sys
log = open(sys.argv[1], encoding="utf-8", errors="replace").read()
norm = lambda t: re.sub(r"\s+", " ", t.strip().rstrip(";"))
core = set()
for line in open(sys.argv[2], encoding="utf-8"):
    m = re.match(r"PREPARE \w+\([^)]*\) AS (.*);$", line.strip())
    core.add(norm(m.group(1) if m else line))
# One entry per logged line group: "LOG:  statement: …" / "LOG:  execute <name>: …", continuation lines indented.
entries = re.split(r"\n(?=\d{4}-\d\d-\d\d )", log)
statements, params = [], []
for e in entries:
    m = re.search(r"(LOG|DETAIL):  (statement|execute [^:]*|parameters): (.*)$", e, re.S)
    if m and m.group(2) == "parameters":
        params.append(m.group(3))
    elif m:
        statements.append(m.group(3))
leaked = [s for s in statements if "h0st1le" in s]
carried = sum("h0st1le" in p for p in params)
awa_sql = [s for s in statements if "awa." in s]
print(f"bound-values: {len(statements)} statements logged ({len(awa_sql)} naming awa objects), {carried} with markers in their bound parameters, {len(leaked)} statement texts containing a marker")
if leaked or carried == 0 or not awa_sql:
    for s in leaked[:5]:
        print("  leaked:", s[:200], file=sys.stderr)
    sys.exit(1)
distinct = sorted(set(norm(s) for s in awa_sql))
unknown = [s for s in distinct if s not in core]
other = sorted(set(re.sub(r"\d+", "N", norm(s)) for s in statements if "awa." not in s))
print(f"bound-values: {len(distinct)} distinct statement texts naming awa objects, {len(unknown)} not among the core's statements")
print("bound-values: other statements: " + " | ".join(o[:60] for o in other))
if unknown:
    for u in unknown:
        print("  unknown:", u[:300], file=sys.stderr)
    sys.exit(1)
PY
