// Build generated/ from the committed core module: componentize, transpile with jco, patch.
//   node build.mjs          rebuild generated/
//   node build.mjs --check  fail if generated/ lacks the patches below or differs from a fresh
//                           build (into a temp dir) of the committed core module
import { readFile, writeFile, mkdir, rm, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { transpileBytes } from '@bytecodealliance/jco-transpile';
import { componentNew } from '@bytecodealliance/jco-transpile/wasm-tools';

const here = dirname(fileURLToPath(import.meta.url));
const coreWasm = join(here, '..', 'wasm', 'awa_enqueue.wasm');
const NAME = 'awa_enqueue';

// jco's _debugLog reads process.env.JCO_DEBUG on every call (dozens per export call); read it once.
const DEBUG_LOG_PER_CALL = /^([ \t]*)const _debugLog = \(\.\.\.args\) => \{\n([ \t]*)if \(!globalThis\?\.process\?\.env\?\.JCO_DEBUG\) \{ return; \}/m;
const DEBUG_LOG_HOISTED = '$1const _jcoDebug = !!globalThis?.process?.env?.JCO_DEBUG;\n$1const _debugLog = (...args) => {\n$2if (!_jcoDebug) { return; }';

// jco decodes every string the module returns with `new TextDecoder()`: its default
// `ignoreBOM: false` strips a leading U+FEFF from each one (a kind, queue or tag starting with a
// BOM would come back without it), and `fatal: false` would turn bad UTF-8 into U+FFFD. Every
// decoder the glue builds must be exact.
const TEXT_DECODER_DEFAULT = /new TextDecoder\(\s*(?:(['"])utf-?8\1\s*)?\)/gi;
export const TEXT_DECODER_EXACT = "new TextDecoder('utf-8', { ignoreBOM: true, fatal: true })";

function patchTextDecoder(js) {
  const patched = js.replace(TEXT_DECODER_DEFAULT, TEXT_DECODER_EXACT);
  const left = inexactTextDecoders(patched);
  if (left.length) throw new Error(`jco output changed: TextDecoder built as ${left[0]}; update build.mjs`);
  return patched;
}

/** Every use of TextDecoder in `js` that is not the exact decoder (empty when all are patched). */
export function inexactTextDecoders(js) {
  const uses = [];
  for (const m of js.matchAll(/(?:new\s+)?\bTextDecoder\b[^;\n]*/g)) {
    if (!m[0].startsWith(TEXT_DECODER_EXACT)) uses.push(m[0].trim());
  }
  return uses;
}

export async function generate(outDir, { patch = true } = {}) {
  const core = await readFile(coreWasm);
  const component = await componentNew(core);
  const { files } = await transpileBytes(component, {
    name: NAME,
    instantiation: 'sync', // no top-level await: index.js instantiates synchronously, require(esm) works
    noComponentErrorWrapping: true,
    emitTypescriptDeclarations: true,
    minify: false,
    optimize: false,
    tlaCompat: false,
  });
  await rm(outDir, { recursive: true, force: true });
  for (const [name, bytes] of Object.entries(files)) {
    let data = bytes;
    if (patch && name === `${NAME}.js`) {
      data = Buffer.from(patchTextDecoder(patchDebugLog(Buffer.from(bytes).toString('utf8'))));
    }
    const path = join(outDir, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, data);
  }
  await writeFile(join(outDir, 'package.json'), '{"type":"module"}\n');
}

function patchDebugLog(js) {
  if (!js.includes('process?.env?.JCO_DEBUG')) return js; // nothing per-call left to hoist
  if (!DEBUG_LOG_PER_CALL.test(js)) {
    throw new Error('jco output changed: _debugLog reads process.env per call in an unknown shape; update build.mjs');
  }
  const patched = js.replace(DEBUG_LOG_PER_CALL, DEBUG_LOG_HOISTED);
  if (patched.split('process?.env?.JCO_DEBUG').length !== 2) throw new Error('unexpected JCO_DEBUG reads left after patch');
  return patched;
}

async function listFiles(dir, prefix = '') {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(join(dir, e.name), rel)));
    else out.push(rel);
  }
  return out.sort();
}

const target = join(here, 'generated');
const isMain = process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href;
if (!isMain) {
  // imported (bench/bench.mjs): only generate() is used
} else if (process.argv.includes('--check')) {
  const glue = await readFile(join(target, `${NAME}.js`), 'utf8').catch(() => '');
  const inexact = inexactTextDecoders(glue);
  if (!glue.includes(TEXT_DECODER_EXACT) || inexact.length) {
    console.error(`generated/${NAME}.js decodes strings with a lossy TextDecoder (${inexact[0] ?? 'none patched'}): ` +
      'the ignoreBOM/fatal patch is missing (run `npm run build` in js/)');
    process.exit(1);
  }
  const tmp = await mkdtemp(join(tmpdir(), 'awa-enqueue-gen-'));
  try {
    await generate(tmp);
    const want = await listFiles(tmp);
    const have = await listFiles(target).catch(() => []);
    const diffs = [];
    if (want.join('\n') !== have.join('\n')) diffs.push(`file list: built [${want}] vs committed [${have}]`);
    for (const f of want) {
      const a = await readFile(join(tmp, f));
      const b = await readFile(join(target, f)).catch(() => null);
      if (!b || !a.equals(b)) diffs.push(`${f} differs`);
    }
    if (diffs.length) {
      console.error('generated/ is stale (run `npm run build` in js/):\n  ' + diffs.join('\n  '));
      process.exit(1);
    }
    console.log(`generated/ is up to date (${want.length} files)`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
} else {
  await generate(target);
  console.log(`wrote ${(await listFiles(target)).length} files to generated/`);
}
