// Real PostgreSQL with the Awa 0.6.9 schema (installed by Awa's migrator), both drivers
// (node-postgres and postgres.js), a real Awa Python worker, and Awa's own Python and Rust
// producers. Needs DATABASE_URL (scripts/with-db.sh provides one) and target/release/awa-rust-insert
// (scripts/test-node.sh builds it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import pg from 'pg';
import postgres from 'postgres';
import {
  enqueue, enqueueMany, tryEnqueue, checkSchema, isUniqueConflict, prepare, uniqueKey,
  periodBucket, AwaEnqueueError,
} from '../index.js';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const helper = join(root, 'host-tests', 'fixtures', 'awa_py.py');
const DATABASE_URL = process.env.DATABASE_URL;
const tag = `${process.pid}`;
const MODES = ['canonical', 'queue_storage'];

let python;
const dbs = {}; // mode -> { url, pool, sql, name }

async function newAwaDb(name, mode) {
  const { stdout } = await run(join(root, 'scripts', 'new-awa-db.sh'), [name, mode], { env: process.env });
  return stdout.trim().split('\n').pop();
}

async function awaPython(args, timeoutMs = 60000) {
  const { stdout } = await run(python, [helper, ...args], { timeout: timeoutMs, env: process.env });
  return JSON.parse(stdout.trim().split('\n').pop());
}

// Awa's own Rust producer (awa-model 0.6.9 insert_many); specText is the JSON spec as text.
const rustInsertBin = process.env.AWA_RUST_INSERT ??
  join(process.env.CARGO_TARGET_DIR ?? join(root, 'target'), 'release', 'awa-rust-insert');

async function awaRust(url, specText) {
  assert.ok(existsSync(rustInsertBin),
    `${rustInsertBin} is missing: cargo build --locked --release -p host-tests --bin awa-rust-insert`);
  const { stdout } = await run(rustInsertBin, [url, specText], { timeout: 60000 });
  return JSON.parse(stdout.trim().split('\n').pop());
}

// The same args twice: plain JSON text for Awa's producer, another spelling for Node's argsJson
// (keys shuffled, exponents, \u escapes incl. a surrogate pair). 1.0 and 1e21 are floats.
function dedupArgs(tag, n) {
  return {
    plain: `{"amount":1.0,"big":1e21,"n":${n},"ratio":0.1,"tag":"${tag}","z":{"a":"é🎉","b":[3,2,1]}}`,
    spelled: `{ "z": {"b": [3, 2, 1], "a": "\\u00e9\\ud83c\\udf89"}, "tag": "${tag}", "ratio": 1E-1, "n": ${n}, "big": 1.0E21, "amount": 1E0 }`,
  };
}

before(async () => {
  assert.ok(DATABASE_URL, 'DATABASE_URL must be set (run through scripts/with-db.sh)');
  const { stdout } = await run(join(root, 'scripts', 'setup-python.sh'));
  python = join(stdout.trim(), 'bin', 'python');
  for (const mode of MODES) {
    const name = `node_${mode === 'canonical' ? 'canon' : 'qs'}_${tag}`;
    const url = await newAwaDb(name, mode);
    const pool = new pg.Pool({ connectionString: url, max: 6 });
    pool.on('error', () => {}); // idle connections closed by DROP DATABASE at the end
    const sql = postgres(url, { max: 4, onnotice: () => {} });
    dbs[mode] = { name, url, pool, sql };
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

const hex = (b) => (b == null ? null : Buffer.from(b).toString('hex'));
const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

async function withClient(mode, fn) {
  const client = await dbs[mode].pool.connect();
  client.on('notice', () => {}); // queue storage emits harmless NOTICEs
  try {
    return await fn(client);
  } finally {
    client.release();
  }
}

/** Resolves once backend `pid` waits on a lock (its statement is blocked by another transaction). */
async function waitsOnLock(mode, pid) {
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline) {
    const { rows } = await dbs[mode].pool.query('SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1', [pid]);
    if (rows[0]?.wait_event_type === 'Lock') return;
    await sleep(20);
  }
  assert.fail(`backend ${pid} never waited on a lock`);
}

const count = async (mode, kind) =>
  (await dbs[mode].pool.query('SELECT count(*)::int AS n FROM awa.jobs WHERE kind = $1', [kind])).rows[0].n;

test('checkSchema accepts both storage modes (both drivers) and rejects a database without Awa', async () => {
  for (const mode of MODES) {
    for (const db of [dbs[mode].pool, dbs[mode].sql]) {
      assert.deepEqual(await checkSchema(db), { schemaVersion: 40, tested: true });
    }
  }
  const engine = await dbs.queue_storage.pool.query('SELECT awa.active_storage_engine() AS e');
  assert.equal(engine.rows[0].e, 'queue_storage');
  const plain = new pg.Client({ connectionString: DATABASE_URL });
  await plain.connect();
  try {
    await assert.rejects(checkSchema(plain), (e) => e instanceof AwaEnqueueError && e.code === 'schema_missing');
  } finally {
    await plain.end();
  }
  await assert.rejects(checkSchema({}), TypeError);
});

for (const mode of MODES) {
  test(`${mode}: enqueue and enqueueMany store exactly the core's values (both drivers)`, async () => {
    const job = {
      kind: 'node_row', queue: 'node_rows', args: { b: [1, 2], a: 'x' }, priority: 3, maxAttempts: 7n,
      metadata: { src: 'node' }, tags: ['t1', 't"2', 'NULL', '\ufeff'], unique: { byQueue: true }, orderingKey: 'customer-42',
    };
    const p = prepare(job);
    for (const [driver, db] of [['pg', dbs[mode].pool], ['postgres.js', dbs[mode].sql]]) {
      const row = await enqueue(db, { ...job, kind: `node_row_${driver}` });
      assert.match(String(row.id), /^\d+$/);
      assert.equal(row.kind, `node_row_${driver}`);
      assert.equal(row.queue, 'node_rows');
      assert.deepEqual(row.args, { a: 'x', b: [1, 2] });
      assert.equal(row.state_str, 'available');
      assert.equal(row.priority, 3);
      assert.equal(row.max_attempts, 7);
      assert.deepEqual(row.metadata, { src: 'node' });
      assert.deepEqual(row.tags, ['t1', 't"2', 'NULL', '\ufeff']);
      assert.equal(hex(row.unique_key), hex(prepare({ ...job, kind: `node_row_${driver}` }).uniqueKey));
      assert.equal(row.unique_states, p.uniqueStates);

      const runAt = new Date(Date.now() + 3600_000);
      const rows = await enqueueMany(db, [
        { kind: `node_many_${driver}`, queue: 'node_rows', args: { i: 0 } },
        { kind: `node_many_${driver}`, queue: 'node_rows', args: { i: 1 }, runAt },
        { kind: `node_many_${driver}`, queue: 'node_rows_b', argsJson: '{"i": 2}', orderingKey: new Uint8Array([0, 255]), priority: 1 },
      ]);
      assert.ok(Array.isArray(rows));
      assert.deepEqual(rows.map((r) => r.args.i), [0, 1, 2]);
      assert.deepEqual(rows.map((r) => r.state_str), ['available', 'scheduled', 'available']);
      assert.equal(new Date(rows[1].run_at).getTime(), runAt.getTime());
    }
  });

  test(`${mode}: one batch statement for any number of jobs, atomic, rows in input order`, async () => {
    const jobs = Array.from({ length: 6000 }, (_, i) => ({
      kind: 'node_big', queue: `node_big_${i % 3}`, priority: 1 + (i % 4), args: { i }, orderingKey: `o${i % 7}`,
    }));
    const rows = await enqueueMany(dbs[mode].pool, jobs);
    assert.equal(rows.length, 6000);
    assert.ok(rows.every((r, i) => r.args.i === i && r.priority === 1 + (i % 4)));
    const dup = [
      { kind: 'node_atomic', args: { n: 1 }, unique: true },
      { kind: 'node_atomic' },
      { kind: 'node_atomic', argsJson: '{ "n" : 1 }', unique: {} },
    ];
    for (const db of [dbs[mode].pool, dbs[mode].sql]) {
      await assert.rejects(enqueueMany(db, dup), (e) => isUniqueConflict(e));
    }
    assert.equal(await count(mode, 'node_atomic'), 0, 'a failed batch leaves nothing');
  });

  test(`${mode}: a rolled-back transaction leaves nothing`, async () => {
    await withClient(mode, async (client) => {
      await client.query('BEGIN');
      const row = await enqueue(client, { kind: 'node_rollback', args: { n: 1 }, unique: true });
      await enqueueMany(client, [{ kind: 'node_rollback', args: { n: 2 } }, { kind: 'node_rollback', args: { n: 3 } }]);
      assert.ok(row.id);
      await client.query('ROLLBACK');
      assert.equal(await count(mode, 'node_rollback'), 0);
      const claims = await client.query('SELECT count(*)::int AS n FROM awa.job_unique_claims WHERE unique_key = $1',
        [Buffer.from(prepare({ kind: 'node_rollback', args: { n: 1 }, unique: true }).uniqueKey)]);
      assert.equal(claims.rows[0].n, 0);
      const again = await tryEnqueue(client, { kind: 'node_rollback', args: { n: 1 }, unique: true });
      assert.equal(again.inserted, true);
    });
  });

  test(`${mode}: the batch statement is quiet and restores the caller's client_min_messages`, async () => {
    await withClient(mode, async (client) => {
      const notices = [];
      client.on('notice', (n) => notices.push(n.message));
      const show = async () => (await client.query('SHOW client_min_messages')).rows[0].client_min_messages;
      await client.query('SET client_min_messages = notice');
      await enqueue(client, { kind: 'node_loud', queue: 'node_quiet_a' });
      if (mode === 'queue_storage') assert.ok(notices.length > 0, 'a single insert is as loud as Awa makes it');
      notices.length = 0;
      const batch = [0, 1, 2].map((i) => ({ kind: `node_quiet_${i}`, queue: `node_quiet_${i % 2 ? 'b' : 'c'}` }));
      await enqueueMany(client, batch);
      assert.deepEqual(notices, []);
      assert.equal(await show(), 'notice');
      await client.query('BEGIN');
      await client.query('SET LOCAL client_min_messages = log');
      await enqueueMany(client, batch);
      assert.equal(await show(), 'log');
      await client.query('COMMIT');
      assert.equal(await show(), 'notice');
      assert.deepEqual(notices, []);
    });
  });

  test(`${mode}: tryEnqueue (pg): a visible duplicate is a result with the existing job, in and out of transactions`, async () => {
    await withClient(mode, async (client) => {
      const job = { kind: 'node_try_pg', args: { order: 17 }, unique: { byArgs: true } };
      const first = await tryEnqueue(client, job); // idle client: no savepoint
      assert.equal(first.inserted, true);
      assert.deepEqual([first.duplicate, first.existing], [false, null]);
      assert.equal(first.row.inserted, undefined, 'row is the awa.jobs row plus state_str');
      assert.equal(first.row.state_str, 'available');
      const again = await tryEnqueue(client, { ...job, argsJson: '{ "order": 17 }', args: undefined });
      assert.deepEqual({ ...again, existing: again.existing?.id }, { inserted: false, duplicate: true, row: null, existing: first.row.id });
      assert.equal(again.existing.state_str, 'available');
      assert.equal((await tryEnqueue(dbs[mode].pool, job)).existing.id, first.row.id, 'on a Pool');

      await client.query('BEGIN');
      const inTx = await tryEnqueue(client, job);
      assert.equal(inTx.duplicate, true);
      assert.equal(inTx.existing.id, first.row.id);
      const other = await tryEnqueue(client, { ...job, args: { order: 18 } });
      assert.equal(other.inserted, true);
      assert.equal(client.getTransactionStatus(), 'T');
      await client.query('COMMIT');
      const { rows } = await client.query("SELECT args FROM awa.jobs WHERE kind = 'node_try_pg' ORDER BY id");
      assert.deepEqual(rows.map((r) => r.args.order), [17, 18]);
      // a job without a unique key always inserts; plain enqueue surfaces Awa's 23505
      assert.equal((await tryEnqueue(client, { kind: 'node_try_pg' })).inserted, true);
      assert.equal((await tryEnqueue(client, { kind: 'node_try_pg' })).inserted, true);
      await assert.rejects(enqueue(client, job), (e) => isUniqueConflict(e) && e.code === '23505' && e.constraint === 'idx_awa_jobs_unique');
      assert.equal(isUniqueConflict(new Error('x')), false);
      assert.equal(isUniqueConflict({ code: '23505', constraint: 'other' }), false);
    });
  });

  test(`${mode}: tryEnqueue (pg): a concurrent duplicate rolls back only the savepoint`, async () => {
    const job = { kind: 'node_race_pg', args: { n: 1 }, unique: true };
    await withClient(mode, (a) => withClient(mode, async (b) => {
      // inside the caller's transaction
      await a.query('BEGIN');
      const held = await tryEnqueue(a, job);
      assert.equal(held.inserted, true);
      await b.query('BEGIN');
      await enqueue(b, { kind: 'node_race_pg_before', queue: 'node_race_other' }); // queue storage serializes one queue's inserts
      const pending = tryEnqueue(b, job); // cannot see a's claim yet: blocks on it, then 23505
      await waitsOnLock(mode, b.processID);
      await a.query('COMMIT');
      const dup = await pending;
      assert.deepEqual([dup.inserted, dup.duplicate, dup.row, dup.existing?.id], [false, true, null, held.row.id]);
      assert.equal(b.getTransactionStatus(), 'T', 'the caller\'s transaction is usable');
      await enqueue(b, { kind: 'node_race_pg_after', queue: 'node_race_other' });
      await b.query('COMMIT');
      assert.deepEqual([await count(mode, 'node_race_pg_before'), await count(mode, 'node_race_pg_after')], [1, 1]);

      // outside a transaction: the statement fails on its own, no savepoint is sent
      const job2 = { ...job, args: { n: 2 } };
      await a.query('BEGIN');
      const held2 = await tryEnqueue(a, job2);
      const sent = [];
      const query = b.query.bind(b);
      b.query = (q, ...rest) => (sent.push(typeof q === 'string' ? q : q.text), query(q, ...rest));
      const pending2 = tryEnqueue(b, job2);
      await waitsOnLock(mode, b.processID);
      await a.query('COMMIT');
      const dup2 = await pending2;
      delete b.query;
      assert.equal(dup2.existing.id, held2.row.id);
      assert.ok(!sent.some((s) => /SAVEPOINT/i.test(s)), String(sent));

      // a snapshot that cannot see the job holding the key: existing is null
      const job3 = { ...job, args: { n: 3 } };
      await b.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await b.query('SELECT 1');
      const held3 = await tryEnqueue(a, job3);
      assert.equal(held3.inserted, true);
      const hidden = await tryEnqueue(b, job3);
      assert.deepEqual(hidden, { inserted: false, duplicate: true, row: null, existing: null });
      assert.equal(b.getTransactionStatus(), 'T');
      await b.query('COMMIT');
    }));
  });

  test(`${mode}: tryEnqueue (postgres.js): outside, inside sql.begin, and a concurrent duplicate`, async () => {
    const { sql } = dbs[mode];
    const job = { kind: 'node_try_pjs', args: { order: 1 }, unique: { byArgs: true } };
    const first = await tryEnqueue(sql, job);
    assert.equal(first.inserted, true);
    assert.equal(first.row.inserted, undefined);
    const again = await tryEnqueue(sql, job);
    assert.deepEqual([again.duplicate, again.existing.id], [true, first.row.id]);
    await sql.begin(async (tx) => {
      const dup = await tryEnqueue(tx, job);
      assert.equal(dup.existing.id, first.row.id);
      assert.equal((await tryEnqueue(tx, { ...job, args: { order: 2 } })).inserted, true);
    });
    assert.equal(await count(mode, 'node_try_pjs'), 2);
    await assert.rejects(enqueue(sql, job), (e) => isUniqueConflict(e) && e.constraint_name === 'idx_awa_jobs_unique');

    // a concurrent duplicate inside sql.begin: only the savepoint is rolled back
    const raced = { ...job, args: { order: 3 } };
    let release;
    const released = new Promise((res) => (release = res));
    let held;
    const holder = sql.begin(async (tx) => {
      held = await tryEnqueue(tx, raced);
      await released;
    });
    while (!held) await sleep(10);
    const result = await sql.begin(async (tx) => {
      const [{ pid }] = await tx`SELECT pg_backend_pid() AS pid`;
      await enqueue(tx, { kind: 'node_race_pjs_before', queue: 'node_race_other' });
      const pending = tryEnqueue(tx, raced);
      await waitsOnLock(mode, pid);
      release();
      const dup = await pending;
      await enqueue(tx, { kind: 'node_race_pjs_after', queue: 'node_race_other' });
      return dup;
    });
    await holder;
    assert.deepEqual([result.inserted, result.duplicate, result.row, result.existing?.id], [false, true, null, held.row.id]);
    assert.deepEqual([await count(mode, 'node_race_pjs_before'), await count(mode, 'node_race_pjs_after')], [1, 1]);
  });

  test(`${mode}: a real Awa Python worker completes Node-enqueued jobs`, async () => {
    const queue = `node_work_${mode === 'canonical' ? 'c' : 'q'}`;
    const kind = 'node_ext_job';
    const rows = [];
    await withClient(mode, async (client) => {
      rows.push(await enqueue(client, { kind, queue, args: { n: 1, text: 'héllo\ufeff' }, unique: true, orderingKey: 'customer-42' }));
      rows.push(...await enqueueMany(client, [
        { kind, queue, args: { n: 2 }, tags: ['node'] },
        { kind, queue, args: { n: 3 }, metadata: { from: 'node' } },
      ]));
    });
    const result = await awaPython(['worker', dbs[mode].url, queue, kind, String(rows.length), '45'], 90000);
    assert.deepEqual(result.seen.map((s) => s.args.n).sort(), [1, 2, 3]);
    assert.equal(result.seen.find((s) => s.args.n === 1).args.text, 'héllo\ufeff');
    const ids = rows.map((r) => r.id);
    const deadline = Date.now() + 15000;
    let states;
    do {
      const { rows: r } = await dbs[mode].pool.query('SELECT state::text AS s FROM awa.jobs WHERE id = ANY($1::bigint[])', [ids]);
      states = r.map((x) => x.s);
      if (states.length === 3 && states.every((s) => s === 'completed')) break;
      await sleep(200);
    } while (Date.now() < deadline);
    assert.deepEqual(states, ['completed', 'completed', 'completed']);
  });

  test(`${mode}: dedup with Awa's Python producer, both directions`, async () => {
    const queue = 'node_dedup';
    // Python first, Node second; Node's shortest spelling { byArgs: true } is Python's by_args=True
    const py = await awaPython(['insert', dbs[mode].url, JSON.stringify({
      kind: 'node_xdedup', queue, args: { n: 1, to: 'ä@b.c', list: [3, 1] }, unique_opts: { by_args: true },
    })]);
    assert.equal(py.inserted, true);
    const { rows } = await dbs[mode].pool.query('SELECT unique_key, unique_states::text AS s FROM awa.jobs WHERE id = $1', [py.id]);
    const mine = { kind: 'node_xdedup', queue, args: { list: [3, 1], n: 1, to: 'ä@b.c' }, unique: { byArgs: true } };
    assert.equal(hex(rows[0].unique_key), hex(prepare(mine).uniqueKey));
    assert.equal(rows[0].s, '11111000');
    assert.equal(prepare(mine).uniqueStates, '11111000');
    const nodeDup = await tryEnqueue(dbs[mode].pool, mine);
    assert.equal(nodeDup.duplicate, true);
    assert.equal(String(nodeDup.existing.id), String(py.id));

    // Node first (shortest spelling), Python second
    const nodeFirst = await tryEnqueue(dbs[mode].sql, { kind: 'node_xdedup1', queue, args: { k: 'v' }, unique: { byArgs: true } });
    assert.equal(nodeFirst.inserted, true);
    const pyDup1 = await awaPython(['insert', dbs[mode].url, JSON.stringify({
      kind: 'node_xdedup1', queue, args: { k: 'v' }, unique_opts: { by_args: true },
    })]);
    assert.equal(pyDup1.conflict, true, JSON.stringify(pyDup1));

    // Node first, Python second (by_queue + by_period)
    const bucket = periodBucket(new Date(), 3600);
    const nodeRow = await tryEnqueue(dbs[mode].pool, {
      kind: 'node_xdedup2', queue, args: { invoice: 'INV-9' }, unique: { byQueue: true, byPeriod: bucket },
    });
    assert.equal(nodeRow.inserted, true);
    const pyDup = await awaPython(['insert', dbs[mode].url, JSON.stringify({
      kind: 'node_xdedup2', queue, args: { invoice: 'INV-9' },
      unique_opts: { by_queue: true, by_args: true, by_period: Number(bucket) },
    })]);
    assert.equal(pyDup.conflict, true, JSON.stringify(pyDup));

    // JS numbers: Python hashes 1.0 as a float; only argsJson spells it the same way.
    const pyFloat = await awaPython(['insert', dbs[mode].url, JSON.stringify({
      kind: 'node_xfloat', queue, args: { price: 1.5, qty: 1.0 }, unique_opts: { by_args: true },
    }).replace('"qty":1', '"qty":1.0')]);
    assert.equal(pyFloat.inserted, true);
    const viaArgs = await tryEnqueue(dbs[mode].pool, { kind: 'node_xfloat', queue, args: { price: 1.5, qty: 1.0 }, unique: true });
    assert.equal(viaArgs.inserted, true, 'JSON.stringify writes 1.0 as 1: a different key');
    const viaText = await tryEnqueue(dbs[mode].pool, { kind: 'node_xfloat', queue, argsJson: '{"price":1.5,"qty":1.0}', unique: true });
    assert.equal(viaText.duplicate, true, 'argsJson keeps 1.0: same key as Python');
  });

  test(`${mode}: dedup with Awa's Rust producer (awa-model insert_many), both directions`, async () => {
    const { url, pool } = dbs[mode];
    const queue = 'node_rust';
    const otherQueue = 'node_rust_other';
    const bucket = periodBucket(new Date(), 3600);
    const variants = [
      // Awa's unique_opts (omitted fields: awa-model's defaults), Node's unique, and whether the
      // same job on another queue is still a duplicate
      { name: 'shortest', rust: '{"by_args":true}', node: { byArgs: true }, otherQueueCollides: true },
      { name: 'default', rust: '{}', node: true, otherQueueCollides: true },
      { name: 'by_queue', rust: '{"by_queue":true}', node: { byQueue: true }, otherQueueCollides: false },
      { name: 'by_period', rust: `{"by_period":${bucket}}`, node: { byPeriod: bucket }, otherQueueCollides: true },
      { name: 'states', rust: '{"states":7}', node: { states: ['scheduled', 'available', 'running'] }, otherQueueCollides: true },
    ];
    const spec = (args, v) => `{"kind":"node_rust_dedup","queue":"${queue}","args":${args},"unique_opts":${v.rust}}`;
    for (const [i, v] of variants.entries()) {
      // Rust first: Node derives the stored key from another spelling and collides
      let { plain, spelled } = dedupArgs(`rust_${v.name}`, 2 * i);
      const job = { kind: 'node_rust_dedup', queue, argsJson: spelled, unique: v.node };
      const rust = await awaRust(url, spec(plain, v));
      assert.equal(rust.inserted, true, `${v.name}: ${JSON.stringify(rust)}`);
      const p = prepare(job);
      assert.equal(rust.unique_key, hex(p.uniqueKey), `${v.name}: Rust's key vs Node's`);
      const { rows } = await pool.query('SELECT unique_key, unique_states::text AS s FROM awa.jobs WHERE id = $1', [rust.id]);
      assert.equal(hex(rows[0].unique_key), hex(p.uniqueKey));
      assert.equal(rows[0].s, p.uniqueStates, `${v.name}: stored unique_states`);
      if (v.name === 'shortest') assert.equal(p.uniqueStates, '11111000');
      assert.equal(hex(uniqueKey({
        kind: job.kind, argsJson: spelled, queue: v.name === 'by_queue' ? queue : undefined,
        periodBucket: v.name === 'by_period' ? bucket : undefined,
      })), rust.unique_key);
      const dup = await tryEnqueue(pool, job);
      assert.equal(dup.duplicate, true, `${v.name}: Node after Rust`);
      assert.equal(String(dup.existing.id), String(rust.id));
      const other = await tryEnqueue(pool, { ...job, queue: otherQueue });
      assert.equal(other.duplicate, v.otherQueueCollides, `${v.name}: Node on another queue`);

      // Node first: Rust collides
      ({ plain, spelled } = dedupArgs(`node_${v.name}`, 2 * i + 1));
      const mine = await tryEnqueue(pool, { ...job, argsJson: spelled });
      assert.equal(mine.inserted, true);
      const rustDup = await awaRust(url, spec(plain, v));
      assert.equal(rustDup.conflict, true, `${v.name}: Rust after Node: ${JSON.stringify(rustDup)}`);
    }
  });
}

test('queue_storage: LISTEN "awa:<queue>" gets the wake-up on commit only', async () => {
  const queue = 'node_notify';
  const listener = new pg.Client({ connectionString: dbs.queue_storage.url });
  await listener.connect();
  const got = [];
  listener.on('notification', (n) => got.push(n));
  await listener.query(`LISTEN "awa:${queue}"`);
  const settle = () => sleep(300);
  try {
    await withClient('queue_storage', async (client) => {
      await client.query('BEGIN');
      await enqueue(client, { kind: 'node_notify', queue, args: { n: 1 } });
      await settle();
      assert.equal(got.length, 0, 'no notification before commit');
      await client.query('COMMIT');
      const deadline = Date.now() + 5000;
      while (got.length === 0 && Date.now() < deadline) await settle();
      assert.equal(got.length, 1);
      assert.equal(got[0].channel, `awa:${queue}`);
      assert.equal(got[0].payload, '');

      await client.query('BEGIN');
      await enqueue(client, { kind: 'node_notify', queue, args: { n: 2 } });
      await client.query('ROLLBACK');
      await settle();
      assert.equal(got.length, 1, 'no notification after rollback');
    });
  } finally {
    await listener.end();
  }
});

test('tryEnqueue refuses a client whose transaction state it cannot know', async () => {
  await assert.rejects(tryEnqueue({ query: async () => ({ rows: [] }) }, { kind: 'k', unique: true }), TypeError);
  await assert.rejects(tryEnqueue(null, { kind: 'k' }), TypeError);
  await assert.rejects(tryEnqueue(dbs.canonical.pool, { kind: 'k', priority: 9 }),
    (e) => e instanceof AwaEnqueueError && e.code === 'priority_out_of_range');
});

test('conformance runner --enqueue: one committed transaction per prepare case through tryEnqueue', async () => {
  const url = await newAwaDb(`node_enq_${tag}`, 'queue_storage');
  try {
    const cases = [
      { id: 1, op: 'prepare', job: { kind: 'enq', args_json: '{"a":1}', unique: {} } },
      { id: 2, op: 'prepare', job: { kind: 'enq', args_json: '{ "a" : 1 }', unique: { states: ['available'] } } },
      { id: 3, op: 'prepare', job: { kind: 'enq', priority: 9 } },
      { id: 4, op: 'kind_from_type_name', name: 'SendEmail' },
      { id: 5, op: 'prepare', job: { kind: 'enq\ufeff', queue: '\ufeffq', tags: ['\ufeff'] } },
      { id: 6, op: 'prepare', job: { kind: 'enq', priority: 1.5 } },
      { id: 7, op: 'prepare_many', jobs: [{ kind: 'b1' }, { kind: 'b2' }] },
      { id: 8, op: 'prepare_many', jobs: [{ kind: 'b3' }, { kind: 'enq', args_json: '{"a":1}', unique: {} }] },
    ].map((c) => JSON.stringify(c)).join('\n') + '\n';
    const out = spawnSync(process.execPath, [join(root, 'js', 'bin', 'conformance.mjs'), '--enqueue'],
      { input: cases, encoding: 'utf8', env: { ...process.env, DATABASE_URL: url } });
    assert.equal(out.status, 0, out.stderr);
    const res = out.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.match(res[0].ok.job_id, /^\d+$/);
    assert.deepEqual(res[1], { id: 2, duplicate: true, existing_job_id: res[0].ok.job_id });
    assert.equal(res[6].ok.job_ids.length, 2);
    assert.deepEqual([res[7].error.code, res[7].error.sqlstate], ['db_error', '23505'], 'a batch with a duplicate: nothing');
    assert.deepEqual([res[2].error.code, res[2].error.field], ['priority_out_of_range', 'priority']);
    assert.deepEqual(res[3], { id: 4, ok: { kind: 'send_email' } });
    assert.deepEqual([res[5].error.code, res[5].error.field], ['invalid_case', 'priority']);
    const check = new pg.Client({ connectionString: url });
    await check.connect();
    try {
      const { rows } = await check.query('SELECT id::text, kind, queue, tags FROM awa.jobs ORDER BY id');
      assert.deepEqual(rows.map((r) => r.id), [res[0].ok.job_id, res[4].ok.job_id, ...res[6].ok.job_ids], 'committed');
      assert.deepEqual([rows[1].kind, rows[1].queue, rows[1].tags], ['enq\ufeff', '\ufeffq', ['\ufeff']]);
    } finally {
      await check.end();
    }
  } finally {
    const admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "node_enq_${tag}" WITH (FORCE)`);
    await admin.end();
  }
});
