// drizzle.mjs: db is drizzle({ client: pgPool }) (drizzle-orm/node-postgres), or the tx of db.transaction().
import { sql } from 'drizzle-orm';
import { prepare, insertSql, insertManySql, insertManyBinds, tryEnqueueWith } from 'awa-enqueue';

// The core's SQL with each $n as a drizzle param holding the core's text bind. (Not `${p.tags}`:
// drizzle expands a JS array into a list of params; the bind is already an array literal.)
export const awaSql = (text, values) =>
  sql.join(text.split(/\$(\d+)/).map((part, i) => (i % 2 ? sql.param(values[Number(part) - 1]) : sql.raw(part))));
const run = async (db, text, values) => (await db.execute(awaSql(text, values))).rows;

export const enqueueDrizzle = async (db, job) => (await run(db, insertSql(), prepare(job).binds))[0];
export const enqueueManyDrizzle = (db, jobs) => run(db, insertManySql(), insertManyBinds(jobs));
// inside db.transaction(async (tx) => ...) only; drizzle's DrizzleQueryError carries the pg error as cause
export const tryEnqueueDrizzle = (tx, job) => tryEnqueueWith((text, values) => run(tx, text, values), job);
