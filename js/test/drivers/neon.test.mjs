// @neondatabase/serverless's Pool over WebSocket, through wsproxy.mjs to the local PostgreSQL.
import ws from 'ws';
import { neonConfig, Pool } from '@neondatabase/serverless';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { checkSchema, enqueue, enqueueMany, tryEnqueue } from 'awa-enqueue';
import { suite, MODES } from './common.mjs';
import { tryEnqueueNeon } from './recipes/neon.mjs';
import { startWsProxy } from './wsproxy.mjs';

let proxy;
before(async () => {
  proxy = await startWsProxy();
  neonConfig.webSocketConstructor = ws;
  neonConfig.wsProxy = (host, port) => `127.0.0.1:${proxy.port}/v1?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineTLS = false;
  neonConfig.pipelineConnect = false;
});
after(() => proxy.close());

suite('neon', {
  open(url) {
    const pool = new Pool({ connectionString: url, max: 4 });
    pool.on('error', () => {});
    return { db: pool, close: () => pool.end() };
  },
  enqueue,
  enqueueMany,
  async transaction(pool, fn) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (e) {
      await client.query('ROLLBACK');
      throw e;
    } finally {
      client.release();
    }
  },
  tryEnqueue: tryEnqueueNeon,
  pid: async (client) => (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid,
});

test('neon: checkSchema and tryEnqueue take the Pool; on a Client tryEnqueue asks for getTransactionStatus', async () => {
  const relayed = proxy.connections();
  const pool = new Pool({ connectionString: MODES.canonical, max: 1 });
  try {
    assert.deepEqual(await checkSchema(pool), { schemaVersion: 40, tested: true });
    const job = { kind: 'neon_pool_try', unique: true };
    assert.equal((await tryEnqueue(pool, job)).inserted, true);
    assert.equal((await tryEnqueue(pool, job)).duplicate, true);
    const client = await pool.connect();
    try {
      assert.equal(typeof client.getTransactionStatus, 'undefined');
      await assert.rejects(tryEnqueue(client, job), TypeError);
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
  }
  assert.equal(proxy.connections(), relayed + 1, 'the connection went through the WebSocket relay');
});
