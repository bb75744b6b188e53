// Builds dist/esm (ES modules) and dist/cjs (CommonJS), each with its own
// declaration files, so both `import` and `require` get matching types.
//
// What ships, and why (docs/compatibility.md, "Package size"):
// - JavaScript without comments and without source maps: tsc's ES2022 output
//   keeps the source's names and structure (only types and comments are gone),
//   so a debugger stepping into it reads like the source; indented with tabs.
// - Declarations emitted once with `stripInternal` (the doc comments kept) and
//   copied into both builds; only the declaration files reachable from the
//   entry points (`otel-xray`, `otel-xray/register`, `otel-xray/validate`)
//   ship, so the public types never name an internal module.
// - Each build keeps only the modules its entry points load (the CommonJS
//   build has no CLI: the `otel-xray` command is the ES module build's).
import { execFileSync } from 'node:child_process';
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

const tsc = (args) =>
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', ...args], {
    stdio: 'inherit',
  });

const JS = ['--removeComments', '--declaration', 'false', '--sourceMap', 'false'];
const TYPES = 'dist/.types';

rmSync('dist', { recursive: true, force: true });
tsc(['-p', 'tsconfig.build.json', ...JS]);
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
// (from which optional peers are resolved) uses the file's own path instead.
writeFileSync(
  'dist/cjs/shared/base-url.js',
  '"use strict";\n// Written by scripts/build.mjs: the location of this module (CommonJS build).\n' +
    'Object.defineProperty(exports, "__esModule", { value: true });\nexports.base = __filename;\n',
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

// Declarations: what the entry points reach, into both builds.
const entries = ['index', 'register', 'validate'];
const types = reachable(
  TYPES,
  entries.map((e) => `${e}.d.ts`),
  (spec) => spec.replace(/\.js$/, '.d.ts'),
);
for (const dir of ['dist/esm', 'dist/cjs']) {
  for (const f of types) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    copyFileSync(path.join(TYPES, f), path.join(dir, f));
  }
}
rmSync(TYPES, { recursive: true });

// JavaScript: what each build's entry points load.
const js = (list) => list.map((e) => `${e}.js`);
prune('dist/esm', reachable('dist/esm', js([...entries, 'cli/main'])), (f) => f.endsWith('.js'));
prune('dist/cjs', reachable('dist/cjs', js(entries)), (f) => f.endsWith('.js'));
/** Removes the empty directories under `dir`. */
function removeEmpty(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const sub = path.join(dir, e.name);
    removeEmpty(sub);
    if (readdirSync(sub).length === 0) rmSync(sub, { recursive: true });
  }
}
removeEmpty('dist/esm');
removeEmpty('dist/cjs');

// tsc indents with 4 spaces; the same code indented with tabs is 15 % smaller
// and reads the same in a debugger.
const prettier = await import('prettier');
await Promise.all(
  ['dist/esm', 'dist/cjs'].flatMap((dir) =>
    walk(dir)
      .filter((f) => f.endsWith('.js'))
      .map(async (f) => {
        const file = path.join(dir, f);
        const text = await prettier.format(readFileSync(file, 'utf8'), {
          parser: 'babel',
          useTabs: true,
          singleQuote: true,
          printWidth: 100,
        });
        writeFileSync(file, text);
      }),
  ),
);

// The `otel-xray` command (package.json "bin").
chmodSync('dist/esm/cli/main.js', 0o755);
