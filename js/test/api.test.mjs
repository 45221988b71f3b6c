// Public API: golden values of awa-model 0.6.9 (shared/awa-contract.md §12), marshalling and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as awa from '../index.js';

const hex = (b) => (b == null ? null : Buffer.from(b).toString('hex'));

// §12.1, args as exact JSON text (the float vector must keep its spelling).
const UNIQUE_KEYS = [
  [{ kind: 'send_email' }, 'bee8bfbcd9d48e51f79059a523039018'],
  [{ kind: 'send_email', queue: 'default' }, '5f8918febb66adef42a3b4da3a9465c8'],
  [{ kind: 'send_email', argsJson: '{}' }, '1d6de1bf7576ff6c6aeffbf5d6285619'],
  [{ kind: 'k', argsJson: '{}' }, 'd9ab253fc7fdc32c6955ee47bd2a1d20'],
  [{ kind: 'send_email', argsJson: '{"to":"a@b.com"}' }, 'ef8febabb370bd83c515cf9f8e9c3600'],
  [{ kind: 'send_email', argsJson: '{"to":"a@b.com","subject":"Hi"}' }, '917d72099c79c6dd28577111373d14be'],
  [{ kind: 'send_email', queue: 'email', argsJson: '{"to":"a@b.com"}' }, '9e737e7b46f5ca974fae819cc045899e'],
  [{ kind: 'send_email', queue: 'email', argsJson: '{"to":"a@b.com"}', periodBucket: 0 }, '321c7f6aa7ec7aa381db3f2da5d2d5f7'],
  [{ kind: 'send_email', queue: 'email', argsJson: '{"to":"a@b.com"}', periodBucket: 493827n }, 'fd16d04ded7e690c3e1d9c711f05096b'],
  [{ kind: 'send_email', periodBucket: -1 }, '6e15c706e4637d5042bfd4c63b57223d'],
  [{ kind: 'process_payment', argsJson: '{"order_id":12345,"amount_cents":9999,"currency":"NZD"}' }, 'beae98c43dfac8abea1092bdbf62d236'],
  [{ kind: 'k', argsJson: '{"f":1.0,"g":0.1,"h":1e21,"i":1.5e-7,"j":-0.0,"n":null,"t":true}' }, 'f37af1efd5205acf2ffd52daff52439e'],
  [{ kind: 'k', args: { s: 'é日本🎉/\\"\n\t\u0001\u001f\u007f\u2028' } }, '94926b51c092bf1b62fda3ee87b7114c'],
  [{ kind: 'k', args: { z: { b: [3, 2, 1], a: { y: 1, x: 2 } }, a: [] } }, '311de9acb5b956cb76208ef188e67373'],
  [{ kind: 'k', args: { a: 3, B: 4, '😀': 2, '\ue000': 1 } }, 'af0eb07a4a925e95eadadb90fb398ac2'],
  [{ kind: 'k', args: [1, 2, 3] }, '109eae97bb20d418502e955cbf764bc6'],
  [{ kind: 'k', args: 'string-args' }, 'd913c811ed8985ecf0266cf6a8e8eb36'],
];

test('uniqueKey matches awa-model golden keys', () => {
  for (const [parts, want] of UNIQUE_KEYS) {
    const key = awa.uniqueKey(parts);
    assert.ok(key instanceof Uint8Array);
    assert.equal(hex(key), want, `${parts.kind} ${parts.argsJson ?? ""} ${parts.periodBucket ?? ""}`);
  }
});

test('JS numbers: JSON.stringify spelling changes the key, argsJson does not', () => {
  const floats = '{"f":1.0,"g":0.1,"h":1e21,"i":1.5e-7,"j":-0.0,"n":null,"t":true}';
  const asJs = awa.uniqueKey({ kind: 'k', args: { f: 1.0, g: 0.1, h: 1e21, i: 1.5e-7, j: -0.0, n: null, t: true } });
  assert.equal(hex(asJs), 'c2d35c8d4950242881d5419191b1b7bf'); // the §12.2 "JSON.stringify numbers" negative vector
  assert.equal(hex(awa.uniqueKey({ kind: 'k', argsJson: floats })), 'f37af1efd5205acf2ffd52daff52439e');
  assert.equal(awa.canonicalJson(floats), floats.replace('1e21', '1e+21'));
  // integers above 2^53 are already rounded by JS before the core sees them
  assert.equal(awa.prepareInsert({ kind: 'k', args: { id: 2 ** 53 + 1 } }).argsJson, '{"id":9007199254740992}');
  assert.equal(awa.prepareInsert({ kind: 'k', argsJson: '{"id":9007199254740993}' }).argsJson, '{"id":9007199254740993}');
});

test('unique states, ordering hash, shards, partitions and kinds match awa-model', () => {
  for (const [mask, bits] of [[31, '11111000'], [1, '10000000'], [2, '01000000'], [129, '10000001'], [23, '11101000'], [255, '11111111'], [0, '00000000']]) {
    assert.equal(awa.uniqueStatesBits(mask), bits);
  }
  assert.equal(awa.uniqueStatesBits(['scheduled', 'available', 'running', 'completed', 'retryable']), '11111000');
  assert.equal(awa.uniqueStatesMask(['waiting_external', 'scheduled']), 129);
  const rows = [
    ['', 14695981039346656037n, [0, 1, 5, 5, 37], 12892176949946654770n, [2, 2]],
    ['customer-42', 695220319317454988n, [0, 0, 4, 12, 12], 2415934538594125323n, [3, 3]],
    ['order-7', 12460906398626632831n, [0, 1, 7, 15, 63], 5246969042653738012n, [0, 4]],
    ['a', 12638153115695167552n, [0, 0, 0, 0, 0], 6661374579423403285n, [1, 5]],
    ['é', 590898472587934703n, [0, 1, 7, 15, 47], 6523290042019171884n, [0, 4]],
    ['🎉', 7936941801227213967n, [0, 1, 7, 15, 15], 8190356568401829567n, [3, 7]],
    [new Uint8Array([0, 255, 16]), 15658471751003726100n, [0, 0, 4, 4, 20], 7730770332826833333n, [1, 5]],
  ];
  for (const [key, h, shards, ph, parts] of rows) {
    assert.equal(awa.orderingKeyHash64(key), h);
    assert.deepEqual([1, 2, 8, 16, 64].map((n) => awa.shardForOrderingKey(key, n)), shards);
    assert.equal(awa.partitionHash64(key), ph);
    assert.deepEqual([4, 8].map((n) => awa.partitionFor('q', n, key).index), parts);
  }
  assert.deepEqual(awa.partitionFor('orders', 4, 'customer-42'), { index: 3, queue: 'orders__p3' });
  assert.deepEqual(awa.partitionFor('orders', 4, 'order-7'), { index: 0, queue: 'orders' });
  const kinds = [['SendEmail', 'send_email'], ['SMTPEmail', 'smtp_email'], ['OAuthRefresh', 'o_auth_refresh'],
    ['HTMLToPDF', 'html_to_pdf'], ['Job2FA', 'job2_fa'], ['getHTTPResponseCode', 'get_http_response_code'],
    ['ÉcoleJob', 'école_job'], ['Send_Email', 'send_email'], ['XMLHttpRequest', 'xml_http_request']];
  for (const [name, kind] of kinds) assert.equal(awa.kindFromTypeName(name), kind);
});

test('prepareInsert defaults and derived values', () => {
  const p = awa.prepareInsert({ kind: 'k', args: { b: 1, a: 2 } });
  assert.deepEqual(p, {
    kind: 'k', queue: 'default', argsJson: '{"a":2,"b":1}', state: 'available', priority: 2, maxAttempts: 25,
    runAt: null, metadataJson: '{}', tags: [], uniqueKey: null, uniqueStates: null, orderingKey: null,
  });
  const s = awa.prepareInsert({ kind: 'k', runAt: new Date('2000-01-01T00:00:00Z'), unique: true, orderingKey: 'key' });
  assert.equal(s.state, 'scheduled');
  assert.equal(s.runAt, '2000-01-01T00:00:00Z');
  assert.equal(s.uniqueStates, '11111000');
  assert.equal(hex(s.uniqueKey), hex(awa.uniqueKey({ kind: 'k', argsJson: '{}' })));
  assert.equal(hex(s.orderingKey), '6b6579');
  assert.equal(awa.prepareInsert({ kind: 'k', runAt: '2026-11-28T01:02:03.123456789+13:00' }).runAt, '2026-11-27T12:02:03.123456Z');
  const q = awa.prepareInsert({ kind: 'k', queue: 'q', unique: { byQueue: true, byArgs: false, byPeriod: 5n, states: 2 } });
  assert.equal(q.uniqueStates, '01000000');
  assert.equal(hex(q.uniqueKey), hex(awa.uniqueKey({ kind: 'k', queue: 'q', periodBucket: 5 })));
  assert.equal(awa.periodBucket(new Date(1_000_000_000_999), 3600), 277777n);
  assert.equal(awa.periodBucket(-1, 60), -1n);
  assert.equal(awa.CONTRACT_VERSION, '0.6.9');
  assert.equal(awa.contractInfo().abiVersion, awa.ABI_VERSION);
});

test('buildInsert / buildInsertMany give node-postgres query configs', () => {
  const one = awa.buildInsert({ kind: 'k', tags: ['a'], unique: true, orderingKey: 'x' });
  assert.match(one.text, /awa\.insert_job_compat\(\$1::text, .*\$12::bytea\)/);
  assert.equal(one.values.length, 12);
  assert.deepEqual(one.values.slice(0, 9), ['k', 'default', '{}', 'available', 2, 25, null, '{}', ['a']]);
  assert.ok(Buffer.isBuffer(one.values[9]) && one.values[9].length === 16);
  assert.equal(one.values[10], '11111000');
  assert.equal(one.values[11].toString(), 'x');
  const many = awa.buildInsertMany([{ kind: 'a' }, { kind: 'b', priority: 1 }, { kind: 'c' }]);
  assert.equal(many.values.length, 36);
  assert.equal(many.values[12], 'b');
  assert.equal(many.values[16], 1);
  assert.match(many.text, /\$36::bytea/);
  assert.equal(many.text, awa.insertManySql(3));
});

function throwsAwa(fn, code, field) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof awa.AwaEnqueueError, `expected AwaEnqueueError, got ${e}`);
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'AwaEnqueueError');
    assert.equal(e.code, code, e.message);
    assert.equal(e.field, field, e.message);
    assert.ok(e.message.length > 0);
    return true;
  });
}

test('errors carry the core code and field', () => {
  throwsAwa(() => awa.prepareInsert({ kind: 'k', priority: 5 }), 'priority_out_of_range', 'priority');
  throwsAwa(() => awa.prepareInsert({ kind: 'k', maxAttempts: 0 }), 'max_attempts_out_of_range', 'max_attempts');
  throwsAwa(() => awa.prepareInsert({ kind: 'k', argsJson: '{"a":' }), 'invalid_json', 'args');
  throwsAwa(() => awa.prepareInsert({ kind: 'k', metadataJson: '[1,' }), 'invalid_json', 'metadata');
  throwsAwa(() => awa.prepareInsert({ kind: 'k', args: { s: 'a\u0000b' } }), 'null_byte', 'args');
  throwsAwa(() => awa.prepareInsert({ kind: 'k', queue: 'q'.repeat(60) }), 'queue_channel_too_long', 'queue');
  throwsAwa(() => awa.prepareInsert({ kind: 'k'.repeat(201) }), 'kind_too_long', 'kind');
  throwsAwa(() => awa.prepareInsert({ kind: 'k', tags: Array(21).fill('t') }), 'too_many_tags', 'tags');
  throwsAwa(() => awa.prepareInsert({ kind: 'k', runAt: 'tomorrow' }), 'invalid_run_at', 'run_at');
  throwsAwa(() => awa.prepareInsert({ kind: 'k', runAt: new Date(NaN) }), 'invalid_run_at', 'run_at');
  throwsAwa(() => awa.prepareInsert({ kind: 'k', unique: { states: ['done'] } }), 'unknown_state', 'unique.states');
  throwsAwa(() => awa.prepareInsertMany([{ kind: 'a' }, { kind: 'b', priority: 9 }]), 'priority_out_of_range', 'jobs[1].priority');
  throwsAwa(() => awa.buildInsertMany([]), 'empty_batch', 'jobs');
  throwsAwa(() => awa.canonicalJson('{'), 'invalid_json', 'json');
  throwsAwa(() => awa.periodBucket(0, 0), 'invalid_period', 'period_seconds');
  throwsAwa(() => awa.partitionFor('', 4, 'k'), 'empty_queue_name', 'queue');
  throwsAwa(() => awa.partitionFor('q', 0, 'k'), 'invalid_partitions', 'partitions');
  throwsAwa(() => awa.checkSchemaRow(null, null), 'schema_missing', 'schema_version');
  throwsAwa(() => awa.checkSchemaRow(39, null), 'schema_too_old', 'schema_version');
  throwsAwa(() => awa.checkSchemaRow(40, null), 'function_missing', 'insert_job_compat');
  throwsAwa(() => awa.checkSchemaRow(40, 'p_kind text'), 'function_signature_mismatch', 'insert_job_compat');
  // JS values that cannot be represented in the WIT types are refused before the core
  throwsAwa(() => awa.prepareInsert({ kind: 'k', priority: 2 ** 40 }), 'invalid_argument', 'priority');
  throwsAwa(() => awa.prepareInsert({ kind: 'k', priority: 1.5 }), 'invalid_argument', 'priority');
  throwsAwa(() => awa.prepareInsert({ kind: 42 }), 'invalid_argument', 'kind');
  throwsAwa(() => awa.prepareInsert({ kind: 'k', args: {}, argsJson: '{}' }), 'invalid_argument', 'args');
  throwsAwa(() => awa.prepareInsert({ kind: 'k', args: { n: 1n } }), 'invalid_argument', 'args');
  throwsAwa(() => awa.prepareInsert({ kind: 'k', unique: { byPeriod: 2n ** 63n } }), 'invalid_argument', 'unique.by_period');
  throwsAwa(() => awa.prepareInsert({ kind: 'k', unique: { states: 256 } }), 'invalid_argument', 'unique.states');
  throwsAwa(() => awa.prepareInsert({ kind: 'k', orderingKey: 7 }), 'invalid_argument', 'ordering_key');
  throwsAwa(() => awa.prepareInsertMany([{ kind: 'a' }, { kind: 'b', tags: 'x' }]), 'invalid_argument', 'jobs[1].tags');
  throwsAwa(() => awa.shardForOrderingKey('k', 40000), 'invalid_argument', 'shards');
});

test('a lone UTF-16 surrogate is refused (invalid_argument), never replaced', () => {
  const lone = 'a\ud800b';
  throwsAwa(() => awa.prepareInsert({ kind: lone }), 'invalid_argument', 'kind');
  throwsAwa(() => awa.prepareInsert({ kind: '\udc00' }), 'invalid_argument', 'kind');
  throwsAwa(() => awa.prepareInsert({ kind: 'k', argsJson: `{"s":"${lone}"}` }), 'invalid_argument', 'args');
  throwsAwa(() => awa.prepareInsert({ kind: 'k', metadataJson: `"${lone}"` }), 'invalid_argument', 'metadata');
  throwsAwa(() => awa.prepareInsert({ kind: 'k', queue: lone }), 'invalid_argument', 'queue');
  throwsAwa(() => awa.prepareInsert({ kind: 'k', runAt: lone }), 'invalid_argument', 'run_at');
  throwsAwa(() => awa.prepareInsert({ kind: 'k', tags: ['ok', lone] }), 'invalid_argument', 'tags[1]');
  throwsAwa(() => awa.prepareInsert({ kind: 'k', orderingKey: lone }), 'invalid_argument', 'ordering_key');
  throwsAwa(() => awa.prepareInsert({ kind: 'k', unique: { states: [lone] } }), 'invalid_argument', 'unique.states[0]');
  throwsAwa(() => awa.prepareInsertMany([{ kind: 'a' }, { kind: 'k', argsJson: `"${lone}"` }]), 'invalid_argument', 'jobs[1].args');
  throwsAwa(() => awa.uniqueKey({ kind: 'k', argsJson: `"${lone}"` }), 'invalid_argument', 'args');
  throwsAwa(() => awa.canonicalJson(`"${lone}"`), 'invalid_argument', 'json');
  throwsAwa(() => awa.uniqueStatesMask([lone]), 'invalid_argument', 'unique.states[0]');
  throwsAwa(() => awa.partitionFor(lone, 4, 'k'), 'invalid_argument', 'queue');
  throwsAwa(() => awa.partitionFor('q', 4, lone), 'invalid_argument', 'key');
  throwsAwa(() => awa.kindFromTypeName(lone), 'invalid_argument', 'name');
  throwsAwa(() => awa.orderingKeyHash64(lone), 'invalid_argument', 'key');
  // a JSON escape of a lone surrogate is JSON text the core refuses itself; a pair is fine
  throwsAwa(() => awa.prepareInsert({ kind: 'k', argsJson: '"\\ud800"' }), 'invalid_json', 'args');
  throwsAwa(() => awa.prepareInsert({ kind: 'k', args: { s: lone } }), 'invalid_json', 'args'); // JSON.stringify escapes it
  assert.equal(awa.prepareInsert({ kind: 'k\ud83c\udf89', argsJson: '"\ud83c\udf89"' }).argsJson, '"🎉"');
});

test('the module keeps working over many calls (no trap, stable results)', () => {
  const job = { kind: 'k', args: { i: 0, s: 'x'.repeat(200) }, unique: true, orderingKey: 'o' };
  const first = hex(awa.prepareInsert(job).uniqueKey);
  for (let i = 0; i < 20000; i++) {
    job.args.i = i % 7;
    awa.prepareInsert(job);
    if (i % 1000 === 0) assert.throws(() => awa.prepareInsert({ kind: 'k', priority: 0 }));
  }
  job.args.i = 0;
  assert.equal(hex(awa.prepareInsert(job).uniqueKey), first);
});
