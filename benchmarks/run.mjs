// Runs the otel-xray benchmark suite and writes benchmarks/RESULTS.md.
//
//   npm run bench                       # from the repository root: everything
//   node benchmarks/run.mjs micro http  # only some benches
//   node benchmarks/run.mjs --quick     # fewer rounds, shorter runs (a smoke test)
//   node benchmarks/run.mjs --build     # rebuild dist/ first even if it exists
//   node benchmarks/run.mjs --render    # rewrite RESULTS.md from the last run's results
//
// Installs the benchmark package (`npm ci --prefix benchmarks`) when its
// node_modules is missing and builds the library when dist/ is missing. Every
// bench runs in child processes: the measured app pinned to core 0, sinks and
// the load generator to core 1 (with `taskset`, when there are 2+ cores).
// This file imports only node built-ins and the orchestration modules (which
// import only built-ins), so it runs before anything is installed.
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  APP_CORE,
  BENCH_DIR,
  machineInfo,
  nextMessage,
  packageVersions,
  ROOT_DIR,
  sleep,
  startChild,
  stopChild,
} from './lib/common.mjs';
import { analyseProfile } from './lib/profile.mjs';
import { renderReport } from './lib/report.mjs';
import { startSinks } from './lib/sinks.mjs';
import { runDelivery } from './delivery.mjs';
import { resummarise, runFixedRate } from './fixed-rate.mjs';
import { runGcProfile } from './gc-profile.mjs';
import { runHttp } from './http.mjs';
import { runMode, runPipeline } from './pipeline.mjs';

const ALL = ['micro', 'sampling', 'pipeline', 'http', 'fixed', 'delivery', 'profile', 'gcprofile'];
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const selected = args.filter((a) => !a.startsWith('--'));
// --fixed-rounds=N: exactly N rounds per fixed-rate workload (to see how the
// intervals narrow with the rounds).
const fixedRounds = Number(
  args.find((a) => a.startsWith('--fixed-rounds='))?.slice('--fixed-rounds='.length) ?? NaN,
);
// --fixed=1@1000,6@400: only these fixed-rate workloads (spans@rate).
const fixedOnly = args
  .find((a) => a.startsWith('--fixed='))
  ?.slice('--fixed='.length)
  .split(',')
  .map((w) => {
    const [spans, rate] = w.split('@').map(Number);
    return { spans, rate };
  });
for (const s of selected) {
  if (!ALL.includes(s)) throw new Error(`unknown bench "${s}" (choose from ${ALL.join(', ')})`);
}
const benches = selected.length > 0 ? selected : ALL;
const RESULTS_MD = join(BENCH_DIR, 'RESULTS.md');
// Every run's full results (per-round numbers included), for --render.
const RESULTS_JSON = join(tmpdir(), 'otel-xray-bench-results.json');

if (args.includes('--render')) {
  // Re-render RESULTS.md from the last run's results, running nothing.
  // With the current statistics: the fixed-rate summaries again from the stored rounds.
  const stored = JSON.parse(readFileSync(RESULTS_JSON, 'utf8'));
  if (stored.fixed) stored.fixed = resummarise(stored.fixed);
  writeFileSync(RESULTS_MD, renderReport(stored));
  console.log(`wrote ${RESULTS_MD} from ${RESULTS_JSON}`);
  process.exit(0);
}

// Sizes of the runs. Full: about 4 minutes on 2 cores; quick: about 1.5.
const PLAN = quick
  ? {
      pipeline: { rounds: 2, warmReps: 1, reps: 2 },
      http: { rounds: 1, connections: 16, warmupSec: 0.5, durationSec: 1 },
      fixed: {
        minRounds: 2,
        maxRounds: 2,
        budgetSec: 60,
        durationSec: 1,
        warmupSec: 1,
        streams: 10,
      },
      delivery: { seconds: 2 },
      profile: { warmReps: 1, reps: 3 },
      gcprofile: { warmupSec: 1, durationSec: 2, rate: 1000, streams: 10 },
    }
  : {
      pipeline: { rounds: 5, warmReps: 2, reps: 3 },
      http: { rounds: 5, connections: 16, warmupSec: 1.5, durationSec: 1.5 },
      fixed: {
        minRounds: 10,
        maxRounds: 60,
        budgetSec: 780,
        durationSec: 2,
        warmupSec: 3,
        streams: 10,
      },
      delivery: { seconds: 3 },
      profile: { warmReps: 2, reps: 6 },
      gcprofile: { warmupSec: 3, durationSec: 5, rate: 1000, streams: 10 },
    };
// Spans per repetition: 10,000 in 10-span traces, 4,000 in 1-span traces.
const SHAPES = [
  { size: 10, spans: 10_000 },
  { size: 1, spans: 4_000 },
];

const started = Date.now();
// Other work on the machine shows in the load average: sample it through the run.
const loadSamples = [];
const sampleLoad = () => loadSamples.push(loadavg()[0]);
sampleLoad();
setInterval(sampleLoad, 5000).unref();
const log = (msg) =>
  console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${msg}`);

function sh(cmd, cmdArgs, cwd) {
  log(`$ ${cmd} ${cmdArgs.join(' ')}   (in ${cwd})`);
  execFileSync(cmd, cmdArgs, { cwd, stdio: 'inherit' });
}

// ---- prerequisites ----------------------------------------------------------
if (!existsSync(join(BENCH_DIR, 'node_modules'))) {
  sh('npm', ['ci', '--prefix', BENCH_DIR, '--no-audit', '--no-fund'], ROOT_DIR);
}
// dist/ resolves @opentelemetry/api from the root's node_modules, and the
// build needs TypeScript from there too.
if (!existsSync(join(ROOT_DIR, 'node_modules', '@opentelemetry', 'api'))) {
  sh('npm', ['ci', '--no-audit', '--no-fund'], ROOT_DIR);
}
const DIST_ENTRY = join(ROOT_DIR, 'dist', 'esm', 'index.js');
if (!args.includes('--build') && !existsSync(DIST_ENTRY)) {
  // Maybe someone is rebuilding right now (the build starts by deleting dist/).
  for (let i = 0; i < 30 && !existsSync(DIST_ENTRY); i++) await sleep(1000);
}
if (args.includes('--build') || !existsSync(DIST_ENTRY)) {
  sh('npm', ['run', 'build'], ROOT_DIR);
}

// Bench a copy of dist/esm (and src/) taken now, so that a rebuild during the
// run can neither crash a bench nor mix two builds in one report. The root's
// node_modules is linked beside it, so its imports resolve as from dist/.
const snapshot = mkdtempSync(join(tmpdir(), 'otel-xray-bench-'));
process.on('exit', () => rmSync(snapshot, { recursive: true, force: true }));
symlinkSync(join(ROOT_DIR, 'node_modules'), join(snapshot, 'node_modules'), 'dir');
let distBuiltAt;
for (let attempt = 1; ; attempt++) {
  distBuiltAt = statSync(DIST_ENTRY).mtime.toISOString();
  rmSync(join(snapshot, 'dist'), { recursive: true, force: true });
  cpSync(join(ROOT_DIR, 'dist', 'esm'), join(snapshot, 'dist', 'esm'), { recursive: true });
  // src/ too, for the profile's source lines (the source maps point at ../../src).
  cpSync(join(ROOT_DIR, 'src'), join(snapshot, 'src'), { recursive: true });
  const entry = join(snapshot, 'dist', 'esm', 'index.js');
  try {
    execFileSync(process.execPath, ['-e', `import(${JSON.stringify(entry)})`], { stdio: 'ignore' });
    break;
  } catch {
    if (attempt >= 5) throw new Error('the copy of dist/esm does not load (is a build running?)');
    await sleep(5000); // copied in the middle of a rebuild: try again
  }
}
process.env.OTEL_XRAY_DIST = join(snapshot, 'dist');

const results = {
  date: new Date().toISOString(),
  distBuiltAt,
  machine: machineInfo(),
  versions: packageVersions([
    'otel-xray',
    '@opentelemetry/api',
    '@opentelemetry/sdk-trace-base',
    '@opentelemetry/sdk-trace-node',
    '@opentelemetry/exporter-trace-otlp-proto',
    '@opentelemetry/exporter-zipkin',
    '@opentelemetry/instrumentation-http',
    '@opentelemetry/propagator-aws-xray',
    '@opentelemetry/id-generator-aws-xray',
    '@opentelemetry/sampler-aws-xray',
    'aws-xray-sdk-core',
    'autocannon',
    'mitata',
  ]),
  plan: { ...PLAN, shapes: SHAPES, quick, benches },
};
log(
  `${results.machine.cpuModel}, ${results.machine.cores} cores, Node ${results.machine.node}, ` +
    `pinning ${results.machine.pinned ? 'on' : 'off'}; benches: ${benches.join(', ')}`,
);

// ---- micro --------------------------------------------------------------------
if (benches.includes('micro')) {
  // Two runs in fresh processes; per bench the lower p50 is kept (other work
  // on the machine only ever makes a micro bench slower).
  const runs = [];
  for (let i = 0; i < (quick ? 1 : 2); i++) {
    log(`micro benches (mitata), run ${i + 1}`);
    const child = startChild('micro.mjs', [], { core: APP_CORE });
    try {
      runs.push(await nextMessage(child, 'result', 180_000));
    } finally {
      await stopChild(child);
    }
  }
  results.micro = runs[0];
  for (const run of runs.slice(1)) {
    for (const [name, b] of Object.entries(run.benches)) {
      if (b.p50 < results.micro.benches[name].p50) results.micro.benches[name] = b;
    }
  }
  results.micro.runs = runs.length;
}

// ---- sampling -------------------------------------------------------------------
if (benches.includes('sampling')) {
  // shouldSample with 25 rules: otel-xray against the contrib sampler (one fresh process).
  log('sampling bench (mitata)');
  const child = startChild('sampling.mjs', [], { core: APP_CORE });
  try {
    results.sampling = await nextMessage(child, 'result', 180_000);
  } finally {
    await stopChild(child);
  }
  for (const [name, b] of Object.entries(results.sampling.benches)) {
    log(`  ${name}: p50 ${b.p50.toFixed(1)} ns, p99 ${b.p99.toFixed(1)} ns`);
  }
}

// ---- benches that need the sinks -----------------------------------------------
if (benches.some((b) => ['pipeline', 'http', 'fixed', 'profile', 'gcprofile'].includes(b))) {
  const sinks = await startSinks();
  results.udpSinkRcvbuf = sinks.udpRcvbuf;
  try {
    if (benches.includes('pipeline') || benches.includes('fixed')) {
      log('machine calibration (timer wake-up, datagram to a sleeping or awake receiver)');
      const child = startChild('calibrate.mjs', [JSON.stringify({ udpPort: sinks.udpPort })], {
        core: APP_CORE,
      });
      try {
        results.calibration = await nextMessage(child, 'result', 60_000);
      } finally {
        await stopChild(child);
      }
    }
    if (benches.includes('pipeline')) {
      log('pipeline bench (SDK + exporter, CPU per span)');
      results.pipeline = await runPipeline({ sinks, shapes: SHAPES, log, ...PLAN.pipeline });
    }
    if (benches.includes('profile')) {
      log('profiling the otel-xray export path (V8 CPU profiler)');
      results.profile = {};
      for (const shape of SHAPES) {
        const file = join(tmpdir(), `otel-xray-bench-${shape.size}-span.cpuprofile`);
        const run = await runMode('xray', {
          sinks,
          shapes: [shape],
          profileFile: file,
          ...PLAN.profile,
        });
        // Cross-check without the profiler: JSON.stringify timed directly.
        const timed = await runMode('xray', {
          sinks,
          shapes: [shape],
          nodeArgs: ['--import', './lib/time-stringify.mjs'],
          ...PLAN.profile,
        });
        results.profile[shape.size] = {
          file,
          cpuPerSpan: run[shape.size].cpu,
          ...analyseProfile(file, { top: shape.size === 10 ? 20 : 10 }),
          stringify: {
            ...timed.stringify,
            cpuPerSpan: timed[shape.size].cpu,
            sharePct: (100 * timed.stringify.ms * 1000) / timed.measuredCpuUs,
            usPerSpan: (timed.stringify.ms * 1000) / timed.measuredSpans,
          },
        };
      }
    }
    if (benches.includes('http')) {
      log('HTTP server bench (autocannon)');
      results.http = await runHttp({ sinks, log, ...PLAN.http });
    }
    if (benches.includes('fixed')) {
      log('fixed-rate HTTP workloads (autocannon overallRate; CPU from schedstat)');
      results.fixed = await runFixedRate({
        sinks,
        log,
        ...PLAN.fixed,
        ...(fixedOnly ? { workloads: fixedOnly } : {}),
        ...(fixedRounds > 0
          ? { minRounds: fixedRounds, maxRounds: fixedRounds, budgetSec: Infinity }
          : {}),
      });
    }
    if (benches.includes('gcprofile')) {
      log('GC and latency profile: otel-xray, 6 spans/request at a fixed rate');
      results.gcprofile = await runGcProfile({ sinks, log, ...PLAN.gcprofile });
    }
  } finally {
    await sinks.stop();
  }
}

// ---- delivery -------------------------------------------------------------------
if (benches.includes('delivery')) {
  log('delivery bench (listener with the default receive buffer)');
  results.delivery = await runDelivery({ log, ...PLAN.delivery });
}

results.totalSeconds = (Date.now() - started) / 1000;
sampleLoad();
results.load = {
  start: loadSamples[0],
  end: loadSamples[loadSamples.length - 1],
  max: Math.max(...loadSamples),
  median: [...loadSamples].sort((a, b) => a - b)[loadSamples.length >> 1],
};
writeFileSync(RESULTS_JSON, JSON.stringify(results));
writeFileSync(RESULTS_MD, renderReport(results));
log(
  `wrote ${RESULTS_MD} (total ${results.totalSeconds.toFixed(0)} s; raw results in ${RESULTS_JSON})`,
);
