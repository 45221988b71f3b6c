// Real PostgreSQL with the Awa 0.6.9 schema (installed by Awa's migrator), a real Awa Python
// worker, and Awa's own Python and Rust producers. Needs DATABASE_URL (scripts/with-db.sh
// provides one) and target/release/awa-rust-insert (scripts/test-node.sh builds it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import pg from 'pg';
import {
  enqueue, enqueueMany, tryEnqueue, checkSchema, isUniqueConflict, prepareInsert, uniqueKey,
  periodBucket, AwaEnqueueError,
} from '../index.js';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const helper = join(root, 'scripts', 'awa_py.py');
const DATABASE_URL = process.env.DATABASE_URL;
const tag = `${process.pid}`;

let python;
const dbs = {}; // mode -> { url, pool, name }

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
  for (const mode of ['canonical', 'queue_storage']) {
    const name = `node_${mode === 'canonical' ? 'canon' : 'qs'}_${tag}`;
    const url = await newAwaDb(name, mode);
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    pool.on('error', () => {}); // idle connections closed by DROP DATABASE at the end
    dbs[mode] = { name, url, pool };
  }
});

after(async () => {
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  for (const { name, pool } of Object.values(dbs)) {
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
  await admin.end();
});

const hex = (b) => (b == null ? null : Buffer.from(b).toString('hex'));

async function withClient(mode, fn) {
  const client = await dbs[mode].pool.connect();
  client.on('notice', () => {}); // queue storage emits harmless NOTICEs
  try {
    return await fn(client);
  } finally {
    client.release();
  }
}

test('checkSchema accepts both storage modes and rejects a database without Awa', async () => {
  for (const mode of ['canonical', 'queue_storage']) {
    const status = await checkSchema(dbs[mode].pool);
    assert.equal(status.schemaVersion, 40);
    assert.equal(status.tested, true);
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
});

for (const mode of ['canonical', 'queue_storage']) {
  test(`${mode}: enqueue and enqueueMany return the inserted rows`, async () => {
    await withClient(mode, async (client) => {
      const job = {
        kind: 'node_row', queue: 'node_rows', args: { b: [1, 2], a: 'x' }, priority: 3, maxAttempts: 7,
        metadata: { src: 'node' }, tags: ['t1', 't2'], unique: { byQueue: true }, orderingKey: 'customer-42',
      };
      const row = await enqueue(client, job);
      const p = prepareInsert(job);
      assert.match(String(row.id), /^\d+$/);
      assert.equal(row.kind, 'node_row');
      assert.equal(row.queue, 'node_rows');
      assert.deepEqual(row.args, { a: 'x', b: [1, 2] });
      assert.equal(row.state_str, 'available');
      assert.equal(row.priority, 3);
      assert.equal(row.max_attempts, 7);
      assert.deepEqual(row.metadata, { src: 'node' });
      assert.deepEqual(row.tags, ['t1', 't2']);
      assert.equal(hex(row.unique_key), hex(p.uniqueKey));
      assert.equal(row.unique_states, '11111000');

      const runAt = new Date(Date.now() + 3600_000);
      const rows = await enqueueMany(client, [
        { kind: 'node_many', queue: 'node_rows', args: { i: 0 } },
        { kind: 'node_many', queue: 'node_rows', args: { i: 1 }, runAt },
        { kind: 'node_many', queue: 'node_rows', argsJson: '{"i": 2}', orderingKey: new Uint8Array([0, 255]) },
      ]);
      assert.deepEqual(rows.map((r) => r.args.i), [0, 1, 2]);
      assert.deepEqual(rows.map((r) => r.state_str), ['available', 'scheduled', 'available']);
      assert.equal(rows[1].run_at.getTime(), runAt.getTime());
    });
  });

  test(`${mode}: a rolled-back transaction leaves nothing`, async () => {
    await withClient(mode, async (client) => {
      await client.query('BEGIN');
      const row = await enqueue(client, { kind: 'node_rollback', args: { n: 1 }, unique: true });
      await enqueueMany(client, [{ kind: 'node_rollback', args: { n: 2 } }, { kind: 'node_rollback', args: { n: 3 } }]);
      assert.ok(row.id);
      await client.query('ROLLBACK');
      const { rows } = await client.query("SELECT count(*)::int AS n FROM awa.jobs WHERE kind = 'node_rollback'");
      assert.equal(rows[0].n, 0);
      const claims = await client.query('SELECT count(*)::int AS n FROM awa.job_unique_claims WHERE unique_key = $1',
        [Buffer.from(prepareInsert({ kind: 'node_rollback', args: { n: 1 }, unique: true }).uniqueKey)]);
      assert.equal(claims.rows[0].n, 0);
      // the same unique job can be enqueued after the rollback
      const again = await tryEnqueue(client, { kind: 'node_rollback', args: { n: 1 }, unique: true });
      assert.equal(again.inserted, true);
    });
  });

  test(`${mode}: tryEnqueue reports a duplicate and keeps the transaction usable`, async () => {
    await withClient(mode, async (client) => {
      const job = { kind: 'node_savepoint', args: { order: 17 }, unique: { states: ['scheduled', 'available', 'running', 'completed', 'retryable'] } };
      await client.query('BEGIN');
      const first = await tryEnqueue(client, job);
      assert.equal(first.inserted, true);
      assert.equal(first.duplicate, false);
      const second = await tryEnqueue(client, job);
      assert.deepEqual(second, { inserted: false, duplicate: true, row: null });
      const other = await enqueue(client, { kind: 'node_savepoint', args: { order: 18 } });
      assert.ok(other.id);
      await client.query('COMMIT');
      const { rows } = await client.query("SELECT args FROM awa.jobs WHERE kind = 'node_savepoint' ORDER BY id");
      assert.deepEqual(rows.map((r) => r.args.order), [17, 18]);
      // outside a transaction and on a Pool: still a duplicate, not an exception
      assert.equal((await tryEnqueue(client, job)).duplicate, true);
      assert.equal((await tryEnqueue(dbs[mode].pool, job)).duplicate, true);
      // plain enqueue surfaces Awa's 23505, recognised by isUniqueConflict
      await assert.rejects(enqueue(client, job), (e) => isUniqueConflict(e) && e.code === '23505');
      assert.equal(isUniqueConflict(new Error('x')), false);
    });
  });

  test(`${mode}: a real Awa Python worker completes Node-enqueued jobs`, async () => {
    const queue = `node_work_${mode === 'canonical' ? 'c' : 'q'}`;
    const kind = 'node_ext_job';
    const rows = [];
    await withClient(mode, async (client) => {
      rows.push(await enqueue(client, { kind, queue, args: { n: 1, text: 'héllo' }, unique: true, orderingKey: 'customer-42' }));
      rows.push(...await enqueueMany(client, [
        { kind, queue, args: { n: 2 }, tags: ['node'] },
        { kind, queue, args: { n: 3 }, metadata: { from: 'node' } },
      ]));
    });
    const result = await awaPython(['worker', dbs[mode].url, queue, kind, String(rows.length), '45'], 90000);
    assert.deepEqual(result.seen.map((s) => s.args.n).sort(), [1, 2, 3]);
    assert.equal(result.seen.find((s) => s.args.n === 1).args.text, 'héllo');
    const ids = rows.map((r) => r.id);
    const deadline = Date.now() + 15000;
    let states;
    do {
      const { rows: r } = await dbs[mode].pool.query('SELECT state::text AS s FROM awa.jobs WHERE id = ANY($1::bigint[])', [ids]);
      states = r.map((x) => x.s);
      if (states.length === 3 && states.every((s) => s === 'completed')) break;
      await new Promise((res) => setTimeout(res, 200));
    } while (Date.now() < deadline);
    assert.deepEqual(states, ['completed', 'completed', 'completed']);
  });

  test(`${mode}: dedup with Awa's Python producer, both directions`, async () => {
    const queue = 'node_dedup';
    // Python first, Node second
    const py = await awaPython(['insert', dbs[mode].url, JSON.stringify({
      kind: 'node_xdedup', queue, args: { n: 1, to: 'ä@b.c', list: [3, 1] }, unique_opts: { by_args: true },
    })]);
    assert.equal(py.inserted, true);
    const { rows } = await dbs[mode].pool.query('SELECT unique_key FROM awa.jobs WHERE id = $1', [py.id]);
    assert.equal(hex(rows[0].unique_key),
      hex(uniqueKey({ kind: 'node_xdedup', args: { list: [3, 1], to: 'ä@b.c', n: 1 } })));
    const nodeDup = await tryEnqueue(dbs[mode].pool, { kind: 'node_xdedup', queue, args: { list: [3, 1], n: 1, to: 'ä@b.c' }, unique: true });
    assert.equal(nodeDup.duplicate, true);

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
}

for (const mode of ['canonical', 'queue_storage']) {
  test(`${mode}: dedup with Awa's Rust producer (awa-model insert_many), both directions`, async () => {
    const { url, pool } = dbs[mode];
    const queue = 'node_rust';
    const otherQueue = 'node_rust_other';
    const bucket = periodBucket(new Date(), 3600);
    const variants = [
      // Awa's unique_opts (omitted fields: awa-model's defaults), Node's unique, and whether the
      // same job on another queue is still a duplicate
      { name: 'default', rust: '{}', node: true, otherQueueCollides: true },
      { name: 'by_queue', rust: '{"by_queue":true}', node: { byQueue: true }, otherQueueCollides: false },
      { name: 'by_period', rust: `{"by_period":${bucket}}`, node: { byPeriod: bucket }, otherQueueCollides: true },
    ];
    const spec = (args, v) => `{"kind":"node_rust_dedup","queue":"${queue}","args":${args},"unique_opts":${v.rust}}`;
    for (const [i, v] of variants.entries()) {
      // Rust first: Node derives the stored key from another spelling and collides
      let { plain, spelled } = dedupArgs(`rust_${v.name}`, 2 * i);
      const job = { kind: 'node_rust_dedup', queue, argsJson: spelled, unique: v.node };
      const rust = await awaRust(url, spec(plain, v));
      assert.equal(rust.inserted, true, `${v.name}: ${JSON.stringify(rust)}`);
      const p = prepareInsert(job);
      assert.equal(rust.unique_key, hex(p.uniqueKey), `${v.name}: Rust's key vs Node's`);
      const { rows } = await pool.query('SELECT unique_key, unique_states::text AS s FROM awa.jobs WHERE id = $1', [rust.id]);
      assert.equal(hex(rows[0].unique_key), hex(p.uniqueKey));
      assert.equal(rows[0].s, p.uniqueStates);
      assert.equal(hex(uniqueKey({
        kind: job.kind, argsJson: spelled, queue: v.name === 'by_queue' ? queue : undefined,
        periodBucket: v.name === 'by_period' ? bucket : undefined,
      })), rust.unique_key);
      assert.equal((await tryEnqueue(pool, job)).duplicate, true, `${v.name}: Node after Rust`);
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
  const settle = () => new Promise((res) => setTimeout(res, 300));
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
