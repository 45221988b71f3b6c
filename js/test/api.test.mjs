// Public API: golden values of awa-model 0.6.9 (the same values as testdata/expected.jsonl; see
// docs/derivation.md), marshalling, errors, string classes, trap recovery.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as awa from '../index.js';
import { testHooks } from '../core.js';
import { preparedJson } from '../bin/conformance.mjs';

const hex = (b) => (b == null ? null : Buffer.from(b).toString('hex'));

// Args as exact JSON text (the float vector must keep its spelling).
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
  assert.equal(hex(asJs), 'c2d35c8d4950242881d5419191b1b7bf'); // the "JSON.stringify numbers" negative vector
  assert.equal(hex(awa.uniqueKey({ kind: 'k', argsJson: floats })), 'f37af1efd5205acf2ffd52daff52439e');
  assert.equal(awa.canonicalJson(floats), floats.replace('1e21', '1e+21'));
  // integers above 2^53 are already rounded by JS before the core sees them
  assert.equal(awa.prepare({ kind: 'k', args: { id: 2 ** 53 + 1 } }).argsJson, '{"id":9007199254740992}');
  assert.equal(awa.prepare({ kind: 'k', argsJson: '{"id":9007199254740993}' }).argsJson, '{"id":9007199254740993}');
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
    assert.deepEqual([4, 8].map((n) => awa.partitionForKey('q', n, key).index), parts);
  }
  assert.deepEqual(awa.partitionForKey('orders', 4, 'customer-42'), { index: 3, queue: 'orders__p3' });
  assert.deepEqual(awa.partitionForKey('orders', 4, 'order-7'), { index: 0, queue: 'orders' });
  const kinds = [['SendEmail', 'send_email'], ['SMTPEmail', 'smtp_email'], ['OAuthRefresh', 'o_auth_refresh'],
    ['HTMLToPDF', 'html_to_pdf'], ['Job2FA', 'job2_fa'], ['getHTTPResponseCode', 'get_http_response_code'],
    ['ÉcoleJob', 'école_job'], ['Send_Email', 'send_email'], ['XMLHttpRequest', 'xml_http_request']];
  for (const [name, kind] of kinds) assert.equal(awa.kindFromTypeName(name), kind);
});

test('prepare: Awa defaults and derived values from the core, binds as text', () => {
  const p = awa.prepare({ kind: 'k', args: { b: 1, a: 2 } });
  assert.deepEqual(p, {
    kind: 'k', queue: 'default', argsJson: '{"a":2,"b":1}', state: 'available', priority: 2, maxAttempts: 25,
    runAt: null, metadataJson: '{}', tags: [], uniqueKey: null, uniqueStates: null, orderingKey: null,
    binds: ['k', 'default', '{"a":2,"b":1}', 'available', '2', '25', null, '{}', '{}', null, null, null],
  });
  const s = awa.prepare({ kind: 'k', runAt: new Date('2000-01-01T00:00:00Z'), unique: true, orderingKey: 'key' });
  assert.equal(s.state, 'scheduled');
  assert.equal(s.runAt, '2000-01-01T00:00:00Z');
  assert.equal(s.uniqueStates, '11111000');
  assert.equal(hex(s.uniqueKey), hex(awa.uniqueKey({ kind: 'k', argsJson: '{}' })));
  assert.equal(hex(s.orderingKey), '6b6579');
  assert.deepEqual(s.binds.slice(9), [`\\x${hex(s.uniqueKey)}`, '11111000', '\\x6b6579']);
  const q = awa.prepare({ kind: 'k', queue: 'q', unique: { byQueue: true, byArgs: false, byPeriod: 5n, states: 2 } });
  assert.equal(q.uniqueStates, '01000000');
  assert.equal(hex(q.uniqueKey), hex(awa.uniqueKey({ kind: 'k', queue: 'q', periodBucket: 5 })));
  assert.equal(awa.periodBucket(new Date(1_000_000_000_999), 3600), 277777n);
  assert.equal(awa.periodBucket(-1, 60), -1n);
  assert.equal(awa.CONTRACT_VERSION, '0.6.9');
  assert.equal(awa.ABI_VERSION, 2);
  assert.equal(awa.contractInfo().abiVersion, awa.ABI_VERSION);
});

test('unique options: absent ones take Awa defaults in the core; states as a mask or names', () => {
  const shortest = awa.prepare({ kind: 'k', args: { a: 1 }, unique: { byArgs: true } });
  assert.equal(shortest.uniqueStates, '11111000');
  for (const same of [true, {}, { byArgs: true, byQueue: false, byPeriod: null, states: null }, { states: 31 },
    { states: ['scheduled', 'available', 'running', 'completed', 'retryable'] }]) {
    const p = awa.prepare({ kind: 'k', args: { a: 1 }, unique: same });
    assert.deepEqual([hex(p.uniqueKey), p.uniqueStates], [hex(shortest.uniqueKey), '11111000'], JSON.stringify(same));
  }
  assert.equal(awa.prepare({ kind: 'k', unique: { states: ['running', 'waiting_external'] } }).uniqueStates, '00100001');
  assert.equal(awa.prepare({ kind: 'k', unique: { states: 0 } }).uniqueStates, '00000000');
  assert.equal(awa.prepare({ kind: 'k', unique: { states: 255n } }).uniqueStates, '11111111');
  for (const off of [undefined, null, false]) assert.equal(awa.prepare({ kind: 'k', unique: off }).uniqueKey, null);
});

test('runAt: a Date is an instant, a string is RFC 3339 text; both end at the core', () => {
  const at = (runAt) => awa.prepare({ kind: 'k', runAt }).runAt;
  assert.equal(at(new Date('2026-11-28T00:00:00.123Z')), '2026-11-28T00:00:00.123Z');
  assert.equal(at(new Date(-1)), '1969-12-31T23:59:59.999Z');
  assert.equal(at('2026-11-28T01:02:03.123456789+13:00'), '2026-11-27T12:02:03.123456Z');
  assert.equal(at('1999-12-31T23:59:59.9999999Z'), '2000-01-01T00:00:00Z');
  assert.equal(awa.prepare({ kind: 'k', runAt: new Date(0) }).binds[6], '1970-01-01T00:00:00Z');
  throwsAwa(() => at('tomorrow'), 'invalid_run_at', 'runAt', 'run_at');
  throwsAwa(() => at(new Date(8.64e15)), 'invalid_run_at', 'runAt', 'run_at'); // year 275760: the core's range
  throwsAwa(() => at(new Date(NaN)), 'invalid_argument', 'runAt', 'run_at');
  throwsAwa(() => at(1234), 'invalid_argument', 'runAt', 'run_at');
});

test('buildInsert / buildInsertMany: SQL text and every bind from the core, all text or null', () => {
  const job = { kind: 'k', tags: ['a', 'b"c'], unique: true, orderingKey: 'x' };
  const one = awa.buildInsert(job);
  assert.deepEqual(Object.keys(one), ['text', 'values']);
  assert.equal(one.text, awa.insertSql());
  assert.match(one.text, /awa\.insert_job_compat\(\$1::text, .*\$12::text::bytea\)/);
  assert.deepEqual(one.values, awa.prepare(job).binds);
  assert.deepEqual(one.values.slice(0, 9), ['k', 'default', '{}', 'available', '2', '25', null, '{}', '{"a","b\\"c"}']);
  assert.ok(one.values.every((v) => v === null || typeof v === 'string'));
  const jobs = Array.from({ length: 6000 }, (_, i) => ({ kind: `k${i % 3}`, priority: 1 + (i % 4) }));
  const many = awa.buildInsertMany(jobs);
  assert.deepEqual(Object.keys(many), ['text', 'values']);
  assert.equal(many.text, awa.insertManySql());
  assert.equal(many.values.length, 13);
  assert.deepEqual(many.values, awa.insertManyBinds(jobs));
  assert.ok(many.values.every((v) => typeof v === 'string'));
  assert.ok(many.values[4].startsWith('{"1","2","3","4","1"'));
  assert.match(many.text, /\$13::text::text\[\]/);
  assert.ok(!/\$14\b/.test(many.text));
  assert.match(awa.tryInsertSql(), /AS inserted/);
  assert.match(awa.existingJobSql(), /\$1::text::bytea/);
});

/** `fn` throws AwaEnqueueError `code` with JS field `field` and contract field `contractField`. */
function throwsAwa(fn, code, field, contractField = field) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof awa.AwaEnqueueError, `expected AwaEnqueueError, got ${e}`);
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'AwaEnqueueError');
    assert.equal(e.code, code, e.message);
    assert.equal(e.field, field, e.message);
    assert.equal(e.contractField, contractField, e.message);
    assert.ok(e.message.length > 0);
    assert.doesNotMatch(e.message, /\b[su](8|16|32|64)\b|\bf(32|64)\b/, 'messages never name WIT types');
    return true;
  });
}

test('core errors: stable code, JS field from the core (camel), contract field kept', () => {
  throwsAwa(() => awa.prepare({ kind: 'k', priority: 5 }), 'priority_out_of_range', 'priority');
  throwsAwa(() => awa.prepare({ kind: 'k', maxAttempts: 0 }), 'max_attempts_out_of_range', 'maxAttempts', 'max_attempts');
  throwsAwa(() => awa.prepare({ kind: 'k', argsJson: '{"a":' }), 'invalid_json', 'args');
  throwsAwa(() => awa.prepare({ kind: 'k', metadataJson: '[1,' }), 'invalid_json', 'metadata');
  throwsAwa(() => awa.prepare({ kind: 'k', args: { s: 'a\u0000b' } }), 'null_byte', 'args');
  throwsAwa(() => awa.prepare({ kind: 'k', queue: 'q'.repeat(60) }), 'queue_channel_too_long', 'queue');
  throwsAwa(() => awa.prepare({ kind: 'k'.repeat(201) }), 'kind_too_long', 'kind');
  throwsAwa(() => awa.prepare({ kind: 'k', tags: Array(21).fill('t') }), 'too_many_tags', 'tags');
  throwsAwa(() => awa.prepare({ kind: 'k', tags: ['a', 'b\u0000'] }), 'null_byte', 'tags[1]');
  throwsAwa(() => awa.prepare({ kind: 'k', unique: { states: ['done'] } }), 'unknown_state', 'unique.states');
  throwsAwa(() => awa.prepareMany([{ kind: 'a' }, { kind: 'b', priority: 9 }]), 'priority_out_of_range', 'jobs[1].priority');
  throwsAwa(() => awa.prepareMany([{ kind: 'a' }, { kind: 'b', maxAttempts: 2000 }]), 'max_attempts_out_of_range',
    'jobs[1].maxAttempts', 'jobs[1].max_attempts');
  throwsAwa(() => awa.insertManyBinds([{ kind: 'a' }, { kind: 'b', unique: { states: ['x'] } }]), 'unknown_state', 'jobs[1].unique.states');
  throwsAwa(() => awa.buildInsertMany([]), 'empty_batch', 'jobs');
  throwsAwa(() => awa.prepareMany([]), 'empty_batch', 'jobs');
  throwsAwa(() => awa.canonicalJson('{'), 'invalid_json', 'json');
  throwsAwa(() => awa.periodBucket(0, 0), 'invalid_period', 'periodSeconds', 'period_seconds');
  throwsAwa(() => awa.partitionForKey('', 4, 'k'), 'empty_queue_name', 'queue');
  throwsAwa(() => awa.partitionForKey('q', 0, 'k'), 'invalid_partitions', 'partitions');
  throwsAwa(() => awa.checkSchemaRow(null, null), 'schema_missing', 'schemaVersion', 'schema_version');
  throwsAwa(() => awa.checkSchemaRow(39, null), 'schema_too_old', 'schemaVersion', 'schema_version');
  throwsAwa(() => awa.checkSchemaRow(40, null), 'function_missing', 'insert_job_compat');
  throwsAwa(() => awa.checkSchemaRow(40, 'p_kind text'), 'function_signature_mismatch', 'insert_job_compat');
});

test('integers beyond 64 bits reach the core saturated where it range-checks them', () => {
  for (const p of [9, 1e20, -1e20, 2n ** 70n, -(2n ** 70n), -Number.MAX_VALUE, 2 ** 63]) {
    throwsAwa(() => awa.prepare({ kind: 'k', priority: p }), 'priority_out_of_range', 'priority');
  }
  for (const m of [1001, 1e20, -1e20, 2n ** 70n, Number.MAX_VALUE, -(2 ** 63)]) {
    throwsAwa(() => awa.prepare({ kind: 'k', maxAttempts: m }), 'max_attempts_out_of_range', 'maxAttempts', 'max_attempts');
  }
  throwsAwa(() => awa.prepareMany([{ kind: 'a' }, { kind: 'b', priority: 1e20 }]), 'priority_out_of_range', 'jobs[1].priority');
  assert.equal(awa.prepare({ kind: 'k', priority: 4n, maxAttempts: 1000n }).binds[4], '4');
  throwsAwa(() => awa.partitionForKey('q', 2 ** 40, 'k'), 'invalid_partitions', 'partitions');
  throwsAwa(() => awa.partitionForKey('q', -1, 'k'), 'invalid_partitions', 'partitions');
});

test('host errors: invalid_argument for what the WIT cannot carry, JS field, batch prefix from the core', () => {
  throwsAwa(() => awa.prepare({ kind: 'k', priority: 1.5 }), 'invalid_argument', 'priority');
  throwsAwa(() => awa.prepare({ kind: 'k', priority: NaN }), 'invalid_argument', 'priority');
  throwsAwa(() => awa.prepare({ kind: 'k', maxAttempts: Infinity }), 'invalid_argument', 'maxAttempts', 'max_attempts');
  throwsAwa(() => awa.prepare({ kind: 'k', priority: '2' }), 'invalid_argument', 'priority');
  throwsAwa(() => awa.prepare({ kind: 42 }), 'invalid_argument', 'kind');
  throwsAwa(() => awa.prepare({}), 'invalid_argument', 'kind');
  throwsAwa(() => awa.prepare(null), 'invalid_argument', '');
  throwsAwa(() => awa.prepare({ kind: 'k', queue: 7 }), 'invalid_argument', 'queue');
  throwsAwa(() => awa.prepare({ kind: 'k', args: {}, argsJson: '{}' }), 'invalid_argument', 'args');
  throwsAwa(() => awa.prepare({ kind: 'k', args: { n: 1n } }), 'invalid_argument', 'args');
  throwsAwa(() => awa.prepare({ kind: 'k', args: () => 1 }), 'invalid_argument', 'args');
  throwsAwa(() => awa.prepare({ kind: 'k', metadata: Symbol('x') }), 'invalid_argument', 'metadata');
  throwsAwa(() => awa.prepare({ kind: 'k', tags: 'x' }), 'invalid_argument', 'tags');
  throwsAwa(() => awa.prepare({ kind: 'k', tags: ['a', 2] }), 'invalid_argument', 'tags[1]');
  throwsAwa(() => awa.prepare({ kind: 'k', unique: 'yes' }), 'invalid_argument', 'unique');
  throwsAwa(() => awa.prepare({ kind: 'k', unique: { byQueue: 1 } }), 'invalid_argument', 'unique.byQueue', 'unique.by_queue');
  throwsAwa(() => awa.prepare({ kind: 'k', unique: { byArgs: 'no' } }), 'invalid_argument', 'unique.byArgs', 'unique.by_args');
  throwsAwa(() => awa.prepare({ kind: 'k', unique: { byPeriod: 2n ** 63n } }), 'invalid_argument', 'unique.byPeriod', 'unique.by_period');
  throwsAwa(() => awa.prepare({ kind: 'k', unique: { byPeriod: 1.5 } }), 'invalid_argument', 'unique.byPeriod', 'unique.by_period');
  throwsAwa(() => awa.prepare({ kind: 'k', unique: { states: 256 } }), 'invalid_argument', 'unique.states');
  throwsAwa(() => awa.prepare({ kind: 'k', unique: { states: -1 } }), 'invalid_argument', 'unique.states');
  throwsAwa(() => awa.prepare({ kind: 'k', unique: { states: ['running', 3] } }), 'invalid_argument', 'unique.states[1]');
  throwsAwa(() => awa.prepare({ kind: 'k', orderingKey: 7 }), 'invalid_argument', 'orderingKey', 'ordering_key');
  throwsAwa(() => awa.prepareMany([{ kind: 'a' }, { kind: 'b', tags: 'x' }]), 'invalid_argument', 'jobs[1].tags');
  throwsAwa(() => awa.prepareMany([{ kind: 'a' }, { kind: 'b', unique: { byPeriod: 0.5 } }]), 'invalid_argument',
    'jobs[1].unique.byPeriod', 'jobs[1].unique.by_period');
  throwsAwa(() => awa.insertManyBinds([{ kind: 'a' }, { kind: 'b', runAt: {} }]), 'invalid_argument', 'jobs[1].runAt', 'jobs[1].run_at');
  throwsAwa(() => awa.prepareMany([{ kind: 'a' }, 'b']), 'invalid_argument', 'jobs[1]');
  throwsAwa(() => awa.prepareMany('a'), 'invalid_argument', 'jobs');
  throwsAwa(() => awa.shardForOrderingKey('k', 40000), 'invalid_argument', 'shards');
  throwsAwa(() => awa.shardForOrderingKey('k', 1.5), 'invalid_argument', 'shards');
  throwsAwa(() => awa.periodBucket(2n ** 64n, 60), 'invalid_argument', 'epochSeconds', 'epoch_seconds');
  throwsAwa(() => awa.periodBucket(0, 'x'), 'invalid_argument', 'periodSeconds', 'period_seconds');
  throwsAwa(() => awa.uniqueKey({ kind: 'k', periodBucket: 0.5 }), 'invalid_argument', 'periodBucket', 'period_bucket');
  throwsAwa(() => awa.uniqueStatesBits(256), 'invalid_argument', 'mask');
  throwsAwa(() => awa.checkSchemaRow(2 ** 31, null), 'invalid_argument', 'schemaVersion', 'schema_version');
  throwsAwa(() => awa.checkSchemaRow(40, 5), 'invalid_argument', 'functionArguments', 'function_arguments');
});

test('a lone UTF-16 surrogate is refused (invalid_argument), never replaced', () => {
  const lone = 'a\ud800b';
  throwsAwa(() => awa.prepare({ kind: lone }), 'invalid_argument', 'kind');
  throwsAwa(() => awa.prepare({ kind: '\udc00' }), 'invalid_argument', 'kind');
  throwsAwa(() => awa.prepare({ kind: 'k', argsJson: `{"s":"${lone}"}` }), 'invalid_argument', 'args');
  throwsAwa(() => awa.prepare({ kind: 'k', metadataJson: `"${lone}"` }), 'invalid_argument', 'metadata');
  throwsAwa(() => awa.prepare({ kind: 'k', queue: lone }), 'invalid_argument', 'queue');
  throwsAwa(() => awa.prepare({ kind: 'k', runAt: lone }), 'invalid_argument', 'runAt', 'run_at');
  throwsAwa(() => awa.prepare({ kind: 'k', tags: ['ok', lone] }), 'invalid_argument', 'tags[1]');
  throwsAwa(() => awa.prepare({ kind: 'k', orderingKey: lone }), 'invalid_argument', 'orderingKey', 'ordering_key');
  throwsAwa(() => awa.prepare({ kind: 'k', unique: { states: [lone] } }), 'invalid_argument', 'unique.states[0]');
  throwsAwa(() => awa.prepareMany([{ kind: 'a' }, { kind: 'k', argsJson: `"${lone}"` }]), 'invalid_argument', 'jobs[1].args');
  throwsAwa(() => awa.uniqueKey({ kind: 'k', argsJson: `"${lone}"` }), 'invalid_argument', 'args');
  throwsAwa(() => awa.canonicalJson(`"${lone}"`), 'invalid_argument', 'json');
  throwsAwa(() => awa.uniqueStatesMask([lone]), 'invalid_argument', 'unique.states[0]');
  throwsAwa(() => awa.partitionForKey(lone, 4, 'k'), 'invalid_argument', 'queue');
  throwsAwa(() => awa.partitionForKey('q', 4, lone), 'invalid_argument', 'key');
  throwsAwa(() => awa.kindFromTypeName(lone), 'invalid_argument', 'name');
  throwsAwa(() => awa.orderingKeyHash64(lone), 'invalid_argument', 'key');
  // a JSON escape of a lone surrogate is JSON text the core refuses itself; a pair is fine
  throwsAwa(() => awa.prepare({ kind: 'k', argsJson: '"\\ud800"' }), 'invalid_json', 'args');
  throwsAwa(() => awa.prepare({ kind: 'k', args: { s: lone } }), 'invalid_json', 'args'); // JSON.stringify escapes it
  assert.equal(awa.prepare({ kind: 'k\ud83c\udf89', argsJson: '"\ud83c\udf89"' }).argsJson, '"🎉"');
});

test('strings come back from the core exactly: a BOM anywhere survives', () => {
  for (const s of ['\ufeff', '\ufeffk', 'k\ufeff', 'a\ufeffb', '\ufeff\ufeff']) {
    const p = awa.prepare({ kind: s, queue: s, tags: [s, `t${s}`], argsJson: JSON.stringify(s), metadata: { [s]: s } });
    assert.deepEqual([p.kind, p.queue, p.tags, JSON.parse(p.argsJson), JSON.parse(p.metadataJson)],
      [s, s, [s, `t${s}`], s, { [s]: s }], JSON.stringify(s));
    assert.equal(awa.kindFromTypeName(s), s.toLowerCase());
    assert.equal(JSON.parse(awa.canonicalJson(JSON.stringify(s))), s);
    assert.equal(awa.partitionForKey(s, 1, 'k').queue, s);
  }
});

// ---- string classes against the Rust runner (the core in wasmtime, checked against awa-model) ----

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const targetDir = process.env.CARGO_TARGET_DIR ?? join(root, 'target');
const rustRunner = join(targetDir, 'release', 'conformance');
const compareResults = join(targetDir, 'release', 'compare-results');

const STRINGS = [
  '\ufeffbom', 'mid\ufeffdle', 'end\ufeff', '\ufeff', '\ufffe', '\uffff', '\u{10ffff}', '\ufffe\uffff\u{10ffff}',
  'e\u0301', 'a\u0308\u0301\u20dd', '\u{1F469}\u200D\u{1F4BB}', '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}',
  '\u{1F3F3}\uFE0F\u200D\u{1F308}', '\u0001\u0002\u001f', '\u007f', '\u0080\u0085\u009f', 'tab\there', 'line\nbreak\r',
  '\u2028\u2029', 'a\u0000b', '\u0000',
];
const utf8Hex = (s) => Buffer.from(s, 'utf8').toString('hex');

test('string classes through the public API equal the Rust runner, value by value', (t) => {
  if (!existsSync(rustRunner) || !existsSync(compareResults)) {
    assert.fail(`${rustRunner} or ${compareResults} is missing: cargo build --release -p host-tests --bin conformance --bin compare-results`);
  }
  const cases = [];
  const actual = [];
  const add = (caseLine, run) => {
    const id = `s${cases.length}`;
    cases.push(JSON.stringify({ id, ...caseLine }));
    try {
      actual.push(JSON.stringify({ id, ok: run() }));
    } catch (e) {
      assert.ok(e instanceof awa.AwaEnqueueError, String(e));
      actual.push(JSON.stringify({ id, error: { code: e.code, field: e.contractField, message: e.message } }));
    }
  };
  for (const s of STRINGS) {
    const argsJson = JSON.stringify({ v: s, [s]: [s] });
    const unique = { by_queue: true };
    const job = (j) => ({ op: 'prepare', job: { unique, ...j } });
    add(job({ kind: s }), () => preparedJson(awa.prepare({ kind: s, unique: { byQueue: true } })));
    add(job({ kind: 'q', queue: s }), () => preparedJson(awa.prepare({ kind: 'q', queue: s, unique: { byQueue: true } })));
    add(job({ kind: 't', tags: [s, `x${s}`, s] }), () => preparedJson(awa.prepare({ kind: 't', tags: [s, `x${s}`, s], unique: { byQueue: true } })));
    // args as a JS value (JSON.stringify) and as exact text
    add(job({ kind: 'a', args_json: argsJson }), () => preparedJson(awa.prepare({ kind: 'a', args: { v: s, [s]: [s] }, unique: { byQueue: true } })));
    add(job({ kind: 'a', args_json: argsJson }), () => preparedJson(awa.prepare({ kind: 'a', argsJson, unique: { byQueue: true } })));
    add(job({ kind: 'm', metadata_json: argsJson }), () => preparedJson(awa.prepare({ kind: 'm', metadata: { v: s, [s]: [s] }, unique: { byQueue: true } })));
    add(job({ kind: 'o', ordering_key_hex: utf8Hex(s) }), () => preparedJson(awa.prepare({ kind: 'o', orderingKey: s, unique: { byQueue: true } })));
    add({ op: 'prepare_many', jobs: [{ kind: 'ok' }, { kind: s, queue: s, tags: [s] }] },
      () => ({ jobs: awa.prepareMany([{ kind: 'ok' }, { kind: s, queue: s, tags: [s] }]).map(preparedJson) }));
    add({ op: 'unique_key', kind: s, queue: s, args_json: argsJson, period_bucket: '7' },
      () => ({ unique_key_hex: hex(awa.uniqueKey({ kind: s, queue: s, args: { v: s, [s]: [s] }, periodBucket: 7n })) }));
    add({ op: 'kind_from_type_name', name: `Send${s}Email` }, () => ({ kind: awa.kindFromTypeName(`Send${s}Email`) }));
    add({ op: 'canonical_json', json: ` { "b" : ${JSON.stringify(s)}, ${JSON.stringify(s)}: 1 } ` },
      () => ({ json: awa.canonicalJson(` { "b" : ${JSON.stringify(s)}, ${JSON.stringify(s)}: 1 } `) }));
    add({ op: 'ordering', key_hex: utf8Hex(s), shards: 16 },
      () => ({ hash64: awa.orderingKeyHash64(s).toString(), shard: awa.shardForOrderingKey(s, 16) }));
    add({ op: 'partition', logical_queue: s, partitions: 8, key_hex: utf8Hex(s) }, () => awa.partitionForKey(s, 8, s));
  }
  const dir = mkdtempSync(join(tmpdir(), 'awa-enqueue-strings-'));
  try {
    const rust = spawnSync(rustRunner, { input: cases.join('\n') + '\n', maxBuffer: 64 << 20 });
    assert.equal(rust.status, 0, rust.stderr?.toString());
    writeFileSync(join(dir, 'expected.jsonl'), rust.stdout);
    writeFileSync(join(dir, 'actual.jsonl'), actual.join('\n') + '\n');
    const cmp = spawnSync(compareResults, [join(dir, 'expected.jsonl'), join(dir, 'actual.jsonl')], { encoding: 'utf8' });
    assert.equal(cmp.status, 0, `${cmp.stdout}\n${cmp.stderr}`);
    const expected = rust.stdout.toString().trim().split('\n').map((l) => JSON.parse(l));
    const nul = expected.filter((r) => r.error?.code === 'null_byte').length;
    assert.ok(nul >= 14, `NUL is the core's null_byte (${nul})`);
    t.diagnostic(`${cases.length} string-class cases equal the Rust runner (${nul} null_byte)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a trap is module_trap; the instance is replaced and later calls work', () => {
  const before = testHooks.instances();
  testHooks.trapOnNextKindFromTypeName();
  assert.throws(() => awa.kindFromTypeName('SendEmail'), (e) => {
    assert.ok(e instanceof awa.AwaEnqueueError);
    assert.equal(e.code, 'module_trap');
    assert.equal(e.field, '');
    assert.ok(e.cause instanceof WebAssembly.RuntimeError, String(e.cause));
    return true;
  });
  assert.equal(awa.kindFromTypeName('SendEmail'), 'send_email');
  assert.equal(testHooks.instances(), before + 2, 'the trapped instance was replaced by a fresh one');
  assert.equal(hex(awa.uniqueKey({ kind: 'send_email' })), 'bee8bfbcd9d48e51f79059a523039018');
  throwsAwa(() => awa.prepare({ kind: 'k', priority: 9 }), 'priority_out_of_range', 'priority');
  assert.equal(awa.prepareMany([{ kind: 'a' }, { kind: 'b' }]).length, 2);
});

test('the module keeps working over many calls (no trap, stable results)', () => {
  const job = { kind: 'k', args: { i: 0, s: 'x'.repeat(200) }, unique: true, orderingKey: 'o' };
  const first = hex(awa.prepare(job).uniqueKey);
  for (let i = 0; i < 20000; i++) {
    job.args.i = i % 7;
    awa.prepare(job);
    if (i % 1000 === 0) assert.throws(() => awa.prepare({ kind: 'k', priority: 0 }));
  }
  job.args.i = 0;
  assert.equal(hex(awa.prepare(job).uniqueKey), first);
});

test('useModule: a precompiled module or bytes; anything unusable is module_load, never a crash', () => {
  const bytes = readFileSync(new URL('../generated/awa_enqueue.core.wasm', import.meta.url));
  const key = hex(awa.uniqueKey({ kind: 'send_email' }));
  try {
    awa.useModule(new WebAssembly.Module(bytes));
    assert.equal(hex(awa.uniqueKey({ kind: 'send_email' })), key);
    awa.useModule(new Uint8Array(bytes));
    assert.equal(awa.contractInfo().abiVersion, awa.ABI_VERSION);
    throwsAwa(() => awa.useModule('core.wasm'), 'invalid_argument', 'source');
    assert.throws(() => awa.useModule(new Uint8Array([0, 1, 2])), (e) => {
      assert.equal(e.code, 'module_load');
      assert.match(e.message, /^awa-enqueue: could not compile .*useModule\(\)/);
      return true;
    });
    assert.equal(hex(awa.uniqueKey({ kind: 'send_email' })), key, 'a refused module leaves the current one in use');
    awa.useModule(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00])); // a valid, empty module
    for (let i = 0; i < 2; i++) {
      assert.throws(() => awa.uniqueKey({ kind: 'send_email' }), (e) => e instanceof awa.AwaEnqueueError && e.code === 'module_load');
    }
  } finally {
    awa.useModule(bytes);
  }
  assert.equal(hex(awa.uniqueKey({ kind: 'send_email' })), key);
});

test('one vocabulary: the older names are aliases of prepare, prepareMany and partitionForKey', () => {
  assert.equal(awa.prepareInsert, awa.prepare);
  assert.equal(awa.prepareInsertMany, awa.prepareMany);
  assert.equal(awa.partitionFor, awa.partitionForKey);
});

test('buildTryInsert: the core duplicate-safe SQL and the job binds', () => {
  const job = { kind: 'try_build', args: { a: 1 }, unique: { byArgs: true } };
  const q = awa.buildTryInsert(job);
  assert.equal(q.text, awa.tryInsertSql());
  assert.deepEqual(q.values, awa.prepare(job).binds);
  assert.throws(() => awa.buildTryInsert({ kind: 'try_build', priority: 1e6 }), { code: 'priority_out_of_range' });
});
