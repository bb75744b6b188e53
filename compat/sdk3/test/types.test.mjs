// otel-xray's declarations (packed tarball) against the SDK 3.x line's and
// API 1.10's: tsc on test/types/app.mts, skipLibCheck off.
/* global describe, it -- mocha */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('types: otel-xray with @opentelemetry/sdk-trace 3.x and @opentelemetry/api 1.10', function () {
  it('tsc (nodenext, strict, skipLibCheck off) accepts the SDK 3 setup', function () {
    const tsc = require.resolve('typescript/bin/tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`tsc exited ${r.status}\n${r.stdout}${r.stderr}`);
  });
});
