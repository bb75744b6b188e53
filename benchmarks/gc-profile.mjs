// A GC and latency profile of the fixed-rate 6-span workload: the app runs
// under `node --cpu-prof --trace-gc` (and records its GC pauses from the
// performance timeline), autocannon drives it at a fixed rate, and every
// response's end time and latency is kept. lib/profile.mjs then names what
// the app's core was doing while the slowest 1 % of requests waited (GC,
// otel-xray, the OTel SDK, Node's http…), and how often a slow request
// overlapped a GC pause, against all requests. otel-xray is profiled, then
// the no-op exporter the same way as the baseline: what otel-xray adds to
// the tail is the difference.
import { once } from 'node:events';
import { mkdtempSync, readdirSync } from 'node:fs';
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
  const loadgen = startChild('loadgen.mjs', [], { core: AUX_CORE });
  await nextMessage(loadgen, 'ready');
  try {
    const opts = { sinks, log, loadgen, warmupSec, durationSec, rate, streams, spans };
    const xray = await profileMode('xray', opts);
    const baseline = await profileMode('noop', opts);
    return { ...xray, baseline };
  } finally {
    await stopChild(loadgen);
  }
}

async function profileMode(
  mode,
  { sinks, log, loadgen, warmupSec, durationSec, rate, streams, spans },
) {
  const dir = mkdtempSync(join(tmpdir(), `otel-xray-gcprofile-${mode}-`));
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
  let text = '';
  const apps = await startApps({
    sinks,
    modes: [mode],
    spanCounts: [spans],
    gcTimeline: true,
    nodeArgs,
    pipeStdout: true,
    onStdout: (chunk) => (text += chunk),
  });
  const app = apps[`${mode}/${spans}`];
  try {
    const url = `http://127.0.0.1:${app.port}/api/orders/12345`;
    await request(loadgen, 'rate', { url, rate, streams, durationSec: warmupSec }, 120_000);
    await request(app.child, 'flush', {}, 30_000);
    await request(app.child, 'gc');
    const gcTextFrom = text.length;
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
    const gcText = text.slice(gcTextFrom);
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
      `  gc profile ${mode}: ${r.requests} requests, p99 ${r.p99.toFixed(2)} ms; slow requests overlapping GC ` +
        `${latency.slowOverlappingGcPct.toFixed(0)} % (all: ${latency.allOverlappingGcPct.toFixed(0)} %)`,
    );
    return {
      mode,
      spans,
      rate,
      streams,
      durationSec,
      // Kept in the temporary directory for reading, as the pipeline bench's profiles.
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
    await stopChild(app.child);
  }
}
