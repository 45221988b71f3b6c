// enqueueMany(pool, jobs, { parallel }) against real Awa databases in both storage modes, with
// node-postgres and postgres.js. Needs DATABASE_URL (scripts/with-db.sh).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import pg from 'pg';
import postgres from 'postgres';
import { enqueueMany, enqueue, isUniqueConflict, AwaEnqueueError, EnqueuePartsError } from '../index.js';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DATABASE_URL = process.env.DATABASE_URL;
const MODES = ['canonical', 'queue_storage'];
const dbs = {}; // mode -> { name, pool, sql }

before(async () => {
  assert.ok(DATABASE_URL, 'DATABASE_URL must be set (run through scripts/with-db.sh)');
  for (const mode of MODES) {
    const name = `node_par_${mode === 'canonical' ? 'canon' : 'qs'}_${process.pid}`;
    const { stdout } = await run(join(root, 'scripts', 'new-awa-db.sh'), [name, mode], { env: process.env });
    const url = stdout.trim().split('\n').pop();
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    pool.on('error', () => {});
    const sql = postgres(url, { max: 4, onnotice: () => {} });
    dbs[mode] = { name, pool, sql };
  }
});

after(async () => {
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  for (const { name, pool, sql } of Object.values(dbs)) {
    await pool.end();
    await sql.end({ timeout: 5 });
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
  await admin.end();
});

const queues = ['par_a', 'par_b', 'par_c', 'par_d'];
const batch = (tag, n) => Array.from({ length: n }, (_, i) => ({
  kind: 'par_job', queue: queues[i % queues.length], args: { tag, i }, tags: [tag],
}));

async function count(pool, tag) {
  return Number((await pool.query('SELECT count(*) FROM awa.jobs WHERE $1 = ANY(tags)', [tag])).rows[0].count);
}

for (const mode of MODES) {
  for (const driver of ['pg', 'postgres.js']) {
    const db = () => (driver === 'pg' ? dbs[mode].pool : dbs[mode].sql);

    test(`${mode} ${driver}: every row stored, rows in input order, parts cover the batch`, async () => {
      const tag = `order_${mode}_${driver}`;
      const jobs = batch(tag, 1000);
      const result = await enqueueMany(db(), jobs, { parallel: 3 });
      assert.equal(result.rows.length, jobs.length);
      result.rows.forEach((row, i) => {
        assert.equal(row.args.i, i);
        assert.equal(row.queue, jobs[i].queue);
      });
      assert.equal(new Set(result.rows.map((r) => String(r.id))).size, jobs.length);
      const positions = result.parts.flatMap((p) => p.jobs).sort((a, b) => a - b);
      assert.deepEqual(positions, jobs.map((_, i) => i));
      assert.ok(result.parts.length > 1 && result.parts.length <= 3);
      for (const p of result.parts) {
        assert.equal(p.error, null);
        assert.deepEqual(p.rows.map((r) => r.args.i), p.jobs);
        if (mode === 'queue_storage') {
          // by queue: no queue is in two parts
          for (const other of result.parts) {
            if (other === p) continue;
            const mine = new Set(p.rows.map((r) => r.queue));
            assert.ok(other.rows.every((r) => !mine.has(r.queue)));
          }
        } else {
          assert.deepEqual(p.jobs, p.jobs.map((_, k) => p.jobs[0] + k)); // contiguous
        }
      }
      assert.equal(await count(dbs[mode].pool, tag), jobs.length);
    });
  }

  test(`${mode}: a part that hits a duplicate fails alone, the others commit`, async () => {
    const tag = `dup_${mode}`;
    const jobs = batch(tag, 400);
    // job 5 (queue par_b) is unique and already stored
    jobs[5] = { ...jobs[5], unique: true };
    await enqueue(dbs[mode].pool, jobs[5]);
    const before = await count(dbs[mode].pool, tag);
    const err = await enqueueMany(dbs[mode].pool, jobs, { parallel: 4 }).then(
      () => assert.fail('expected EnqueuePartsError'), (e) => e);
    assert.ok(err instanceof EnqueuePartsError && err instanceof AggregateError, String(err));
    const { result } = err;
    const failed = result.parts.filter((p) => p.error !== null);
    assert.equal(failed.length, 1);
    assert.ok(failed[0].jobs.includes(5));
    assert.equal(failed[0].rows, null);
    assert.ok(isUniqueConflict(failed[0].error));
    assert.deepEqual(err.errors, [failed[0].error]);
    const committed = result.parts.filter((p) => p.error === null);
    assert.ok(committed.length >= 1);
    let stored = 0;
    result.rows.forEach((row, i) => {
      if (failed[0].jobs.includes(i)) assert.equal(row, null);
      else {
        assert.equal(row.args.i, i);
        stored++;
      }
    });
    assert.equal(stored, jobs.length - failed[0].jobs.length);
    assert.equal(await count(dbs[mode].pool, tag), before + stored);
  });

  test(`${mode}: invalid input rejects before anything is written`, async () => {
    const tag = `bad_${mode}`;
    const jobs = batch(tag, 50);
    jobs[37] = { ...jobs[37], priority: 99 };
    await assert.rejects(enqueueMany(dbs[mode].pool, jobs, { parallel: 3 }),
      (e) => e instanceof AwaEnqueueError && e.field === 'jobs[37].priority');
    jobs[37] = { ...jobs[37], priority: 'high' };
    await assert.rejects(enqueueMany(dbs[mode].sql, jobs, { parallel: 3 }),
      (e) => e instanceof AwaEnqueueError && e.code === 'invalid_argument' && e.field === 'jobs[37].priority');
    await assert.rejects(enqueueMany(dbs[mode].pool, batch(tag, 3), { parallel: 0 }),
      (e) => e instanceof AwaEnqueueError && e.code === 'invalid_parts');
    await assert.rejects(enqueueMany(dbs[mode].pool, batch(tag, 3), { parallel: 1.5 }),
      (e) => e instanceof AwaEnqueueError && e.field === 'parallel');
    assert.equal(await count(dbs[mode].pool, tag), 0);
  });

  test(`${mode}: 20,000 jobs in parallel`, async () => {
    const tag = `big_${mode}`;
    const jobs = batch(tag, 20000);
    const result = await enqueueMany(dbs[mode].pool, jobs, { parallel: 4 });
    assert.equal(result.rows.length, 20000);
    assert.ok(result.rows.every((row, i) => row.args.i === i));
    assert.equal(result.parts.length, 4);
    assert.equal(await count(dbs[mode].pool, tag), 20000);
  });
}

test('parallel needs a pool: a client or a transaction is refused', async () => {
  const { pool, sql } = dbs.canonical;
  const client = await pool.connect();
  try {
    await assert.rejects(enqueueMany(client, batch('client', 2), { parallel: 2 }), TypeError);
  } finally {
    client.release();
  }
  await assert.rejects(sql.begin((tx) => enqueueMany(tx, batch('tx', 2), { parallel: 2 })), TypeError);
  // without `parallel`, the one-statement form as before
  const rows = await enqueueMany(pool, batch('plain', 3), {});
  assert.equal(rows.length, 3);
});
