// Faults against a real PostgreSQL while enqueueMany (one big batch) or tryEnqueue (blocked on
// a concurrent holder of the key) runs: the backend terminated, the statement cancelled, a
// statement_timeout, the TCP connection cut by a loopback proxy, the server restarted. Each
// time: the driver's error, never a partial batch, the pool recovers, and a retry of the same
// unique job leaves exactly one. Needs DATABASE_URL; the restart needs AWA_ENQUEUE_PG_DATA
// (scripts/with-db.sh sets it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import net from 'node:net';
import pg from 'pg';
import { enqueueMany, tryEnqueue, prepare } from '../index.js';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BATCH = 40000;
let url;
let admin; // a separate connection that injects the faults and counts rows

before(async () => {
  assert.ok(process.env.DATABASE_URL, 'DATABASE_URL must be set (run through scripts/with-db.sh)');
  const { stdout } = await run(join(root, 'scripts', 'new-awa-db.sh'), ['node_faults', 'queue_storage'], { env: process.env });
  url = stdout.trim().split('\n').pop();
  admin = await connectAdmin();
});

async function connectAdmin() {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {}); // the restart test ends this connection too
  await client.connect();
  return client;
}

after(async () => {
  await admin?.end().catch(() => {});
});

const batchJobs = (marker) => Array.from({ length: BATCH }, (_, i) => ({
  kind: 'fault_batch', queue: `fault_${i % 4}`, args: { marker, i }, tags: ['a,b', '{"x"}'],
  orderingKey: i % 3 ? `k${i % 17}` : undefined,
}));
const uniqueJob = (marker) => ({ kind: 'fault_unique', queue: 'fault_0', args: { marker }, unique: { byArgs: true } });

async function count(kind, marker) {
  const { rows } = await admin.query('SELECT count(*)::int AS n FROM awa.jobs WHERE kind = $1 AND args->>\'marker\' = $2', [kind, marker]);
  return rows[0].n;
}

// Resolves once backend `pid` has run a statement other than `SAVEPOINT …` for at least `ms`
// (pg_stat_activity keeps only the first 1 kB of the text: match by pid, not by the SQL).
async function whenRunning(pid, ms = 150) {
  const deadline = Date.now() + 30000;
  for (;;) {
    const { rows } = await admin.query(
      `SELECT now() - query_start > make_interval(secs => $2::float8 / 1000) AS long, wait_event_type
         FROM pg_stat_activity WHERE pid = $1 AND state = 'active' AND query NOT LIKE 'SAVEPOINT%'`, [pid, ms]);
    if (rows[0]?.long) return rows[0];
    assert.ok(Date.now() < deadline, `backend ${pid} never ran the statement for ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// A client whose statement may still be streaming rows: close the socket, not a graceful end
// (which would leave the backend blocked writing to a peer that stopped reading).
function discard(client) {
  client.connection?.stream?.destroy();
  client.release(true);
}

const backendPid = async (client) => (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;

// After a fault: the pool hands out a working connection, and a unique job retried twice is
// stored exactly once.
async function recoversAndRetriesOnce(pool, marker) {
  const deadline = Date.now() + 30000;
  for (;;) {
    try {
      await pool.query('SELECT 1');
      break;
    } catch (e) {
      assert.ok(Date.now() < deadline, `pool did not recover: ${e.message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const first = await tryEnqueue(pool, uniqueJob(marker));
  const again = await tryEnqueue(pool, uniqueJob(marker));
  assert.equal(again.duplicate, true);
  assert.equal(String(again.existing.id), String(first.row?.id ?? again.existing.id));
  assert.equal(await count('fault_unique', marker), 1, 'the unique job exists exactly once');
}

// One batch on its own pooled client; `inject(pid)` runs once the statement is under way.
async function batchUnderFault(pool, marker, inject, { before: setup } = {}) {
  const client = await pool.connect();
  client.on('error', () => {}); // a killed connection also emits on the client
  try {
    if (setup) await client.query(setup);
    const pid = await backendPid(client);
    const batch = enqueueMany(client, batchJobs(marker)).then(() => null, (e) => e);
    await whenRunning(pid);
    await inject(pid);
    const err = await batch;
    assert.ok(err instanceof Error, 'the batch must fail');
    return err;
  } finally {
    discard(client);
  }
}

test('backend terminated mid-batch: 57P01, nothing stored, pool recovers, retry once', async () => {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => {});
  try {
    const err = await batchUnderFault(pool, 'terminate', (pid) => admin.query('SELECT pg_terminate_backend($1)', [pid]));
    assert.equal(err.code, '57P01', err.message);
    assert.equal(await count('fault_batch', 'terminate'), 0);
    await recoversAndRetriesOnce(pool, 'terminate');
  } finally {
    await pool.end();
  }
});

test('statement cancelled (a driver cancel request) and statement_timeout: 57014, nothing stored', async () => {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => {});
  try {
    let err = await batchUnderFault(pool, 'cancel', (pid) => admin.query('SELECT pg_cancel_backend($1)', [pid]));
    assert.equal(err.code, '57014', err.message);
    assert.equal(await count('fault_batch', 'cancel'), 0);
    err = await batchUnderFault(pool, 'timeout', async () => {}, { before: "SET statement_timeout = '300ms'" });
    assert.equal(err.code, '57014', err.message);
    assert.equal(await count('fault_batch', 'timeout'), 0);
    await recoversAndRetriesOnce(pool, 'cancel');
  } finally {
    await pool.end();
  }
});

test('tryEnqueue blocked on a concurrent holder of the key, then terminated: no row, retry once', async () => {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => {});
  const holder = new pg.Client({ connectionString: url });
  await holder.connect();
  try {
    await holder.query('BEGIN');
    await tryEnqueue(holder, uniqueJob('blocked'));
    const client = await pool.connect();
    client.on('error', () => {});
    const pid = await backendPid(client);
    const pending = tryEnqueue(client, uniqueJob('blocked')).then(() => null, (e) => e);
    const { wait_event_type: waiting } = await whenRunning(pid);
    assert.equal(waiting, 'Lock', 'the duplicate-safe insert waits for the holder');
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    const err = await pending;
    assert.equal(err?.code, '57P01', String(err));
    discard(client);
    await holder.query('ROLLBACK');
    assert.equal(await count('fault_unique', 'blocked'), 0);
    await recoversAndRetriesOnce(pool, 'blocked');
  } finally {
    await holder.end();
    await pool.end();
  }
});

test('TCP connection cut by a proxy mid-batch: connection error, never a partial batch, retry once', async (t) => {
  const target = new URL(url);
  const sockets = new Set();
  const proxy = net.createServer((down) => {
    const up = net.connect(Number(target.port), target.hostname);
    for (const s of [down, up]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    down.pipe(up);
    up.pipe(down);
  });
  await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
  const viaProxy = new URL(url);
  viaProxy.host = `127.0.0.1:${proxy.address().port}`;
  const pool = new pg.Pool({ connectionString: viaProxy.href, max: 2 });
  pool.on('error', () => {});
  try {
    const err = await batchUnderFault(pool, 'cut', async () => {
      for (const s of sockets) s.destroy();
    });
    assert.match(err.message, /Connection terminated|ECONNRESET|closed/i);
    // The server may finish the statement it already received (an ambiguous commit): all or nothing.
    const deadline = Date.now() + 30000;
    let stored;
    for (;;) {
      stored = await count('fault_batch', 'cut');
      const { rows } = await admin.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'");
      if (rows[0].n === 0) break;
      assert.ok(Date.now() < deadline, 'the cut backend never finished');
      await new Promise((r) => setTimeout(r, 100));
    }
    stored = await count('fault_batch', 'cut');
    assert.ok(stored === 0 || stored === BATCH, `partial batch: ${stored} of ${BATCH}`);
    t.diagnostic(`after the cut: ${stored} of ${BATCH} jobs stored (all or nothing)`);
    await recoversAndRetriesOnce(pool, 'cut');
  } finally {
    await pool.end();
    proxy.close();
  }
});

test('server restarted mid-batch: an error, nothing stored, the pool reconnects, retry once', async (t) => {
  if (!process.env.AWA_ENQUEUE_PG_DATA) {
    assert.fail('AWA_ENQUEUE_PG_DATA is unset: run through scripts/with-db.sh (it starts the cluster this test restarts)');
  }
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => {});
  try {
    const err = await batchUnderFault(pool, 'restart', async () => {
      await run(join(root, 'scripts', 'pg-ctl.sh'), ['restart'], { env: process.env });
    });
    t.diagnostic(`batch error: ${err.code ?? ''} ${err.message}`);
    await admin.end().catch(() => {});
    admin = await connectAdmin();
    assert.equal(await count('fault_batch', 'restart'), 0);
    await recoversAndRetriesOnce(pool, 'restart');
  } finally {
    await pool.end();
  }
});

test('sanity: without a fault the same batch stores every job', async () => {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    const rows = await enqueueMany(pool, batchJobs('none'));
    assert.equal(rows.length, BATCH);
    assert.equal(await count('fault_batch', 'none'), BATCH);
    assert.equal(prepare(uniqueJob('none')).uniqueKey.length, 16);
  } finally {
    await pool.end();
  }
});
