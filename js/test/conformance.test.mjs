// The conformance runner (bin/conformance.mjs, the public API) over every case file in testdata/,
// compared with the expected results (generated from awa-model 0.6.9) by compare-results; and its
// case parser against the Rust runner's on lines that stress JSON reading.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const runner = join(root, 'js', 'bin', 'conformance.mjs');
const release = join(process.env.CARGO_TARGET_DIR ?? join(root, 'target'), 'release');
const compareResults = join(release, 'compare-results');
const rustRunner = join(release, 'conformance');

const lines = (text) => text.split('\n').filter((l) => l.trim() !== '');

function requireBins() {
  for (const bin of [compareResults, rustRunner]) {
    assert.ok(existsSync(bin), `${bin} is missing: cargo build --release -p host-tests --bin conformance --bin compare-results`);
  }
}

/** compare-results EXPECTED ACTUAL over text; returns its summary line. */
function compare(expectedText, actualText) {
  const dir = mkdtempSync(join(tmpdir(), 'awa-enqueue-conf-'));
  try {
    writeFileSync(join(dir, 'expected.jsonl'), expectedText);
    writeFileSync(join(dir, 'actual.jsonl'), actualText);
    const cmp = spawnSync(compareResults, [join(dir, 'expected.jsonl'), join(dir, 'actual.jsonl')], { encoding: 'utf8' });
    assert.equal(cmp.status, 0, `${cmp.stdout}\n${cmp.stderr}`);
    return cmp.stdout.trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const runNode = (input) => spawnSync(process.execPath, [runner], { input, maxBuffer: 256 << 20 });

// vectors.jsonl -> expected.jsonl, and every X.jsonl that has an X.expected.jsonl (bad-inputs*.jsonl)
const pairs = [['vectors.jsonl', 'expected.jsonl']];
for (const f of readdirSync(join(root, 'testdata')).sort()) {
  const expected = f.replace(/\.jsonl$/, '.expected.jsonl');
  if (f.endsWith('.jsonl') && !f.endsWith('.expected.jsonl') && existsSync(join(root, 'testdata', expected))) pairs.push([f, expected]);
}
for (const [cases, expected] of pairs) {
  test(`conformance runner matches testdata/${expected}`, (t) => {
    requireBins();
    const input = readFileSync(join(root, 'testdata', cases));
    const run = runNode(input);
    assert.equal(run.status, 0, run.stderr.toString());
    assert.equal(lines(run.stdout.toString()).length, lines(input.toString()).length, 'one result line per case');
    t.diagnostic(compare(readFileSync(join(root, 'testdata', expected)), run.stdout));
  });
}

test('runner survives bad lines and keeps going; errors carry the contract field', () => {
  const input = ['not json', '[1]', '{"id":1,"op":"nope"}', '{"id":2,"op":"ordering","key_hex":"zz","shards":1}',
    '{"id":3,"op":"ordering","key_hex":"6b","shards":70000}', '{"id":4,"op":"prepare","job":{"kind":"k","priority":0}}',
    '{"id":5,"op":"kind_from_type_name","name":"HTMLToPDF"}',
    '{"id":6,"op":"prepare","job":{"kind":"\\ud800"}}', // an escaped lone surrogate: not JSON for serde_json
    '{"id":7,"op":"prepare_many","jobs":[{"kind":"a"},{"kind":"b","max_attempts":0}]}',
    '{"id":8,"op":"prepare","job":{"kind":"k","unique":{"by_period":"x"}}}'].join('\n');
  const run = spawnSync(process.execPath, [runner], { input, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const out = lines(run.stdout).map((l) => JSON.parse(l));
  assert.deepEqual(out.map((o) => o.error?.code ?? 'ok'), ['invalid_case', 'invalid_case', 'invalid_case', 'invalid_case',
    'invalid_case', 'priority_out_of_range', 'ok', 'invalid_case', 'max_attempts_out_of_range', 'invalid_case']);
  assert.deepEqual(out.map((o) => o.error?.field ?? null),
    ['', '', 'op', 'key_hex', 'shards', 'priority', null, '', 'jobs[1].max_attempts', 'unique.by_period']);
  assert.deepEqual(out[6], { id: 5, ok: { kind: 'html_to_pdf' } });
});

// Lines whose reading differs between JSON.parse and serde_json unless the runner is careful.
function trickyLines() {
  const out = [];
  const nest = (d) => `${'['.repeat(d - 1)}${']'.repeat(d - 1)}`;
  for (const d of [126, 127, 128]) out.push(`{"id":"d${d}","op":"kind_from_type_name","name":"A","x":${nest(d)}}`);
  const numbers = ['-0', '1.0', '1e2', '2E0', '0', '01', '-', '1.', '.5', '1e400', '-1e400', '1e-400', '9223372036854775807',
    '9223372036854775808', '-9223372036854775808', '-9223372036854775809', '18446744073709551615', '18446744073709551616'];
  for (const n of numbers) {
    out.push(`{"id":"n${n}","op":"ordering","key_hex":"00","shards":${n}}`);
    out.push(`{"id":"p${n}","op":"prepare","job":{"kind":"k","priority":${n}}}`);
    out.push(`{"id":${n},"op":"kind_from_type_name","name":"A"}`);
  }
  out.push(
    '{"id":1,"op":"kind_from_type_name","name":"A",}', '{"id":1,"op":"kind_from_type_name","name":"A"} x',
    '  {"id":1,"op":"kind_from_type_name","name":"A"}  ', '\ufeff{"id":1,"op":"kind_from_type_name","name":"A"}',
    '\ufeff', '\u00a0\u2028 \u0085', '{"id":2,"id":3,"op":"kind_from_type_name","name":"A"}',
    '{"id":"\\ud83d\\ude00","op":"kind_from_type_name","name":"\\ud83d\\ude00X"}',
    '{"id":"s1","op":"kind_from_type_name","name":"\\ude00"}', '{"id":"s2","op":"kind_from_type_name","name":"\\ud83d\\u0041"}',
    '{"id":"s3","op":"kind_from_type_name","name":"\\x41"}', '{"id":"s4","op":"kind_from_type_name","name":"a\tb"}',
    '{"id":"s5","op":"prepare","job":{"kind":"\u2028\u2029\u0085\ufeff\ufffe\uffff"}}',
    '{"id":"u1","op":"unique_states","mask":null}', '{"id":"u2","op":"unique_states","states":null}',
    '{"id":"u3","op":"unique_states","mask":1,"states":[]}', '{"id":"u4","op":"unique_states","states":["running",1]}',
    '{"id":"j1","op":"prepare","job":{"kind":1,"unique":{"states":["running"],"by_period":"x","by_queue":1}}}',
    '{"id":"j2","op":"prepare","job":{"kind":"k","unique":{"states":300,"by_queue":1}}}',
    '{"id":"j3","op":"prepare","job":{"kind":1,"tags":"x","queue":2}}',
    '{"id":"j4","op":"prepare","job":{"kind":"k","ordering_key_hex":"é1"}}',
    '{"id":"j5","op":"prepare","job":{"kind":"k","unique":{"by_period":"+5"}}}',
    '{"id":"j6","op":"prepare","job":{"kind":"k","unique":{"by_period":"٣"}}}',
    '{"id":"m1","op":"prepare_many","jobs":[{"kind":"a"},3]}', '{"id":"m2","op":"prepare_many","jobs":{}}',
    '{"op":"kind_from_type_name","name":"A"}', '{"id":null,"op":null}', '"x"',
    '{"__proto__":1,"id":{"__proto__":2},"op":"kind_from_type_name","name":"A"}',
    '{"id":"cr","op":"kind_from_type_name",\r"name":"A"}\r', '{"id":"vt","op":"kind_from_type_name",\u000b"name":"A"}',
  );
  return out.join('\n') + '\n';
}

test('the runner reads case lines exactly as the Rust runner (serde_json) does', (t) => {
  requireBins();
  const input = trickyLines();
  const rust = spawnSync(rustRunner, { input, maxBuffer: 64 << 20 });
  assert.equal(rust.status, 0, rust.stderr.toString());
  const node = runNode(input);
  assert.equal(node.status, 0, node.stderr.toString());
  t.diagnostic(compare(rust.stdout, node.stdout));
});
