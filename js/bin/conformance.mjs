#!/usr/bin/env node
// Conformance runner (shared case format): JSON Lines cases on stdin, one result line per case
// on stdout, computed through the package's public API.
import { createInterface } from 'node:readline';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import {
  AwaEnqueueError, prepareInsert, uniqueKey, orderingKeyHash64, shardForOrderingKey,
  kindFromTypeName, canonicalJson, partitionFor, uniqueStatesBits, uniqueStatesMask,
} from '../index.js';

class InvalidCase extends Error {
  constructor(field, message) {
    super(message);
    this.field = field;
  }
}

const RANGES = {
  i16: [-32768n, 32767n], i32: [-2147483648n, 2147483647n], u8: [0n, 255n], u32: [0n, 4294967295n],
};
const I64 = [-(2n ** 63n), 2n ** 63n - 1n];

const has = (obj, f) => obj[f] !== undefined && obj[f] !== null;

function optStr(obj, f, field = f) {
  if (!has(obj, f)) return undefined;
  if (typeof obj[f] !== 'string') throw new InvalidCase(field, `${f} must be a string or null`);
  return obj[f];
}

function reqStr(obj, f) {
  const s = optStr(obj, f);
  if (s === undefined) throw new InvalidCase(f, `${f} is required`);
  return s;
}

function optInt(obj, f, type, field = f) {
  if (!has(obj, f)) return undefined;
  const v = obj[f];
  const [min, max] = RANGES[type];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || BigInt(v) < min || BigInt(v) > max) {
    throw new InvalidCase(field, `${f} must be an integer in range (${type})`);
  }
  return v;
}

function reqInt(obj, f, type) {
  const v = optInt(obj, f, type);
  if (v === undefined) throw new InvalidCase(f, `${f} is required`);
  return v;
}

function i64Text(obj, f, field = f) {
  const s = optStr(obj, f, field);
  if (s === undefined) return undefined;
  const n = /^[+-]?[0-9]+$/.test(s) ? BigInt(s) : null;
  if (n === null || n < I64[0] || n > I64[1]) throw new InvalidCase(field, `${f} must be an i64 decimal string`);
  return n;
}

function hex(obj, f) {
  const s = optStr(obj, f);
  if (s === undefined) return undefined;
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) throw new InvalidCase(f, `${f} must be hex`);
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

function reqHex(obj, f) {
  const b = hex(obj, f);
  if (b === undefined) throw new InvalidCase(f, `${f} is required`);
  return b;
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const toHex = (bytes) => (bytes === null ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex'));

export function parseJob(job) {
  if (!isObject(job)) throw new InvalidCase('job', 'job must be an object');
  let tags = [];
  if (has(job, 'tags')) {
    if (!Array.isArray(job.tags)) throw new InvalidCase('tags', 'tags must be an array');
    if (!job.tags.every((t) => typeof t === 'string')) throw new InvalidCase('tags', 'tags must be strings');
    tags = job.tags;
  }
  let unique;
  if (has(job, 'unique')) {
    const u = job.unique;
    if (!isObject(u)) throw new InvalidCase('unique', 'unique must be an object or null');
    const flag = (name) => {
      if (!has(u, name)) return undefined;
      if (typeof u[name] !== 'boolean') throw new InvalidCase(`unique.${name}`, 'must be a boolean');
      return u[name];
    };
    unique = {
      byQueue: flag('by_queue'),
      byArgs: flag('by_args'),
      byPeriod: i64Text(u, 'by_period', 'unique.by_period'),
      states: optInt(u, 'states', 'u8', 'unique.states'),
    };
  }
  return {
    kind: reqStr(job, 'kind'),
    argsJson: optStr(job, 'args_json'),
    queue: optStr(job, 'queue'),
    priority: optInt(job, 'priority', 'i32'),
    maxAttempts: optInt(job, 'max_attempts', 'i32'),
    runAt: optStr(job, 'run_at'),
    metadataJson: optStr(job, 'metadata_json'),
    tags,
    unique,
    orderingKey: hex(job, 'ordering_key_hex'),
  };
}

// Parse a case into a thunk that runs it through the public API.
function parseCase(c) {
  const op = reqStr(c, 'op');
  switch (op) {
    case 'prepare': {
      const job = parseJob(c.job ?? null);
      return () => {
        const p = prepareInsert(job);
        return {
          kind: p.kind, queue: p.queue, args_json: p.argsJson, state: p.state, priority: p.priority,
          max_attempts: p.maxAttempts, run_at: p.runAt, metadata_json: p.metadataJson, tags: p.tags,
          unique_key_hex: toHex(p.uniqueKey), unique_states: p.uniqueStates, ordering_key_hex: toHex(p.orderingKey),
        };
      };
    }
    case 'unique_key': {
      const args = {
        kind: reqStr(c, 'kind'), queue: optStr(c, 'queue'), argsJson: optStr(c, 'args_json'),
        periodBucket: i64Text(c, 'period_bucket'),
      };
      return () => ({ unique_key_hex: toHex(uniqueKey(args)) });
    }
    case 'ordering': {
      const key = reqHex(c, 'key_hex');
      const shards = reqInt(c, 'shards', 'i16');
      return () => ({ hash64: orderingKeyHash64(key).toString(), shard: shardForOrderingKey(key, shards) });
    }
    case 'kind_from_type_name': {
      const name = reqStr(c, 'name');
      return () => ({ kind: kindFromTypeName(name) });
    }
    case 'canonical_json': {
      const json = reqStr(c, 'json');
      return () => ({ json: canonicalJson(json) });
    }
    case 'partition': {
      const logical = reqStr(c, 'logical_queue');
      const partitions = reqInt(c, 'partitions', 'u32');
      const key = reqHex(c, 'key_hex');
      return () => partitionFor(logical, partitions, key);
    }
    case 'unique_states': {
      const hasMask = c.mask !== undefined;
      const hasStates = c.states !== undefined;
      if (hasMask && !hasStates) {
        const mask = reqInt(c, 'mask', 'u8');
        return () => ({ bits: uniqueStatesBits(mask), mask });
      }
      if (!hasMask && Array.isArray(c.states)) {
        if (!c.states.every((s) => typeof s === 'string')) throw new InvalidCase('states', 'states must be strings');
        const states = c.states;
        return () => {
          const mask = uniqueStatesMask(states);
          return { bits: uniqueStatesBits(mask), mask };
        };
      }
      throw new InvalidCase('mask', 'give either mask or states');
    }
    default:
      throw new InvalidCase('op', `unknown op ${JSON.stringify(op)}`);
  }
}

const errorLine = (id, code, field, message) => ({ id, error: { code, field, message } });

// JSON.parse accepts escaped lone surrogates, which strict parsers (serde_json, the other runners) reject.
function wellFormedStrings(v) {
  if (typeof v === 'string') return v.isWellFormed?.() ?? !/[\uD800-\uDFFF]/.test(v.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''));
  if (Array.isArray(v)) return v.every(wellFormedStrings);
  if (v !== null && typeof v === 'object') return Object.entries(v).every(([k, x]) => wellFormedStrings(k) && wellFormedStrings(x));
  return true;
}

export function runLine(line) {
  let c;
  try {
    c = JSON.parse(line);
  } catch (e) {
    return errorLine(null, 'invalid_case', '', `not JSON: ${e.message}`);
  }
  if (!wellFormedStrings(c)) return errorLine(null, 'invalid_case', '', 'not JSON: lone surrogate in a \\u escape');
  if (!isObject(c)) return errorLine(null, 'invalid_case', '', 'a case must be a JSON object');
  const id = c.id === undefined ? null : c.id;
  let run;
  try {
    run = parseCase(c);
  } catch (e) {
    if (e instanceof InvalidCase) return errorLine(id, 'invalid_case', e.field, e.message);
    throw e;
  }
  try {
    return { id, ok: run() };
  } catch (e) {
    if (e instanceof AwaEnqueueError) return errorLine(id, e.code, e.field, e.message);
    return errorLine(id, 'host_error', '', String(e?.stack ?? e));
  }
}

async function main() {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  const out = [];
  for await (const line of rl) {
    if (line.trim() === '') continue;
    out.push(JSON.stringify(runLine(line)));
    if (out.length >= 256) {
      process.stdout.write(out.join('\n') + '\n');
      out.length = 0;
    }
  }
  if (out.length) process.stdout.write(out.join('\n') + '\n');
}

// Run as a program (also through an npm bin symlink); importing it only exports the parsers.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) await main();
