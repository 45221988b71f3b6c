/** Awa job states, in Awa's bit order (bit 0 = scheduled). */
export type JobState =
  | 'scheduled' | 'available' | 'running' | 'completed'
  | 'retryable' | 'failed' | 'cancelled' | 'waiting_external';

export interface UniqueOptions {
  /** Fold the (physical) queue into the key. Default false. */
  byQueue?: boolean;
  /** Fold the canonical args into the key. Default true. */
  byArgs?: boolean;
  /** Period bucket (see periodBucket()); folded in when set. */
  byPeriod?: bigint | number | null;
  /** States in which a duplicate is rejected: a u8 mask or state names. Default 31 (scheduled..retryable). */
  states?: number | JobState[] | null;
}

export interface Job {
  kind: string;
  /** Any JSON value; serialized with JSON.stringify (see docs/node.md on numbers). */
  args?: unknown;
  /** Exact JSON text; use instead of `args` to control number spelling. */
  argsJson?: string | null;
  queue?: string | null;
  priority?: number | null;
  maxAttempts?: number | null;
  /** When given, the job is inserted as `scheduled`. */
  runAt?: Date | string | null;
  metadata?: unknown;
  metadataJson?: string | null;
  tags?: string[] | null;
  /** `true` = Awa's default unique options. */
  unique?: UniqueOptions | boolean | null;
  /** Strings are UTF-8 encoded. */
  orderingKey?: string | Uint8Array | null;
}

/** The 12 parameters of awa.insert_job_compat, in order. */
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
}

/** A node-postgres query config. */
export interface InsertQuery {
  text: string;
  values: unknown[];
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

/** The awa.jobs row returned by insert_job_compat, as node-postgres decodes it. */
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
  unique_key: Buffer | null;
  unique_states: string | null;
  [column: string]: unknown;
}

/** Anything with node-postgres's `query(config)`: Client, PoolClient or Pool. */
export interface Queryable {
  query(config: { text: string; values?: unknown[] } | string): Promise<{ rows: any[] }>;
}

export type TryEnqueueResult =
  | { inserted: true; duplicate: false; row: JobRow }
  | { inserted: false; duplicate: true; row: null };

/**
 * Rejected before the database. `code` is the core's stable snake_case code
 * (e.g. `priority_out_of_range`, `invalid_json`), or a host code: `invalid_argument` for a JS
 * value the WIT types cannot carry (wrong type, outside the WIT integer type, a string with an
 * unpaired UTF-16 surrogate), `module_trap` (a core bug), `abi_mismatch`; `field` names the input
 * (`jobs[3].priority`).
 */
export class AwaEnqueueError extends Error {
  readonly name: 'AwaEnqueueError';
  code: string;
  field: string;
  constructor(code: string, field: string, message: string, options?: { cause?: unknown });
}

export const ABI_VERSION: 1;
/** Awa version whose insert_job_compat contract this build speaks ("0.6.9"). */
export const CONTRACT_VERSION: string;
export function contractInfo(): ContractInfo;

export function prepareInsert(job: Job): PreparedInsert;
export function prepareInsertMany(jobs: Job[]): PreparedInsert[];
export function preparedValues(prepared: PreparedInsert): unknown[];
export function insertSql(): string;
export function insertManySql(rows: number): string;
export function buildInsert(job: Job): InsertQuery;
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
export function partitionFor(logicalQueue: string, partitions: number, key: string | Uint8Array): Partition;
export function kindFromTypeName(name: string): string;

export function schemaCheckSql(): string;
export function checkSchemaRow(schemaVersion: number | null, functionArguments: string | null): SchemaStatus;

export function enqueue(client: Queryable, job: Job): Promise<JobRow>;
export function enqueueMany(client: Queryable, jobs: Job[]): Promise<JobRow[]>;
export function checkSchema(client: Queryable): Promise<SchemaStatus>;
export function isUniqueConflict(err: unknown): boolean;
/** Insert; a unique conflict becomes `{ duplicate: true }` and (in a transaction) leaves it usable. */
export function tryEnqueue(client: Queryable, job: Job): Promise<TryEnqueueResult>;
export const enqueueUnique: typeof tryEnqueue;
