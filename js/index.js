// awa-enqueue: Awa producer logic (one Rust core, compiled to wasm) for Node.
// This file only marshals JS values to the core's WIT types and talks to node-postgres;
// every derived value (keys, states, shards, SQL, validation) comes from the core.
import { readFileSync } from 'node:fs';
import { instantiate } from './generated/awa_enqueue.js';

/** ABI version of the core module this glue was written for. */
export const ABI_VERSION = 1;

const coreWasmUrl = new URL('./generated/awa_enqueue.core.wasm', import.meta.url);
const core = instantiate(
  () => new WebAssembly.Module(readFileSync(coreWasmUrl)),
  {},
  (module, imports) => new WebAssembly.Instance(module, imports),
).core;

/** Error for anything rejected before the database: `code` is stable, `field` names the input. */
export class AwaEnqueueError extends Error {
  constructor(code, field, message, options) {
    super(message, options);
    this.name = 'AwaEnqueueError';
    this.code = code;
    this.field = field;
  }
}

function isCoreError(e) {
  return e !== null && typeof e === 'object' && !(e instanceof Error) &&
    typeof e.code === 'string' && typeof e.field === 'string' && typeof e.message === 'string';
}

// Every core call goes through here: the core's `error` record becomes an AwaEnqueueError,
// a trap (a core bug) becomes `module_trap`.
function call(fn, ...args) {
  try {
    return fn(...args);
  } catch (e) {
    if (isCoreError(e)) throw new AwaEnqueueError(e.code, e.field, e.message);
    if (e instanceof WebAssembly.RuntimeError) {
      throw new AwaEnqueueError('module_trap', '', `awa-enqueue: core module trapped: ${e.message}`, { cause: e });
    }
    throw e;
  }
}

function invalid(field, message) {
  return new AwaEnqueueError('invalid_argument', field, message);
}

const info = call(core.contractInfo);
if (info.abiVersion !== ABI_VERSION) {
  throw new AwaEnqueueError('abi_mismatch', '',
    `awa-enqueue: core module speaks ABI ${info.abiVersion}, this package was written for ABI ${ABI_VERSION}`);
}

/** Awa version whose insert_job_compat contract this build speaks, e.g. "0.6.9". */
export const CONTRACT_VERSION = info.awaVersion;

/** The core's handshake record. */
export function contractInfo() {
  return { ...info };
}

// ---- marshalling helpers (type and WIT-range checks only) ----

const INT_RANGES = {
  s16: [-32768, 32767],
  s32: [-2147483648, 2147483647],
  u8: [0, 255],
  u32: [0, 4294967295],
};
const S64_MIN = -(2n ** 63n);
const S64_MAX = 2n ** 63n - 1n;

function witInt(value, type, field) {
  const [min, max] = INT_RANGES[type];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, `${field} must be an integer in ${min}..${max} (${type}), got ${describe(value)}`);
  }
  return value;
}

function witS64(value, field) {
  let big;
  if (typeof value === 'bigint') big = value;
  else if (typeof value === 'number' && Number.isInteger(value)) big = BigInt(value);
  else throw invalid(field, `${field} must be an integer (bigint or number), got ${describe(value)}`);
  if (big < S64_MIN || big > S64_MAX) throw invalid(field, `${field} must fit a signed 64-bit integer, got ${big}`);
  return big;
}

function optionalInt(value, type, field) {
  return value === undefined || value === null ? undefined : witInt(value, type, field);
}

function witString(value, field) {
  if (typeof value !== 'string') throw invalid(field, `${field} must be a string, got ${describe(value)}`);
  return wellFormed(value, field);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const isWellFormed = String.prototype.isWellFormed
  ? (s) => s.isWellFormed()
  : (s) => !LONE_SURROGATE.test(s); // Node 18

// UTF-8 cannot carry a lone UTF-16 surrogate (TextEncoder would write U+FFFD instead): reject it.
function wellFormed(value, field) {
  if (!isWellFormed(value)) {
    throw invalid(field, `${field} contains an unpaired UTF-16 surrogate (not valid UTF-8)`);
  }
  return value;
}

function optionalString(value, field) {
  return value === undefined || value === null ? undefined : witString(value, field);
}

function describe(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return typeof value;
}

const utf8 = new TextEncoder();

/** A key as bytes: strings are UTF-8, byte arrays are taken as they are. */
function keyBytes(key, field) {
  if (typeof key === 'string') return utf8.encode(wellFormed(key, field));
  if (key instanceof Uint8Array) return key;
  throw invalid(field, `${field} must be a string or a Uint8Array, got ${describe(key)}`);
}

// JSON text for args/metadata: `xJson` (exact text, sent as is) or `x` (a JS value, JSON.stringify'd).
function jsonText(value, text, field) {
  if (text !== undefined && text !== null) {
    if (value !== undefined) throw invalid(field, `give ${field} or ${field}Json, not both`);
    return witString(text, field);
  }
  if (value === undefined) return undefined;
  let out;
  try {
    out = JSON.stringify(value);
  } catch (e) {
    throw invalid(field, `${field} cannot be serialized with JSON.stringify: ${e.message}`);
  }
  if (out === undefined) throw invalid(field, `${field} is not representable as JSON (${typeof value})`);
  return out;
}

function runAtText(runAt) {
  if (runAt === undefined || runAt === null) return undefined;
  if (runAt instanceof Date) {
    // An invalid Date is sent as text so that the core reports invalid_run_at.
    return Number.isNaN(runAt.getTime()) ? 'Invalid Date' : runAt.toISOString();
  }
  return witString(runAt, 'run_at');
}

// The WIT record needs every unique option; omitted ones take Awa's defaults, from the core.
const UNIQUE_DEFAULTS = call(core.defaultUniqueOpts);

function uniqueOpts(unique) {
  if (unique === undefined || unique === null || unique === false) return undefined;
  const u = unique === true ? {} : unique;
  if (typeof u !== 'object' || Array.isArray(u)) throw invalid('unique', 'unique must be an object, true or absent');
  const bool = (v, name, dflt) => {
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'boolean') throw invalid(`unique.${name}`, `unique.${name} must be a boolean`);
    return v;
  };
  let states = UNIQUE_DEFAULTS.states;
  if (Array.isArray(u.states)) {
    u.states.forEach((s, i) => witString(s, `unique.states[${i}]`));
    states = call(core.uniqueStatesMask, u.states);
  } else if (u.states !== undefined && u.states !== null) {
    states = witInt(u.states, 'u8', 'unique.states');
  }
  return {
    byQueue: bool(u.byQueue, 'by_queue', UNIQUE_DEFAULTS.byQueue),
    byArgs: bool(u.byArgs, 'by_args', UNIQUE_DEFAULTS.byArgs),
    byPeriod: u.byPeriod === undefined || u.byPeriod === null ? undefined : witS64(u.byPeriod, 'unique.by_period'),
    states,
  };
}

function toCoreJob(job) {
  if (job === null || typeof job !== 'object' || Array.isArray(job)) throw invalid('', 'a job must be an object');
  let tags = [];
  if (job.tags !== undefined && job.tags !== null) {
    if (!Array.isArray(job.tags)) throw invalid('tags', 'tags must be an array of strings');
    tags = job.tags.map((t, i) => witString(t, `tags[${i}]`));
  }
  return {
    kind: witString(job.kind, 'kind'),
    argsJson: jsonText(job.args, job.argsJson, 'args'),
    queue: optionalString(job.queue, 'queue'),
    priority: optionalInt(job.priority, 's32', 'priority'),
    maxAttempts: optionalInt(job.maxAttempts, 's32', 'max_attempts'),
    runAt: runAtText(job.runAt),
    metadataJson: jsonText(job.metadata, job.metadataJson, 'metadata'),
    tags,
    unique: uniqueOpts(job.unique),
    orderingKey: job.orderingKey === undefined || job.orderingKey === null
      ? undefined : keyBytes(job.orderingKey, 'ordering_key'),
  };
}

function withPrefix(err, prefix) {
  if (err instanceof AwaEnqueueError && !err.field.startsWith(prefix)) {
    err.field = err.field ? `${prefix}.${err.field}` : prefix;
  }
  return err;
}

function fromPrepared(p) {
  return {
    kind: p.kind,
    queue: p.queue,
    argsJson: p.argsJson,
    state: p.state,
    priority: p.priority,
    maxAttempts: p.maxAttempts,
    runAt: p.runAt ?? null,
    metadataJson: p.metadataJson,
    tags: p.tags,
    uniqueKey: p.uniqueKey ?? null,
    uniqueStates: p.uniqueStates ?? null,
    orderingKey: p.orderingKey ?? null,
  };
}

function asBuffer(bytes) {
  return bytes === null ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The 12 bind values ($1..$12) of a prepared job, in insert_job_compat order, for node-postgres. */
export function preparedValues(p) {
  return [
    p.kind, p.queue, p.argsJson, p.state, p.priority, p.maxAttempts, p.runAt, p.metadataJson, p.tags,
    asBuffer(p.uniqueKey), p.uniqueStates, asBuffer(p.orderingKey),
  ];
}

// ---- derivations ----

/** Validate a job and derive the 12 insert_job_compat parameters. */
export function prepareInsert(job) {
  return fromPrepared(call(core.prepare, toCoreJob(job)));
}

/** All jobs or none: the first bad job throws with field `jobs[i]...`. */
export function prepareInsertMany(jobs) {
  if (!Array.isArray(jobs)) throw invalid('jobs', 'jobs must be an array');
  const coreJobs = jobs.map((job, i) => {
    try {
      return toCoreJob(job);
    } catch (e) {
      throw withPrefix(e, `jobs[${i}]`);
    }
  });
  return call(core.prepareMany, coreJobs).map(fromPrepared);
}

let insertSqlText;
/** SQL for one job: bind preparedValues() as $1..$12; returns the awa.jobs row plus state_str. */
export function insertSql() {
  return (insertSqlText ??= call(core.insertSql));
}

/** SQL inserting `rows` jobs in one statement (12 parameters per job, rows in input order). */
export function insertManySql(rows) {
  return call(core.insertManySql, witInt(rows, 'u32', 'rows'));
}

/** `{ text, values }` for node-postgres: `client.query(buildInsert(job))`. */
export function buildInsert(job) {
  return { text: insertSql(), values: preparedValues(prepareInsert(job)) };
}

/** `{ text, values }` inserting all jobs in one atomic statement. */
export function buildInsertMany(jobs) {
  const prepared = prepareInsertMany(jobs);
  const values = [];
  for (const p of prepared) values.push(...preparedValues(p));
  return { text: insertManySql(prepared.length), values };
}

/** Canonical JSON text (what Awa hashes) of any JSON spelling. */
export function canonicalJson(text) {
  return call(core.canonicalJson, witString(text, 'json'));
}

/**
 * Awa's 16-byte unique key. Each part is included when present: `queue` (by_queue),
 * `args`/`argsJson` (by_args), `periodBucket` (by_period).
 */
export function uniqueKey({ kind, queue, args, argsJson, periodBucket: bucket } = {}) {
  return call(
    core.uniqueKey,
    witString(kind, 'kind'),
    optionalString(queue, 'queue'),
    jsonText(args, argsJson, 'args'),
    bucket === undefined || bucket === null ? undefined : witS64(bucket, 'period_bucket'),
  );
}

/** State mask from Awa state names (`scheduled`, `available`, ...). */
export function uniqueStatesMask(states) {
  if (!Array.isArray(states)) throw invalid('unique.states', 'states must be an array of state names');
  states.forEach((s, i) => witString(s, `unique.states[${i}]`));
  return call(core.uniqueStatesMask, states);
}

/** `bit(8)` text for a state mask or a list of state names (leftmost = scheduled). */
export function uniqueStatesBits(maskOrStates) {
  const mask = Array.isArray(maskOrStates) ? uniqueStatesMask(maskOrStates) : witInt(maskOrStates, 'u8', 'mask');
  return call(core.uniqueStatesBits, mask);
}

function epochSeconds(at) {
  if (at instanceof Date) {
    const ms = at.getTime();
    if (Number.isNaN(ms)) throw invalid('epoch_seconds', 'invalid Date');
    return BigInt(Math.floor(ms / 1000));
  }
  return witS64(at, 'epoch_seconds');
}

/** floor(epoch seconds / period seconds), Awa's by_period bucket; `at` is a Date or epoch seconds. */
export function periodBucket(at, periodSeconds) {
  return call(core.periodBucket, epochSeconds(at), witS64(periodSeconds, 'period_seconds'));
}

/** Awa's 64-bit ordering-key hash (bigint). */
export function orderingKeyHash64(key) {
  return call(core.orderingKeyHash64, keyBytes(key, 'key'));
}

/** Enqueue shard of `key` for a queue with `shards` enqueue shards. */
export function shardForOrderingKey(key, shards) {
  return call(core.shardForOrderingKey, keyBytes(key, 'key'), witInt(shards, 's16', 'shards'));
}

/** PartitionedQueue's hash of a key (bigint). */
export function partitionHash64(key) {
  return call(core.partitionHash64, keyBytes(key, 'key'));
}

/** PartitionedQueue routing: `{ index, queue }`; also send `key` as the job's orderingKey. */
export function partitionFor(logicalQueue, partitions, key) {
  const p = call(core.partitionForKey, witString(logicalQueue, 'queue'), witInt(partitions, 'u32', 'partitions'),
    keyBytes(key, 'key'));
  return { index: p.index, queue: p.queue };
}

/** Awa's CamelCase -> snake_case kind rule (`SendEmail` -> `send_email`). */
export function kindFromTypeName(name) {
  return call(core.kindFromTypeName, witString(name, 'name'));
}

/** Interpret the row of schemaCheckSql(); throws AwaEnqueueError (schema_missing, ...) when incompatible. */
export function checkSchemaRow(schemaVersion, functionArguments) {
  return call(core.checkSchema,
    schemaVersion === null || schemaVersion === undefined ? undefined : witInt(schemaVersion, 's32', 'schema_version'),
    optionalString(functionArguments, 'function_arguments'));
}

/** Read-only SQL returning one row (schema_version, function_arguments) for checkSchemaRow(). */
export function schemaCheckSql() {
  return call(core.schemaCheckSql);
}

// ---- node-postgres helpers (any object with pg's `query(config)` works: Client, PoolClient, Pool) ----

/** Insert one job; resolves to the inserted awa.jobs row (plus state_str). */
export async function enqueue(client, job) {
  const { rows } = await client.query(buildInsert(job));
  return rows[0];
}

/** Insert many jobs in one atomic statement; resolves to the rows in input order. */
export async function enqueueMany(client, jobs) {
  const { rows } = await client.query(buildInsertMany(jobs));
  return rows;
}

/** Startup check: `{ schemaVersion, tested }`, or throws AwaEnqueueError when the schema cannot be used. */
export async function checkSchema(client) {
  const { rows } = await client.query(schemaCheckSql());
  const row = rows[0] ?? {};
  return checkSchemaRow(row.schema_version ?? null, row.function_arguments ?? null);
}

/** True for Awa's duplicate-unique-key error (SQLSTATE 23505 on idx_awa_jobs_unique). */
export function isUniqueConflict(err) {
  return err !== null && typeof err === 'object' && err.code === '23505' && err.constraint === 'idx_awa_jobs_unique';
}

const SAVEPOINT = 'awa_enqueue_unique';

function isPool(client) {
  return typeof client.totalCount === 'number' && typeof client.idleCount === 'number';
}

/**
 * Insert a (unique) job and report a duplicate instead of throwing:
 * `{ inserted: true, duplicate: false, row }` or `{ inserted: false, duplicate: true, row: null }`.
 * Inside a transaction the insert runs under a SAVEPOINT, so a duplicate leaves the caller's
 * transaction usable. Outside one (or on a Pool) the statement commits on its own.
 */
export async function tryEnqueue(client, job) {
  const query = buildInsert(job);
  const plain = async () => {
    try {
      const { rows } = await client.query(query);
      return { inserted: true, duplicate: false, row: rows[0] };
    } catch (e) {
      if (isUniqueConflict(e)) return { inserted: false, duplicate: true, row: null };
      throw e;
    }
  };
  if (isPool(client)) return plain();
  try {
    await client.query(`SAVEPOINT ${SAVEPOINT}`);
  } catch (e) {
    if (e && e.code === '25P01') return plain(); // no transaction block: nothing to protect
    throw e;
  }
  let rows;
  try {
    ({ rows } = await client.query(query));
  } catch (e) {
    await client.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
    await client.query(`RELEASE SAVEPOINT ${SAVEPOINT}`);
    if (isUniqueConflict(e)) return { inserted: false, duplicate: true, row: null };
    throw e;
  }
  await client.query(`RELEASE SAVEPOINT ${SAVEPOINT}`);
  return { inserted: true, duplicate: false, row: rows[0] };
}

/** Alias of tryEnqueue. */
export const enqueueUnique = tryEnqueue;
