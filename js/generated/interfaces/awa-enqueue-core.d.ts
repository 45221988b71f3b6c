/** @module Interface awa:enqueue/core@0.6.9 **/
export function contractInfo(): Contract;
export function canonicalJson(json: string): string;
export function uniqueKey(kind: string, queue: string | undefined, argsJson: string | undefined, periodBucket: bigint | undefined): Uint8Array;
export function uniqueStatesBits(mask: number): string;
export function uniqueStatesMask(states: Array<string>): number;
export function periodBucket(epochSeconds: bigint, periodSeconds: bigint): bigint;
export function orderingKeyHash64(key: Uint8Array): bigint;
export function shardForOrderingKey(key: Uint8Array, shards: number): number;
export function partitionHash64(key: Uint8Array): bigint;
export function partitionForKey(logicalQueue: string, partitions: number, key: Uint8Array): Partition;
export function kindFromTypeName(name: string): string;
export function prepare(job: Job): Prepared;
export function prepareMany(jobs: Array<Job>): Array<Prepared>;
export function insertSql(placeholders: Placeholders): string;
export function tryInsertSql(placeholders: Placeholders): string;
export function existingJobSql(placeholders: Placeholders): string;
export function insertManySql(placeholders: Placeholders): string;
export function insertManyBinds(jobs: Array<Job>): Array<string>;
export function insertManyParts(jobs: Array<Job>, parts: number, split: BatchSplit): Array<BatchPart>;
export function storageEngineSql(): string;
export function schemaCheckSql(): string;
export function checkSchema(schemaVersion: number | undefined, functionArguments: string | undefined): SchemaStatus;
export function fieldName(field: string, style: FieldStyle): string;
export function withinBatch(index: number, error: Error): Error;
export interface Error {
  code: string,
  field: string,
  message: string,
}
export interface Contract {
  awaVersion: string,
  abiVersion: number,
  minSchemaVersion: number,
  maxTestedSchemaVersion: number,
}
export interface Partition {
  index: number,
  queue: string,
}
export interface UniqueOpts {
  byQueue?: boolean,
  byArgs?: boolean,
  byPeriod?: bigint,
  states?: number,
  stateNames?: Array<string>,
}
export interface Timestamp {
  seconds: bigint,
  nanos: number,
}
export interface Job {
  kind: string,
  argsJson?: string,
  queue?: string,
  priority?: bigint,
  maxAttempts?: bigint,
  runAt?: string,
  runAtTime?: Timestamp,
  metadataJson?: string,
  tags: Array<string>,
  unique?: UniqueOpts,
  orderingKey?: Uint8Array,
  traceparent?: string,
}
export interface Prepared {
  kind: string,
  queue: string,
  argsJson: string,
  state: string,
  priority: number,
  maxAttempts: number,
  runAt?: string,
  metadataJson: string,
  tags: Array<string>,
  uniqueKey?: Uint8Array,
  uniqueStates?: string,
  orderingKey?: Uint8Array,
  binds: Array<string | undefined>,
}
/**
 * # Variants
 * 
 * ## `"dollar"`
 * 
 * ## `"question"`
 */
export type Placeholders = 'dollar' | 'question';
/**
 * # Variants
 * 
 * ## `"by-queue"`
 * 
 * ## `"contiguous"`
 */
export type BatchSplit = 'by-queue' | 'contiguous';
export interface BatchPart {
  jobs: Uint32Array,
  binds: Array<string>,
}
export interface SchemaStatus {
  schemaVersion: number,
  tested: boolean,
}
/**
 * # Variants
 * 
 * ## `"contract"`
 * 
 * ## `"camel"`
 * 
 * ## `"go"`
 */
export type FieldStyle = 'contract' | 'camel' | 'go';
