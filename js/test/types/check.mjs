// Type check of the package's declarations against its JavaScript (scripts/test.sh, lint):
// every runtime export of index.js and generated/index.cjs is declared in index.d.ts and
// nothing else is, and usage.ts (typed calls of the API) compiles under strict tsc.
//   node test/types/check.mjs   (typescript from test/matrix/node_modules)
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, '..', '..');
const require = createRequire(join(pkg, 'test', 'matrix', 'package.json'));
const ts = require('typescript');

const program = ts.createProgram([join(here, 'usage.ts')], {
  strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext, lib: ['lib.es2022.d.ts'], types: [],
});
const diagnostics = ts.getPreEmitDiagnostics(program);
if (diagnostics.length) {
  console.error(ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f, getCurrentDirectory: () => pkg, getNewLine: () => '\n' }));
  process.exit(1);
}
const checker = program.getTypeChecker();
const declared = (file) => {
  const source = program.getSourceFile(file) ?? assert.fail(`${file} not in the program`);
  return checker.getExportsOfModule(checker.getSymbolAtLocation(source))
    .filter((s) => s.flags & (ts.SymbolFlags.Value | ts.SymbolFlags.Alias) && !(s.flags & ts.SymbolFlags.Interface))
    .filter((s) => !(s.flags & ts.SymbolFlags.TypeAlias))
    .map((s) => s.name).sort();
};
const values = declared(join(pkg, 'index.d.ts'));
const esm = Object.keys(await import(join(pkg, 'index.js'))).sort();
const cjs = Object.keys(require(join(pkg, 'generated', 'index.cjs'))).sort();
assert.deepEqual(esm, values, 'index.js exports vs index.d.ts values');
assert.deepEqual(cjs, values, 'generated/index.cjs exports vs index.d.ts values');
console.log(`types: usage.ts compiles (strict); ${values.length} exports of index.js and index.cjs match index.d.ts`);
