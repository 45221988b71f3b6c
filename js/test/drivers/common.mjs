// Shared checks for every client: run by <client>.test.mjs with that client's recipe.
// Needs AWA_DRIVERS_CANONICAL_URL and AWA_DRIVERS_QUEUE_STORAGE_URL (scripts/test-node-drivers.sh).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { prepare, prepareMany, tryEnqueue } from 'awa-enqueue';

export const MODES = {
  canonical: process.env.AWA_DRIVERS_CANONICAL_URL,
  queue_storage: process.env.AWA_DRIVERS_QUEUE_STORAGE_URL,
};

const HOSTILE_TAGS = ['a,b', '{', '}', '"', 'NULL', 'null', '\\', ' padded ', '', "it's", 'ä\ufeff'];
const hex = (b) => (b == null ? null : Buffer.from(b).toString('hex'));
const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

/**
 * client: { open(url) -> { db, close() }, enqueue(db, job), enqueueMany(db, jobs),
 *   transaction(db, fn(tx)) (commits), tryEnqueue(tx, job), pid(tx) -> backend pid }
 */
export function suite(name, client) {
  const state = {};
  before(async () => {
    for (const [mode, url] of Object.entries(MODES)) {
      assert.ok(url, `${mode} database URL missing (run scripts/test-node-drivers.sh)`);
      const check = new pg.Pool({ connectionString: url, max: 3 });
      check.on('error', () => {});
      state[mode] = { check, handle: await client.open(url) };
    }
  });
  after(async () => {
    for (const { check, handle } of Object.values(state)) {
      await handle.close();
      await check.end();
    }
  });

  /** The stored awa.jobs row equals what prepare produced. */
  async function assertStored(mode, id, p) {
    const { rows } = await state[mode].check.query(
      `SELECT kind, queue, args::text AS args, state::text AS state, priority, max_attempts, run_at,
              metadata::text AS metadata, tags, encode(unique_key, 'hex') AS unique_key,
              unique_states::text AS unique_states FROM awa.jobs WHERE id = $1`, [String(id)]);
    assert.equal(rows.length, 1, `job ${id} stored`);
    const r = rows[0];
    assert.deepEqual(
      [r.kind, r.queue, JSON.parse(r.args), r.state, r.priority, r.max_attempts, JSON.parse(r.metadata), r.tags, r.unique_key, r.unique_states],
      [p.kind, p.queue, JSON.parse(p.argsJson), p.state, p.priority, p.maxAttempts, JSON.parse(p.metadataJson), p.tags, hex(p.uniqueKey), p.uniqueStates]);
    if (p.runAt !== null) assert.equal(r.run_at.getTime(), new Date(p.runAt).getTime());
  }

  const count = async (mode, kind) =>
    (await state[mode].check.query('SELECT count(*)::int AS n FROM awa.jobs WHERE kind = $1', [kind])).rows[0].n;

  async function waitsOnLock(mode, pid) {
    const deadline = Date.now() + 10000;
    while (Date.now() < deadline) {
      const { rows } = await state[mode].check.query('SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1', [pid]);
      if (rows[0]?.wait_event_type === 'Lock') return;
      await sleep(20);
    }
    assert.fail(`backend ${pid} never waited on a lock`);
  }

  for (const mode of Object.keys(MODES)) {
    const k = (s) => `${name}_${s}`;

    test(`${name} ${mode}: one job, stored exactly as prepared (hostile tags)`, async () => {
      const job = {
        kind: k(`one'"`), queue: k('q'), args: { s: 'a,b {"} NULL', n: [1, { x: null }] }, priority: 3, maxAttempts: 7,
        metadata: { src: name }, tags: HOSTILE_TAGS, unique: { byQueue: true, states: ['available', 'running'] }, orderingKey: 'c-42',
      };
      const row = await client.enqueue(state[mode].handle.db, job);
      assert.equal(row.kind, job.kind);
      assert.equal(row.state_str, 'available');
      assert.deepEqual(row.tags, HOSTILE_TAGS);
      await assertStored(mode, row.id, prepare(job));
    });

    test(`${name} ${mode}: a batch (insertManySql + insertManyBinds), rows in input order`, async () => {
      const jobs = [
        { kind: k('many'), queue: k('q'), args: { i: 0 }, tags: HOSTILE_TAGS },
        { kind: k('many'), queue: k('q_b'), argsJson: '{ "i" : 1, "b": 1.0 }', runAt: new Date(Date.now() + 3600_000), tags: ['{}', '"NULL"'] },
        { kind: k('many'), queue: k('q'), args: { i: 2 }, unique: true, tags: [], metadata: { x: 'y,z' }, priority: 1 },
      ];
      const rows = await client.enqueueMany(state[mode].handle.db, jobs);
      assert.deepEqual(rows.map((r) => r.state_str), ['available', 'scheduled', 'available']);
      const prepared = prepareMany(jobs);
      for (let i = 0; i < jobs.length; i++) await assertStored(mode, rows[i].id, prepared[i]);
    });

    test(`${name} ${mode}: a visible duplicate inside the caller's transaction; it goes on and commits`, async () => {
      const { db } = state[mode].handle;
      const job = { kind: k('try'), args: { order: 17 }, tags: ['a,b', 'NULL'], unique: { byArgs: true } };
      const first = await client.enqueue(db, job);
      const out = await client.transaction(db, async (tx) => {
        const dup = await client.tryEnqueue(tx, { kind: k('try'), argsJson: '{ "order": 17 }', unique: { byArgs: true } });
        const fresh = await client.tryEnqueue(tx, { ...job, args: { order: 18 } });
        const plain = await client.tryEnqueue(tx, { kind: k('try_plain') }); // no key: no savepoint
        const after = await client.enqueue(tx, { kind: k('try_after') });
        return { dup, fresh, plain, after };
      });
      assert.deepEqual([out.dup.inserted, out.dup.duplicate, out.dup.row, String(out.dup.existing?.id)],
        [false, true, null, String(first.id)]);
      assert.equal(out.dup.existing.state_str, 'available');
      assert.equal(out.dup.existing.inserted, undefined);
      assert.deepEqual([out.fresh.inserted, out.fresh.duplicate, out.fresh.existing], [true, false, null]);
      await assertStored(mode, out.fresh.row.id, prepare({ ...job, args: { order: 18 } }));
      assert.equal(out.plain.inserted, true);
      assert.deepEqual([await count(mode, k('try')), await count(mode, k('try_plain')), await count(mode, k('try_after'))], [2, 1, 1]);
    });

    test(`${name} ${mode}: a concurrent duplicate rolls back only the savepoint; the transaction commits`, async () => {
      const { db } = state[mode].handle;
      const job = { kind: k('race'), args: { n: 1 }, unique: true };
      const holder = await state[mode].check.connect();
      try {
        await holder.query('BEGIN');
        const held = await tryEnqueue(holder, job);
        assert.equal(held.inserted, true);
        const dup = await client.transaction(db, async (tx) => {
          const pid = await client.pid(tx);
          await client.enqueue(tx, { kind: k('race_before'), queue: k('race_other') });
          const pending = client.tryEnqueue(tx, job); // cannot see the holder yet: blocks, then 23505
          await waitsOnLock(mode, pid);
          await holder.query('COMMIT');
          const result = await pending;
          await client.enqueue(tx, { kind: k('race_after'), queue: k('race_other') });
          return result;
        });
        assert.deepEqual([dup.inserted, dup.duplicate, dup.row, String(dup.existing?.id)], [false, true, null, String(held.row.id)]);
        assert.deepEqual([await count(mode, k('race')), await count(mode, k('race_before')), await count(mode, k('race_after'))], [1, 1, 1]);
      } finally {
        holder.release();
      }
    });
  }
}
