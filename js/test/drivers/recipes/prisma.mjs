// prisma.mjs: prisma is new PrismaClient({ adapter: new PrismaPg({ connectionString }) }), or the tx of $transaction.
import { prepare, insertSql, insertManySql, insertManyBinds, tryEnqueueWith } from 'awa-enqueue';

const run = (db, text, values) => db.$queryRawUnsafe(text, ...values);

export const enqueuePrisma = async (db, job) => (await run(db, insertSql(), prepare(job).binds))[0];
export const enqueueManyPrisma = (db, jobs) => run(db, insertManySql(), insertManyBinds(jobs));
// inside prisma.$transaction(async (tx) => ...) only; isUniqueConflict reads Prisma's P2010 error
export const tryEnqueuePrisma = (tx, job) => tryEnqueueWith((text, values) => run(tx, text, values), job);
