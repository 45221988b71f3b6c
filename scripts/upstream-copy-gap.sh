#!/usr/bin/env bash
# Evidence for Awa, finding 4 (docs/upstream-findings.md): rows/s of queue storage's internal COPY
# path (QueueStorage::enqueue_params_copy, outside the insert_job_compat contract) against
# awa.insert_job_compat as awa-model drives it (insert_many: one multi-row statement per batch of
# ROWS), the same with client_min_messages = warning, and awa-model's insert_many_copy_from_pool
# (COPY into a staging table, then insert_job_compat per row). Driven by the Rust binary
# host-tests/src/bin/awa-copy-bench.rs (awa-model 0.6.9 public API only), interleaved: reference
# (insert_many), candidate, reference, …; each candidate run is divided by the mean of its two
# neighbouring reference runs. Then shows how each path records the lane (ready_segments rows).
# Uses DATABASE_URL's server or a throwaway one (scripts/with-db.sh).
#   scripts/upstream-copy-gap.sh [ROUNDS (default 6)] [ROWS per batch (default 1000)] [BATCHES per run (default 3)]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -n "${DATABASE_URL:-}" ] || exec "$root/scripts/with-db.sh" "$0" "$@"
rounds="${1:-6}"; rows="${2:-1000}"; batches="${3:-3}"
tmp="$(mktemp -d /tmp/upstream-copy.XXXXXX)"
db=upstream_copy_gap
echo "== build awa-copy-bench" >&2
(cd "$root" && cargo build --locked --release -q -p host-tests --bin awa-copy-bench)
bin="${CARGO_TARGET_DIR:-$root/target}/release/awa-copy-bench"
url="$("$root/scripts/new-awa-db.sh" "$db" queue_storage)"
trap 'psql -X -q -d "$DATABASE_URL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
sql() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$url" "$@"; }

echo "== $rounds rounds, $batches batches of $rows available jobs per run, one queue (one lane), queue storage"
"$bin" "$url" "$rounds" "$rows" "$batches" >"$tmp/runs.out"
python3 - "$tmp/runs.out" insert_many <<'PY'
import statistics as st, sys
runs = [l.split() for l in open(sys.argv[1]) if l.startswith("RUN ")]
ref, ratios = sys.argv[2], {}
for i, r in enumerate(runs):
    if r[1] == ref:
        continue
    before = next(x for x in reversed(runs[:i]) if x[1] == ref)
    after = next(x for x in runs[i + 1:] if x[1] == ref)
    rate = lambda x: float(x[3]) / float(x[2])
    ratios.setdefault(r[1], []).append(rate(r) / ((rate(before) + rate(after)) / 2))
for arm, rs in ratios.items():
    print(f"rows/s ratio {arm}/{ref}: median {st.median(rs):.2f} [{min(rs):.2f}-{max(rs):.2f}], {len(rs)} rounds")
refs = [float(r[3]) / float(r[2]) for r in runs if r[1] == ref]
print(f"(reference runs: {len(refs)}, median {st.median(refs):.0f} rows/s; for scale only)")
PY
echo "== ready_segments rows by jobs per segment (queue upstream_copy): insert_job_compat writes one per job, the COPY path one per lane per batch"
sql -c "SELECT format('  %s jobs per segment: %s segments', n, count(*))
        FROM (SELECT next_lane_seq - first_lane_seq AS n FROM awa.ready_segments WHERE queue = 'upstream_copy') AS s
        GROUP BY n ORDER BY n"
echo "conditions: $(sql -c "SELECT 'PostgreSQL ' || current_setting('server_version') || ', fsync=' || current_setting('fsync') || ', synchronous_commit=' || current_setting('synchronous_commit')"), $(nproc) cores"
echo "load average (1/5/15 min) at start: $load_start, at end: $(cut -d' ' -f1-3 /proc/loadavg)"
