// The app every runtime and bundler of the matrix runs: a duplicate-safe enqueue twice and a
// batch, against the Awa database of DATABASE_URL, printing one JSON line.
import pg from 'pg';
import { CONTRACT_VERSION, enqueueMany, prepare, tryEnqueue } from 'awa-enqueue';

export async function main(target, url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const job = { kind: '\ufeffmatrix', queue: 'matrix', args: { target }, unique: { byArgs: true } };
    const first = await tryEnqueue(client, job);
    const again = await tryEnqueue(client, job);
    const batch = await enqueueMany(client, [1, 2, 3].map((n) => ({ kind: 'matrix_batch', queue: 'matrix', args: { target, n } })));
    const key = Array.from(prepare(job).uniqueKey, (b) => b.toString(16).padStart(2, '0')).join('');
    return {
      target,
      contract: CONTRACT_VERSION,
      inserted: first.inserted,
      id: String(first.row?.id),
      duplicate: again.duplicate,
      existing: String(again.existing?.id),
      batch: batch.map((r) => String(r.id)),
      key,
    };
  } finally {
    await client.end();
  }
}

const env = globalThis.process?.env ?? {};
if (env.AWA_MATRIX_TARGET) {
  main(env.AWA_MATRIX_TARGET, env.DATABASE_URL).then(
    (r) => console.log(JSON.stringify(r)),
    (e) => {
      console.error(e);
      globalThis.process.exitCode = 1;
    },
  );
}
