import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { suite } from './common.mjs';
import { enqueueKysely, enqueueManyKysely, tryEnqueueKysely } from './recipes/kysely.mjs';

suite('kysely', {
  open(url) {
    const db = new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 4 }) }) });
    return { db, close: () => db.destroy() };
  },
  enqueue: enqueueKysely,
  enqueueMany: enqueueManyKysely,
  transaction: (db, fn) => db.transaction().execute(fn),
  tryEnqueue: tryEnqueueKysely,
  pid: async (trx) => (await sql`SELECT pg_backend_pid() AS pid`.execute(trx)).rows[0].pid,
});
