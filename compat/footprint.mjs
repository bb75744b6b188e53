#!/usr/bin/env node
// Install footprint and load time of otel-xray and of the other ways to get
// OpenTelemetry or X-Ray traces to X-Ray, each installed alone in a temp dir.
// The numbers in docs/compatibility.md come from this script.
//
//   node compat/footprint.mjs [--runs 10] [--cold] [--tarball path.tgz]
//
// - install: `npm install` of the setup into an empty dir; `du -sk` of
//   node_modules (disk use and apparent size), packages and files in it.
// - load: a fresh `node -e "require(...)"` per run, median of --runs runs,
//   with hyperfine when it is on PATH (apt-get install hyperfine; 3 warm-up
//   runs), else a loop timing spawnSync. Every command runs with
//   AWS_LAMBDA_FUNCTION_NAME set (the ADOT distro then configures itself for
//   Lambda: env resource detector only, no instance metadata lookups).
// - --cold (root, Linux, hyperfine only): also drop the page cache before
//   every run (`echo 3 > /proc/sys/vm/drop_caches`), like a Lambda cold start
//   reading the code from disk. It slows everything else on the machine for a
//   moment: do not use it while someone else is benchmarking.
// Without --tarball, the repo is built and packed first.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const RUNS = Number(opt('--runs', '10'));
const COLD = args.includes('--cold');
const NPM_FLAGS = ['--no-audit', '--no-fund', '--loglevel=error'];

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'otel-xray-footprint-'));
let tarball = opt('--tarball');
if (tarball === undefined) {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO, stdio: 'ignore' });
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', work, ...NPM_FLAGS], {
      cwd: REPO,
      encoding: 'utf8',
    }),
  );
  tarball = path.join(work, packed.filename);
}

const SETUPS = [
  {
    name: 'otel-xray (+ api + sdk-trace-base)',
    install: [tarball, '@opentelemetry/api@1.9.1', '@opentelemetry/sdk-trace-base@2.12.1'],
    loads: {
      "require('otel-xray')": "require('otel-xray')",
      "import 'otel-xray' (ESM)": null,
      '+ sdk-trace-base': "require('otel-xray');require('@opentelemetry/sdk-trace-base')",
    },
  },
  {
    name: 'aws-xray-sdk-core 3.12',
    install: ['aws-xray-sdk-core@3.12.0'],
    loads: { "require('aws-xray-sdk-core')": "require('aws-xray-sdk-core')" },
  },
  {
    name: 'contrib X-Ray propagator + ID generator + OTLP proto exporter (+ api + sdk-trace-base)',
    install: [
      '@opentelemetry/api@1.9.1',
      '@opentelemetry/sdk-trace-base@2.12.1',
      '@opentelemetry/propagator-aws-xray@2.2.0',
      '@opentelemetry/id-generator-aws-xray@2.1.0',
      '@opentelemetry/exporter-trace-otlp-proto@0.223.1',
    ],
    loads: {
      'the four': [
        '@opentelemetry/propagator-aws-xray',
        '@opentelemetry/id-generator-aws-xray',
        '@opentelemetry/exporter-trace-otlp-proto',
        '@opentelemetry/sdk-trace-base',
      ]
        .map((m) => `require('${m}')`)
        .join(';'),
    },
  },
  {
    name: 'ADOT @aws/aws-distro-opentelemetry-node-autoinstrumentation 0.13.0',
    install: ['@aws/aws-distro-opentelemetry-node-autoinstrumentation@0.13.0'],
    loads: {
      "require('…/register') (Lambda mode)":
        "require('@aws/aws-distro-opentelemetry-node-autoinstrumentation/register')",
    },
  },
];

const hyperfine = spawnSync('hyperfine', ['--version']).status === 0;
const env = { ...process.env, AWS_LAMBDA_FUNCTION_NAME: 'footprint', OTEL_LOG_LEVEL: 'none' };

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function time(cwd, argv, cold) {
  if (hyperfine) {
    const out = path.join(work, `hf-${Date.now()}.json`);
    const quoted = argv
      .map((a) => (/[\s'"();]/.test(a) ? `"${a.replace(/"/g, '\\"')}"` : a))
      .join(' ');
    const hf = ['-N', '--runs', String(RUNS), '--export-json', out, '--style', 'none'];
    if (cold) hf.push('--prepare', 'sh -c "sync; echo 3 > /proc/sys/vm/drop_caches"');
    else hf.push('--warmup', '3');
    execFileSync('hyperfine', [...hf, quoted], { cwd, env, stdio: 'ignore' });
    const [r] = JSON.parse(fs.readFileSync(out, 'utf8')).results;
    return { median: r.median * 1000, min: r.min * 1000, max: r.max * 1000 };
  }
  const ms = [];
  for (let i = 0; i < RUNS + 3; i++) {
    const t = performance.now();
    const r = spawnSync(argv[0], argv.slice(1), { cwd, env, stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${argv.join(' ')} failed in ${cwd}`);
    if (i >= 3) ms.push(performance.now() - t);
  }
  return { median: median(ms), min: Math.min(...ms), max: Math.max(...ms) };
}

const du = (dir, apparent) =>
  Number(
    execFileSync('du', ['-sk', ...(apparent ? ['--apparent-size'] : []), dir], {
      encoding: 'utf8',
    }).split('\t')[0],
  );

const rows = [];
const base = time(work, ['node', '-e', '0'], false);
const baseCold = COLD ? time(work, ['node', '-e', '0'], true) : undefined;
for (const setup of SETUPS) {
  const dir = fs.mkdtempSync(path.join(work, 'setup-'));
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"footprint","private":true}\n');
  execFileSync('npm', ['install', ...NPM_FLAGS, ...setup.install], { cwd: dir, stdio: 'ignore' });
  const nm = path.join(dir, 'node_modules');
  const ls = execFileSync('npm', ['ls', '--all', '--parseable'], { cwd: dir, encoding: 'utf8' });
  const packages = new Set(ls.trim().split('\n').slice(1)).size;
  const files = Number(
    execFileSync('sh', ['-c', 'find node_modules -type f | wc -l'], { cwd: dir, encoding: 'utf8' }),
  );
  const versions = setup.install.map((s) =>
    s === tarball
      ? `otel-xray@${JSON.parse(fs.readFileSync(path.join(nm, 'otel-xray/package.json'), 'utf8')).version} (tarball)`
      : s,
  );
  const row = {
    setup: setup.name,
    versions,
    diskKiB: du(nm, false),
    apparentKiB: du(nm, true),
    packages,
    files,
    loads: [],
  };
  for (const [label, code] of Object.entries(setup.loads)) {
    const argv =
      code === null
        ? ['node', '--input-type=module', '-e', "import 'otel-xray'"]
        : ['node', '-e', code];
    row.loads.push({
      label,
      warm: time(dir, argv, false),
      cold: COLD ? time(dir, argv, true) : undefined,
    });
  }
  rows.push(row);
}

const f = (x) => x.toFixed(0);
console.log(
  `node ${process.version}, ${RUNS} runs per command, ${hyperfine ? 'hyperfine' : 'spawnSync loop'}`,
);
console.log(
  `baseline node -e 0: median ${f(base.median)} ms${baseCold ? `, disk-cold ${f(baseCold.median)} ms` : ''}`,
);
for (const r of rows) {
  console.log(`\n${r.setup}\n  ${r.versions.join(' ')}`);
  console.log(
    `  node_modules: ${(r.diskKiB / 1024).toFixed(1)} MiB on disk, ${(r.apparentKiB / 1024).toFixed(1)} MiB apparent, ${r.packages} packages, ${r.files} files`,
  );
  for (const l of r.loads) {
    const cold = l.cold
      ? `; disk-cold median ${f(l.cold.median)} ms (+${f(l.cold.median - baseCold.median)})`
      : '';
    console.log(
      `  ${l.label}: median ${f(l.warm.median)} ms (+${f(l.warm.median - base.median)} over node -e 0; min ${f(l.warm.min)}, max ${f(l.warm.max)})${cold}`,
    );
  }
}
fs.writeFileSync(
  path.join(work, 'footprint.json'),
  JSON.stringify({ base, baseCold, rows }, null, 2),
);
console.log(`\nraw numbers: ${path.join(work, 'footprint.json')}`);
