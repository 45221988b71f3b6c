// Typed use of the public API (checked by check.mjs; never run).
import {
  AwaEnqueueError, CONTRACT_VERSION, buildInsert, buildInsertMany, checkSchema, enqueue, enqueueMany,
  isUniqueConflict, partitionForKey, prepare, tryEnqueue, tryEnqueueWith, uniqueKey, uniqueStatesBits,
  useModule, type Db, type Job, type JobRow, type TryEnqueueResult,
} from '../../index.js';

const seen: unknown[] = [];
const job: Job = {
  kind: 'send_email', queue: 'email', args: { to: 'a@b.c' }, priority: 1, maxAttempts: 3, tags: ['t'],
  runAt: new Date(0), unique: { byArgs: true, byPeriod: 3600, states: ['available', 'running'] }, orderingKey: 'k',
};
const p = prepare(job);
const binds: (string | null)[] = p.binds;
const key: Uint8Array | null = p.uniqueKey;
const q: { text: string; values: unknown[] } = buildInsert(job);
const many = buildInsertMany([job, { kind: 'other' }]);
const version: string = CONTRACT_VERSION;
const bits: string = uniqueStatesBits(['available']);
const k16: Uint8Array = uniqueKey({ kind: 'x', argsJson: '{}' });
const part = partitionForKey('orders', 8, 'customer-1');

async function flow(db: Db): Promise<void> {
  await checkSchema(db);
  const row: JobRow = await enqueue(db, job);
  const rows: JobRow[] = await enqueueMany(db, [job]);
  const r: TryEnqueueResult = await tryEnqueue(db, job);
  if (r.duplicate) seen.push(r.existing?.id);
  else seen.push(r.row.id, row.id, rows.length);
  const viaOther = await tryEnqueueWith(async (text, values) => [{ text, values }], job);
  seen.push(viaOther.inserted);
}

try {
  useModule(new Uint8Array(0));
} catch (e) {
  if (e instanceof AwaEnqueueError) seen.push(e.code, e.field, e.contractField);
  seen.push(isUniqueConflict(e));
}
export { binds, key, q, many, version, bits, k16, part, flow, seen };
