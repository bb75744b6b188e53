#!/usr/bin/env node
// Compatibility passes for otel-xray, from a clean clone, with nothing
// pre-installed but Node 20 and npm:
//
//   1. build the package and `npm pack` it to a temp dir (never committed);
//   2. in each compat package: `npm ci` (pinned versions), then install the
//      fresh tarball over the locked tree (`npm install --no-save <tgz>`);
//   3. run each pass with the right Node:
//        sdk3-node24  SDK 3.x line, Node 24 (from the `node` package)   compat/sdk3
//        sdk3-node22  SDK 3.x line, Node 22 (from `npm:node@22`)        compat/sdk3
//        consumers    ESM + CJS TypeScript apps type-checked with         compat/consumers
//                     TypeScript 5.x and 7.x (with and without
//                     @types/node), compiled and run; publint, attw
//        bundle       esbuild one-file Lambda handler                    compat/bundle
//      (consumers and bundle run mocha on the machine's Node 20, and their
//      compiled apps and bundles on Node 20, 24 and 22)
//   4. print each pass's "<pass>: N passed, N failed" line and time, then one
//      "compat: N passed, N failed" line; exit non-zero on any failure.
//
// Usage: node compat/run.mjs [--only sdk3,consumers,bundle] [--keep]
//   --only  run only these packages' passes (sdk3 runs both sdk3-* passes)
//   --keep  keep the temp dir with the tarball (its path is printed)
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const COMPAT = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.dirname(COMPAT);
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const args = process.argv.slice(2);
const only = (() => {
  const i = args.indexOf('--only');
  return i >= 0 ? new Set(args[i + 1]?.split(',')) : undefined;
})();
const keep = args.includes('--keep');
const wanted = (pkg) => only === undefined || only.has(pkg);

const t0 = performance.now();
const seconds = (since) => ((performance.now() - since) / 1000).toFixed(1);

function log(line) {
  process.stdout.write(`[compat] ${line}\n`);
}

/** Runs a command, streaming its output; resolves with its stdout; rejects on failure. */
function exec(cmd, argv, { cwd, env, quiet = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      if (!quiet) process.stdout.write(c);
    });
    child.stderr.on('data', (c) => process.stderr.write(c));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(out);
      else {
        const e = new Error(`${cmd} ${argv.join(' ')} (in ${cwd}) exited ${code ?? signal}`);
        e.stdout = out;
        reject(e);
      }
    });
  });
}

const npm = (argv, cwd, quiet = true) =>
  exec(NPM, [...argv, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, quiet });

const sha256 = (file) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

const passes = [];
let failed = false;

/** One mocha pass; records its counts from the reporter's closing line. */
async function mochaPass(name, pkg, node, env = {}) {
  const dir = path.join(COMPAT, pkg);
  const started = performance.now();
  let out = '';
  let error;
  const version = await exec(node, ['--version'], { quiet: true }).catch(() => 'missing');
  log(
    `${name}: mocha in compat/${pkg} on Node ${version.trim()} (${path.relative(REPO, node) || node})`,
  );
  try {
    out = await exec(node, [path.join(dir, 'node_modules/mocha/bin/mocha.js')], {
      cwd: dir,
      env: { COMPAT_PASS: name, ...env },
    });
  } catch (err) {
    error = err;
    out = err.stdout ?? '';
  }
  const m = [...out.matchAll(new RegExp(`^${name}: (\\d+) passed, (\\d+) failed`, 'gm'))].pop();
  const pass = {
    name,
    passed: m ? Number(m[1]) : 0,
    failed: m ? Number(m[2]) : 1,
    seconds: seconds(started),
    ok: error === undefined && m !== undefined && Number(m[2]) === 0 && Number(m[1]) > 0,
  };
  if (!pass.ok) failed = true;
  passes.push(pass);
}

async function main() {
  log(`node ${process.version}, npm ${(await exec(NPM, ['--version'], { quiet: true })).trim()}`);

  // 1. Build and pack.
  let started = performance.now();
  if (!fs.existsSync(path.join(REPO, 'node_modules/typescript'))) {
    log('repo dependencies missing: npm ci in the repo');
    await npm(['ci'], REPO);
  }
  await exec(process.execPath, ['scripts/build.mjs'], { cwd: REPO, quiet: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'otel-xray-compat-'));
  const packed = JSON.parse(await npm(['pack', '--json', '--pack-destination', tmp], REPO));
  const tarball = path.join(tmp, packed[0].filename);
  log(
    `packed ${path.basename(tarball)} (${packed[0].size} bytes, ${packed[0].entryCount} files) in ${seconds(started)} s`,
  );

  try {
    // 2. Install each package: locked dependencies, then the fresh tarball.
    const packages = ['sdk3', 'consumers', 'bundle'].filter(wanted);
    for (const pkg of packages) {
      started = performance.now();
      const dir = path.join(COMPAT, pkg);
      await npm(['ci'], dir);
      await npm(['install', '--no-save', tarball], dir);
      for (const f of ['dist/esm/index.js', 'dist/cjs/index.js']) {
        const installed = path.join(dir, 'node_modules/otel-xray', f);
        if (sha256(installed) !== sha256(path.join(REPO, f))) {
          throw new Error(`compat/${pkg}/node_modules/otel-xray/${f} is not the fresh build`);
        }
      }
      log(`installed compat/${pkg} (npm ci + tarball) in ${seconds(started)} s`);
    }

    // 3. The passes.
    const env = {
      COMPAT_TARBALL: tarball,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const node24 = path.join(COMPAT, 'sdk3/node_modules/node/bin/node');
    const node22 = path.join(COMPAT, 'sdk3/node_modules/node22/bin/node');
    if (wanted('sdk3')) {
      for (const [name, bin] of [
        ['sdk3-node24', node24],
        ['sdk3-node22', node22],
      ]) {
        if (!fs.existsSync(bin)) {
          log(`${name}: ${path.relative(REPO, bin)} is missing (its install script did not run?)`);
          passes.push({ name, passed: 0, failed: 1, seconds: '0.0', ok: false });
          failed = true;
          continue;
        }
        await mochaPass(name, 'sdk3', bin, env);
      }
    }
    // The Node 20 passes also run their apps and bundles on the Node 24 and 22
    // binaries that compat/sdk3 installed, when it did.
    const extra = [
      ['Node 24', node24],
      ['Node 22', node22],
    ]
      .filter(([, bin]) => fs.existsSync(bin))
      .map(([label, bin]) => `${label}=${bin}`)
      .join(',');
    const env20 = { ...env, COMPAT_EXTRA_NODES: extra };
    if (wanted('consumers')) await mochaPass('consumers', 'consumers', process.execPath, env20);
    if (wanted('bundle')) await mochaPass('bundle', 'bundle', process.execPath, env20);
  } finally {
    if (keep) log(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }

  // 4. Summary.
  process.stdout.write('\n');
  for (const p of passes) {
    log(
      `${p.ok ? 'ok  ' : 'FAIL'} ${p.name}: ${p.passed} passed, ${p.failed} failed (${p.seconds} s)`,
    );
  }
  const total = passes.reduce(
    (a, p) => ({ passed: a.passed + p.passed, failed: a.failed + p.failed }),
    {
      passed: 0,
      failed: 0,
    },
  );
  log(`total ${seconds(t0)} s`);
  process.stdout.write(`compat: ${total.passed} passed, ${total.failed} failed\n`);
  if (failed || passes.length === 0) process.exitCode = 1;
}

main().catch((err) => {
  process.stderr.write(`[compat] ${err.stack ?? err}\n`);
  process.stdout.write('compat: 0 passed, 1 failed\n');
  process.exitCode = 1;
});
