// The core module instance behind index.js (internal: not in the package's `exports`).
// Compiles the bundled module once, instantiates it lazily, and turns every outcome of a core
// call into a value or an AwaEnqueueError. After a trap (a core bug) the instance is dropped and
// the next call gets a fresh one, as the Go and JVM libraries do.
import { readFileSync } from 'node:fs';
import { instantiate } from './generated/awa_enqueue.js';

/** Error for anything rejected before the database: `code` is stable, `field` names the input. */
export class AwaEnqueueError extends Error {
  constructor(code, field, message, options = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AwaEnqueueError';
    this.code = code;
    /** The input as the JS API spells it (`jobs[3].unique.byPeriod`). */
    this.field = field;
    /** The same input in the contract's spelling (`jobs[3].unique.by_period`). */
    this.contractField = options.contractField ?? field;
  }
}

const wasmModule = new WebAssembly.Module(readFileSync(new URL('./generated/awa_enqueue.core.wasm', import.meta.url)));

let current = null;
let instances = 0;
let trapNext = false; // test hook: the next instance's kind-from-type-name export is fed a bad pointer

function load() {
  const trapping = trapNext;
  trapNext = false;
  const api = instantiate(() => wasmModule, {}, (module, imports) => {
    const instance = new WebAssembly.Instance(module, imports);
    if (!trapping) return instance;
    const exports = { ...instance.exports };
    const name = 'awa:enqueue/core@0.6.9#kind-from-type-name';
    const real = exports[name];
    exports[name] = () => real(0xfffffff0, 0x100); // out of bounds: the core traps
    return { exports };
  }).core;
  instances++;
  return api;
}

function isCoreError(e) {
  return e !== null && typeof e === 'object' && !(e instanceof Error) &&
    typeof e.code === 'string' && typeof e.field === 'string' && typeof e.message === 'string';
}

/** An error record (contract field) as an AwaEnqueueError with the JS field spelling. */
export function toError(e, cause) {
  const field = e.field === '' ? '' : invoke('fieldName', e.field, 'camel');
  return new AwaEnqueueError(e.code, field, e.message, { contractField: e.field, cause });
}

// One core call: a core `error` record is thrown as is by the glue (noComponentErrorWrapping).
function invoke(name, ...args) {
  const api = (current ??= load());
  try {
    return api[name](...args);
  } catch (e) {
    if (isCoreError(e)) throw e;
    // Anything else leaves the instance in an unknown state: drop it.
    if (current === api) current = null;
    if (e instanceof WebAssembly.RuntimeError) {
      throw new AwaEnqueueError('module_trap', '', `awa-enqueue: the core module trapped in ${name}: ${e.message}`, { cause: e });
    }
    if (e?.code === 'ERR_ENCODING_INVALID_ENCODED_DATA') {
      throw new AwaEnqueueError('module_trap', '', `awa-enqueue: the core module returned invalid UTF-8 from ${name}`, { cause: e });
    }
    throw e;
  }
}

/** Call core export `name` (its jco name); core errors become AwaEnqueueError. */
export function call(name, ...args) {
  try {
    return invoke(name, ...args);
  } catch (e) {
    if (isCoreError(e)) throw toError(e);
    throw e;
  }
}

/** Host-side error about job `index` of a batch: the core prefixes the field (`jobs[3].kind`). */
export function withinBatch(index, err) {
  if (!(err instanceof AwaEnqueueError)) return err;
  const record = invoke('withinBatch', index, { code: err.code, field: err.contractField, message: err.message });
  return toError(record, err.cause);
}

/** Test hooks (not part of the package API). */
export const testHooks = {
  /** Replace the instance with one whose next kindFromTypeName call traps. */
  trapOnNextKindFromTypeName() {
    trapNext = true;
    current = load();
  },
  /** Number of instances created so far. */
  instances: () => instances,
};
