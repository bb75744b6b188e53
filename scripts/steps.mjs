#!/usr/bin/env node
// Runs npm scripts in order and stops at the first that fails, as `a && b && c`
// would, but says which step failed: `npm test` chains typecheck, lint, build,
// API check, package check, unit tests and compat tests, and a failure early in
// the chain hides everything after it.
//
//   node scripts/steps.mjs typecheck lint build test:unit
import { spawnSync } from 'node:child_process';

const steps = process.argv.slice(2);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
for (const [i, step] of steps.entries()) {
  const label = `step ${i + 1}/${steps.length} \`npm run ${step}\``;
  process.stdout.write(`\n> ${label}\n`);
  const r = spawnSync(npm, ['run', step], {
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (r.status !== 0) {
    const why = r.signal ? `killed by ${r.signal}` : `exit code ${r.status ?? r.error}`;
    const left = steps.slice(i + 1);
    process.stderr.write(
      `\nnpm test: ${label} failed (${why})` +
        (left.length > 0 ? `; not run: ${left.join(', ')}` : '') +
        '\n',
    );
    process.exit(r.status || 1);
  }
}
process.stdout.write(`\nnpm test: all ${steps.length} steps passed (${steps.join(', ')})\n`);
