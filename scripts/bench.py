"""Interleaved benchmark driver for scripts/bench.sh (not a test; nothing asserts a time).

Every candidate run is placed between two runs of the reference (awa-model) on a fresh Awa
database each, and divided by the mean of those two neighbours; per candidate the median and
[min-max] of the ratios over the rounds are reported, with the load average. Writes
docs/benchmarks.md and the chart docs/benchmarks.svg.

  python3 scripts/bench.py ROOT TARGET_DIR [--rounds 5] [--quick] [--hosts Node,Go,JVM,Rust] [--out FILE]

--hosts runs only those hosts (default: all); --out writes the page (and its .svg beside it)
elsewhere than docs/benchmarks.md, e.g. for a quick or partial run. What follows KEEP_MARK in an
existing page (the hand-written reading of the numbers) is kept.
"""
import json
import os
import statistics
import subprocess
import sys
import time

ROOT, TARGET = sys.argv[1], sys.argv[2]
ROUNDS = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 5
QUICK = "--quick" in sys.argv
ROWS, BATCHES, PARALLEL, CALLS = (1000, 5, 3, 2000) if not QUICK else (200, 2, 3, 200)

JVM_WARMUP, JVM_WARMUP_SECONDS = 5, 10
HOSTS = {
    "Node": ["node", f"{ROOT}/js/bench/bench.mjs"],
    "Go": [f"{TARGET}/go-bench"],
    # a long-running JVM service runs JIT-compiled code: derivation alone for 10 s (no database),
    # then 5 warm-up statements (500 single calls), past pgjdbc's prepareThreshold
    "JVM": [f"{ROOT}/jvm-example/bench", "--warmup", str(JVM_WARMUP), "--warmup-seconds", str(JVM_WARMUP_SECONDS)],
    "Rust (wasmtime + sqlx)": [f"{TARGET}/bench", "--host", "rust"],
}
if "--hosts" in sys.argv:
    wanted = [h.strip() for h in sys.argv[sys.argv.index("--hosts") + 1].split(",") if h.strip()]
    unknown = [h for h in wanted if not any(label.split()[0] == h for label in HOSTS)]
    if unknown or not wanted:
        sys.exit(f"bench.py: --hosts takes a comma-separated list of {', '.join(l.split()[0] for l in HOSTS)}; got {unknown or 'none'}")
    HOSTS = {label: cmd for label, cmd in HOSTS.items() if label.split()[0] in wanted}
OUT = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else f"{ROOT}/docs/benchmarks.md"
SVG = os.path.splitext(OUT)[0] + ".svg"
REFERENCE = [f"{TARGET}/bench", "--host", "awa-model"]
# awa-model on connections with client_min_messages = warning: the most that silencing notices
# gives Awa's own statement, the ceiling of the batch statement's quieting
CEILING = ("awa-model, notices off for the session (ceiling)", [f"{TARGET}/bench", "--host", "awa-model-quiet"])
# Text after this line of the page is written by hand and kept when the page is regenerated.
KEEP_MARK = "<!-- bench.py writes the page above this line and keeps what follows -->"


def new_db(mode):
    name = f"bench_{mode}_{int(time.time() * 1000) % 100000000}"
    out = subprocess.run([f"{ROOT}/scripts/new-awa-db.sh", name, mode], capture_output=True, text=True, check=True)
    return name, out.stdout.strip()


def drop_db(name):
    subprocess.run(["psql", "-X", "-q", "-d", os.environ["DATABASE_URL"], "-c", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'],
                   capture_output=True)


def run(cmd, metric, mode, extra=()):
    """One run on a fresh database: {metric_name: value}."""
    name, url = new_db(mode)
    try:
        args = cmd + ["--metric", metric, "--rows", str(ROWS), "--batches", str(BATCHES), "--parallel", str(PARALLEL),
                      "--calls", str(CALLS), *extra]
        out = subprocess.run(args, capture_output=True, text=True, env={**os.environ, "DATABASE_URL": url}, timeout=900)
        if out.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} --metric {metric} failed: {out.stderr[-2000:]}")
        values = {}
        for line in out.stdout.splitlines():
            if line.startswith("RESULT "):
                fields = dict(f.split("=", 1) for f in line.split()[1:])
                values[fields["metric"]] = float(fields["value"])
        return values
    finally:
        drop_db(name)


def load():
    return os.getloadavg()[0]


def interleaved(mode, ref_metric, candidates, higher_is_better=True):
    """candidates: [(label, cmd, metric)]. Returns {label: {metric_name: [ratios]}} and the reference values."""
    ratios = {label: {} for label, _, _ in candidates}
    refs = []
    for _ in range(ROUNDS):
        before = run(REFERENCE, ref_metric, mode)
        refs.append(before)
        for label, cmd, metric in candidates:
            got = run(cmd, metric, mode)
            after = run(REFERENCE, ref_metric, mode)
            refs.append(after)
            for key, value in got.items():
                ref_key = key if key in before else ref_metric
                ref = (before[ref_key] + after[ref_key]) / 2
                ratio = value / ref if higher_is_better else ref / value
                ratios[label].setdefault(key, []).append(ratio)
            before = after
    return ratios, refs


def fmt(rs):
    return f"{statistics.median(rs):.2f} [{min(rs):.2f}–{max(rs):.2f}]"


def main():
    started, load_start = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), load()
    rows = []  # (section, label, mode, ratios)
    for mode in ("canonical", "queue_storage"):
        cands = [(label, cmd, "enqueue-many") for label, cmd in [*HOSTS.items(), CEILING]]
        r, refs = interleaved(mode, "enqueue-many", cands)
        ref_rate = statistics.median(x["enqueue-many"] for x in refs)
        for label, _, _ in cands:
            rows.append(("batch", label, mode, r[label]["enqueue-many"]))
        cands = [(label, cmd, "enqueue-many-parallel") for label, cmd in [*HOSTS.items(), CEILING]]
        if mode == "queue_storage":
            cands.append(("awa-model COPY path (outside the contract)", REFERENCE, "copy"))
        r, _ = interleaved(mode, "enqueue-many", cands)
        for label, _, metric in cands:
            rows.append(("parallel" if metric != "copy" else "copy", label, mode, r[label][metric]))
        rows.append(("ref", "awa-model insert_many", mode, [ref_rate]))
    # Single-job latency, queue storage: lower is better, so the ratio is reference / candidate.
    cands = [(label, cmd, "single") for label, cmd in HOSTS.items()]
    r, _ = interleaved("queue_storage", "single", cands, higher_is_better=False)
    for label in HOSTS:
        rows.append(("single_p50", label, "queue_storage", r[label]["single_p50"]))
        rows.append(("single_p99", label, "queue_storage", r[label]["single_p99"]))
    # Cold start: ms, median of the rounds.
    cold = {}
    for _ in range(ROUNDS):
        for label, cmd in HOSTS.items():
            if label.startswith("Rust"):
                continue
            v = run(cmd, "cold-start", "canonical")
            cold.setdefault(label, []).append(v["cold-start"])
    load_end = load()
    write_doc(rows, cold, started, load_start, load_end)


def write_doc(rows, cold, started, load_start, load_end):
    def table(section, modes):
        out = ["| host | " + " | ".join(modes) + " |", "|---|" + "---:|" * len(modes)]
        labels = []
        for s, label, _, _ in rows:
            if s == section and label not in labels:
                labels.append(label)
        for label in labels:
            cells = []
            for m in modes:
                rs = [r for s, l, mm, r in rows if s == section and l == label and mm == m]
                cells.append(fmt(rs[0]) if rs else "–")
            out.append(f"| {label} | " + " | ".join(cells) + " |")
        return "\n".join(out)

    ref = {m: [r for s, _, mm, r in rows if s == "ref" and mm == m][0][0] for m in ("canonical", "queue_storage")}
    cond = (f"{started}, {ROUNDS} rounds, {ROWS} jobs per statement × {BATCHES} statements after one warm-up, PostgreSQL "
            f"{pg_version()} (fsync off), 2 cores, load average {load_start:.1f} at the start and {load_end:.1f} at the end")
    doc = f"""# Benchmarks

Benchmarks are not tests: nothing asserts a time. `scripts/bench.sh` writes this page from one
run: every candidate run sits between two runs of the reference, each on a fresh Awa database,
and is divided by the mean of those two neighbours (interleaved, so drift on this shared
machine cancels); the table gives the median and [min–max] of the per-round ratios. Above 1 is
faster than Awa's own Rust producer. The job mix is `bench/jobs.jsonl` (plain args, tags and
metadata, a scheduled job, an ordering key), uniqueness stripped so repeats insert.

Run: {cond}. Every host warms up with one statement (100 single calls) before timing. The JVM
first derives the batch without a database for {JVM_WARMUP_SECONDS} s, then sends {JVM_WARMUP} warm-up statements
({JVM_WARMUP * 100} single calls): its JIT compiles the core's bytecode over the first tens of
thousands of calls and pgjdbc prepares a statement on the server from its 5th execution; a
service measured after that is the one users run (its start is the cold-start table).

![ratios to awa-model]({os.path.basename(SVG)})

## Batched enqueue, one connection: `enqueueMany` vs awa-model `insert_many`

awa-model's own rate in this run: {ref['canonical']:,.0f} jobs/s (canonical), {ref['queue_storage']:,.0f}
jobs/s (queue storage). Every host sends the core's batch statement (13 text binds for any number
of jobs, rows in lane-lock order, notices silenced for the statement). The last row is Awa's own
`insert_many` on connections with `client_min_messages = warning`: what silencing notices can
give at most.

{table('batch', ['canonical', 'queue_storage'])}

## Parallel enqueue (3 parts, each its own connection and transaction) vs awa-model `insert_many`

Split by queue in queue storage (parts share no lane locks), contiguous slices in canonical mode;
atomic per part. The ceiling row is Awa's own `insert_many` on the same parts, notices off. Awa's
internal COPY path (`QueueStorage::enqueue_params_copy`, outside the
`insert_job_compat` contract) is shown for reference.

{table('parallel', ['canonical', 'queue_storage'])}
{table('copy', ['queue_storage'])}

## Single-job enqueue latency (queue storage): awa-model `insert_with` latency / host latency

{table('single_p50', ['queue_storage'])}

p99:

{table('single_p99', ['queue_storage'])}

## Cold start (ms, median over {ROUNDS} runs; a fresh process to its first prepared job)

| host | ms |
|---|---:|
""" + "\n".join(f"| {label} | {statistics.median(v):.0f} [{min(v):.0f}–{max(v):.0f}] |" for label, v in cold.items()) + "\n"
    kept = ""
    if os.path.exists(OUT):
        with open(OUT) as f:
            text = f.read()
        if KEEP_MARK in text:
            kept = text[text.index(KEEP_MARK):]
    with open(OUT, "w") as f:
        f.write(doc + ("\n" + kept if kept else "\n" + KEEP_MARK + "\n"))
    write_svg(rows)


def pg_version():
    out = subprocess.run(["psql", "-X", "-At", "-d", os.environ["DATABASE_URL"], "-c", "SHOW server_version"], capture_output=True, text=True)
    return out.stdout.strip().split()[0] if out.stdout else "?"


def write_svg(rows):
    bars = [(f"{label.split(' (')[0]} · {section} · {mode}", statistics.median(r)) for section, label, mode, r in rows
            if section in ("batch", "parallel", "copy")]
    bars = [b for b in bars if not b[0].startswith("awa-model COPY")] + [b for b in bars if b[0].startswith("awa-model COPY")]
    width, bar_h, left = 900, 18, 360
    scale_max = max(3.0, max(v for _, v in bars if v < 10) * 1.1)
    height = 40 + len(bars) * (bar_h + 6) + 30
    x = lambda v: left + min(v, scale_max) / scale_max * (width - left - 60)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
             f'<text x="10" y="20" font-size="14">Throughput relative to awa-model insert_many (median of interleaved rounds)</text>']
    for i, (label, v) in enumerate(bars):
        y = 35 + i * (bar_h + 6)
        color = "#4c78a8" if "canonical" in label else "#f58518"
        parts.append(f'<text x="{left - 8}" y="{y + 13}" text-anchor="end">{label}</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{x(v) - left:.1f}" height="{bar_h}" fill="{color}"/>')
        shown = f"{v:.2f}" + ("" if v < scale_max else " (off scale)")
        parts.append(f'<text x="{x(v) + 4:.1f}" y="{y + 13}">{shown}</text>')
    one = x(1.0)
    parts.append(f'<line x1="{one:.1f}" y1="30" x2="{one:.1f}" y2="{height - 25}" stroke="#333" stroke-dasharray="4 3"/>')
    parts.append(f'<text x="{one:.1f}" y="{height - 10}" text-anchor="middle">1.0 = awa-model</text>')
    parts.append("</svg>")
    with open(SVG, "w") as f:
        f.write("\n".join(parts) + "\n")


if __name__ == "__main__":
    main()
