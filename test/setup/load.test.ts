/**
 * Loading otel-xray loads no module the instrumentations must patch: an app
 * that imports otel-xray first, then `node:http`, gets its HTTP calls traced
 * and no "setup ran after node:http was loaded" warning. (The X-Ray sampler
 * loads `node:http` on its first request, not with the package.)
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { REPO, requireBuild } from './process.js';

const LOADED = `const l = process.moduleLoadList;
console.log(JSON.stringify(['http', 'https'].filter((m) => l.includes('NativeModule ' + m))));`;

describe('loading otel-xray', () => {
  before(requireBuild);

  for (const [label, code, type] of [
    ['require (CommonJS build)', `require('./dist/cjs/index.js');\n${LOADED}`, 'commonjs'],
    ['import (ES module build)', `await import('./dist/esm/index.js');\n${LOADED}`, 'module'],
  ] as const) {
    it(`${label} loads neither node:http nor node:https`, () => {
      const out = execFileSync(process.execPath, [`--input-type=${type}`, '-e', code], {
        cwd: REPO,
        encoding: 'utf8',
      });
      assert.deepEqual(JSON.parse(out.trim()), [], `built-ins loaded: ${out}`);
    });
  }
});
