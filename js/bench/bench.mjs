// Benchmark (not a test): prepare calls/s on the job mix of bench/jobs.jsonl (prepare cases,
// parsed by the conformance runner) through the public API, plus per-call glue cost with and
// without the _debugLog hoisting patch. Prints `RESULT host=node ...` summary lines.
//   node bench/bench.mjs                 API numbers
//   node bench/bench.mjs --patch-effect  also build an unpatched jco binding (needs dev deps) and compare
//   DATABASE_URL=... node bench/bench.mjs --db   also enqueueMany jobs/s (1000 rows/statement) in both storage modes
//   DATABASE_URL=... node bench/bench.mjs --named  the batch statement unnamed vs named (node-postgres
//                                                  prepared statement), interleaved rounds, per batch size
//   node bench/bench.mjs --metric enqueue-many|enqueue-many-parallel|single|cold-start
//        [--rows 1000] [--batches 5] [--parallel 3] [--calls 2000]   scripts/bench.py's protocol: one
//        measurement on the Awa database of DATABASE_URL, one RESULT line (two for single)
import { execFileSync } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as awa from '../index.js';
import { caseJob } from '../bin/conformance.mjs';

const METRIC = process.argv.includes('--metric') ? process.argv[process.argv.indexOf('--metric') + 1] : undefined;

// cold start: process start (performance's time origin) to the first prepared job
if (METRIC === 'cold-start') {
  awa.prepare({ kind: 'cold_start', args: { n: 1 } });
  console.log(`RESULT host=node metric=cold-start value=${performance.now().toFixed(3)} unit=ms`);
  process.exit(0);
}

const here = dirname(fileURLToPath(import.meta.url));

const root = join(here, '..', '..');

// The shared job mix: bench/jobs.jsonl, prepare cases in the conformance format.
export const JOB_MIX = readFileSync(join(root, 'bench', 'jobs.jsonl'), 'utf8').split('\n')
  .filter((line) => line.trim() !== '')
  .map(caseJob); // prepare cases only
const K = JOB_MIX.length;

function measure(label, fn, { seconds = 1.5, rounds = 3 } = {}) {
  for (let i = 0; i < 2000; i++) fn(i); // warm-up
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    const start = process.hrtime.bigint();
    const until = start + BigInt(Math.round(seconds * 1e9));
    let now = start;
    while (now < until) {
      for (let i = 0; i < 500; i++) fn(n++);
      now = process.hrtime.bigint();
    }
    best = Math.max(best, n / (Number(now - start) / 1e9));
  }
  console.log(`${label.padEnd(58)} ${Math.round(best).toLocaleString('en-US').padStart(10)} calls/s  ${(1e6 / best).toFixed(2)} µs/call`);
  return best;
}

function option(name, fallback) {
  const at = process.argv.indexOf(name);
  if (at < 0) return fallback;
  const v = process.argv[at + 1];
  if (v === undefined || !/^\d+$/.test(v)) throw new Error(`${name} needs a number`);
  return Number(v);
}

const result = (metric, value, unit) => console.log(`RESULT host=node metric=${metric} value=${value.toFixed(3)} unit=${unit}`);

/** One measurement of scripts/bench.py's protocol (the same arms as host-tests' bench --host rust). */
async function protocol(metric) {
  const rows = option('--rows', 1000);
  const batches = option('--batches', 5);
  const parallel = option('--parallel', 3);
  const calls = option('--calls', 2000);
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL must point at an Awa database');
  const { default: pg } = await import('pg');
  // Uniqueness off: the mix repeats within and across batches.
  const batch = Array.from({ length: rows }, (_, i) => ({ ...JOB_MIX[i % K], unique: undefined }));
  const pool = new pg.Pool({ connectionString: url, max: parallel + 1 });
  pool.on('connect', (c) => c.on('notice', () => {}));
  const rate = (start, n) => n / (Number(process.hrtime.bigint() - start) / 1e9);
  try {
    if (metric === 'enqueue-many') {
      const client = await pool.connect();
      try {
        await awa.enqueueMany(client, batch); // warm-up
        const start = process.hrtime.bigint();
        for (let b = 0; b < batches; b++) await awa.enqueueMany(client, batch);
        result(metric, rate(start, rows * batches), 'jobs/s');
      } finally {
        client.release();
      }
    } else if (metric === 'enqueue-many-parallel') {
      await awa.enqueueMany(pool, batch, { parallel }); // warm-up (and the storage engine lookup)
      let n = 0;
      const start = process.hrtime.bigint();
      for (let b = 0; b < batches; b++) n += (await awa.enqueueMany(pool, batch, { parallel })).rows.length;
      result(metric, rate(start, n), 'jobs/s');
    } else if (metric === 'single') {
      const client = await pool.connect();
      const latencies = [];
      try {
        for (let i = 0; i < calls + 100; i++) {
          const start = process.hrtime.bigint();
          await awa.enqueue(client, { ...JOB_MIX[i % K], unique: undefined });
          if (i >= 100) latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
        }
      } finally {
        client.release();
      }
      latencies.sort((a, b) => a - b);
      const pct = (p) => latencies[Math.round((latencies.length - 1) * p)];
      result('single_p50', pct(0.5), 'ms');
      result('single_p99', pct(0.99), 'ms');
    } else {
      throw new Error(`no metric ${metric}`);
    }
  } finally {
    await pool.end();
  }
}

if (METRIC !== undefined) {
  await protocol(METRIC);
  process.exit(0);
}

console.log(`awa-enqueue ${awa.CONTRACT_VERSION}, Node ${process.version}, ${process.arch}`);
const results = {};
results.prepare = measure(`prepare (${K}-job mix of bench/jobs.jsonl)`, (i) => awa.prepare(JOB_MIX[i % K]));
console.log(`RESULT host=node metric=prepare value=${Math.round(results.prepare)} unit=calls/s`);
results.buildInsert = measure(`buildInsert (${K}-job mix)`, (i) => awa.buildInsert(JOB_MIX[i % K]));
const batch = Array.from({ length: 1000 }, (_, i) => JOB_MIX[i % K]);
results.prepareMany = measure('prepareMany (1000 jobs) x1000 = jobs/s', () => awa.prepareMany(batch), { seconds: 2 }) * 1000;
console.log(`  -> prepareMany: ${Math.round(results.prepareMany).toLocaleString('en-US')} jobs/s`);
results.uniqueKey = measure('uniqueKey(send_email, mailers, 33-byte JSON, bucket)', (i) =>
  awa.uniqueKey({ kind: 'send_email', queue: 'mailers', argsJson: '{"to":"someone@example.com","n":1}', periodBucket: i }));
results.kindFromTypeName = measure('kindFromTypeName (glue overhead)', () => awa.kindFromTypeName('SendEmail'));

if (process.argv.includes('--patch-effect')) {
  const { generate } = await import('../build.mjs');
  const dir = mkdtempSync(join(here, '.bench-'));
  try {
    for (const patch of [false, true]) {
      const out = join(dir, patch ? 'patched' : 'unpatched');
      await generate(out, { patch });
      const { instantiate } = await import(pathToFileURL(join(out, 'awa_enqueue.js')).href);
      const wasm = readFileSync(join(out, 'awa_enqueue.core.wasm'));
      const core = instantiate(() => new WebAssembly.Module(wasm), {}, (m, i) => new WebAssembly.Instance(m, i)).core;
      const coreJob = { kind: 'send_email', argsJson: '{"to":"a@b.com","subject":"Hi"}', tags: [], unique: {} };
      const name = patch ? 'patched  ' : 'unpatched';
      results[`raw_prepare_${patch ? 'patched' : 'unpatched'}`] = measure(`jco ${name} core.prepare (unique job)`, () => core.prepare(coreJob));
      results[`raw_kind_${patch ? 'patched' : 'unpatched'}`] = measure(`jco ${name} core.kindFromTypeName`, () => core.kindFromTypeName('SendEmail'));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--db')) {
  const { default: pg } = await import('pg');
  // Uniqueness off: the mix repeats within and across statements.
  const jobs = Array.from({ length: 1000 }, (_, i) => ({ ...JOB_MIX[i % K], unique: undefined }));
  const statements = 5;
  for (const mode of ['canonical', 'queue_storage']) {
    const url = execFileSync(join(root, 'scripts', 'new-awa-db.sh'), [`bench_node_${mode}`, mode], { encoding: 'utf8' }).trim().split('\n').pop();
    const client = new pg.Client({ connectionString: url });
    client.on('notice', () => {});
    await client.connect();
    await awa.enqueueMany(client, jobs); // warm-up
    const start = process.hrtime.bigint();
    for (let s = 0; s < statements; s++) await awa.enqueueMany(client, jobs);
    const secs = Number(process.hrtime.bigint() - start) / 1e9;
    const rate = (statements * jobs.length) / secs;
    results[`enqueueMany_${mode}`] = rate;
    console.log(`${`enqueueMany ${mode} (1000 rows/statement, ${statements} statements)`.padEnd(58)} ${Math.round(rate).toLocaleString('en-US').padStart(10)} jobs/s`);
    console.log(`RESULT host=node metric=enqueue_many mode=${mode} value=${Math.round(rate)} unit=jobs/s`);
    await client.end();
  }
}

if (process.argv.includes('--named')) {
  // Interleaved rounds (the order alternates), each timing `per` executions of one batch.
  const { default: pg } = await import('pg');
  const url = execFileSync(join(root, 'scripts', 'new-awa-db.sh'), ['bench_node_named', 'canonical'], { encoding: 'utf8' }).trim().split('\n').pop();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
  for (const [size, per] of [[1000, 5], [10, 200]]) {
    const q = awa.buildInsertMany(Array.from({ length: size }, (_, i) => ({ ...JOB_MIX[i % K], unique: undefined })));
    const named = { name: `awa_enqueue_bench_${size}`, ...q };
    const time = async (query) => {
      const start = process.hrtime.bigint();
      for (let i = 0; i < per; i++) await client.query(query);
      return Number(process.hrtime.bigint() - start) / 1e6 / per;
    };
    await time(q);
    await time(named);
    const rounds = [];
    for (let r = 0; r < 9; r++) {
      const first = r % 2 ? await time(named) : await time(q);
      const second = r % 2 ? await time(q) : await time(named);
      const [unnamedMs, namedMs] = r % 2 ? [second, first] : [first, second];
      rounds.push({ unnamedMs, namedMs, ratio: unnamedMs / namedMs });
    }
    console.log(`enqueueMany ${size} jobs: unnamed ${median(rounds.map((x) => x.unnamedMs)).toFixed(2)} ms, ` +
      `named ${median(rounds.map((x) => x.namedMs)).toFixed(2)} ms, median unnamed/named ${median(rounds.map((x) => x.ratio)).toFixed(3)} ` +
      `(rounds: ${rounds.map((x) => x.ratio.toFixed(2)).join(' ')})`);
  }
  await client.end();
}

console.log(JSON.stringify(Object.fromEntries(Object.entries(results).map(([k, v]) => [k, Math.round(v)]))));
