import pg from 'pg';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { insertSql, insertManySql, tryInsertSql, existingJobSql, prepare } from 'awa-enqueue';
import { suite } from './common.mjs';
import { awaSql, enqueueDrizzle, enqueueManyDrizzle, tryEnqueueDrizzle } from './recipes/drizzle.mjs';

suite('drizzle', {
  open(url) {
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    return { db: drizzle({ client: pool }), close: () => pool.end() };
  },
  enqueue: enqueueDrizzle,
  enqueueMany: enqueueManyDrizzle,
  transaction: (db, fn) => db.transaction(fn),
  tryEnqueue: tryEnqueueDrizzle,
  pid: async (tx) => (await tx.execute(sql`SELECT pg_backend_pid() AS pid`)).rows[0].pid,
});

test('drizzle: awaSql keeps the core text and binds; the core SQL has $ only in placeholders', () => {
  const { dialect } = drizzle({ client: new pg.Pool() });
  for (const text of [insertSql(), tryInsertSql(), existingJobSql(), insertManySql()]) {
    assert.equal(text.match(/\$/g).length, text.match(/\$\d+/g).length);
  }
  const p = prepare({ kind: 'k', tags: ['a,b', '{', '"', 'NULL'], unique: true });
  const q = dialect.sqlToQuery(awaSql(insertSql(), p.binds));
  assert.equal(q.sql, insertSql());
  assert.deepEqual(q.params, p.binds);
  // the spelling of the issue: an array in drizzle's template is a list of params, not one text[]
  const wrong = dialect.sqlToQuery(sql`SELECT ${p.tags}::text[]`);
  assert.deepEqual([wrong.sql, wrong.params.length], ['SELECT ($1, $2, $3, $4)::text[]', 4]);
});
