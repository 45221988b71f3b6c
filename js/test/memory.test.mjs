// Bounded memory over 1,000,000 calls: the core's linear memory and the JS heap stay flat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as awa from '../index.js';
import { testHooks } from '../core.js';
import v8 from 'node:v8';
import vm from 'node:vm';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const jobs = [
  { kind: 'mem_job', args: { payload: 'x'.repeat(2000), n: [1, 2, 3] }, tags: ['a', 'b'],
    unique: { byArgs: true }, orderingKey: 'k' },
  { kind: 'mem_job', args: {}, priority: 1e6 }, // invalid: priority out of range
];

function call(i) {
  if (i % 100 === 0) return awa.insertManyBinds(jobs.slice(0, 1));
  if (i % 50 === 0) {
    assert.throws(() => awa.prepareMany(jobs), { name: 'AwaEnqueueError' });
    return null;
  }
  if (i % 10 === 0) return awa.prepare(jobs[0]);
  return awa.kindFromTypeName('HTMLToPDF');
}

const heapMiB = () => {
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

// jco's glue makes a few promises per call (its component-model task bookkeeping, even for these
// synchronous exports); with a promise hook installed, as node:test does, they live until the
// event loop turns. So the calls run in slices of 10,000 with a turn of the loop between them, as
// in a server, and the heap is measured after a turn.
const turn = () => new Promise((resolve) => setImmediate(resolve));

test('1,000,000 calls (single jobs, batches, error paths): linear memory and heap do not grow', async () => {
  for (let i = 0; i < 20_000; i++) call(i); // warm-up: every path at its largest
  await turn();
  const pages = testHooks.memoryPages();
  const heap = heapMiB();
  const calls = 1_000_000;
  for (let i = 0; i < calls; i++) {
    call(i);
    if (i % 10_000 === 9_999) await turn();
  }
  await turn();
  const after = testHooks.memoryPages();
  const heapAfter = heapMiB();
  console.log(`# ${calls} calls: linear memory ${pages} -> ${after} pages, heap ${heap.toFixed(1)} -> ${heapAfter.toFixed(1)} MiB`);
  assert.ok(pages > 0, 'the hook sees the instance memory');
  assert.equal(after, pages, 'linear memory grew');
  assert.ok(heapAfter < heap + 16, `heap grew from ${heap} to ${heapAfter} MiB`);
});
