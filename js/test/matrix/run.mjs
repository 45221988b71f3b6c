// The packed package in fresh projects, through every runtime and bundler of package.json:
// each runs app.mjs (or its bundle) against a real Awa database, and the rows are checked there.
//   node run.mjs TARBALL   (DATABASE_URL: an Awa database; see scripts/test-node-matrix.sh)
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, copyFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import assert from 'node:assert/strict';
import net from 'node:net';
import pg from 'pg';

const here = dirname(fileURLToPath(import.meta.url));
const bin = (name) => join(here, 'node_modules', '.bin', name);
const node18 = join(here, 'node_modules', 'node18', 'bin', 'node');
const node22 = join(here, 'node_modules', 'node22', 'bin', 'node');
const pgVersion = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8')).devDependencies.pg;
const [tarball] = process.argv.slice(2);
const url = process.env.DATABASE_URL;
assert.ok(tarball && url, 'usage: DATABASE_URL=… node run.mjs TARBALL');

const work = mkdtempSync(join(tmpdir(), 'awa-enqueue-matrix-'));
const app = join(work, 'app'); // the package and pg installed from the tarball / registry
const run = join(work, 'run'); // only pg: bundles must carry the package (and its module) themselves
const sh = (file, args, opts = {}) => execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });

function install(dir, deps) {
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'matrix-app', version: '1.0.0', private: true }));
  sh('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...deps], { cwd: dir });
}

const started = Date.now();
install(app, [tarball, `pg@${pgVersion}`]);
install(run, [`pg@${pgVersion}`]);
writeFileSync(join(run, 'package.json'), JSON.stringify({ name: 'matrix-run', private: true, type: 'module' }));
copyFileSync(join(here, 'app.mjs'), join(app, 'app.mjs'));
copyFileSync(join(here, 'worker.mjs'), join(app, 'worker.mjs'));
// The same app as CommonJS (`require`), converted by esbuild without bundling.
sh(bin('esbuild'), ['app.mjs', '--format=cjs', '--platform=node', '--outfile=app.cjs', '--log-level=warning'], { cwd: app });

const node = (exe, file, cwd = app) => () => sh(exe, [file], { cwd, env: { ...process.env } });
const targets = [
  ['node20 ESM', node(process.execPath, 'app.mjs')],
  ['node20 CJS require', node(process.execPath, 'app.cjs')],
  ['node18 ESM', node(node18, 'app.mjs')],
  ['node18 CJS require', node(node18, 'app.cjs')],
  ['node22 ESM', node(node22, 'app.mjs')],
  ['node22 CJS require', node(node22, 'app.cjs')],
  ['esbuild ESM bundle', () => {
    sh(bin('esbuild'), ['app.mjs', '--bundle', '--platform=node', '--format=esm', '--external:pg', `--outfile=${run}/esbuild.mjs`, '--log-level=warning'], { cwd: app });
    return node(process.execPath, 'esbuild.mjs', run)();
  }],
  ['esbuild CJS bundle', () => {
    sh(bin('esbuild'), ['app.mjs', '--bundle', '--platform=node', '--format=cjs', '--external:pg', `--outfile=${run}/esbuild.cjs`, '--log-level=warning'], { cwd: app });
    return node(process.execPath, 'esbuild.cjs', run)();
  }],
  ['webpack 5 bundle', async () => {
    const { default: webpack } = await import('webpack');
    const stats = await new Promise((resolve, reject) => webpack({
      mode: 'production', target: 'node', context: app, entry: './app.mjs', externals: { pg: 'commonjs pg' },
      optimization: { minimize: false }, performance: { hints: false },
      output: { path: run, filename: 'webpack.cjs' },
    }, (err, st) => (err ? reject(err) : resolve(st))));
    if (stats.hasErrors()) throw new Error(stats.toString('errors-only'));
    return node(process.execPath, 'webpack.cjs', run)();
  }],
  ['Vite SSR build', () => {
    writeFileSync(join(app, 'vite.config.mjs'), `export default {
      logLevel: 'warn', ssr: { noExternal: ['awa-enqueue'], external: ['pg'] },
      build: { ssr: 'app.mjs', outDir: ${JSON.stringify(join(run, 'vite'))}, minify: false, emptyOutDir: true,
        rollupOptions: { output: { entryFileNames: '[name].mjs' } } } };`);
    sh(bin('vite'), ['build'], { cwd: app });
    return node(process.execPath, join('vite', 'app.mjs'), run)();
  }],
  ['Bun', node(bin('bun'), 'app.mjs')],
  ['Bun build', () => {
    sh(bin('bun'), ['build', 'app.mjs', '--target=bun', '--external', 'pg', `--outfile=${run}/bun.mjs`], { cwd: app });
    return node(bin('bun'), 'bun.mjs', run)();
  }],
  ['Deno', () => sh(bin('deno'), ['run', '--allow-all', '--quiet', 'app.mjs'], { cwd: app, env: { ...process.env, DENO_NO_UPDATE_CHECK: '1' } })],
  ['Cloudflare Workers (workerd, wrangler dev --local)', () => workerd()],
];

// TypeScript users: the package's types check under ESM (nodenext) and CommonJS (node16).
function typecheck(type, module) {
  const dir = join(work, `ts-${type}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `ts-${type}`, private: true, type }));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: {
    module, moduleResolution: module, target: 'es2022', lib: ['es2022'], types: [], strict: true, noEmit: true,
    skipLibCheck: false } }));
  writeFileSync(join(dir, 'app.ts'), `import { AwaEnqueueError, prepare, useModule, type Job } from 'awa-enqueue';
const job: Job = { kind: 'send_email', args: { to: 'a@b.c' }, unique: { byArgs: true }, maxAttempts: 3 };
const kind: string = prepare(job).kind;
const e: AwaEnqueueError | null = null;
useModule(new Uint8Array(0));
export { kind, e };\n`);
  // resolve 'awa-enqueue' from the app project's node_modules
  sh('ln', ['-s', join(app, 'node_modules'), join(dir, 'node_modules')]);
  sh(bin('tsc'), ['-p', dir]);
  return JSON.stringify({ typecheck: true });
}


async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

let workerdWithoutModule;
async function workerd() {
  const port = await freePort();
  writeFileSync(join(app, 'wrangler.toml'), [
    'name = "awa-enqueue-matrix"', 'main = "worker.mjs"', 'compatibility_date = "2026-11-01"',
    'compatibility_flags = ["nodejs_compat"]', '[vars]', `DATABASE_URL = ${JSON.stringify(url)}`, ''].join('\n'));
  const wrangler = join(here, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
  const child = spawn(node22, [wrangler, 'dev', '--local', '--ip', '127.0.0.1', '--port', String(port), '--show-interactive-dev-session=false'],
    { cwd: app, env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/without-module`);
        workerdWithoutModule = await r.json();
        break;
      } catch (e) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`wrangler dev did not serve: ${e.message}\n${log}`);
        await new Promise((res) => setTimeout(res, 500));
      }
    }
    const r = await fetch(`http://127.0.0.1:${port}/?target=${encodeURIComponent(process.env.AWA_MATRIX_TARGET)}`);
    const text = await r.text();
    if (!r.ok) throw new Error(`worker answered ${r.status}: ${text}\n${log}`);
    return text;
  } finally {
    child.kill('SIGTERM');
  }
}

const db = new pg.Client({ connectionString: url });
await db.connect();
// Expected values from the installed package under plain Node.
const plain = await import(pathToFileURL(join(app, 'node_modules', 'awa-enqueue', 'index.js')).href);
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const keyFor = (target) => hex(plain.prepare({ kind: '\ufeffmatrix', queue: 'matrix', args: { target }, unique: { byArgs: true } }).uniqueKey);
const results = [];
const enqueued = []; // job ids every target enqueued: a real Awa worker must complete them all
let failed = 0;
try {
  for (const [name, runTarget] of targets) {
    const t0 = Date.now();
    try {
      process.env.AWA_MATRIX_TARGET = name;
      process.env.DATABASE_URL = url;
      const out = JSON.parse(String(await runTarget()).trim().split('\n').pop());
      assert.equal(out.target, name);
      assert.equal(out.contract, plain.CONTRACT_VERSION);
      assert.equal(out.key, keyFor(name), 'unique key as computed by plain Node');
      assert.equal(out.inserted, true);
      assert.equal(out.duplicate, true);
      assert.equal(out.existing, out.id, 'the duplicate reports the job holding the key');
      assert.equal(out.batch.length, 3);
      const { rows } = await db.query(
        `SELECT kind, count(*)::int AS n, min(encode(unique_key, 'hex')) AS key FROM awa.jobs
          WHERE queue = 'matrix' AND args->>'target' = $1 GROUP BY kind ORDER BY kind`, [name]);
      assert.deepEqual(rows, [
        { kind: 'matrix_batch', n: 3, key: null },
        { kind: '\ufeffmatrix', n: 1, key: keyFor(name) },
      ]);
      enqueued.push(out.id, ...out.batch);
      results.push(`ok    ${name} (${Date.now() - t0} ms)`);
    } catch (e) {
      failed++;
      results.push(`FAIL  ${name}: ${e.stderr ?? ''}${e.message}`);
    }
  }
  for (const [type, module] of [['module', 'nodenext'], ['commonjs', 'node16']]) {
    try {
      typecheck(type, module);
      results.push(`ok    TypeScript ("type": "${type}", module ${module})`);
    } catch (e) {
      failed++;
      results.push(`FAIL  TypeScript (${type}, ${module}): ${e.stdout ?? ''}${e.message}`);
    }
  }
  if (workerdWithoutModule) {
    try {
      assert.equal(workerdWithoutModule.code, 'module_load');
      assert.match(workerdWithoutModule.message, /awa-enqueue.*useModule/s);
      results.push('ok    workerd without useModule: AwaEnqueueError module_load, naming the package and the remedy');
    } catch (e) {
      failed++;
      results.push(`FAIL  workerd without useModule: ${JSON.stringify(workerdWithoutModule)}`);
    }
  }
  // Awa's own Python worker (awa-pg) completes every job the targets enqueued.
  try {
    const python = process.env.AWA_PY;
    assert.ok(python, 'AWA_PY (the venv python with awa-pg) must be set');
    const out = sh(python, [join(here, '..', '..', '..', 'host-tests', 'fixtures', 'awa_py.py'), 'worker', url, 'matrix',
      '\ufeffmatrix,matrix_batch', String(enqueued.length), '120']);
    const ran = new Set(out.split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((l) => l.ran).map((l) => String(l.ran.id)));
    const missing = enqueued.filter((id) => !ran.has(id));
    assert.deepEqual(missing, [], 'jobs the Awa worker did not run');
    results.push(`ok    Awa's Python worker (awa-pg 0.6.9) ran all ${enqueued.length} jobs the targets enqueued`);
  } catch (e) {
    failed++;
    results.push(`FAIL  Awa's Python worker: ${e.stderr ?? ''}${e.message}`);
  }
} finally {
  await db.end();
  rmSync(work, { recursive: true, force: true });
}
console.log(results.join('\n'));
console.log(`node matrix: ${results.length - failed}/${results.length} checks passed in ${Math.round((Date.now() - started) / 1000)} s`);
process.exitCode = failed ? 1 : 0;
