// Benchmark (not a test): prepareInsert calls/s on a fixed job mix through the public API,
// plus per-call glue cost with and without the _debugLog hoisting patch.
//   node bench/bench.mjs                 API numbers
//   node bench/bench.mjs --patch-effect  also build an unpatched jco binding (needs dev deps) and compare
//   DATABASE_URL=... node bench/bench.mjs --db   also enqueueMany jobs/s (1000 rows/statement) in both storage modes
import { execFileSync } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as awa from '../index.js';

const here = dirname(fileURLToPath(import.meta.url));

// The fixed job mix (same shapes as docs/benchmarks.md's native run should use).
export const JOB_MIX = [
  { kind: 'send_email', args: { to: 'a@b.com', subject: 'Hi' } },
  { kind: 'send_email', queue: 'email', args: { to: 'c@d.com', subject: 'Welcome', lang: 'en' },
    unique: { byQueue: true }, tags: ['welcome'], metadata: { trace: 'x1' } },
  { kind: 'process_payment', argsJson: '{"order_id":12345,"amount_cents":9999,"currency":"NZD"}',
    priority: 1, maxAttempts: 5, runAt: '2026-11-28T10:00:00Z' },
  { kind: 'sync_customer', queue: 'crm', args: { customer: 42, fields: ['name', 'email'] },
    orderingKey: 'customer-42', unique: { byArgs: true, byPeriod: 493827n } },
];

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

console.log(`awa-enqueue ${awa.CONTRACT_VERSION}, Node ${process.version}, ${process.arch}`);
const results = {};
results.prepareInsert = measure('prepareInsert (4-job mix)', (i) => awa.prepareInsert(JOB_MIX[i & 3]));
results.buildInsert = measure('buildInsert (4-job mix)', (i) => awa.buildInsert(JOB_MIX[i & 3]));
const batch = Array.from({ length: 1000 }, (_, i) => JOB_MIX[i & 3]);
results.prepareInsertMany = measure('prepareInsertMany (1000 jobs) x1000 = jobs/s', () => awa.prepareInsertMany(batch), { seconds: 2 }) * 1000;
console.log(`  -> prepareInsertMany: ${Math.round(results.prepareInsertMany).toLocaleString('en-US')} jobs/s`);
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
      const coreJob = { kind: 'send_email', argsJson: '{"to":"a@b.com","subject":"Hi"}', tags: [], unique: { byQueue: false, byArgs: true, states: 31 } };
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
  const root = join(here, '..', '..');
  for (const mode of ['canonical', 'queue_storage']) {
    const name = `node_bench_${mode === 'canonical' ? 'c' : 'q'}_${process.pid}`;
    const url = execFileSync(join(root, 'scripts', 'new-awa-db.sh'), [name, mode], { encoding: 'utf8' }).trim().split('\n').pop();
    const client = new pg.Client({ connectionString: url });
    client.on('notice', () => {});
    await client.connect();
    const jobs = Array.from({ length: 1000 }, (_, i) => ({ kind: 'bench_job', args: { i, payload: 'x'.repeat(32) } }));
    await awa.enqueueMany(client, jobs.slice(0, 100)); // warm-up
    const statements = 5;
    const start = process.hrtime.bigint();
    for (let s = 0; s < statements; s++) await awa.enqueueMany(client, jobs);
    const secs = Number(process.hrtime.bigint() - start) / 1e9;
    results[`enqueueMany_${mode}`] = (statements * jobs.length) / secs;
    console.log(`${`enqueueMany ${mode} (1000 rows/statement, ${statements} statements)`.padEnd(58)} ${Math.round(results[`enqueueMany_${mode}`]).toLocaleString('en-US').padStart(10)} jobs/s`);
    await client.end();
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

console.log(JSON.stringify(Object.fromEntries(Object.entries(results).map(([k, v]) => [k, Math.round(v)]))));
