#!/usr/bin/env node
// `npm run test:soak`: runs `npm run test:unit` RUNS times in a row (default
// 20) while every core is kept busy by another CPU-bound process, and stops at
// the first failure. Tests must not depend on timing; this is how we check.
//
//   npm run test:soak            # 20 runs
//   SOAK_RUNS=5 npm run test:soak
import { spawn } from 'node:child_process';
import { availableParallelism, cpus } from 'node:os';

const runs = Number(process.env.SOAK_RUNS ?? 20);
const cores = typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

// One busy loop per core, in processes of their own (not threads of this one).
const burners = Array.from({ length: cores }, () =>
  spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
);
let current;
const stop = () => {
  for (const b of burners) b.kill('SIGKILL');
  current?.kill('SIGTERM');
};
process.on('exit', stop);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    stop();
    process.exit(130);
  });
}

console.log(`test:soak: ${runs} runs of \`npm run test:unit\`, ${cores} cores kept busy`);
let passed = 0;
for (let i = 1; i <= runs; i++) {
  const t0 = Date.now();
  // Asynchronous, so that a signal to this script is handled between and during runs.
  const r = await new Promise((resolve) => {
    const child = spawn(npm, ['run', 'test:unit', '--silent'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    current = child;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
  const secs = ((Date.now() - t0) / 1000).toFixed(0);
  if (r.status !== 0) {
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    console.log(`test:soak: run ${i} failed after ${secs} s: ${passed}/${runs} passed`);
    process.exit(1);
  }
  passed++;
  const summary = r.stdout.match(/mocha: [^\n]*/)?.[0] ?? '';
  console.log(`test:soak: run ${i}/${runs} passed (${summary}, ${secs} s)`);
}
console.log(`test:soak: ${passed}/${runs}`);
// The busy processes keep this one alive (their handles are ref'd): end them, then exit.
stop();
process.exit(0);
