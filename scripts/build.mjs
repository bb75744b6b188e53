// Builds otel-xray: ONE implementation, the CommonJS build in dist/cjs, and a
// thin ES module layer in dist/esm that re-exports it.
//
// What ships, and why (docs/compatibility.md, "Package size"):
// - One copy of the code. `require('otel-xray')` loads dist/cjs; `import`
//   loads dist/esm, whose modules only re-export dist/cjs (Node's
//   cjs-module-lexer sees tsc's `exports.X = ...`; the build checks that every
//   name arrives). An app (or its dependencies) that both imports and requires
//   otel-xray therefore shares one setup, one exporter state, one class per
//   export: no dual-package hazard. The ES module layer differs in one thing:
//   its `setupXRay` (and `--import otel-xray/register`) registers the ES
//   module loader hook by default (`esmHook`, docs/setup.md).
// - JavaScript without comments and without source maps: tsc's ES2022 output
//   keeps the source's names and structure (only types and comments are gone),
//   so a debugger stepping into it reads like the source; indented with tabs.
// - Declarations emitted once with `stripInternal` (the doc comments kept)
//   into dist/cjs; only the declaration files reachable from the entry points
//   (`otel-xray`, `otel-xray/register`, `otel-xray/validate`) ship, so the
//   public types never name an internal module. The ES module entry points'
//   declarations re-export them (`export * from '../cjs/index.js'`).
// - Only the modules the entry points and the `otel-xray` command (bin,
//   dist/cjs/cli/main.js) load.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const tsc = (args) =>
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', ...args], {
    stdio: 'inherit',
  });

const JS = ['--removeComments', '--declaration', 'false', '--sourceMap', 'false'];
const TYPES = 'dist/.types';

rmSync('dist', { recursive: true, force: true });
tsc([
  '-p',
  'tsconfig.build.json',
  ...JS,
  '--module',
  'commonjs',
  '--moduleResolution',
  'node10',
  '--outDir',
  'dist/cjs',
]);
tsc(['-p', 'tsconfig.build.json', '--emitDeclarationOnly', '--stripInternal', '--outDir', TYPES]);

for (const [dir, type] of [
  ['dist/esm', 'module'],
  ['dist/cjs', 'commonjs'],
]) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/package.json`, JSON.stringify({ type }) + '\n');
}

// `import.meta.url` exists only in ES modules: the CommonJS build of src/shared/base-url.ts
// (from which optional peers are resolved) uses the file's own path instead; in an ES module
// bundle of this code, which has no `__filename`, peers resolve from the working directory.
writeFileSync(
  'dist/cjs/shared/base-url.js',
  '"use strict";\n// Written by scripts/build.mjs: the location of this module (src/shared/base-url.ts).\n' +
    'Object.defineProperty(exports, "__esModule", { value: true });\n' +
    "exports.base = typeof __filename === 'string' ? __filename : '';\n",
);
if (readFileSync('dist/cjs/shared/base-url.js', 'utf8').includes('import.meta')) {
  throw new Error('dist/cjs/shared/base-url.js still uses import.meta');
}

/** Every file under `dir`, relative to it, with `/` separators. */
function walk(dir, prefix = '') {
  return readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(dir, `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

/**
 * The files reachable from `entries` (relative to `dir`) through relative
 * imports, exports and requires: static `from '…'`, `import('…')`, `require('…')`.
 */
function reachable(dir, entries, toFile = (spec) => spec) {
  const seen = new Set();
  const todo = [...entries];
  const relative = /(?:from\s*|import\s*\(\s*|require\s*\(\s*)['"](\.\.?\/[^'"]+)['"]/g;
  while (todo.length > 0) {
    const file = todo.pop();
    if (seen.has(file)) continue;
    if (!existsSync(path.join(dir, file))) throw new Error(`${dir}/${file} is missing`);
    seen.add(file);
    for (const m of readFileSync(path.join(dir, file), 'utf8').matchAll(relative)) {
      todo.push(toFile(path.posix.join(path.posix.dirname(file), m[1])));
    }
  }
  return seen;
}

/** Removes the files under `dir` that `keep` does not hold (and `test` selects). */
function prune(dir, keep, test) {
  for (const f of walk(dir)) if (test(f) && !keep.has(f)) rmSync(path.join(dir, f));
}

// Declarations: what the entry points reach, into dist/cjs.
const entries = ['index', 'register', 'validate'];
const types = reachable(
  TYPES,
  entries.map((e) => `${e}.d.ts`),
  (spec) => spec.replace(/\.js$/, '.d.ts'),
);
for (const f of types) {
  mkdirSync(path.dirname(path.join('dist/cjs', f)), { recursive: true });
  copyFileSync(path.join(TYPES, f), path.join('dist/cjs', f));
}
rmSync(TYPES, { recursive: true });

// JavaScript: what the entry points and the command load.
const js = (list) => list.map((e) => `${e}.js`);
prune('dist/cjs', reachable('dist/cjs', js([...entries, 'cli/main'])), (f) => f.endsWith('.js'));
/** Removes the empty directories under `dir`. */
function removeEmpty(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const sub = path.join(dir, e.name);
    removeEmpty(sub);
    if (readdirSync(sub).length === 0) rmSync(sub, { recursive: true });
  }
}
removeEmpty('dist/cjs');

// The ES module layer: each entry point re-exports the CommonJS one, name by
// name (a name Node could not find in the CommonJS module fails at load, not
// silently), with the names read from the CommonJS build itself.
const require = createRequire(import.meta.url);
const cjsNames = (entry) =>
  Object.keys(require(path.resolve('dist/cjs', `${entry}.js`)))
    .filter((n) => n !== '__esModule')
    .sort();
const HEADER = `// Written by scripts/build.mjs. otel-xray has one implementation, the CommonJS
// build in ../cjs; this ES module only re-exports it, so an app that both
// imports and requires otel-xray gets one setup and one exporter state.
`;
const list = (names) => `\n${names.map((n) => `\t${n},`).join('\n')}\n`;
const rootNames = cjsNames('index');
if (!rootNames.includes('setupXRay')) throw new Error('dist/cjs/index.js has no setupXRay');
writeFileSync(
  'dist/esm/index.js',
  HEADER +
    `// The one difference: \`setupXRay\` registers the ES module loader hook by
// default (option \`esmHook\`), as an ES module app needs it.
export {${list(rootNames.filter((n) => n !== 'setupXRay'))}} from '../cjs/index.js';
export { setupXRayFromEsm as setupXRay } from '../cjs/setup/setup.js';
`,
);
writeFileSync(
  'dist/esm/validate.js',
  HEADER + `export {${list(cjsNames('validate'))}} from '../cjs/validate.js';\n`,
);
writeFileSync(
  'dist/esm/register.js',
  HEADER +
    `// \`node --import otel-xray/register\`: the setup, with the ES module loader hook.
import { registerFromCommandLine } from '../cjs/setup/command-line.js';

registerFromCommandLine(true);
`,
);
const TYPES_HEADER = '// Written by scripts/build.mjs: the declarations are those of ../cjs.\n';
writeFileSync('dist/esm/index.d.ts', `${TYPES_HEADER}export * from '../cjs/index.js';\n`);
writeFileSync('dist/esm/validate.d.ts', `${TYPES_HEADER}export * from '../cjs/validate.js';\n`);
writeFileSync('dist/esm/register.d.ts', `${TYPES_HEADER}export {};\n`);

// Every name arrives, as the very same value (setupXRay aside).
for (const entry of ['index', 'validate']) {
  const esm = await import(pathToFileURL(path.resolve('dist/esm', `${entry}.js`)).href);
  const cjs = require(path.resolve('dist/cjs', `${entry}.js`));
  const esmKeys = Object.keys(esm).sort();
  if (esmKeys.join() !== cjsNames(entry).join()) {
    throw new Error(`dist/esm/${entry}.js exports ${esmKeys} but dist/cjs has ${cjsNames(entry)}`);
  }
  for (const k of esmKeys) {
    if (k !== 'setupXRay' && esm[k] !== cjs[k])
      throw new Error(`dist/esm/${entry}.js: ${k} differs`);
  }
}

// tsc indents with 4 spaces; the same code indented with tabs is 15 % smaller
// and reads the same in a debugger.
const prettier = await import('prettier');
await Promise.all(
  walk('dist/cjs')
    .filter((f) => f.endsWith('.js'))
    .map(async (f) => {
      const file = path.join('dist/cjs', f);
      const text = await prettier.format(readFileSync(file, 'utf8'), {
        parser: 'babel',
        useTabs: true,
        singleQuote: true,
        printWidth: 100,
      });
      writeFileSync(file, text);
    }),
);

// The `otel-xray` command (package.json "bin"): CommonJS, with tsc's copy of the shebang.
if (!readFileSync('dist/cjs/cli/main.js', 'utf8').startsWith('#!/usr/bin/env node\n')) {
  throw new Error('dist/cjs/cli/main.js has no shebang');
}
chmodSync('dist/cjs/cli/main.js', 0o755);
