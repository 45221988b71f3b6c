// `npm pack` tarball installs into an empty project offline (no dependencies, no build step) and works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');

test('npm pack tarball installs offline into an empty project and works there', () => {
  const work = mkdtempSync(join(tmpdir(), 'awa-enqueue-pack-'));
  try {
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: pkgDir, encoding: 'utf8' }));
    const files = packed[0].files.map((f) => f.path).sort();
    for (const f of ['LICENSE-MIT', 'LICENSE-APACHE', 'index.js', 'core.js', 'index.d.ts', 'generated/awa_enqueue.js', 'generated/awa_enqueue.wasm.js', 'generated/awa_enqueue.core.wasm', 'generated/index.cjs', 'generated/index.d.cts', 'bin/awa-enqueue.mjs', 'package.json']) {
      assert.ok(files.includes(f), `${f} in tarball (${files})`);
    }
    // no test tooling ships: tests, the conformance runner, benchmarks, the build script
    assert.ok(!files.some((f) => /^(test|node_modules|bench|examples)\//.test(f) || ['build.mjs', 'bin/conformance.mjs'].includes(f)), String(files));
    const tarball = join(work, packed[0].filename);
    const app = join(work, 'app');
    execFileSync('mkdir', [app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    // a fresh, empty npm cache and an unroutable registry: nothing can come from the network
    const env = { ...process.env, npm_config_cache: join(work, 'cache'), npm_config_registry: 'http://127.0.0.1:9/' };
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: app, env, stdio: 'pipe' });
    assert.deepEqual(readdirSync(join(app, 'node_modules')).sort(), ['.bin', '.package-lock.json', 'awa-enqueue']);
    const esm = `import { uniqueKey, prepare, CONTRACT_VERSION } from 'awa-enqueue';
      const k = Buffer.from(uniqueKey({ kind: 'send_email', argsJson: '{"to":"a@b.com"}' })).toString('hex');
      console.log(JSON.stringify({ k, v: CONTRACT_VERSION, s: prepare({ kind: 'k', runAt: new Date(0) }).state }));`;
    writeFileSync(join(app, 'check.mjs'), esm);
    const out = JSON.parse(execFileSync(process.execPath, ['check.mjs'], { cwd: app, encoding: 'utf8' }));
    assert.deepEqual(out, { k: 'ef8febabb370bd83c515cf9f8e9c3600', v: '0.6.9', s: 'scheduled' });
    // the awa-enqueue bin, through node_modules/.bin and npx; without pg a database command says how to get it
    const help = execFileSync(join(app, 'node_modules', '.bin', 'awa-enqueue'), ['--help'], { cwd: app, encoding: 'utf8' });
    assert.match(help, /^Usage: awa-enqueue <command>/);
    const npx = execFileSync('npx', ['--no-install', 'awa-enqueue', 'explain', '--kind', 'send_email', '--args-json', '{"to":"a@b.com"}', '--unique'],
      { cwd: app, env, encoding: 'utf8' });
    assert.equal(JSON.parse(npx).uniqueKey, 'ef8febabb370bd83c515cf9f8e9c3600');
    const noPg = spawnSync(join(app, 'node_modules', '.bin', 'awa-enqueue'), ['check-schema'],
      { cwd: app, env: { ...env, DATABASE_URL: 'postgres://127.0.0.1:9/none' }, encoding: 'utf8' });
    assert.equal(noPg.status, 2, noPg.stderr);
    assert.match(noPg.stderr, /needs the node-postgres driver: npm install pg/);
    // CommonJS callers get the package's CJS build (generated/index.cjs), on every Node version
    writeFileSync(join(app, 'check.cjs'), "const a = require('awa-enqueue'); console.log(a.kindFromTypeName('SendEmail'), require.resolve('awa-enqueue').endsWith('index.cjs'))");
    const cjs = execFileSync(process.execPath, ['check.cjs'], { cwd: app, encoding: 'utf8' });
    assert.equal(cjs.trim(), 'send_email true');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('npm publish --dry-run: npm corrects nothing in package.json (a ./-prefixed bin would be dropped)', () => {
  const r = spawnSync('npm', ['publish', '--dry-run'], { cwd: pkgDir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /auto-corrected|invalid and removed|was normalized/, r.stderr);
  const size = r.stderr.match(/package size: .*|unpacked size: .*/g) ?? [];
  console.log(`# ${size.join(', ')}`);
});
