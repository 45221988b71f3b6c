#!/usr/bin/env node
// awa-enqueue command line: enqueue Awa jobs, explain what would be sent, check the schema.
// Every derived value, default and validation comes from the package's API (../index.js); this
// file only turns flags and JSON Lines into API inputs and prints the results.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  AwaEnqueueError, prepare, prepareMany, buildInsert, buildInsertMany, tryInsertSql,
  orderingKeyHash64, shardForOrderingKey, partitionForKey, periodBucket, uniqueStatesBits, contractInfo,
  enqueue, enqueueMany, tryEnqueue, checkSchema, CONTRACT_VERSION,
} from '../index.js';

const VERSION = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

// Awa's job states (the vocabulary); which bit each one is comes from the core.
const STATES = ['scheduled', 'available', 'running', 'completed', 'retryable', 'failed', 'cancelled', 'waiting_external'];

class UsageError extends Error {}
class InputError extends Error {}

let inputLines = null; // the stdin line of each batch job, for error messages

const JOB_OPTIONS = {
  kind: { type: 'string' },
  queue: { type: 'string' },
  args: { type: 'string' },
  'args-json': { type: 'string' },
  priority: { type: 'string' },
  'max-attempts': { type: 'string' },
  'run-at': { type: 'string' },
  tag: { type: 'string', multiple: true },
  metadata: { type: 'string' },
  'metadata-json': { type: 'string' },
  'ordering-key': { type: 'string' },
};
const UNIQUE_OPTIONS = {
  unique: { type: 'boolean' },
  'unique-by-queue': { type: 'boolean' },
  'unique-by-period': { type: 'string' },
  'period-at': { type: 'string' },
  'unique-states': { type: 'string' },
};
const HELP = { help: { type: 'boolean', short: 'h' } };
const DB = { 'database-url': { type: 'string' } };

const JOB_HELP = `Job from flags (or, without --kind, JSON Lines on stdin: one job object per line in the
JS API's spelling, e.g. {"kind":"send_email","argsJson":"{\\"to\\":\\"a@b.c\\"}","unique":true}):
  --kind K                 job kind (required for a job from flags)
  --queue Q                queue (default "default")
  --args JSON              args as a JS value (JSON.parse: 1.0 becomes 1, see docs)
  --args-json TEXT         args as exact JSON text (the core canonicalizes it; use for floats)
  --priority N             1..4 (default 2)
  --max-attempts N         1..1000 (default 25)
  --run-at RFC3339         schedule the job (state scheduled)
  --tag T                  a tag (repeatable)
  --metadata JSON          metadata as a JS value; --metadata-json TEXT as exact JSON text
  --ordering-key K         ordering key (UTF-8)
Unique options (any of them makes the job unique; unset options take Awa's defaults):
  --unique                 unique by args (Awa's default options)
  --unique-by-queue        also by queue
  --unique-by-period SECONDS
                           also by the period bucket floor(now / SECONDS)
  --period-at EPOCH        compute that bucket at this epoch second instead of now
  --unique-states NAMES    comma-separated states that block a duplicate
                           (default scheduled,available,running,completed,retryable)
  With JSON Lines, the unique flags apply to every line without a "unique" of its own.`;

const USAGE = {
  top: `Usage: awa-enqueue <command> [options]

Commands:
  enqueue        insert jobs (flags, or JSON Lines on stdin) and print one JSON line per job
  explain        print what would be inserted (values, unique key, SQL), no database
  check-schema   check the database's Awa schema (exit 0 usable, 1 not)

Options:
  -h, --help     help (also: awa-enqueue <command> --help)
  --version      package and Awa contract version

Exit status: 0 ok, 1 bad input, database error or unusable schema, 2 usage error.`,
  enqueue: `Usage: awa-enqueue enqueue [job options] [--database-url URL]

Inserts one job from flags, or every JSON Lines job of stdin in ONE atomic statement
(enqueueMany). A unique job from flags, and every line when a unique flag is given, goes
through tryEnqueue (all lines in one transaction): a duplicate is reported, not an error.
Prints one JSON line per job: {"id","kind","queue","state","run_at","unique_key"} or
{"duplicate":true,"existing":{...}} (existing is null when the holder is not visible).
The database is DATABASE_URL or --database-url; needs the pg package (npm install pg).

${JOB_HELP}`,
  explain: `Usage: awa-enqueue explain [job options] [--shards N] [--partitions N]

Prints, as JSON, the values the core derives for the job (or the JSON Lines batch on stdin):
canonical args, state, unique key (hex), unique_states bits and the states they claim, and the
exact SQL text and bind values (buildInsert, or buildInsertMany for stdin). No database.
  --shards N               also the ordering-key hash and its enqueue shard (needs --ordering-key)
  --partitions N           also the PartitionedQueue partition of --ordering-key in the job's queue

${JOB_HELP}`,
  'check-schema': `Usage: awa-enqueue check-schema [--database-url URL]

Checks that the database's Awa schema has the insert_job_compat contract of Awa ${CONTRACT_VERSION}.
Exit 0 with one line (schema version, tested or not), 1 with the reason when it cannot be used.
The database is DATABASE_URL or --database-url; needs the pg package (npm install pg).`,
};

function parse(argv, options, command) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  } catch (e) {
    throw new UsageError(`${e.message}\nSee: awa-enqueue ${command} --help`);
  }
}

// ---- job inputs ----

/** An integer flag as a bigint (exact; the API range-checks it); anything else as given, for the API to reject. */
function intFlag(text) {
  if (text === undefined) return undefined;
  if (/^[+-]?[0-9]+$/.test(text)) return BigInt(text);
  const n = text.trim() === '' ? NaN : Number(text);
  return Number.isFinite(n) ? n : text;
}

/** `--x JSON` as a JS value; text JSON.parse refuses goes to the API as `xJson`, whose error names it. */
function jsonFlag(job, name, text, exact) {
  if (text !== undefined) {
    try {
      job[name] = JSON.parse(text);
    } catch {
      if (exact === undefined) {
        job[`${name}Json`] = text;
        return;
      }
      job[name] = text;
    }
  }
  if (exact !== undefined) job[`${name}Json`] = exact;
}

function uniqueFrom(v) {
  const given = v.unique || v['unique-by-queue'] || v['unique-by-period'] !== undefined || v['unique-states'] !== undefined;
  if (v['period-at'] !== undefined && v['unique-by-period'] === undefined) throw new UsageError('--period-at needs --unique-by-period');
  if (!given) return undefined;
  const unique = {};
  if (v['unique-by-queue']) unique.byQueue = true;
  if (v['unique-by-period'] !== undefined) {
    const at = v['period-at'] === undefined ? new Date() : intFlag(v['period-at']);
    unique.byPeriod = periodBucket(at, intFlag(v['unique-by-period']));
  }
  if (v['unique-states'] !== undefined) unique.states = v['unique-states'].split(',');
  return Object.keys(unique).length === 0 ? true : unique;
}

function jobFromFlags(v, unique) {
  const job = { kind: v.kind };
  if (v.queue !== undefined) job.queue = v.queue;
  jsonFlag(job, 'args', v.args, v['args-json']);
  if (v.priority !== undefined) job.priority = intFlag(v.priority);
  if (v['max-attempts'] !== undefined) job.maxAttempts = intFlag(v['max-attempts']);
  if (v['run-at'] !== undefined) job.runAt = v['run-at'];
  if (v.tag !== undefined) job.tags = v.tag;
  jsonFlag(job, 'metadata', v.metadata, v['metadata-json']);
  if (v['ordering-key'] !== undefined) job.orderingKey = v['ordering-key'];
  if (unique !== undefined) job.unique = unique;
  return job;
}

async function readStdin() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new InputError('stdin is not valid UTF-8');
  }
}

/** `{ jobs, lines }`: one job per non-blank line (lines split at \n, a trailing \r dropped). */
async function jobsFromStdin(unique) {
  const jobs = [];
  const lines = [];
  const all = (await readStdin()).split('\n');
  for (let i = 0; i < all.length; i++) {
    const line = all[i].endsWith('\r') ? all[i].slice(0, -1) : all[i];
    if (/^[ \t]*$/.test(line)) continue;
    let job;
    try {
      job = JSON.parse(line);
    } catch (e) {
      throw new InputError(`line ${i + 1} is not JSON: ${e.message}`);
    }
    if (unique !== undefined && job !== null && typeof job === 'object' && job.unique == null) job = { ...job, unique };
    jobs.push(job);
    lines.push(i + 1);
  }
  return { jobs, lines };
}

/** The jobs of a command: one from flags (`single`), or the JSON Lines of stdin. */
async function jobInputs(v, command) {
  const unique = uniqueFrom(v);
  if (v.kind !== undefined) return { single: true, unique, jobs: [jobFromFlags(v, unique)] };
  const stray = Object.keys(JOB_OPTIONS).filter((k) => k !== 'kind' && v[k] !== undefined);
  if (stray.length > 0) {
    throw new UsageError(`--${stray[0]} applies to a job from flags (give --kind); with JSON Lines on stdin put it in each line`);
  }
  if (process.stdin.isTTY) throw new UsageError(`give --kind, or pipe JSON Lines jobs to stdin\nSee: awa-enqueue ${command} --help`);
  const { jobs, lines } = await jobsFromStdin(unique);
  inputLines = lines;
  return { single: false, unique, jobs };
}

// ---- output ----

const hex = (b) => (b == null ? null : Buffer.from(b).toString('hex'));

/** The states a `bit(8)` text claims, each state's bit as the core spells it. */
function claimedStates(bits) {
  if (bits === null) return null;
  return STATES.filter((s) => {
    const one = uniqueStatesBits([s]);
    return bits[one.indexOf('1')] === '1';
  });
}

function explainJob(p, job, v) {
  const out = {
    kind: p.kind, queue: p.queue, argsJson: p.argsJson, state: p.state, priority: p.priority,
    maxAttempts: p.maxAttempts, runAt: p.runAt, metadataJson: p.metadataJson, tags: p.tags,
    uniqueKey: hex(p.uniqueKey), uniqueStates: p.uniqueStates, uniqueStateNames: claimedStates(p.uniqueStates),
    orderingKey: hex(p.orderingKey),
  };
  const key = job.orderingKey;
  if (v.shards !== undefined) {
    out.orderingKeyHash64 = key == null ? null : String(orderingKeyHash64(key));
    out.shard = key == null ? null : shardForOrderingKey(key, intFlag(v.shards));
  }
  if (v.partitions !== undefined) out.partition = key == null ? null : partitionForKey(p.queue, intFlag(v.partitions), key);
  return out;
}

function rowLine(row) {
  if (row == null) return null;
  const runAt = typeof row.run_at === 'string' ? row.run_at.replace(' ', 'T').replace(/\+00$/, 'Z') : row.run_at;
  return { id: String(row.id), kind: row.kind, queue: row.queue, state: row.state_str ?? row.state, run_at: runAt, unique_key: hex(row.unique_key) };
}

const resultLine = (r) => (r.duplicate ? { duplicate: true, existing: rowLine(r.existing) } : rowLine(r.row));

const print = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

// ---- database ----

async function connect(v, command) {
  const url = v['database-url'] ?? process.env.DATABASE_URL;
  if (!url) throw new UsageError(`no database: set DATABASE_URL or give --database-url\nSee: awa-enqueue ${command} --help`);
  let pg;
  try {
    pg = (await import('pg')).default;
  } catch (e) {
    throw new UsageError(`awa-enqueue ${command} needs the node-postgres driver: npm install pg (${e.message.split('\n')[0]})`);
  }
  // timestamptz as the server's text (microseconds kept), in UTC
  const types = { getTypeParser: (oid, format) => (oid === 1184 ? (s) => s : pg.types.getTypeParser(oid, format)) };
  const client = new pg.Client({ connectionString: url, types });
  client.on('notice', () => {});
  client.on('error', () => {});
  await client.connect();
  await client.query("SET TimeZone = 'UTC'");
  return client;
}

// ---- commands ----

async function cmdExplain(argv) {
  const { values: v } = parse(argv, { ...JOB_OPTIONS, ...UNIQUE_OPTIONS, ...HELP, shards: { type: 'string' }, partitions: { type: 'string' } }, 'explain');
  if (v.help) return print0(USAGE.explain);
  const { single, unique, jobs } = await jobInputs(v, 'explain');
  if (single && (v.shards !== undefined || v.partitions !== undefined) && v['ordering-key'] === undefined) {
    throw new UsageError('--shards and --partitions need --ordering-key');
  }
  if (single) {
    const p = prepare(jobs[0]);
    const out = { ...explainJob(p, jobs[0], v), sql: buildInsert(jobs[0]) };
    if (p.uniqueKey !== null) out.trySql = { text: tryInsertSql(), values: p.binds };
    print(out);
  } else {
    const prepared = prepareMany(jobs);
    const sql = buildInsertMany(jobs);
    const out = { jobs: prepared.map((p, i) => explainJob(p, jobs[i], v)), sql };
    if (unique !== undefined) out.trySql = { text: tryInsertSql(), values: prepared.map((p) => p.binds) };
    print(out);
  }
  return 0;
}

async function cmdEnqueue(argv) {
  const { values: v } = parse(argv, { ...JOB_OPTIONS, ...UNIQUE_OPTIONS, ...HELP, ...DB }, 'enqueue');
  if (v.help) return print0(USAGE.enqueue);
  const { single, unique, jobs } = await jobInputs(v, 'enqueue');
  const perJob = unique !== undefined; // tryEnqueue for each job
  // validate everything before connecting
  if (single) prepare(jobs[0]);
  else prepareMany(jobs);
  const client = await connect(v, 'enqueue');
  try {
    if (single && !perJob) print(rowLine(await enqueue(client, jobs[0])));
    else if (single) print(resultLine(await tryEnqueue(client, jobs[0])));
    else if (!perJob) for (const row of await enqueueMany(client, jobs)) print(rowLine(row));
    else {
      const results = [];
      await client.query('BEGIN');
      try {
        for (const job of jobs) results.push(await tryEnqueue(client, job));
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      }
      for (const r of results) print(resultLine(r));
    }
  } finally {
    await client.end().catch(() => {});
  }
  return 0;
}

async function cmdCheckSchema(argv) {
  const { values: v } = parse(argv, { ...HELP, ...DB }, 'check-schema');
  if (v.help) return print0(USAGE['check-schema']);
  const client = await connect(v, 'check-schema');
  try {
    const { schemaVersion, tested } = await checkSchema(client);
    const info = contractInfo();
    const range = `${info.minSchemaVersion}–${info.maxTestedSchemaVersion}`;
    process.stdout.write(tested
      ? `awa-enqueue: schema version ${schemaVersion}: usable, tested (Awa ${CONTRACT_VERSION} contract, schema ${range})\n`
      : `awa-enqueue: schema version ${schemaVersion}: usable but NOT tested (newer than schema ${range} of Awa ${CONTRACT_VERSION}'s contract)\n`);
  } finally {
    await client.end().catch(() => {});
  }
  return 0;
}

function print0(text) {
  process.stdout.write(`${text}\n`);
  return 0;
}

const COMMANDS = { enqueue: cmdEnqueue, explain: cmdExplain, 'check-schema': cmdCheckSchema };

async function main(argv) {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') return print0(USAGE.top);
  if (command === 'help') return print0(USAGE[rest[0]] ?? USAGE.top);
  if (command === '--version') return print0(`awa-enqueue ${VERSION} (Awa ${CONTRACT_VERSION} contract)`);
  const run = COMMANDS[command];
  if (run === undefined) throw new UsageError(`unknown command ${JSON.stringify(command)}\nSee: awa-enqueue --help`);
  return run(rest);
}

/** `error: CODE (FIELD): message`, with the input line of a batch job when there is one. */
function report(e, lines) {
  if (e instanceof UsageError) {
    process.stderr.write(`awa-enqueue: ${e.message}\n`);
    return 2;
  }
  if (e instanceof AwaEnqueueError) {
    const m = /^jobs\[(\d+)\]/.exec(e.field);
    const where = m && lines?.[Number(m[1])] ? ` (line ${lines[Number(m[1])]})` : '';
    process.stderr.write(`error: ${e.code}${e.field ? ` (${e.field})` : ''}: ${e.message}${where}\n`);
  } else if (e instanceof InputError) {
    process.stderr.write(`error: ${e.message}\n`);
  } else if (typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) {
    process.stderr.write(`error: database ${e.code}: ${e.message}\n`);
  } else {
    process.stderr.write(`error: ${e?.message ?? e}\n`);
  }
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e) => { process.exitCode = report(e, inputLines); },
);
