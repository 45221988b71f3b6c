// neon.mjs: @neondatabase/serverless Pool/Client (node-postgres's API over WebSocket).
// enqueue, enqueueMany and tryEnqueue(pool) take them as they are; inside a transaction on a
// Client, tryEnqueue needs getTransactionStatus (pg >= 8.21), which Neon's Client lacks.
import { tryEnqueueWith } from 'awa-enqueue';

// inside client.query('BEGIN') ... client.query('COMMIT') only
export const tryEnqueueNeon = (client, job) =>
  tryEnqueueWith(async (text, values) => (await client.query(text, values)).rows, job);
