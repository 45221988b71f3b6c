// The core module instance behind index.js (internal: not in the package's `exports`).
// The module's bytes are inlined (generated/awa_enqueue.wasm.js), so bundlers and runtimes need
// no file next to the code; useModule() supplies a precompiled module where compiling from bytes
// is forbidden (Cloudflare Workers). The instance is created lazily; after a trap (a core bug) it
// is dropped and the next call gets a fresh one, as the Go and JVM libraries do.
import { instantiate } from './generated/awa_enqueue.js';
import { wasmBase64, builtFor } from './generated/awa_enqueue.wasm.js';

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

/** ABI version of the core module this glue was written for. */
export const ABI_VERSION = 2;
export { builtFor };

const LOAD_HINT = 'Where the runtime cannot compile WebAssembly from bytes (Cloudflare Workers), ' +
  "import the module from 'awa-enqueue/core.wasm' and pass it to useModule() before the first call.";

function loadError(what, cause) {
  return new AwaEnqueueError('module_load', '', `awa-enqueue: ${what}: ${cause?.message ?? cause}. ${LOAD_HINT}`, { cause });
}

let wasmModule = null;

function compile(bytes) {
  try {
    return new WebAssembly.Module(bytes);
  } catch (e) {
    throw loadError('could not compile its WebAssembly core module', e);
  }
}

function bundledBytes() {
  const text = atob(wasmBase64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/**
 * Use `source` (a WebAssembly.Module, or the bytes of awa-enqueue's core module) instead of the
 * bundled bytes; the next call instantiates it.
 */
export function useModule(source) {
  let m;
  if (source instanceof WebAssembly.Module) m = source;
  else if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) m = compile(source);
  else {
    throw new AwaEnqueueError('invalid_argument', 'source',
      'awa-enqueue: useModule expects a WebAssembly.Module, an ArrayBuffer or a typed array');
  }
  wasmModule = m;
  current = null;
}

let current = null;
let instances = 0;
let memory = null; // the current instance's linear memory (test hook)
let trapNext = false; // test hook: the next instance's kind-from-type-name export is fed a bad pointer

function load() {
  const trapping = trapNext;
  trapNext = false;
  wasmModule ??= compile(bundledBytes());
  let api;
  try {
    api = instantiate(() => wasmModule, {}, (module, imports) => {
      const instance = new WebAssembly.Instance(module, imports);
      memory = instance.exports.memory;
      if (!trapping) return instance;
      const exports = { ...instance.exports };
      const name = 'awa:enqueue/core@0.6.9#kind-from-type-name';
      const real = exports[name];
      exports[name] = () => real(0xfffffff0, 0x100); // out of bounds: the core traps
      return { exports };
    }).core;
  } catch (e) {
    throw loadError('could not instantiate its WebAssembly core module', e);
  }
  let info;
  try {
    info = api.contractInfo();
  } catch (e) {
    throw loadError('the core module does not answer contract-info', e);
  }
  if (info.abiVersion !== ABI_VERSION) {
    throw new AwaEnqueueError('abi_mismatch', '',
      `awa-enqueue: the core module speaks ABI ${info.abiVersion}, this package was written for ABI ${ABI_VERSION}`);
  }
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
  /** Linear memory of the latest instance, in 64 KiB pages. */
  memoryPages: () => (memory ? memory.buffer.byteLength / 65536 : 0),
};
