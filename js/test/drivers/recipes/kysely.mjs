// kysely.mjs: db is a Kysely<any> with PostgresDialect (pg), or the trx of db.transaction().
import { CompiledQuery } from 'kysely';
import { prepare, insertSql, insertManySql, insertManyBinds, tryEnqueueWith } from 'awa-enqueue';

const run = async (db, text, values) => (await db.executeQuery(CompiledQuery.raw(text, values))).rows;

export const enqueueKysely = async (db, job) => (await run(db, insertSql(), prepare(job).binds))[0];
export const enqueueManyKysely = (db, jobs) => run(db, insertManySql(), insertManyBinds(jobs));
// inside db.transaction().execute(async (trx) => ...) only
export const tryEnqueueKysely = (trx, job) => tryEnqueueWith((text, values) => run(trx, text, values), job);
