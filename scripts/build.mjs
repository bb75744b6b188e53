// Builds dist/esm (ES modules) and dist/cjs (CommonJS), each with its own
// declaration files, so both `import` and `require` get matching types.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const tsc = (args) =>
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', ...args], {
    stdio: 'inherit',
  });

rmSync('dist', { recursive: true, force: true });
tsc(['-p', 'tsconfig.build.json']);
tsc([
  '-p',
  'tsconfig.build.json',
  '--module',
  'commonjs',
  '--moduleResolution',
  'node10',
  '--outDir',
  'dist/cjs',
]);
for (const [dir, type] of [
  ['dist/esm', 'module'],
  ['dist/cjs', 'commonjs'],
]) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/package.json`, JSON.stringify({ type }) + '\n');
}

// `import.meta.url` exists only in ES modules: the CommonJS build of src/base-url.ts
// (from which optional peers are resolved) uses the file's own path instead.
writeFileSync(
  'dist/cjs/base-url.js',
  '"use strict";\n// Written by scripts/build.mjs: the location of this module (CommonJS build).\n' +
    'Object.defineProperty(exports, "__esModule", { value: true });\nexports.base = __filename;\n',
);
rmSync('dist/cjs/base-url.js.map', { force: true });
if (readFileSync('dist/cjs/base-url.js', 'utf8').includes('import.meta')) {
  throw new Error('dist/cjs/base-url.js still uses import.meta');
}
// The `otel-xray` command (package.json "bin").
chmodSync('dist/esm/cli/main.js', 0o755);
