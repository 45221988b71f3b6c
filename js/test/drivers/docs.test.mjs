// Every recipe file appears verbatim in docs/node.md's "Other clients" section.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';

const doc = readFileSync(new URL('../../../docs/node.md', import.meta.url), 'utf8');
const start = doc.indexOf('\n### Other clients: Kysely, Drizzle, Prisma, Neon\n');
const section = doc.slice(start, doc.indexOf('\n### Errors\n'));

test('docs/node.md shows each recipe as tested, between the transactions and errors subsections', () => {
  assert.ok(start > doc.indexOf('\n### Transactions, duplicates and NOTIFY\n') && start > 0);
  const dir = new URL('./recipes/', import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith('.mjs'));
  assert.equal(files.length, 4);
  for (const f of files) {
    assert.ok(section.includes('```js\n' + readFileSync(new URL(f, dir), 'utf8') + '```\n'), `${f} is in the section as is`);
  }
});
