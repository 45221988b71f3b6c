#!/usr/bin/env node
// Conformance runner (docs/conformance.md): JSON Lines cases on stdin, one result line per case on
// stdout, in input order, computed through the package's public API.
//   node bin/conformance.mjs             derive only
//   node bin/conformance.mjs --enqueue   with DATABASE_URL: every `prepare` case goes through
//                                        tryEnqueue, every `prepare_many` through enqueueMany
//                                        (node-postgres), each in its own committed transaction
// Case lines are read as the Rust runner (serde_json) reads them: lines split at \n (a trailing
// \r dropped), strict UTF-8 keeping a BOM, integers told apart from floats, escaped lone
// surrogates and numbers beyond f64 refused, nesting up to 127 levels, `id` echoed as written.
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import {
  AwaEnqueueError, prepare, prepareMany, uniqueKey, orderingKeyHash64, shardForOrderingKey,
  kindFromTypeName, canonicalJson, partitionForKey, uniqueStatesBits, uniqueStatesMask, tryEnqueue, enqueueMany,
} from '../index.js';

// ---- strict JSON (serde_json's rules) ----

/** A JSON number: its text, and its value when it is an integer literal in the i64 range. */
class JsonNumber {
  constructor(raw, int) {
    this.raw = raw;
    this.int = int; // bigint or null (a float, -0, or an integer outside i64)
  }
}

class NotJson extends Error {}

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const U64_MAX = 2n ** 64n - 1n;

/** Parse one line: `{ value, idRaw }` (objects are Maps, numbers JsonNumbers). Throws NotJson. */
export function parseJson(src) {
  let i = 0;
  let depth = 128; // serde_json's recursion limit
  let idRaw;
  const fail = (what) => {
    throw new NotJson(`${what} at column ${i + 1}`);
  };
  const ws = () => {
    while (i < src.length) {
      const c = src.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else break;
    }
  };
  const hex4 = () => {
    const h = src.slice(i, i + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) fail('invalid escape');
    i += 4;
    return parseInt(h, 16);
  };
  const string = () => {
    i++; // opening quote
    let out = '';
    let from = i;
    for (;;) {
      if (i >= src.length) fail('EOF while parsing a string');
      const c = src.charCodeAt(i);
      if (c === 0x22) {
        out += src.slice(from, i);
        i++;
        return out;
      }
      if (c < 0x20) fail('control character (\\u0000-\\u001F) found while parsing a string');
      if (c !== 0x5c) {
        i++;
        continue;
      }
      out += src.slice(from, i);
      i++;
      const e = src[i++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const n = hex4();
          if (n >= 0xdc00 && n <= 0xdfff) fail('lone leading surrogate in hex escape');
          if (n >= 0xd800 && n <= 0xdbff) {
            if (src[i] !== '\\' || src[i + 1] !== 'u') fail('unexpected end of hex escape');
            i += 2;
            const low = hex4();
            if (low < 0xdc00 || low > 0xdfff) fail('lone leading surrogate in hex escape');
            out += String.fromCharCode(n, low);
          } else {
            out += String.fromCharCode(n);
          }
          break;
        }
        default:
          fail('invalid escape');
      }
      from = i;
    }
  };
  const digits = () => {
    const start = i;
    while (i < src.length && src.charCodeAt(i) >= 0x30 && src.charCodeAt(i) <= 0x39) i++;
    return i - start;
  };
  const number = () => {
    const start = i;
    if (src[i] === '-') i++;
    if (src[i] === '0') {
      i++;
      if (digits() > 0) fail('invalid number');
    } else if (digits() === 0) {
      fail('invalid number');
    }
    let integral = true;
    if (src[i] === '.') {
      i++;
      if (digits() === 0) fail('invalid number');
      integral = false;
    }
    if (src[i] === 'e' || src[i] === 'E') {
      i++;
      if (src[i] === '+' || src[i] === '-') i++;
      if (digits() === 0) fail('invalid number');
      integral = false;
    }
    const raw = src.slice(start, i);
    if (integral) {
      const big = BigInt(raw);
      // serde_json: u64 and i64 literals are integers; `-0` and anything wider are floats
      if (raw[0] === '-' ? big !== 0n && big >= I64_MIN : big <= U64_MAX) {
        return new JsonNumber(raw, big <= I64_MAX ? big : null);
      }
    }
    if (!Number.isFinite(Number(raw))) fail('number out of range');
    return new JsonNumber(raw, null);
  };
  const literal = (word, value) => {
    if (src.startsWith(word, i)) {
      i += word.length;
      return value;
    }
    fail('expected value');
  };
  const value = (top) => {
    ws();
    const c = src[i];
    if (c === '{' || c === '[') {
      if (--depth === 0) fail('recursion limit exceeded');
      const v = c === '{' ? object(top) : array();
      depth++;
      return v;
    }
    if (c === '"') return string();
    if (c === 't') return literal('true', true);
    if (c === 'f') return literal('false', false);
    if (c === 'n') return literal('null', null);
    if (c === '-' || (c >= '0' && c <= '9')) return number();
    return fail(i >= src.length ? 'EOF while parsing a value' : 'expected value');
  };
  const object = (top) => {
    i++;
    const out = new Map();
    ws();
    if (src[i] === '}') {
      i++;
      return out;
    }
    for (;;) {
      ws();
      if (src[i] !== '"') fail('key must be a string');
      const key = string();
      ws();
      if (src[i] !== ':') fail('expected `:`');
      i++;
      ws();
      const start = i;
      out.set(key, value(false));
      if (top && key === 'id') idRaw = src.slice(start, i);
      ws();
      if (src[i] === ',') {
        i++;
        continue;
      }
      if (src[i] === '}') {
        i++;
        return out;
      }
      fail('expected `,` or `}`');
    }
  };
  const array = () => {
    i++;
    const out = [];
    ws();
    if (src[i] === ']') {
      i++;
      return out;
    }
    for (;;) {
      out.push(value(false));
      ws();
      if (src[i] === ',') {
        i++;
        continue;
      }
      if (src[i] === ']') {
        i++;
        return out;
      }
      fail('expected `,` or `]`');
    }
  };
  const v = value(true);
  ws();
  if (i < src.length) fail('trailing characters');
  return { value: v, idRaw };
}

// ---- the case format (as host-tests/src/cases.rs) ----

class InvalidCase extends Error {
  constructor(field, message) {
    super(message);
    this.field = field;
  }
}

const bad = (field, message) => new InvalidCase(field, message);
const isNull = (v) => v === undefined || v === null;
const isObject = (v) => v instanceof Map;

function optStr(obj, f) {
  const v = obj.get(f);
  if (isNull(v)) return undefined;
  if (typeof v !== 'string') throw bad(f, `${f} must be a string or null`);
  return v;
}

function reqStr(obj, f) {
  const s = optStr(obj, f);
  if (s === undefined) throw bad(f, `${f} is required`);
  return s;
}

const RANGES = { i64: [I64_MIN, I64_MAX], i16: [-32768n, 32767n], u8: [0n, 255n], u32: [0n, 4294967295n] };

function optInt(obj, f, type) {
  const v = obj.get(f);
  if (isNull(v)) return undefined;
  const [min, max] = RANGES[type];
  if (!(v instanceof JsonNumber) || v.int === null || v.int < min || v.int > max) {
    throw bad(f, `${f} must be an integer in range`);
  }
  return v.int;
}

function reqInt(obj, f, type) {
  const v = optInt(obj, f, type);
  if (v === undefined) throw bad(f, `${f} is required`);
  return v;
}

/** An i64 in decimal: optional sign, ASCII digits. */
function parseI64(s) {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n < I64_MIN || n > I64_MAX ? undefined : n;
}

function hex(obj, f) {
  const s = optStr(obj, f);
  if (s === undefined) return undefined;
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) throw bad(f, `${f} must be hex`);
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

function reqHex(obj, f) {
  const b = hex(obj, f);
  if (b === undefined) throw bad(f, `${f} is required`);
  return b;
}

function strings(items, field) {
  if (!items.every((s) => typeof s === 'string')) throw bad(field, `${field} must be strings`);
  return items;
}

/** A case's job object as a job of the public API. */
function parseJob(v) {
  if (!isObject(v)) throw bad('job', 'job must be an object');
  let tags = [];
  const t = v.get('tags');
  if (Array.isArray(t)) {
    if (!t.every((x) => typeof x === 'string')) throw bad('tags', 'tags must be strings');
    tags = t;
  } else if (!isNull(t)) {
    throw bad('tags', 'tags must be an array');
  }
  let unique;
  const u = v.get('unique');
  if (isObject(u)) {
    let byPeriod;
    let period;
    try {
      period = optStr(u, 'by_period');
    } catch (e) {
      throw bad('unique.by_period', e.message);
    }
    if (period !== undefined) {
      byPeriod = parseI64(period);
      if (byPeriod === undefined) throw bad('unique.by_period', 'by_period must be an i64 decimal string');
    }
    let states;
    const s = u.get('states');
    if (Array.isArray(s)) {
      states = strings(s, 'unique.states');
    } else {
      try {
        const mask = optInt(u, 'states', 'u8');
        states = mask === undefined ? undefined : Number(mask);
      } catch (e) {
        throw bad('unique.states', e.message);
      }
    }
    const flag = (name) => {
      const b = u.get(name);
      if (isNull(b)) return undefined;
      if (typeof b !== 'boolean') throw bad(`unique.${name}`, 'must be a boolean');
      return b;
    };
    unique = { byQueue: flag('by_queue'), byArgs: flag('by_args'), byPeriod, states };
  } else if (!isNull(u)) {
    throw bad('unique', 'unique must be an object or null');
  }
  return {
    kind: reqStr(v, 'kind'),
    argsJson: optStr(v, 'args_json'),
    queue: optStr(v, 'queue'),
    priority: optInt(v, 'priority', 'i64'),
    maxAttempts: optInt(v, 'max_attempts', 'i64'),
    runAt: optStr(v, 'run_at'),
    metadataJson: optStr(v, 'metadata_json'),
    tags,
    unique,
    orderingKey: hex(v, 'ordering_key_hex'),
  };
}

const toHex = (bytes) => (bytes === null ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex'));

export function preparedJson(p) {
  return {
    kind: p.kind, queue: p.queue, args_json: p.argsJson, state: p.state, priority: p.priority,
    max_attempts: p.maxAttempts, run_at: p.runAt, metadata_json: p.metadataJson, tags: p.tags,
    unique_key_hex: toHex(p.uniqueKey), unique_states: p.uniqueStates, ordering_key_hex: toHex(p.orderingKey),
  };
}

/** A parsed case: `{ op, job }` for prepare, and `run()` computing its `ok` value through the API. */
function parseCase(c) {
  const op = reqStr(c, 'op');
  switch (op) {
    case 'prepare': {
      const job = parseJob(c.get('job') ?? null);
      return { job, run: () => preparedJson(prepare(job)) };
    }
    case 'prepare_many': {
      const items = c.get('jobs');
      if (!Array.isArray(items)) throw bad('jobs', 'jobs must be an array of jobs');
      const jobs = items.map((j, i) => {
        try {
          return parseJob(j);
        } catch (e) {
          if (!(e instanceof InvalidCase)) throw e;
          throw bad(e.field === '' ? `jobs[${i}]` : `jobs[${i}].${e.field}`, e.message);
        }
      });
      return { jobs, run: () => ({ jobs: prepareMany(jobs).map(preparedJson) }) };
    }
    case 'unique_key': {
      const kind = reqStr(c, 'kind');
      const queue = optStr(c, 'queue');
      const argsJson = optStr(c, 'args_json');
      const bucketText = optStr(c, 'period_bucket');
      let periodBucket;
      if (bucketText !== undefined) {
        periodBucket = parseI64(bucketText);
        if (periodBucket === undefined) throw bad('period_bucket', 'period_bucket must be an i64 decimal string');
      }
      return { run: () => ({ unique_key_hex: toHex(uniqueKey({ kind, queue, argsJson, periodBucket })) }) };
    }
    case 'ordering': {
      const key = reqHex(c, 'key_hex');
      const shards = Number(reqInt(c, 'shards', 'i16'));
      return { run: () => ({ hash64: orderingKeyHash64(key).toString(), shard: shardForOrderingKey(key, shards) }) };
    }
    case 'kind_from_type_name': {
      const name = reqStr(c, 'name');
      return { run: () => ({ kind: kindFromTypeName(name) }) };
    }
    case 'canonical_json': {
      const json = reqStr(c, 'json');
      return { run: () => ({ json: canonicalJson(json) }) };
    }
    case 'partition': {
      const logical = reqStr(c, 'logical_queue');
      const partitions = Number(reqInt(c, 'partitions', 'u32'));
      const key = reqHex(c, 'key_hex');
      return { run: () => partitionForKey(logical, partitions, key) };
    }
    case 'unique_states': {
      const hasMask = c.has('mask');
      const states = c.get('states');
      if (hasMask && !c.has('states')) {
        const mask = Number(reqInt(c, 'mask', 'u8'));
        return { run: () => ({ bits: uniqueStatesBits(mask), mask }) };
      }
      if (!hasMask && Array.isArray(states)) {
        const names = strings(states, 'states');
        return {
          run: () => {
            const mask = uniqueStatesMask(names);
            return { bits: uniqueStatesBits(mask), mask };
          },
        };
      }
      throw bad('mask', 'give either mask or states');
    }
    default:
      throw bad('op', `unknown op ${JSON.stringify(op)}`);
  }
}

const errorLine = (idRaw, code, field, message) =>
  `{"id":${idRaw},"error":${JSON.stringify({ code, field, message })}}`;

function libraryError(idRaw, e) {
  if (e instanceof AwaEnqueueError) return errorLine(idRaw, e.code, e.contractField, e.message);
  return errorLine(idRaw, 'host_error', '', String(e?.stack ?? e));
}

/** A line as `{ idRaw, case }` or `{ idRaw, invalid: line }`. */
function readCase(line) {
  let parsed;
  try {
    parsed = parseJson(line);
  } catch (e) {
    if (e instanceof NotJson) return { idRaw: 'null', invalid: errorLine('null', 'invalid_case', '', `not JSON: ${e.message}`) };
    throw e;
  }
  if (!isObject(parsed.value)) {
    return { idRaw: 'null', invalid: errorLine('null', 'invalid_case', '', 'a case must be a JSON object') };
  }
  const idRaw = parsed.idRaw ?? 'null';
  try {
    return { idRaw, case: parseCase(parsed.value) };
  } catch (e) {
    if (e instanceof InvalidCase) return { idRaw, invalid: errorLine(idRaw, 'invalid_case', e.field, e.message) };
    throw e;
  }
}

/** One case line to its result line (derive-only mode). */
export function runLine(line) {
  const { idRaw, case: c, invalid } = readCase(line);
  if (invalid) return invalid;
  try {
    return `{"id":${idRaw},"ok":${JSON.stringify(c.run())}}`;
  } catch (e) {
    return libraryError(idRaw, e);
  }
}

/** The public-API job of a `prepare` case line (bench/jobs.jsonl). */
export function caseJob(line) {
  const { case: c, invalid } = readCase(line);
  if (invalid || !c.job) throw new Error(`not a valid prepare case: ${invalid ?? line}`);
  return c.job;
}

/**
 * `--enqueue`: a `prepare` case through tryEnqueue, a `prepare_many` case through enqueueMany,
 * each in its own committed transaction; database errors are `db_error` with the SQLSTATE.
 */
async function enqueueLine(client, line) {
  const { idRaw, case: c, invalid } = readCase(line);
  if (invalid) return invalid;
  if (!c.job && !c.jobs) return runLine(line);
  await client.query('BEGIN');
  try {
    let out;
    if (c.job) {
      const r = await tryEnqueue(client, c.job);
      out = r.inserted
        ? `{"id":${idRaw},"ok":${JSON.stringify({ job_id: String(r.row.id) })}}`
        : `{"id":${idRaw},"duplicate":true${r.existing ? `,"existing_job_id":"${r.existing.id}"` : ''}}`;
    } else {
      const rows = await enqueueMany(client, c.jobs);
      out = `{"id":${idRaw},"ok":${JSON.stringify({ job_ids: rows.map((r) => String(r.id)) })}}`;
    }
    await client.query('COMMIT');
    return out;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    if (typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && !(e instanceof AwaEnqueueError)) {
      return `{"id":${idRaw},"error":${JSON.stringify({ code: 'db_error', field: '', sqlstate: e.code, message: e.message })}}`;
    }
    return libraryError(idRaw, e);
  }
}

// Rust's `str::trim` whitespace (Unicode White_Space; not U+FEFF, which JS's trim() also strips).
const BLANK = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

async function main() {
  const enqueueMode = process.argv.slice(2).includes('--enqueue');
  let client;
  if (enqueueMode) {
    if (!process.env.DATABASE_URL) throw new Error('--enqueue needs DATABASE_URL');
    const { default: pg } = await import('pg');
    client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    client.on('notice', () => {});
    await client.connect();
  }
  const out = [];
  const flush = () => {
    if (out.length) process.stdout.write(out.join('\n') + '\n');
    out.length = 0;
  };
  const handle = async (bytes) => {
    if (bytes.length && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
    let line;
    try {
      line = utf8.decode(bytes);
    } catch {
      out.push(errorLine('null', 'invalid_case', '', 'not UTF-8'));
      return;
    }
    if (BLANK.test(line)) return;
    out.push(client ? await enqueueLine(client, line) : runLine(line));
    if (out.length >= 256) flush();
  };
  let rest = Buffer.alloc(0);
  for await (const chunk of process.stdin) {
    let buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
    let nl;
    while ((nl = buf.indexOf(0x0a)) !== -1) {
      await handle(buf.subarray(0, nl));
      buf = buf.subarray(nl + 1);
    }
    rest = Buffer.from(buf);
  }
  if (rest.length) await handle(rest);
  flush();
  if (client) await client.end();
}

// Run as a program (also through an npm bin symlink); importing it only exports the helpers.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) await main();
