// Plain node-postgres producer: enqueue a few jobs for Awa workers (postgres.js works the same way:
// pass its `sql`, or the `sql` of `sql.begin`, where this passes `client`).
//   DATABASE_URL=postgres://... node examples/enqueue.mjs
import pg from 'pg';
import { checkSchema, enqueue, enqueueMany, tryEnqueue, partitionForKey, periodBucket } from 'awa-enqueue';

const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
await client.connect();
client.on('notice', () => {}); // queue storage prints harmless "already exists, skipping" notices

try {
  // Refuse to run against a database whose Awa schema does not speak this contract.
  const schema = await checkSchema(client);
  console.log(`Awa schema version ${schema.schemaVersion}${schema.tested ? '' : ' (newer than tested)'}`);

  await client.query('BEGIN');
  const email = await enqueue(client, {
    kind: 'send_email',
    args: { to: 'ada@example.com', subject: 'Welcome' },
    tags: ['onboarding'],
  });
  // argsJson: exact JSON text, hashed exactly as Rust/Python producers hash the same value
  const invoice = await tryEnqueue(client, {
    kind: 'send_invoice',
    argsJson: '{"invoice":"INV-1001","amount":125.0}',
    unique: { byPeriod: periodBucket(new Date(), 24 * 3600) }, // other options: Awa's defaults
  });
  const again = await tryEnqueue(client, {
    kind: 'send_invoice',
    argsJson: '{"amount":125.0,"invoice":"INV-1001"}',
    unique: { byPeriod: periodBucket(new Date(), 24 * 3600) },
  });
  // ordering key: jobs of one customer land on the same enqueue shard / partition
  const route = partitionForKey('orders', 4, 'customer-42');
  const orders = await enqueueMany(client, [1, 2, 3].map((n) => ({
    kind: 'sync_order', queue: route.queue, orderingKey: 'customer-42', args: { customer: 42, order: n },
  })));
  await client.query('COMMIT');

  const show = (r) => `#${r.id} ${r.kind} queue=${r.queue} state=${r.state_str} args=${JSON.stringify(r.args)}`;
  console.log(show(email));
  console.log(invoice.inserted ? `${show(invoice.row)} (unique, inserted)` : `${show(invoice.existing)} (already queued)`);
  console.log(again.duplicate
    ? `second send_invoice: duplicate of #${again.existing?.id}, skipped; the transaction kept going`
    : 'second send_invoice: inserted?!');
  for (const r of orders) console.log(show(r));
} catch (e) {
  await client.query('ROLLBACK').catch(() => {});
  throw e;
} finally {
  await client.end();
}
