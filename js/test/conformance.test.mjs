// Every golden case in testdata/ through bin/conformance.mjs (the public API), compared with the
// expected results generated from awa-model 0.6.9 by scripts/conformance-compare.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const runner = join(root, 'js', 'bin', 'conformance.mjs');
const compare = join(root, 'scripts', 'conformance-compare.py');

const lines = (text) => text.split('\n').filter((l) => l.trim() !== '');

for (const [cases, expected] of [['vectors.jsonl', 'expected.jsonl'], ['bad-inputs.jsonl', 'bad-inputs.expected.jsonl']]) {
  test(`conformance runner matches testdata/${expected}`, () => {
    const casesPath = join(root, 'testdata', cases);
    const expectedPath = join(root, 'testdata', expected);
    assert.ok(existsSync(casesPath) && existsSync(expectedPath), `missing testdata/${cases} or testdata/${expected}`);
    const input = readFileSync(casesPath);
    const run = spawnSync(process.execPath, [runner], { input, maxBuffer: 256 * 1024 * 1024 });
    assert.equal(run.status, 0, run.stderr.toString());
    const actual = run.stdout.toString();
    assert.equal(lines(actual).length, lines(input.toString()).length, 'one result line per case');
    const dir = mkdtempSync(join(tmpdir(), 'awa-enqueue-conf-'));
    try {
      const actualPath = join(dir, 'actual.jsonl');
      writeFileSync(actualPath, actual);
      const cmp = spawnSync('python3', [compare, expectedPath, actualPath], { encoding: 'utf8' });
      assert.equal(cmp.status, 0, `${cmp.stdout}\n${cmp.stderr}`);
      console.log(`${cases}: ${lines(actual).length} cases match (${cmp.stdout.trim().split('\n').pop()})`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('runner survives bad lines and keeps going', () => {
  const input = ['not json', '[1]', '{"id":1,"op":"nope"}', '{"id":2,"op":"ordering","key_hex":"zz","shards":1}',
    '{"id":3,"op":"ordering","key_hex":"6b","shards":70000}', '{"id":4,"op":"prepare","job":{"kind":"k","priority":0}}',
    '{"id":5,"op":"kind_from_type_name","name":"HTMLToPDF"}',
    '{"id":6,"op":"prepare","job":{"kind":"\\ud800"}}'].join('\n'); // serde_json rejects the lone surrogate
  const run = spawnSync(process.execPath, [runner], { input, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const out = lines(run.stdout).map((l) => JSON.parse(l));
  assert.deepEqual(out.map((o) => o.error?.code ?? 'ok'),
    ['invalid_case', 'invalid_case', 'invalid_case', 'invalid_case', 'invalid_case', 'priority_out_of_range', 'ok', 'invalid_case']);
  assert.deepEqual(out.map((o) => o.error?.field ?? null), ['', '', 'op', 'key_hex', 'shards', 'priority', null, '']);
  assert.deepEqual(out[6], { id: 5, ok: { kind: 'html_to_pdf' } });
});
