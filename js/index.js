// awa-enqueue: Awa producer logic (one Rust core, compiled to wasm) for Node.
// This file only marshals JS values to the core's WIT types and talks to the database driver
// (node-postgres or postgres.js); every derived value (keys, states, shards, defaults,
// validation, SQL text, bind values, error fields) comes from the core.
import { ABI_VERSION, AwaEnqueueError, builtFor, call, toError, useModule, withinBatch } from './core.js';

export { ABI_VERSION, AwaEnqueueError, useModule };

/** Awa version whose insert_job_compat contract this build speaks, e.g. "0.6.9" (read from the core at build time). */
export const CONTRACT_VERSION = builtFor.awaVersion;

/** The core's handshake record (instantiates the core module on first use). */
export function contractInfo() {
  return { ...call('contractInfo') };
}

const isDate = (v) => Object.prototype.toString.call(v) === '[object Date]';

// ---- marshalling: JS values to WIT values; anything the WIT cannot carry is invalid_argument ----

/** A host-side error; `field` in the contract's spelling, spelled for JS by the core. */
function invalid(field, message) {
  return toError({ code: 'invalid_argument', field, message });
}

const S64_MIN = -(2n ** 63n);
const S64_MAX = 2n ** 63n - 1n;
const U32_MAX = 2n ** 32n - 1n;

function describe(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return 'a string';
  if (isDate(value)) return 'a Date';
  return typeof value === 'object' ? 'an object' : typeof value;
}

const absent = (v) => v === undefined || v === null;

/** An integer (number or bigint) as a bigint, or undefined when it is not one. */
function integer(value) {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  return undefined;
}

const clamp = (v, min, max) => (v < min ? min : v > max ? max : v);

/**
 * An integer the core range-checks itself (priority, maxAttempts): beyond the 64-bit range it is
 * passed saturated, so the core reports its own range error (1e20 like 9).
 */
function rangeChecked(value, field) {
  const big = integer(value);
  if (big === undefined) throw invalid(field, `${field} must be an integer, got ${describe(value)}`);
  return clamp(big, S64_MIN, S64_MAX);
}

/** An integer that must be exact: every 64-bit value means something to the core. */
function exactI64(value, field) {
  const big = integer(value);
  if (big === undefined || big < S64_MIN || big > S64_MAX) {
    throw invalid(field, `${field} must be an integer between ${S64_MIN} and ${S64_MAX}, got ${describe(value)}`);
  }
  return big;
}

function smallInt(value, min, max, field, what = `${field} must be an integer between ${min} and ${max}`) {
  const big = integer(value);
  if (big === undefined || big < BigInt(min) || big > BigInt(max)) throw invalid(field, `${what}, got ${describe(value)}`);
  return Number(big);
}

// UTF-8 cannot carry an unpaired UTF-16 surrogate (encoding would write U+FFFD, and the core
// would hash other text than the caller gave): refuse it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const isWellFormed = typeof String.prototype.isWellFormed === 'function'
  ? (s) => s.isWellFormed()
  : (s) => !LONE_SURROGATE.test(s); // Node 18

function text(value, field) {
  if (typeof value !== 'string') throw invalid(field, `${field} must be a string, got ${describe(value)}`);
  if (!isWellFormed(value)) throw invalid(field, `${field} contains an unpaired UTF-16 surrogate (not valid UTF-8)`);
  return value;
}

const optionalText = (value, field) => (absent(value) ? undefined : text(value, field));

function texts(list, field) {
  if (!Array.isArray(list)) throw invalid(field, `${field} must be an array of strings, got ${describe(list)}`);
  const out = new Array(list.length);
  for (let i = 0; i < list.length; i++) out[i] = text(list[i], `${field}[${i}]`);
  return out;
}

const utf8 = new TextEncoder();

/** A key as bytes: strings are UTF-8, byte arrays are taken as they are. */
function bytes(key, field) {
  if (typeof key === 'string') return utf8.encode(text(key, field));
  if (key instanceof Uint8Array) return key;
  throw invalid(field, `${field} must be a string or a Uint8Array, got ${describe(key)}`);
}

// JSON text for args/metadata: `xJson` (exact text, sent as is) or `x` (a JS value, JSON.stringify'd).
function jsonText(value, json, field) {
  if (!absent(json)) {
    if (value !== undefined) throw invalid(field, `give ${field} or ${field}Json, not both`);
    return text(json, field);
  }
  if (value === undefined) return undefined;
  let out;
  try {
    out = JSON.stringify(value);
  } catch (e) {
    throw invalid(field, `${field} cannot be written as JSON: ${e.message}`);
  }
  if (out === undefined) throw invalid(field, `${field} cannot be written as JSON (${describe(value)})`);
  return out; // well-formed: JSON.stringify escapes lone surrogates (the core then refuses the escape)
}

/** `runAt`: a Date is an instant (`run-at-time`), a string is RFC 3339 text (`run-at`). */
function runAt(job, out) {
  const v = job.runAt;
  if (absent(v)) return;
  if (isDate(v)) {
    const ms = v.getTime();
    if (Number.isNaN(ms)) throw invalid('run_at', 'run_at is an invalid Date');
    const seconds = Math.floor(ms / 1000);
    out.runAtTime = { seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
  } else if (typeof v === 'string') {
    out.runAt = text(v, 'run_at');
  } else {
    throw invalid('run_at', `run_at must be a Date or an RFC 3339 string, got ${describe(v)}`);
  }
}

function flag(u, name, field) {
  const v = u[name];
  if (absent(v)) return undefined;
  if (typeof v !== 'boolean') throw invalid(field, `${field} must be a boolean, got ${describe(v)}`);
  return v;
}

/** Unique options as the WIT record: every option left out is `none` (the core applies Awa's defaults). */
function uniqueOpts(unique) {
  if (absent(unique) || unique === false) return undefined;
  if (unique === true) return {};
  if (typeof unique !== 'object' || Array.isArray(unique)) {
    throw invalid('unique', `unique must be true or an object of unique options, got ${describe(unique)}`);
  }
  const out = {
    byQueue: flag(unique, 'byQueue', 'unique.by_queue'),
    byArgs: flag(unique, 'byArgs', 'unique.by_args'),
    byPeriod: absent(unique.byPeriod) ? undefined : exactI64(unique.byPeriod, 'unique.by_period'),
  };
  const states = unique.states;
  if (Array.isArray(states)) out.stateNames = texts(states, 'unique.states');
  else if (!absent(states)) {
    out.states = smallInt(states, 0, 255, 'unique.states',
      'unique.states must be a state mask from 0 to 255 or an array of state names');
  }
  return out;
}

/** A job object as the WIT `job` record (type checks only). */
function toCoreJob(job) {
  if (job === null || typeof job !== 'object' || Array.isArray(job)) {
    throw invalid('', `a job must be an object, got ${describe(job)}`);
  }
  // in the core's check order (kind, queue, priority, max_attempts, tags, args, metadata, run_at, unique)
  const out = {
    kind: text(job.kind, 'kind'),
    queue: optionalText(job.queue, 'queue'),
    priority: absent(job.priority) ? undefined : rangeChecked(job.priority, 'priority'),
    maxAttempts: absent(job.maxAttempts) ? undefined : rangeChecked(job.maxAttempts, 'max_attempts'),
    tags: absent(job.tags) ? [] : texts(job.tags, 'tags'),
    argsJson: jsonText(job.args, job.argsJson, 'args'),
    metadataJson: jsonText(job.metadata, job.metadataJson, 'metadata'),
  };
  runAt(job, out);
  out.unique = uniqueOpts(job.unique);
  out.orderingKey = absent(job.orderingKey) ? undefined : bytes(job.orderingKey, 'ordering_key');
  out.traceparent = absent(job.traceparent) ? activeTraceparent() : text(job.traceparent, 'traceparent');
  return out;
}

let otel = null; // the @opentelemetry/api module given to useTraceContext

/**
 * Opt in to trace context: with `api` (the `@opentelemetry/api` module), every job without its
 * own `traceparent` gets the active context's W3C traceparent (through the registered
 * propagator), which the core writes into metadata as `awa:traceparent` unless the metadata
 * already has that key. `null` turns it off (the default).
 */
export function useTraceContext(api) {
  if (api !== null && (typeof api?.propagation?.inject !== 'function' || typeof api?.context?.active !== 'function')) {
    throw new TypeError("awa-enqueue: useTraceContext expects the '@opentelemetry/api' module (or null)");
  }
  otel = api;
}

function activeTraceparent() {
  if (otel === null) return undefined;
  const carrier = {};
  otel.propagation.inject(otel.context.active(), carrier);
  return typeof carrier.traceparent === 'string' ? carrier.traceparent : undefined;
}

function toCoreJobs(jobs) {
  if (!Array.isArray(jobs)) throw invalid('jobs', `jobs must be an array of jobs, got ${describe(jobs)}`);
  const out = new Array(jobs.length);
  for (let i = 0; i < jobs.length; i++) {
    try {
      out[i] = toCoreJob(jobs[i]);
    } catch (e) {
      throw withinBatch(i, e);
    }
  }
  return out;
}

const orNull = (v) => (v === undefined ? null : v);

function fromPrepared(p) {
  return {
    kind: p.kind,
    queue: p.queue,
    argsJson: p.argsJson,
    state: p.state,
    priority: p.priority,
    maxAttempts: p.maxAttempts,
    runAt: orNull(p.runAt),
    metadataJson: p.metadataJson,
    tags: p.tags,
    uniqueKey: orNull(p.uniqueKey),
    uniqueStates: orNull(p.uniqueStates),
    orderingKey: orNull(p.orderingKey),
    binds: p.binds.map(orNull),
  };
}

// ---- derivations ----

/** Validate a job and derive the 12 insert_job_compat values, plus `binds` (their text form). */
export function prepare(job) {
  return fromPrepared(call('prepare', toCoreJob(job)));
}

/** All jobs or none: the first bad job throws with field `jobs[i]...`. */
export function prepareMany(jobs) {
  return call('prepareMany', toCoreJobs(jobs)).map(fromPrepared);
}

/** @deprecated `prepare`, the name every awa-enqueue host uses. */
export const prepareInsert = prepare;
/** @deprecated `prepareMany`, the name every awa-enqueue host uses. */
export const prepareInsertMany = prepareMany;

let sqlTexts;
function sql() {
  return (sqlTexts ??= {
    insert: call('insertSql', 'dollar'),
    tryInsert: call('tryInsertSql', 'dollar'),
    existing: call('existingJobSql', 'dollar'),
    insertMany: call('insertManySql', 'dollar'),
  });
}

/** SQL for one job: bind `prepared.binds` ($1..$12, text or null); returns the awa.jobs row plus state_str. */
export const insertSql = () => sql().insert;
/** Like insertSql, but a duplicate it can see is a row with `inserted` false: the job holding the key. */
export const tryInsertSql = () => sql().tryInsert;
/** SQL returning the job holding a unique key; bind `prepared.binds[9]`. */
export const existingJobSql = () => sql().existing;
/** SQL inserting any number of jobs in one atomic statement; bind insertManyBinds(jobs). */
export const insertManySql = () => sql().insertMany;

/** The 13 text binds of insertManySql() for `jobs` (all or nothing, field `jobs[i]...`). */
export function insertManyBinds(jobs) {
  return call('insertManyBinds', toCoreJobs(jobs));
}

/** `{ text, values }` for `client.query(...)` (node-postgres), or `sql.unsafe(text, values)` (postgres.js). */
export function buildInsert(job) {
  return { text: insertSql(), values: prepareInsert(job).binds };
}

/**
 * `{ text, values }` of the duplicate-safe insert for one job: one row with `inserted` true and
 * the new job, `inserted` false and the job holding the unique key, or no row when that job is
 * not visible to the statement (what tryEnqueue sends).
 */
export function buildTryInsert(job) {
  return { text: tryInsertSql(), values: prepare(job).binds };
}

/**
 * `{ text, values }` inserting all jobs in one atomic statement (any number), rows in input order.
 * Unnamed on purpose: a named statement measured no faster at 1,000 jobs (docs/node.md).
 */
export function buildInsertMany(jobs) {
  return { text: insertManySql(), values: insertManyBinds(jobs) };
}

/** Canonical JSON text (what Awa hashes) of any JSON spelling. */
export function canonicalJson(json) {
  return call('canonicalJson', text(json, 'json'));
}

/**
 * Awa's 16-byte unique key. Each part is included when present: `queue` (by_queue),
 * `args`/`argsJson` (by_args), `periodBucket` (by_period).
 */
export function uniqueKey(parts) {
  if (parts === null || typeof parts !== 'object') throw invalid('', `uniqueKey takes an object, got ${describe(parts)}`);
  const { kind, queue, args, argsJson, periodBucket: bucket } = parts;
  return call('uniqueKey', text(kind, 'kind'), optionalText(queue, 'queue'), jsonText(args, argsJson, 'args'),
    absent(bucket) ? undefined : exactI64(bucket, 'period_bucket'));
}

/** State mask from Awa state names (`scheduled`, `available`, ...). */
export function uniqueStatesMask(states) {
  return call('uniqueStatesMask', texts(states, 'unique.states'));
}

/** `bit(8)` text for a state mask or a list of state names (leftmost = scheduled). */
export function uniqueStatesBits(maskOrStates) {
  const mask = Array.isArray(maskOrStates)
    ? uniqueStatesMask(maskOrStates)
    : smallInt(maskOrStates, 0, 255, 'mask', 'mask must be a state mask from 0 to 255 or an array of state names');
  return call('uniqueStatesBits', mask);
}

function epochSeconds(at) {
  if (isDate(at)) {
    const ms = at.getTime();
    if (Number.isNaN(ms)) throw invalid('epoch_seconds', 'epoch_seconds is an invalid Date');
    return BigInt(Math.floor(ms / 1000));
  }
  return exactI64(at, 'epoch_seconds');
}

/** floor(epoch seconds / period seconds), Awa's by_period bucket; `at` is a Date or epoch seconds. */
export function periodBucket(at, periodSeconds) {
  return call('periodBucket', epochSeconds(at), exactI64(periodSeconds, 'period_seconds'));
}

/** Awa's 64-bit ordering-key hash (bigint). */
export function orderingKeyHash64(key) {
  return call('orderingKeyHash64', bytes(key, 'key'));
}

/** Enqueue shard of `key` for a queue with `shards` enqueue shards. */
export function shardForOrderingKey(key, shards) {
  return call('shardForOrderingKey', bytes(key, 'key'), smallInt(shards, -32768, 32767, 'shards'));
}

/** PartitionedQueue's hash of a key (bigint). */
export function partitionHash64(key) {
  return call('partitionHash64', bytes(key, 'key'));
}

/** PartitionedQueue routing: `{ index, queue }`; also send `key` as the job's orderingKey. */
export function partitionForKey(logicalQueue, partitions, key) {
  const queue = text(logicalQueue, 'queue');
  const count = integer(partitions);
  if (count === undefined) throw invalid('partitions', `partitions must be an integer, got ${describe(partitions)}`);
  // saturated: the core's own range check (1..32767) reports anything outside
  const p = call('partitionForKey', queue, Number(clamp(count, 0n, U32_MAX)), bytes(key, 'key'));
  return { index: p.index, queue: p.queue };
}

/** @deprecated `partitionForKey`, the name every awa-enqueue host uses. */
export const partitionFor = partitionForKey;

/** Awa's CamelCase -> snake_case kind rule (`SendEmail` -> `send_email`). */
export function kindFromTypeName(name) {
  return call('kindFromTypeName', text(name, 'name'));
}

/** Interpret the row of schemaCheckSql(); throws AwaEnqueueError (schema_missing, ...) when incompatible. */
export function checkSchemaRow(schemaVersion, functionArguments) {
  const version = absent(schemaVersion)
    ? undefined
    : smallInt(schemaVersion, -2147483648, 2147483647, 'schema_version');
  return call('checkSchema', version, optionalText(functionArguments, 'function_arguments'));
}

/** Read-only SQL returning one row (schema_version, function_arguments) for checkSchemaRow(). */
export function schemaCheckSql() {
  return call('schemaCheckSql');
}

// ---- database helpers: node-postgres (Client, PoolClient, Pool) and postgres.js (sql) ----

const isPostgresJs = (db) => typeof db === 'function' && typeof db.unsafe === 'function';

function checkDb(db) {
  if (isPostgresJs(db) || (db !== null && typeof db === 'object' && typeof db.query === 'function')) return;
  throw new TypeError('awa-enqueue: expected a node-postgres Client, PoolClient or Pool, or a postgres.js sql');
}

/** Run `{ text, values }` on either driver; resolves to the rows. */
async function rows(db, query) {
  if (isPostgresJs(db)) return Array.from(await db.unsafe(query.text, query.values));
  return (await db.query(query)).rows;
}

function isPgPool(db) {
  return typeof db.totalCount === 'number' && typeof db.idleCount === 'number' && typeof db.connect === 'function';
}

/**
 * Whether `db` is inside a transaction block, from the driver itself: node-postgres reports the
 * backend's status byte of the last ReadyForQuery (`getTransactionStatus()`, pg >= 8.21); a Pool
 * runs every query on its own; postgres.js has `savepoint` exactly on the `sql` of `sql.begin`.
 */
function inTransaction(db) {
  if (isPostgresJs(db)) return typeof db.savepoint === 'function';
  if (typeof db.getTransactionStatus === 'function') {
    const status = db.getTransactionStatus();
    if (status === 'I') return false;
    if (status === 'T' || status === 'E') return true;
    throw new TypeError(`awa-enqueue: the client reports no transaction status (${status}); is it connected?`);
  }
  if (isPgPool(db)) return false;
  throw new TypeError('awa-enqueue: tryEnqueue needs a node-postgres Client/PoolClient of pg 8.21 or later ' +
    '(getTransactionStatus), a pg Pool, or a postgres.js sql');
}

const SAVEPOINT = 'awa_enqueue_try';

/** Run `query` under a savepoint of the caller's transaction; on any error only the savepoint is rolled back. */
async function underSavepoint(db, query) {
  if (isPostgresJs(db)) return Array.from(await db.savepoint((sp) => sp.unsafe(query.text, query.values)));
  await db.query(`SAVEPOINT ${SAVEPOINT}`);
  let result;
  try {
    result = await db.query(query);
  } catch (e) {
    try {
      await db.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}; RELEASE SAVEPOINT ${SAVEPOINT}`);
    } catch (rollback) {
      rollback.cause ??= e;
      throw rollback; // the transaction is not usable: report that, not the duplicate
    }
    throw e;
  }
  await db.query(`RELEASE SAVEPOINT ${SAVEPOINT}`);
  return result.rows;
}

/** Insert one job; resolves to the inserted awa.jobs row (plus state_str). */
export async function enqueue(db, job) {
  checkDb(db);
  return (await rows(db, buildInsert(job)))[0];
}

/**
 * Insert any number of jobs in one atomic statement; resolves to the rows in input order.
 * `{ parallel: n }` (a pg Pool or a postgres.js sql): at most n statements, each atomic on its
 * own, run concurrently on separate connections (see enqueueParts).
 */
export async function enqueueMany(db, jobs, options) {
  checkDb(db);
  if (!absent(options) && (typeof options !== 'object' || Array.isArray(options))) {
    throw invalid('options', `options must be an object, got ${describe(options)}`);
  }
  if (absent(options?.parallel)) return rows(db, buildInsertMany(jobs));
  return enqueueParts(db, jobs, options.parallel);
}

/** Some parts of a parallel enqueueMany failed: `errors` has each failed part's error, `result` every part's outcome. */
export class EnqueuePartsError extends AggregateError {
  constructor(result) {
    const failed = result.parts.filter((p) => p.error !== null);
    const stored = result.parts.reduce((n, p) => n + (p.rows === null ? 0 : p.rows.length), 0);
    super(failed.map((p) => p.error),
      `awa-enqueue: ${failed.length} of ${result.parts.length} parts failed; ${stored} of ${result.rows.length} jobs stored ` +
      `(first error: ${failed[0].error?.message ?? failed[0].error})`);
    this.name = 'EnqueuePartsError';
    this.result = result;
  }
}

const engines = new WeakMap(); // pool or sql -> Promise of its storage engine

/** The storage engine of `db`, asked once per pool (a database only ever moves from canonical to queue storage). */
function storageEngine(db) {
  let engine = engines.get(db);
  if (engine === undefined) {
    engine = rows(db, { text: call('storageEngineSql'), values: [] }).then((r) => r[0]?.engine);
    engine.catch(() => engines.delete(db));
    engines.set(db, engine);
  }
  return engine;
}

/**
 * The core splits the batch (by queue in queue storage, contiguous in canonical); each part is
 * one statement on its own connection, so atomicity is per part. Resolves to
 * `{ rows, parts }` when every part committed; otherwise rejects with EnqueuePartsError.
 */
async function enqueueParts(db, jobs, parallel) {
  if (isPostgresJs(db) ? typeof db.savepoint === 'function' : !isPgPool(db)) {
    throw new TypeError('awa-enqueue: enqueueMany with `parallel` needs a node-postgres Pool or a postgres.js sql ' +
      '(not a client or a transaction: each part runs on its own connection)');
  }
  const count = integer(parallel);
  if (count === undefined) throw invalid('parallel', `parallel must be an integer, got ${describe(parallel)}`);
  const coreJobs = toCoreJobs(jobs);
  const split = (await storageEngine(db)) === 'queue_storage' ? 'by-queue' : 'contiguous';
  // saturated: the core's own check (parts >= 1) reports anything below
  const parts = call('insertManyParts', coreJobs, Number(clamp(count, 0n, U32_MAX)), split);
  const text = insertManySql();
  const settled = await Promise.allSettled(parts.map(async (p) => {
    const got = await rows(db, { text, values: p.binds });
    if (got.length !== p.jobs.length) throw new Error(`awa-enqueue: a part returned ${got.length} rows for ${p.jobs.length} jobs`);
    return got;
  }));
  const all = new Array(coreJobs.length).fill(null);
  const outcomes = parts.map((p, i) => {
    const positions = Array.from(p.jobs);
    const s = settled[i];
    if (s.status === 'rejected') return { jobs: positions, rows: null, error: s.reason };
    positions.forEach((at, k) => { all[at] = s.value[k]; });
    return { jobs: positions, rows: s.value, error: null };
  });
  const result = { rows: all, parts: outcomes };
  if (outcomes.some((o) => o.error !== null)) throw new EnqueuePartsError(result);
  return result;
}

/** Startup check: `{ schemaVersion, tested }`, or throws AwaEnqueueError when the schema cannot be used. */
export async function checkSchema(db) {
  checkDb(db);
  const row = (await rows(db, { text: schemaCheckSql(), values: [] }))[0] ?? {};
  return checkSchemaRow(row.schema_version ?? null, row.function_arguments ?? null);
}

const UNIQUE_INDEX = 'idx_awa_jobs_unique';

/**
 * True for Awa's duplicate-unique-key error: SQLSTATE 23505 on idx_awa_jobs_unique, as
 * node-postgres (`constraint`), postgres.js (`constraint_name`) and Prisma's driver adapters
 * (P2010, `meta.driverAdapterError.cause`) report it, also when wrapped as `cause` (Drizzle).
 */
export function isUniqueConflict(err) {
  for (let e = err, depth = 0; e !== null && typeof e === 'object' && depth < 8; e = e.cause, depth++) {
    if (e.code === '23505' && (e.constraint === UNIQUE_INDEX || e.constraint_name === UNIQUE_INDEX)) return true;
    const adapter = e.meta?.driverAdapterError?.cause;
    if (adapter?.originalCode === '23505' && adapter.constraint?.index === UNIQUE_INDEX) return true;
  }
  return false;
}

function resultOf(found) {
  const row = found[0];
  if (row === undefined) return { inserted: false, duplicate: true, row: null, existing: null };
  const { inserted, ...job } = row;
  return inserted
    ? { inserted: true, duplicate: false, row: job, existing: null }
    : { inserted: false, duplicate: true, row: null, existing: job };
}

const duplicateOf = (holder) => ({ inserted: false, duplicate: true, row: null, existing: holder ?? null });

/**
 * Insert a (unique) job; a duplicate is a result, not an error:
 * `{ inserted: true, duplicate: false, row, existing: null }` or
 * `{ inserted: false, duplicate: true, row: null, existing }` (the job holding the key, or null
 * when it is not visible to this transaction). A duplicate the statement can see never fails it;
 * inside a transaction the statement runs under a savepoint, so even a concurrent duplicate
 * (Awa's 23505) leaves the caller's transaction usable.
 */
export async function tryEnqueue(db, job) {
  checkDb(db);
  const { binds, uniqueKey: key } = prepareInsert(job);
  const query = { text: tryInsertSql(), values: binds };
  let found;
  try {
    // without a unique key there is no duplicate to protect against
    found = key !== null && inTransaction(db) ? await underSavepoint(db, query) : await rows(db, query);
  } catch (e) {
    if (key === null || !isUniqueConflict(e)) throw e;
    return duplicateOf((await rows(db, { text: existingJobSql(), values: [binds[9]] }))[0]);
  }
  return resultOf(found);
}

/**
 * tryEnqueue for any other client, inside the caller's transaction: `query(text, values)` runs
 * one statement on the transaction's connection and resolves to its rows (Kysely, Drizzle,
 * Prisma, ...). A unique job runs under a savepoint; `isConflict` recognizes Awa's 23505 as the
 * client throws it (default isUniqueConflict).
 */
export async function tryEnqueueWith(query, job, { isConflict = isUniqueConflict } = {}) {
  if (typeof query !== 'function') throw new TypeError('awa-enqueue: tryEnqueueWith(query, job): query(text, values) must be a function');
  const { binds, uniqueKey: key } = prepareInsert(job);
  if (key === null) return resultOf(await query(tryInsertSql(), binds));
  await query(`SAVEPOINT ${SAVEPOINT}`, []);
  let found;
  try {
    found = await query(tryInsertSql(), binds);
  } catch (e) {
    try {
      await query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`, []);
      await query(`RELEASE SAVEPOINT ${SAVEPOINT}`, []);
    } catch (rollback) {
      rollback.cause ??= e;
      throw rollback; // the transaction is not usable: report that, not the duplicate
    }
    if (!isConflict(e)) throw e;
    return duplicateOf((await query(existingJobSql(), [binds[9]]))[0]);
  }
  await query(`RELEASE SAVEPOINT ${SAVEPOINT}`, []);
  return resultOf(found);
}

/** Alias of tryEnqueue. */
export const enqueueUnique = tryEnqueue;
