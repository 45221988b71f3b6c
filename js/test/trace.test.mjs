// Trace context (opt-in) with the OpenTelemetry SDK: the active span's W3C traceparent lands in
// metadata as `awa:traceparent`; off by default; the caller's own value wins. Needs DATABASE_URL
// for the stored-row check.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import * as api from '@opentelemetry/api';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import pg from 'pg';
import { AwaEnqueueError, enqueue, prepare, useTraceContext } from '../index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const provider = new NodeTracerProvider();
provider.register(); // AsyncLocalStorage context manager, W3C trace-context propagator
const tracer = api.trace.getTracer('awa-enqueue-test');
after(async () => {
  useTraceContext(null);
  await provider.shutdown();
});

const inSpan = (fn) => tracer.startActiveSpan('enqueue', async (span) => {
  try {
    const { traceId, spanId } = span.spanContext();
    return await fn(`00-${traceId}-${spanId}-01`);
  } finally {
    span.end();
  }
});
const metadata = (job) => JSON.parse(prepare(job).metadataJson);

test('off by default: an active span writes nothing', async () => {
  await inSpan(async () => assert.deepEqual(metadata({ kind: 'k' }), {}));
});

test('opted in: the active span is written; outside a span nothing; the caller wins', async () => {
  assert.throws(() => useTraceContext({}), TypeError);
  useTraceContext(api);
  try {
    assert.deepEqual(metadata({ kind: 'k', metadata: { a: 1 } }), { a: 1 }, 'no active span');
    await inSpan(async (traceparent) => {
      assert.deepEqual(metadata({ kind: 'k', metadata: { a: 1 } }), { a: 1, 'awa:traceparent': traceparent });
      const own = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      assert.equal(metadata({ kind: 'k', traceparent: own })['awa:traceparent'], own);
      assert.equal(metadata({ kind: 'k', metadata: { 'awa:traceparent': 'mine' } })['awa:traceparent'], 'mine');
      assert.throws(() => prepare({ kind: 'k', traceparent: '00-xyz' }), (e) =>
        e instanceof AwaEnqueueError && e.code === 'invalid_traceparent' && e.field === 'traceparent');
      // across an await the context is still the span's
      await new Promise((r) => setTimeout(r, 5));
      assert.equal(metadata({ kind: 'k' })['awa:traceparent'], traceparent);
    });
  } finally {
    useTraceContext(null);
  }
  await inSpan(async () => assert.deepEqual(metadata({ kind: 'k' }), {}, 'turned off again'));
});

test('the stored job carries the producer span (queue storage)', async () => {
  assert.ok(process.env.DATABASE_URL, 'DATABASE_URL must be set (run through scripts/with-db.sh)');
  const url = execFileSync(join(root, 'scripts', 'new-awa-db.sh'), ['node_trace', 'queue_storage'], { encoding: 'utf8' })
    .trim().split('\n').pop();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  useTraceContext(api);
  try {
    const [row, traceparent] = await inSpan(async (tp) => [await enqueue(client, { kind: 'traced', args: { n: 1 } }), tp]);
    const { rows } = await client.query('SELECT metadata FROM awa.jobs WHERE id = $1', [row.id]);
    assert.deepEqual(rows[0].metadata, { 'awa:traceparent': traceparent });
  } finally {
    useTraceContext(null);
    await client.end();
  }
});
