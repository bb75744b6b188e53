// A GC and latency profile of the fixed-rate 6-span workload with otel-xray:
// the app runs under `node --cpu-prof --trace-gc` (and records its GC pauses
// from the performance timeline), autocannon drives it at a fixed rate, and
// every response's end time and latency is kept. lib/profile.mjs then names
// what the app's core was doing while the slowest 1 % of requests waited
// (GC, otel-xray, the OTel SDK, Node's http…), and how often a slow request
// overlapped a GC pause or a long busy stretch, against all requests.
import { mkdtempSync, readdirSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  APP_CORE,
  AUX_CORE,
  coreBusyMs,
  nextMessage,
  request,
  schedstat,
  startChild,
  stopChild,
} from './lib/common.mjs';
import { startApps } from './fixed-rate.mjs';
import { analyseLatency, analyseProfile, parseTraceGc } from './lib/profile.mjs';

export async function runGcProfile({
  sinks,
  log,
  warmupSec,
  durationSec,
  rate,
  streams,
  spans = 6,
}) {
  const dir = mkdtempSync(join(tmpdir(), 'otel-xray-gcprofile-'));
  const loadgen = startChild('loadgen.mjs', [], { core: AUX_CORE });
  await nextMessage(loadgen, 'ready');
  // The profiler's interval: 250 µs (the default 1 ms is coarse beside a
  // p99 of a few ms).
  const nodeArgs = [
    '--cpu-prof',
    '--cpu-prof-dir',
    dir,
    '--cpu-prof-interval',
    '250',
    '--trace-gc',
  ];
  let app;
  try {
    const apps = await startAppsPiped({ sinks, spans, nodeArgs });
    app = apps.app;
    const url = `http://127.0.0.1:${app.port}/api/orders/12345`;
    await request(loadgen, 'rate', { url, rate, streams, durationSec: warmupSec }, 120_000);
    await request(app.child, 'flush', {}, 30_000);
    await request(app.child, 'gc');
    const gcTextFrom = apps.stdout().length;
    const fromMs = Number(process.hrtime.bigint()) / 1e6;
    const ss0 = schedstat(app.pid);
    const busy0 = coreBusyMs(APP_CORE);
    const r = await request(
      loadgen,
      'rate',
      { url, rate, streams, durationSec, timeline: true },
      120_000,
    );
    await request(app.child, 'flush', {}, 30_000);
    const toMs = Number(process.hrtime.bigint()) / 1e6;
    const ss1 = schedstat(app.pid);
    const othersPct =
      (100 * (coreBusyMs(APP_CORE) - busy0 - (ss1.runNs - ss0.runNs) / 1e6)) / (toMs - fromMs);
    const cpuPerReq = (ss1.runNs - ss0.runNs) / 1000 / r.requests;
    const { pauses } = await request(app.child, 'gc');
    const gcText = apps.stdout().slice(gcTextFrom);
    // --cpu-prof writes the profile when the process exits.
    const exited = once(app.child, 'exit');
    await stopChild(app.child, 10_000);
    await exited.catch(() => {});
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (file === undefined) throw new Error(`no .cpuprofile in ${dir}`);
    const path = join(dir, file);
    const latency = analyseLatency(path, { requests: r.timeline, gcPauses: pauses, fromMs, toMs });
    const hot = analyseProfile(path, { top: 12 });
    log(
      `  gc profile: ${r.requests} requests, p99 ${r.p99.toFixed(2)} ms; slow requests overlapping GC ` +
        `${latency.slowOverlappingGcPct.toFixed(0)} % (all: ${latency.allOverlappingGcPct.toFixed(0)} %)`,
    );
    return {
      spans,
      rate,
      streams,
      durationSec,
      file: path,
      p50: r.p50,
      p99: r.p99,
      p999: r.p999,
      max: r.max,
      requests: r.requests,
      cpuPerReq,
      othersPct: Math.max(0, othersPct),
      traceGc: parseTraceGc(gcText),
      latency,
      hot: {
        samples: hot.samples,
        otelXrayPct: hot.otelXrayPct,
        gcPct: hot.gcPct,
        hotspots: hot.hotspots,
        outside: hot.outside,
      },
    };
  } finally {
    await stopChild(loadgen);
    if (app) await stopChild(app.child);
    // The profile stays in the temporary directory for reading (its path is
    // in the results), as the pipeline bench's profiles do.
  }
}

/** startApps for one otel-xray app, with its stdout (the --trace-gc lines) collected. */
async function startAppsPiped({ sinks, spans, nodeArgs }) {
  let text = '';
  const apps = await startApps({
    sinks,
    modes: ['xray'],
    spanCounts: [spans],
    gcTimeline: true,
    nodeArgs,
    pipeStdout: true,
    onStdout: (chunk) => (text += chunk),
  });
  return { app: apps[`xray/${spans}`], stdout: () => text };
}
