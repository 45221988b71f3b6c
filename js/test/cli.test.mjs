// The awa-enqueue command line (bin/awa-enqueue.mjs): explain equals the API's values, error
// exits, and enqueue/check-schema against a fresh Awa database (queue storage) with Awa's Python
// worker. Needs DATABASE_URL (scripts/with-db.sh provides one).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import pg from 'pg';
import * as awa from '../index.js';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(root, 'js', 'bin', 'awa-enqueue.mjs');
const DATABASE_URL = process.env.DATABASE_URL;
const hex = (b) => (b == null ? null : Buffer.from(b).toString('hex'));

/** Run the CLI: { status, stdout, stderr, lines (stdout parsed as JSON Lines) }. */
function cli(args, { input = '', env = {} } = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { input, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60000 });
  const lines = r.stdout.split('\n').filter((l) => l !== '').map((l) => { try { return JSON.parse(l); } catch { return l; } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, lines };
}

/** What explain must print for a job, computed in this process through the API. */
function expected(job, { shards, partitions } = {}) {
  const p = awa.prepare(job);
  const out = {
    kind: p.kind, queue: p.queue, argsJson: p.argsJson, state: p.state, priority: p.priority,
    maxAttempts: p.maxAttempts, runAt: p.runAt, metadataJson: p.metadataJson, tags: p.tags,
    uniqueKey: hex(p.uniqueKey), uniqueStates: p.uniqueStates,
    uniqueStateNames: p.uniqueStates === null ? null : ['scheduled', 'available', 'running', 'completed', 'retryable', 'failed', 'cancelled', 'waiting_external']
      .filter((s) => (awa.uniqueStatesMask([s]) & awa.uniqueStatesMask(namesOf(job))) !== 0),
    orderingKey: hex(p.orderingKey),
  };
  if (shards !== undefined) {
    out.orderingKeyHash64 = String(awa.orderingKeyHash64(job.orderingKey));
    out.shard = awa.shardForOrderingKey(job.orderingKey, shards);
  }
  if (partitions !== undefined) out.partition = awa.partitionForKey(p.queue, partitions, job.orderingKey);
  return out;
}
const DEFAULT_STATES = ['scheduled', 'available', 'running', 'completed', 'retryable'];
const namesOf = (job) => (Array.isArray(job.unique?.states) ? job.unique.states : DEFAULT_STATES);

const HOSTILE_KIND = '\ufeffk"ind\\\n\u2028é🎉\u0301';
const HOSTILE_ARGS = '{ "z": "NULL", "a": ["\\ud83c\\udf89", 1E0, -0.0], "\ufeff": "\u2029\\"" }';

test('explain prints the API values for jobs from flags (plain, unique, hostile strings, shards, partitions)', () => {
  const cases = [
    [['--kind', 'send_email', '--args', '{"to":"a@b.com"}'], { kind: 'send_email', args: { to: 'a@b.com' } }],
    [['--kind', 'send_invoice', '--args-json', '{"amount":125.0}', '--unique'], { kind: 'send_invoice', argsJson: '{"amount":125.0}', unique: true }],
    [[
      '--kind', HOSTILE_KIND, '--queue', 'q\ufeff日本', '--args-json', HOSTILE_ARGS, '--priority', '4', '--max-attempts', '1000',
      '--run-at', '2030-01-01T00:00:00.1234567+01:00', '--tag', 'NULL', '--tag', '"{,}\\', '--tag', '\ufeff', '--tag', '',
      '--metadata', '{"src":"cli","n":1.5}', '--ordering-key', 'customer-\ufeff42',
      '--unique-by-queue', '--unique-states', 'available,failed', '--shards', '8', '--partitions', '16',
    ], {
      kind: HOSTILE_KIND, queue: 'q\ufeff日本', argsJson: HOSTILE_ARGS, priority: 4, maxAttempts: 1000,
      runAt: '2030-01-01T00:00:00.1234567+01:00', tags: ['NULL', '"{,}\\', '\ufeff', ''], metadata: { src: 'cli', n: 1.5 },
      orderingKey: 'customer-\ufeff42', unique: { byQueue: true, states: ['available', 'failed'] },
    }, { shards: 8, partitions: 16 }],
    [['--kind', 'k', '--unique-by-period', '3600', '--period-at', '1800000000'],
      { kind: 'k', unique: { byPeriod: awa.periodBucket(1800000000, 3600) } }],
  ];
  for (const [args, job, extra] of cases) {
    const r = cli(['explain', ...args]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.lines.length, 1);
    const { sql, trySql, ...values } = r.lines[0];
    assert.deepEqual(values, expected(job, extra));
    assert.deepEqual(sql, awa.buildInsert(job));
    if (job.unique) assert.deepEqual(trySql, { text: awa.tryInsertSql(), values: awa.prepare(job).binds });
    else assert.equal(trySql, undefined);
  }
  // the hostile strings arrive intact
  const out = cli(['explain', '--kind', HOSTILE_KIND, '--tag', '\ufeff']).lines[0];
  assert.equal(out.kind, HOSTILE_KIND);
  assert.deepEqual(out.tags, ['\ufeff']);
  assert.equal(cli(['explain', '--kind', 'k', '--unique']).lines[0].uniqueStates, '11111000');
});

test('explain of JSON Lines on stdin is the batch of buildInsertMany', () => {
  const jobs = [
    { kind: 'a', args: { n: 1 } },
    { kind: HOSTILE_KIND, argsJson: HOSTILE_ARGS, tags: ['\ufeff', 'NULL'], orderingKey: 'o1', unique: { states: ['scheduled'] } },
    { kind: 'c', runAt: '2030-01-01T00:00:00Z', priority: 1, metadataJson: '{"m":1.0}' },
  ];
  // a blank line and CRLF endings are fine
  const input = `${JSON.stringify(jobs[0])}\r\n\n${jobs.slice(1).map((j) => JSON.stringify(j)).join('\n')}\n`;
  const r = cli(['explain', '--shards', '4'], { input });
  assert.equal(r.status, 0, r.stderr);
  const { jobs: got, sql, trySql } = r.lines[0];
  assert.deepEqual(sql, awa.buildInsertMany(jobs));
  assert.equal(trySql, undefined);
  assert.deepEqual(got[1], expected(jobs[1], { shards: 4 }));
  assert.equal(got[0].shard, null);
  assert.deepEqual(got.map((j) => j.uniqueKey), awa.prepareMany(jobs).map((p) => hex(p.uniqueKey)));
  // --unique fills in lines without unique options of their own
  const u = cli(['explain', '--unique-by-queue'], { input }).lines[0];
  const withUnique = jobs.map((j) => (j.unique ? j : { ...j, unique: { byQueue: true } }));
  assert.deepEqual(u.sql, awa.buildInsertMany(withUnique));
  assert.deepEqual(u.trySql.values, awa.prepareMany(withUnique).map((p) => p.binds));
});

test('bad input exits 1 with the API error code and field; usage errors exit 2', () => {
  const bad = [
    [['explain', '--kind', 'k', '--priority', '9'], 'error: priority_out_of_range (priority): '],
    [['explain', '--kind', 'k', '--max-attempts', 'many'], 'error: invalid_argument (maxAttempts): '],
    [['explain', '--kind', 'k', '--priority', '1.5'], 'error: invalid_argument (priority): '],
    [['explain', '--kind', 'k', '--args', '{nope'], 'error: invalid_json (args): '],
    [['explain', '--kind', 'k', '--args', '{}', '--args-json', '{}'], 'error: invalid_argument (args): '],
    [['explain', '--kind', 'k', '--run-at', '2030-01-01T00:00:00'], 'error: invalid_run_at (runAt): '],
    [['explain', '--kind', 'k', '--unique-states', 'scheduled,nope'], 'error: unknown_state (unique.states): '],
    [['explain', '--kind', 'k', '--queue', 'q'.repeat(60)], 'error: queue_channel_too_long (queue): '],
    [['explain', '--kind', 'k', '--ordering-key', 'o', '--partitions', '0'], 'error: invalid_partitions (partitions): '],
    [['enqueue', '--kind', 'k', '--priority', '0'], 'error: priority_out_of_range (priority): '],
  ];
  for (const [args, prefix] of bad) {
    const r = cli(args, { env: { DATABASE_URL: 'postgres://127.0.0.1:9/none' } });
    assert.equal(r.status, 1, `${args}: ${r.stderr}`);
    assert.ok(r.stderr.startsWith(prefix), `${args}: ${r.stderr}`);
    assert.equal(r.stdout, '');
  }
  // a batch error names the job and its line; a line that is not JSON; a lone surrogate
  let r = cli(['explain'], { input: '{"kind":"a"}\n\n{"kind":"b","priority":7}\n' });
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'error: priority_out_of_range (jobs[1].priority): priority must be between 1 and 4, got 7 (line 3)\n');
  r = cli(['explain'], { input: '{"kind":"a"}\n\ufeff{"kind":"b"}\n' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^error: line 2 is not JSON: /);
  r = cli(['explain'], { input: '{"kind":"a\\ud800"}\n' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^error: invalid_argument \(jobs\[0\]\.kind\): .*surrogate/);
  r = cli(['explain'], { input: '' });
  assert.match(r.stderr, /^error: empty_batch \(jobs\): /);
  const usage = [
    [['explain', '--kind', 'k', '--bogus'], /Unknown option '--bogus'/],
    [['explain', '--kind', 'k', '--shards', '4'], /need --ordering-key/],
    [['explain', '--queue', 'q'], /--queue applies to a job from flags/],
    [['explain', '--kind', 'k', '--period-at', '1'], /--period-at needs --unique-by-period/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['check-schema', '--kind', 'k'], /Unknown option '--kind'/],
    [['enqueue', '--kind', 'k'], /set DATABASE_URL or give --database-url/],
    [['check-schema'], /set DATABASE_URL or give --database-url/],
  ];
  for (const [args, pattern] of usage) {
    const r2 = cli(args, { env: { DATABASE_URL: '' } });
    assert.equal(r2.status, 2, `${args}: ${r2.stderr}`);
    assert.match(r2.stderr, pattern);
  }
});

test('--help on every command and at top level', () => {
  for (const args of [[], ['--help'], ['-h'], ['help']]) {
    const r = cli(args);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^Usage: awa-enqueue <command>/);
    for (const c of ['enqueue', 'explain', 'check-schema']) assert.match(r.stdout, new RegExp(`\\n  ${c} `));
  }
  for (const c of ['enqueue', 'explain', 'check-schema']) {
    for (const args of [[c, '--help'], [c, '-h'], ['help', c]]) {
      const r = cli(args, { env: { DATABASE_URL: '' } });
      assert.equal(r.status, 0, r.stderr);
      assert.ok(r.stdout.startsWith(`Usage: awa-enqueue ${c} `), r.stdout);
    }
  }
  assert.equal(cli(['--version']).stdout, `awa-enqueue 0.6.9 (Awa ${awa.CONTRACT_VERSION} contract)\n`);
});

// ---- against a fresh Awa database (queue storage) ----

let db; // { name, url, pool }
let python;

before(async () => {
  assert.ok(DATABASE_URL, 'DATABASE_URL must be set (run through scripts/with-db.sh)');
  const name = `node_cli_${process.pid}`;
  const { stdout } = await run(join(root, 'scripts', 'new-awa-db.sh'), [name, 'queue_storage'], { env: process.env });
  const url = stdout.trim().split('\n').pop();
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => {});
  db = { name, url, pool };
  python = join((await run(join(root, 'scripts', 'setup-python.sh'))).stdout.trim(), 'bin', 'python');
});

after(async () => {
  if (!db) return;
  await db.pool.end();
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${db.name}" WITH (FORCE)`);
  await admin.end();
});

const jobRow = async (id) => (await db.pool.query(
  'SELECT *, state::text AS state_str, unique_states::text AS us FROM awa.jobs WHERE id = $1', [id])).rows[0];

test('enqueue: one job from flags (--database-url) and a 3-job JSON Lines batch (DATABASE_URL)', async () => {
  const r = cli(['enqueue', '--database-url', db.url, '--kind', HOSTILE_KIND, '--queue', 'cli_flags', '--args-json', HOSTILE_ARGS,
    '--priority', '3', '--max-attempts', '7', '--run-at', '2030-01-01T00:00:00.1234567+01:00', '--tag', 'NULL', '--tag', '\ufeff',
    '--metadata', '{"src":"cli"}', '--ordering-key', 'customer-42'], { env: { DATABASE_URL: '' } });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.lines.length, 1);
  const out = r.lines[0];
  assert.deepEqual(Object.keys(out), ['id', 'kind', 'queue', 'state', 'run_at', 'unique_key']);
  assert.deepEqual({ ...out, id: undefined }, {
    id: undefined, kind: HOSTILE_KIND, queue: 'cli_flags', state: 'scheduled', run_at: '2029-12-31T23:00:00.123456Z', unique_key: null,
  });
  const row = await jobRow(out.id);
  const p = awa.prepare({ kind: HOSTILE_KIND, argsJson: HOSTILE_ARGS });
  assert.deepEqual([row.kind, row.queue, row.priority, row.max_attempts, row.tags, row.metadata, row.state_str],
    [HOSTILE_KIND, 'cli_flags', 3, 7, ['NULL', '\ufeff'], { src: 'cli' }, 'scheduled']);
  assert.equal(JSON.stringify(row.args), JSON.stringify(JSON.parse(p.argsJson)));
  assert.equal(row.run_at.toISOString(), '2029-12-31T23:00:00.123Z');

  const jobs = [
    { kind: 'cli_batch', queue: 'cli_batch', args: { n: 1 } },
    { kind: 'cli_batch', queue: 'cli_batch', argsJson: '{"n":2,"f":1.0}', unique: true, tags: ['b'] },
    { kind: 'cli_batch', queue: 'cli_batch', args: { n: 3 }, runAt: '2031-06-01T12:00:00Z', metadata: { m: 3 } },
  ];
  const b = cli(['enqueue'], { input: jobs.map((j) => JSON.stringify(j)).join('\n'), env: { DATABASE_URL: db.url } });
  assert.equal(b.status, 0, b.stderr);
  assert.equal(b.lines.length, 3);
  const prepared = awa.prepareMany(jobs);
  for (let i = 0; i < 3; i++) {
    const stored = await jobRow(b.lines[i].id);
    assert.equal(b.lines[i].unique_key, hex(prepared[i].uniqueKey));
    assert.equal(b.lines[i].state, prepared[i].state);
    assert.deepEqual([stored.kind, stored.queue, JSON.stringify(stored.args), hex(stored.unique_key), stored.us, stored.state_str, stored.tags],
      [prepared[i].kind, prepared[i].queue, JSON.stringify(JSON.parse(prepared[i].argsJson)), hex(prepared[i].uniqueKey), prepared[i].uniqueStates,
        prepared[i].state, prepared[i].tags]);
  }
  assert.equal(b.lines[2].run_at, '2031-06-01T12:00:00Z');
  // one atomic statement: a bad row in the database's eyes (the same key twice) stores nothing
  const before = (await db.pool.query("SELECT count(*)::int AS n FROM awa.jobs WHERE kind = 'cli_atomic'")).rows[0].n;
  const dup = cli(['enqueue'], { input: '{"kind":"cli_atomic"}\n{"kind":"cli_atomic","unique":true}\n{"kind":"cli_atomic","unique":true}\n', env: { DATABASE_URL: db.url } });
  assert.equal(dup.status, 1);
  assert.match(dup.stderr, /^error: database 23505: /);
  assert.equal(dup.stdout, '');
  assert.equal((await db.pool.query("SELECT count(*)::int AS n FROM awa.jobs WHERE kind = 'cli_atomic'")).rows[0].n, before);
});

test('enqueue --unique twice: the second is a duplicate with the existing id; JSON Lines with --unique', async () => {
  const args = ['enqueue', '--kind', 'cli_unique', '--args-json', '{"invoice":"INV-1","amount":125.0}', '--unique'];
  const env = { DATABASE_URL: db.url };
  const first = cli(args, { env });
  assert.equal(first.status, 0, first.stderr);
  const key = hex(awa.prepare({ kind: 'cli_unique', argsJson: '{"invoice":"INV-1","amount":125.0}', unique: true }).uniqueKey);
  assert.equal(first.lines[0].unique_key, key);
  const second = cli(args, { env });
  assert.equal(second.status, 0, second.stderr);
  assert.deepEqual(second.lines, [{ duplicate: true, existing: { ...first.lines[0] } }]);
  // stdin with --unique: every line through tryEnqueue in one transaction; a line's own options win
  const input = [{ kind: 'cli_u2', args: { a: 1 } }, { kind: 'cli_u2', args: { a: 1 } }, { kind: 'cli_u2', args: { a: 1 }, unique: false },
    { kind: 'cli_unique', argsJson: '{"amount":125.0,"invoice":"INV-1"}' }].map((j) => JSON.stringify(j)).join('\n');
  const many = cli(['enqueue', '--unique'], { input, env });
  assert.equal(many.status, 0, many.stderr);
  assert.equal(many.lines.length, 4);
  assert.ok(many.lines[0].id);
  assert.deepEqual(many.lines[1], { duplicate: true, existing: many.lines[0] });
  assert.equal(many.lines[2].unique_key, null);
  assert.deepEqual(many.lines[3], { duplicate: true, existing: first.lines[0] });
  const n = (await db.pool.query("SELECT count(*)::int AS n FROM awa.jobs WHERE kind IN ('cli_unique', 'cli_u2')")).rows[0].n;
  assert.equal(n, 3);
});

test("a job enqueued by the CLI is completed by Awa's Python worker", async () => {
  const r = cli(['enqueue', '--kind', 'cli_ext_job', '--queue', 'cli_work', '--args', '{"n":1,"text":"héllo\ufeff"}', '--unique'],
    { env: { DATABASE_URL: db.url } });
  assert.equal(r.status, 0, r.stderr);
  const { stdout } = await run(python, [join(root, 'host-tests', 'fixtures', 'awa_py.py'), 'worker', db.url, 'cli_work', 'cli_ext_job', '1', '45'],
    { timeout: 90000, env: process.env });
  const seen = JSON.parse(stdout.trim().split('\n').pop()).seen;
  assert.deepEqual(seen.map((s) => [String(s.id), s.args]), [[r.lines[0].id, { n: 1, text: 'héllo\ufeff' }]]);
  const deadline = Date.now() + 15000;
  let state;
  do {
    state = (await jobRow(r.lines[0].id))?.state_str;
    if (state === 'completed') break;
    await new Promise((res) => setTimeout(res, 200));
  } while (Date.now() < deadline);
  assert.equal(state, 'completed');
});

test('check-schema: exit 0 on an Awa database, 1 on a plain database or an unreachable server', () => {
  const ok = cli(['check-schema'], { env: { DATABASE_URL: db.url } });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^awa-enqueue: schema version 40: usable, tested \(Awa 0\.6\.9 contract, schema 40–43\)\n$/);
  const plain = cli(['check-schema', '--database-url', DATABASE_URL]);
  assert.equal(plain.status, 1);
  assert.match(plain.stderr, /^error: schema_missing \(schemaVersion\): no Awa schema found.+\n$/);
  assert.equal(plain.stdout, '');
  const down = cli(['check-schema', '--database-url', 'postgres://postgres@127.0.0.1:9/none']);
  assert.equal(down.status, 1);
  assert.match(down.stderr, /^error: /);
});
