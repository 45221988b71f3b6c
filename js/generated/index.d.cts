/** Awa job states, in Awa's bit order (bit 0 = scheduled). */
export type JobState =
  | 'scheduled' | 'available' | 'running' | 'completed'
  | 'retryable' | 'failed' | 'cancelled' | 'waiting_external';

/** Awa's UniqueOpts. Every option left out takes Awa's default (applied by the core). */
export interface UniqueOptions {
  /** Fold the (physical) queue into the key. Default false. */
  byQueue?: boolean | null;
  /** Fold the canonical args into the key. Default true. */
  byArgs?: boolean | null;
  /** Period bucket (see periodBucket()); folded in when set. Any 64-bit integer. */
  byPeriod?: bigint | number | null;
  /** States in which a duplicate is rejected: a mask 0..255 or state names. Default scheduled..retryable (31). */
  states?: number | bigint | JobState[] | null;
}

export interface Job {
  kind: string;
  /** Any JSON value; serialized with JSON.stringify (see docs/node.md on numbers). */
  args?: unknown;
  /** Exact JSON text; use instead of `args` to control number spelling. */
  argsJson?: string | null;
  queue?: string | null;
  /** 1..4, default 2. */
  priority?: number | bigint | null;
  /** 1..1000, default 25. */
  maxAttempts?: number | bigint | null;
  /** A Date (an instant) or RFC 3339 text; when given, the job is inserted as `scheduled`. */
  runAt?: Date | string | null;
  metadata?: unknown;
  metadataJson?: string | null;
  tags?: string[] | null;
  /** `true` (or `{}`) = Awa's default unique options. */
  unique?: UniqueOptions | boolean | null;
  /** Strings are UTF-8 encoded. */
  orderingKey?: string | Uint8Array | null;
  /** W3C trace context, written into metadata as `awa:traceparent` unless it has that key (see useTraceContext). */
  traceparent?: string | null;
}

/** The 12 values of awa.insert_job_compat, in order, and `binds`: the same 12 as text (or null). */
export interface PreparedInsert {
  kind: string;
  queue: string;
  /** Canonical JSON text: exactly what is hashed and bound. */
  argsJson: string;
  state: 'available' | 'scheduled';
  priority: number;
  maxAttempts: number;
  /** RFC 3339 UTC, truncated to microseconds, or null. */
  runAt: string | null;
  metadataJson: string;
  tags: string[];
  uniqueKey: Uint8Array | null;
  /** bit(8) text, leftmost = scheduled, or null. */
  uniqueStates: string | null;
  orderingKey: Uint8Array | null;
  /** The bind values of insertSql() ($1..$12), text or null (SQL NULL). */
  binds: (string | null)[];
}

/** A query config: node-postgres `client.query(q)`, postgres.js `sql.unsafe(q.text, q.values)`. */
export interface InsertQuery {
  text: string;
  values: (string | null)[];
}

export interface ContractInfo {
  awaVersion: string;
  abiVersion: number;
  minSchemaVersion: number;
  maxTestedSchemaVersion: number;
}

export interface SchemaStatus {
  schemaVersion: number;
  /** false above the newest schema version this contract was tested against. */
  tested: boolean;
}

export interface Partition {
  index: number;
  queue: string;
}

/** An awa.jobs row plus `state_str`, as the driver decodes it (node-postgres shown). */
export interface JobRow {
  id: string;
  kind: string;
  queue: string;
  args: unknown;
  state: string;
  state_str: JobState;
  priority: number;
  attempt: number;
  max_attempts: number;
  run_at: Date;
  created_at: Date;
  metadata: unknown;
  tags: string[];
  unique_key: Uint8Array | null; // a Buffer with node-postgres
  unique_states: string | null;
  [column: string]: unknown;
}

/** node-postgres: a Client or PoolClient (pg >= 8.21 for tryEnqueue), or a Pool. */
export interface PgQueryable {
  query(config: { text: string; values?: unknown[] } | string): Promise<{ rows: any[] }>;
}

/** postgres.js: the `sql` of `postgres(...)`, of `sql.begin(...)`, or of `sql.reserve()`. */
export interface PostgresJsSql {
  (...args: any[]): any;
  unsafe(query: string, parameters?: unknown[], options?: object): PromiseLike<any[]>;
  savepoint?: (...args: any[]) => Promise<any>;
}

/** A database handle of either driver. */
export type Db = PgQueryable | PostgresJsSql;

export type TryEnqueueResult =
  | { inserted: true; duplicate: false; row: JobRow; existing: null }
  /** `existing`: the job holding the unique key, or null when it is not visible to this transaction. */
  | { inserted: false; duplicate: true; row: null; existing: JobRow | null };

/**
 * Rejected before the database. `code` is the core's stable snake_case code
 * (e.g. `priority_out_of_range`, `invalid_json`), or a host code: `invalid_argument` for a JS
 * value the WIT cannot carry (wrong type, non-integer number, an integer that must be exact
 * outside 64 bits, a string with an unpaired UTF-16 surrogate), `module_trap` (a core bug; the
 * instance is replaced), `abi_mismatch`.
 */
export class AwaEnqueueError extends Error {
  readonly name: 'AwaEnqueueError';
  code: string;
  /** The input as the JS API spells it: `maxAttempts`, `jobs[3].unique.byPeriod`, `tags[1]`. */
  field: string;
  /** The same input in the contract's spelling: `max_attempts`, `jobs[3].unique.by_period`. */
  contractField: string;
  constructor(code: string, field: string, message: string, options?: { cause?: unknown; contractField?: string });
}

export const ABI_VERSION: 2;
/** Awa version whose insert_job_compat contract this build speaks ("0.6.9"). */
export const CONTRACT_VERSION: string;
export function contractInfo(): ContractInfo;
/**
 * Use this core module instead of the bytes bundled in the package (e.g. on Cloudflare Workers,
 * which cannot compile WebAssembly from bytes: `import m from 'awa-enqueue/core.wasm'`).
 * Throws `module_load` if bytes do not compile; a module that cannot be used fails the next call
 * with `module_load` (or `abi_mismatch`).
 */
export function useModule(source: CoreModuleSource): void;
/**
 * Opt in to trace context: with the `@opentelemetry/api` module, a job without its own
 * `traceparent` gets the active context's (metadata `awa:traceparent`); `null` turns it off.
 */
export function useTraceContext(api: { propagation: { inject(context: unknown, carrier: object): void }; context: { active(): unknown } } | null): void;
/** A `WebAssembly.Module`, or the bytes of the core module (typed without the DOM/Node lib). */
export type CoreModuleSource = ArrayBuffer | ArrayBufferView | object;

export function prepare(job: Job): PreparedInsert;
export function prepareMany(jobs: Job[]): PreparedInsert[];
/** @deprecated `prepare`, the name every awa-enqueue host uses. */
export function prepareInsert(job: Job): PreparedInsert;
/** @deprecated `prepareMany`, the name every awa-enqueue host uses. */
export function prepareInsertMany(jobs: Job[]): PreparedInsert[];
export function insertSql(): string;
export function tryInsertSql(): string;
export function existingJobSql(): string;
export function insertManySql(): string;
/** The 13 text binds of insertManySql() for any number of jobs. */
export function insertManyBinds(jobs: Job[]): string[];
export function buildInsert(job: Job): InsertQuery;
/** The duplicate-safe insert for one job (tryInsertSql and its binds). */
export function buildTryInsert(job: Job): InsertQuery;
export function buildInsertMany(jobs: Job[]): InsertQuery;

export function canonicalJson(json: string): string;
export function uniqueKey(parts: {
  kind: string;
  queue?: string | null;
  args?: unknown;
  argsJson?: string | null;
  periodBucket?: bigint | number | null;
}): Uint8Array;
export function uniqueStatesMask(states: JobState[]): number;
export function uniqueStatesBits(maskOrStates: number | JobState[]): string;
/** floor(epoch seconds / periodSeconds); `at` is a Date or epoch seconds. */
export function periodBucket(at: Date | bigint | number, periodSeconds: bigint | number): bigint;
export function orderingKeyHash64(key: string | Uint8Array): bigint;
export function shardForOrderingKey(key: string | Uint8Array, shards: number): number;
export function partitionHash64(key: string | Uint8Array): bigint;
export function partitionForKey(logicalQueue: string, partitions: number | bigint, key: string | Uint8Array): Partition;
/** @deprecated `partitionForKey`, the name every awa-enqueue host uses. */
export function partitionFor(logicalQueue: string, partitions: number | bigint, key: string | Uint8Array): Partition;
export function kindFromTypeName(name: string): string;

export function schemaCheckSql(): string;
export function checkSchemaRow(schemaVersion: number | null, functionArguments: string | null): SchemaStatus;

export function enqueue(db: Db, job: Job): Promise<JobRow>;
/** Any number of jobs in one atomic statement; rows in input order. */
export function enqueueMany(db: Db, jobs: Job[], options?: { parallel?: null }): Promise<JobRow[]>;
/**
 * Opt-in parallel enqueue on a pg Pool or a postgres.js sql: the core splits the batch into at
 * most `parallel` parts (by queue in queue storage, contiguous in canonical), each one statement
 * on its own connection, run concurrently. Atomic per part, not for the batch: rejects with
 * EnqueuePartsError (its `result` holds every part's outcome) when any part failed; invalid
 * input rejects with AwaEnqueueError before anything is written.
 */
export function enqueueMany(db: Db, jobs: Job[], options: { parallel: number | bigint }): Promise<ParallelResult>;

/** One part of a parallel enqueueMany. */
export interface PartOutcome {
  /** Positions of the part's jobs in the batch, ascending. */
  jobs: number[];
  /** The part's rows, in the order of `jobs`; null when the part failed. */
  rows: JobRow[] | null;
  /** The driver's error of a failed part (nothing of it was stored); null when it committed. */
  error: unknown;
}
export interface ParallelResult {
  /** One entry per job, in input order: its row, or null when its part failed. */
  rows: (JobRow | null)[];
  parts: PartOutcome[];
}
/** Some parts of a parallel enqueueMany failed; the others committed (see `result`). */
export class EnqueuePartsError extends AggregateError {
  readonly name: 'EnqueuePartsError';
  result: ParallelResult;
  constructor(result: ParallelResult);
}
export function checkSchema(db: Db): Promise<SchemaStatus>;
/** SQLSTATE 23505 on idx_awa_jobs_unique (node-postgres `constraint`, postgres.js `constraint_name`). */
export function isUniqueConflict(err: unknown): boolean;
/** Insert; a duplicate is `{ duplicate: true, existing }`, and the caller's transaction stays usable. */
export function tryEnqueue(db: Db, job: Job): Promise<TryEnqueueResult>;
export const enqueueUnique: typeof tryEnqueue;
/**
 * tryEnqueue for any other client, inside the caller's transaction: `query(text, values)` runs
 * one statement on the transaction's connection and resolves to its rows (Kysely, Drizzle,
 * Prisma, ...). A unique job runs under a savepoint; `isConflict` defaults to isUniqueConflict.
 */
export function tryEnqueueWith(
  query: (text: string, values: (string | null)[]) => Promise<any[]>,
  job: Job,
  options?: { isConflict?: (err: unknown) => boolean },
): Promise<TryEnqueueResult>;
