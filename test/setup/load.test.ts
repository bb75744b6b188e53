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

  it('import and require get one implementation: every ES module export is the CommonJS one', () => {
    // Run in a child: the entry points as an app gets them, without tsx in between.
    const code = `import { createRequire } from 'node:module';
const require = createRequire(process.cwd() + '/noop.js');
const report = {};
for (const entry of ['index', 'validate']) {
  const esm = await import('./dist/esm/' + entry + '.js');
  const cjs = require('./dist/cjs/' + entry + '.js');
  report[entry] = {
    esm: Object.keys(esm).sort(),
    cjs: Object.keys(cjs).filter((k) => k !== '__esModule').sort(),
    differ: Object.keys(esm).filter((k) => esm[k] !== cjs[k]),
  };
}
console.log(JSON.stringify(report));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], {
      cwd: REPO,
      encoding: 'utf8',
    });
    const report = JSON.parse(out.trim()) as Record<
      string,
      { esm: string[]; cjs: string[]; differ: string[] }
    >;
    for (const [entry, r] of Object.entries(report)) {
      assert.deepEqual(r.esm, r.cjs, `${entry}: the same names`);
      assert.ok(r.esm.length > 1, `${entry}: exports found`);
    }
    assert.ok(report.index?.esm.includes('AWSXRaySpanExporter'), 'the exporter is exported');
    // setupXRay alone differs: from an ES module it defaults to esmHook: true (register.test.ts).
    assert.deepEqual(report.index?.differ, ['setupXRay'], 'the same classes and functions');
    assert.deepEqual(report.validate?.differ, [], 'the same validators');
  });
});
