// Fixed-rate HTTP workloads: the HTTP bench's app (http-app.mjs) at a request
// rate it can sustain, as production services run, instead of saturated.
//
// Workloads: 1 span/request at 1,000 and 4,000 req/s, 6 spans/request at 400
// and 1,000 req/s. Modes: no-op exporter, otel-xray, OTLP/proto,
// aws-xray-sdk-core (manual). One server per mode and span count, started
// once, pinned to the app core; the load generator (autocannon's overallRate,
// see loadgen.mjs) and the sinks run on the other core.
//
// Per measurement: the app's CPU time from the kernel's scheduler accounting
// (/proc/<pid>/task/*/schedstat, first field, ns, summed over threads) read
// before the load starts and after the app has exported every span of the
// window (so the export work of the window is in it, and none of another
// window's), divided by the requests the app handled; p50/p99/p99.9 of every
// response time; and the spans that reached the sinks (UDP sink: otel-xray and
// the X-Ray SDK; HTTP sink: OTLP spans in the protobuf bodies; no-op: spans
// handed to the exporter) against the spans the requests made.
//
// Rounds are paired: each round measures every mode of a workload once, in a
// shuffled order, and ratios are taken within the round. The app core's busy
// time (/proc/stat) beyond the app's own shows when other processes took the
// core; such rounds are measured again. Each workload gets
// rounds until the bootstrap 95 % interval of its CPU ratio (the median of
// otel-xray's extra CPU per request over the no-op exporter ÷ the median of
// OTLP/proto's) is within ±targetHalfWidth, with at least minRounds and at most maxRounds,
// and no new round once budgetSec has passed.
import {
  APP_CORE,
  AUX_CORE,
  median,
  medianCI,
  min,
  ratioOfMediansCI,
  nextMessage,
  request,
  coreBusyMs,
  schedstat,
  shuffled,
  sleep,
  startChild,
  stopChild,
} from './lib/common.mjs';

export const FIXED_MODES = ['noop', 'xray', 'otlp', 'xraysdk'];
export const FIXED_WORKLOADS = [
  { spans: 1, rate: 1000 },
  { spans: 1, rate: 4000 },
  { spans: 6, rate: 400 },
  { spans: 6, rate: 1000 },
];
export const workloadKey = (w) => `${w.spans}@${w.rate}`;

/** Starts one app per mode and span count; resolves with { `${mode}/${spans}`: { child, port, pid } }. */
export async function startApps({
  sinks,
  modes,
  spanCounts,
  gcTimeline = false,
  nodeArgs = [],
  pipeStdout = false,
  onStdout,
}) {
  const apps = {};
  for (const spans of spanCounts) {
    for (const mode of modes) {
      const config = {
        mode,
        spans,
        udpPort: sinks.udpPort,
        httpPort: sinks.httpPort,
        gcTimeline,
      };
      const child = startChild('http-app.mjs', [JSON.stringify(config)], {
        core: APP_CORE,
        nodeArgs,
        pipeStdout,
      });
      if (pipeStdout) {
        child.stdout.setEncoding('utf8');
        child.stdout.on('data', (chunk) => onStdout?.(chunk));
      }
      const { port, pid } = await nextMessage(child, 'ready');
      apps[`${mode}/${spans}`] = { child, port, pid };
    }
  }
  return apps;
}

/** Spans handed to the exporter so far (OTel modes), from a 'flush' reply. */
const exportedOf = (flushed) => flushed.exported ?? 0;

/**
 * One measurement of one app at one rate: CPU per request (schedstat),
 * latency percentiles, and delivery.
 */
export async function measureAt({ app, mode, workload, sinks, loadgen, durationSec, streams }) {
  const { child, port, pid } = app;
  const url = `http://127.0.0.1:${port}/api/orders/12345`;
  const before = await request(child, 'flush', {}, 30_000); // nothing left from before
  await sleep(50);
  await Promise.all([request(sinks.udp, 'reset'), request(sinks.http, 'reset')]);
  const cpu0 = await request(child, 'cpu', { reset: true });
  const ss0 = schedstat(pid);
  const busy0 = coreBusyMs(APP_CORE);
  const t0 = performance.now();
  const r = await request(
    loadgen,
    'rate',
    { url, rate: workload.rate, streams, durationSec },
    60_000 + durationSec * 2000,
  );
  // The server span ends as the response is finished, which can be just
  // after the client has it: let the last ones end, then flush.
  await sleep(50);
  const flushed = await request(child, 'flush', {}, 30_000);
  const ss1 = schedstat(pid);
  const busy1 = coreBusyMs(APP_CORE);
  const windowMs = performance.now() - t0;
  const cpu1 = await request(child, 'cpu');
  await sleep(100); // the last datagrams reach the sink before it is read
  const [udp, http] = await Promise.all([
    request(sinks.udp, 'stats').then((m) => m.stats),
    request(sinks.http, 'stats').then((m) => m.stats),
  ]);
  const handled = cpu1.handled - cpu0.handled;
  // Spans made: ended spans (OTel modes), or requests × spans (the X-Ray SDK).
  const expected =
    mode === 'xraysdk' ? handled * workload.spans : (flushed.ended ?? 0) - (before.ended ?? 0);
  const delivered =
    mode === 'xray' || mode === 'xraysdk'
      ? udp.spans
      : mode === 'otlp'
        ? (http.otlp?.spans ?? 0)
        : exportedOf(flushed) - exportedOf(before);
  return {
    handled,
    requests: r.requests,
    // Each of the staggered streams runs for durationSec at rate ÷ streams.
    rps: r.requests / durationSec,
    offeredPct: (100 * r.requests) / (workload.rate * durationSec),
    cpuPerReq: (ss1.runNs - ss0.runNs) / 1000 / Math.max(1, handled),
    // Time the app's threads were runnable but not running (other processes,
    // or the app's own GC and libuv threads, had the core).
    waitPct: (100 * (ss1.waitNs - ss0.waitNs)) / 1e6 / windowMs,
    // The app core's busy time that was not the app's (other processes,
    // the kernel's work for them, the hypervisor's steal), % of the window.
    othersPct: Math.max(0, (100 * (busy1 - busy0 - (ss1.runNs - ss0.runNs) / 1e6)) / windowMs),
    p50: r.p50,
    p99: r.p99,
    p999: r.p999,
    max: r.max,
    errors: r.errors + r.non2xx + r.timeouts,
    loadgenCpuPct: r.loadgenCpuPct,
    loopDelayP99: cpu1.loopDelayP99,
    loopDelayMax: cpu1.loopDelayMax,
    expected,
    delivered,
    datagrams: mode === 'xray' || mode === 'xraysdk' ? udp.datagrams : undefined,
    exporterStats: flushed.exporterStats,
  };
}

/**
 * Per-round paired values of one workload's rounds. The extra-CPU ratios are
 * not here: each is a ratio of two medians ({@link extraCpuRatios}), since a
 * per-round ratio of two noisy differences is unstable.
 */
function pairedSeries(rounds) {
  const extra = (r, mode) => r[mode].cpuPerReq - r.noop.cpuPerReq;
  return {
    'cpu xray/noop': rounds.map((r) => r.xray.cpuPerReq / r.noop.cpuPerReq),
    'cpu otlp/noop': rounds.map((r) => r.otlp.cpuPerReq / r.noop.cpuPerReq),
    'p99 xray/otlp': rounds.map((r) => r.xray.p99 / r.otlp.p99),
    'p99 xray/noop': rounds.map((r) => r.xray.p99 / r.noop.p99),
    'p99 noop/otlp': rounds.map((r) => r.noop.p99 / r.otlp.p99),
    'p99 xray/xraysdk': rounds.map((r) => r.xray.p99 / r.xraysdk.p99),
    'p99.9 xray/otlp': rounds.map((r) => r.xray.p999 / r.otlp.p999),
    'p99.9 xray/noop': rounds.map((r) => r.xray.p999 / r.noop.p999),
    'extra µs xray': rounds.map((r) => extra(r, 'xray')),
    'extra µs otlp': rounds.map((r) => extra(r, 'otlp')),
    'extra µs xraysdk': rounds.map((r) => extra(r, 'xraysdk')),
  };
}

/**
 * otel-xray's extra CPU per request over the no-op exporter's ÷ OTLP/proto's
 * (and ÷ aws-xray-sdk-core's): the ratio of the extras' medians over rounds,
 * with a bootstrap interval that resamples rounds.
 */
function extraCpuRatios(rounds) {
  const extra = (mode) => rounds.map((r) => r[mode].cpuPerReq - r.noop.cpuPerReq);
  const xray = extra('xray');
  return {
    'cpu extra xray/otlp': ratioOfMediansCI(xray, extra('otlp')),
    'cpu extra xray/xraysdk': ratioOfMediansCI(xray, extra('xraysdk')),
  };
}

/**
 * The rounds a 95 % interval of ±h would need, from one of `ci.n` rounds: the
 * half-width shrinks as 1/√n. Infinite when the interval is unbounded.
 */
function roundsNeeded(ci, h) {
  if (!Number.isFinite(ci.halfWidth)) return Infinity;
  return Math.max(ci.n, Math.ceil(ci.n * (ci.halfWidth / h) ** 2));
}

/** Medians and intervals of one workload's rounds. */
export function summariseWorkload(rounds, targetHalfWidth = 0.15) {
  const modes = {};
  for (const mode of FIXED_MODES) {
    const ms = rounds.map((r) => r[mode]);
    modes[mode] = {
      cpuPerReq: median(ms.map((m) => m.cpuPerReq)),
      p50: median(ms.map((m) => m.p50)),
      p99: median(ms.map((m) => m.p99)),
      p999: median(ms.map((m) => m.p999)),
      max: median(ms.map((m) => m.max)),
      rps: median(ms.map((m) => m.rps)),
      loadgenCpuPct: median(ms.map((m) => m.loadgenCpuPct)),
      loopDelayMax: median(ms.map((m) => m.loopDelayMax)),
      waitPct: median(ms.map((m) => m.waitPct)),
      othersPct: median(ms.map((m) => m.othersPct)),
      errors: ms.reduce((n, m) => n + m.errors, 0),
      // Delivery: the worst round, and all rounds together.
      deliveredMinPct: min(ms.map((m) => (100 * m.delivered) / Math.max(1, m.expected))),
      delivered: ms.reduce((n, m) => n + m.delivered, 0),
      expected: ms.reduce((n, m) => n + m.expected, 0),
      spansPerDatagram:
        mode === 'xray' || mode === 'xraysdk'
          ? ms.reduce((n, m) => n + m.delivered, 0) /
            Math.max(
              1,
              ms.reduce((n, m) => n + (m.datagrams ?? 0), 0),
            )
          : undefined,
    };
  }
  const ratios = extraCpuRatios(rounds);
  for (const [name, xs] of Object.entries(pairedSeries(rounds))) ratios[name] = medianCI(xs);
  const cpu = ratios['cpu extra xray/otlp'];
  return {
    rounds: rounds.length,
    modes,
    ratios,
    cpuRoundsNeeded: roundsNeeded(cpu, targetHalfWidth),
  };
}

/** Whether a round is contended: others used more than `contentionPct` of the app core. */
const contendedIn = (modes, contentionPct) => (row) =>
  modes.some((m) => row[m].othersPct > contentionPct);

/**
 * The rounds a workload's figures come from: the uncontended ones when at
 * least `minRounds` are, else all.
 */
function keptRounds(rows, isContended, minRounds) {
  const clean = rows.filter((row) => !isContended(row));
  return clean.length >= minRounds ? clean : rows;
}

/** One workload's summary from all its measured rounds (`all`), as RESULTS.md shows it. */
function workloadResult(w, all, isContended, minRounds, targetHalfWidth) {
  const rows = keptRounds(all, isContended, minRounds);
  return {
    spans: w.spans,
    rate: w.rate,
    ...summariseWorkload(rows, targetHalfWidth),
    measuredRounds: all.length,
    contendedRounds: all.filter(isContended).length,
    contendedKept: rows.filter(isContended).length,
  };
}

/**
 * The workloads' summaries again from a run's stored rounds (`perRound`), so
 * that `run.mjs --render` shows a stored run with the current statistics.
 */
export function resummarise(fixed) {
  if (fixed?.perRound === undefined) return fixed;
  const isContended = contendedIn(fixed.modes, fixed.contentionPct);
  const workloads = {};
  for (const [key, w] of Object.entries(fixed.workloads)) {
    workloads[key] = workloadResult(
      w,
      fixed.perRound[key] ?? [],
      isContended,
      fixed.minRounds,
      fixed.targetHalfWidth,
    );
  }
  return { ...fixed, workloads };
}

export async function runFixedRate({
  sinks,
  log,
  workloads = FIXED_WORKLOADS,
  modes = FIXED_MODES,
  minRounds,
  maxRounds,
  budgetSec,
  durationSec,
  warmupSec,
  streams,
  targetHalfWidth = 0.15,
  contentionPct = 5,
}) {
  const started = Date.now();
  const loadgen = startChild('loadgen.mjs', [], { core: AUX_CORE });
  await nextMessage(loadgen, 'ready');
  const spanCounts = [...new Set(workloads.map((w) => w.spans))];
  const apps = await startApps({ sinks, modes, spanCounts });
  try {
    // Warm-up, not recorded: every app at its highest rate, then flushed.
    for (const spans of spanCounts) {
      const rate = Math.max(...workloads.filter((w) => w.spans === spans).map((w) => w.rate));
      for (const mode of modes) {
        const { child, port } = apps[`${mode}/${spans}`];
        await request(
          loadgen,
          'rate',
          {
            url: `http://127.0.0.1:${port}/api/orders/12345`,
            rate,
            streams,
            durationSec: warmupSec,
          },
          60_000 + warmupSec * 2000,
        );
        await request(child, 'flush', {}, 30_000);
      }
      log(`  fixed-rate warm-up done for ${spans} span(s)/request`);
    }
    const perWorkload = Object.fromEntries(workloads.map((w) => [workloadKey(w), []]));
    // A round in which other processes used more than contentionPct of the
    // app core's time during any mode's window is contended: its CPU figures are
    // inflated by the sharing (caches, context switches), unevenly across
    // modes. Such rounds are measured again (within maxRounds in all) and
    // left out when at least minRounds uncontended ones remain.
    const isContended = contendedIn(modes, contentionPct);
    const kept = (key) => keptRounds(perWorkload[key], isContended, minRounds);
    const halfWidth = (key) => extraCpuRatios(kept(key))['cpu extra xray/otlp'].halfWidth;
    const needsMore = (w) => {
      const key = workloadKey(w);
      if (perWorkload[key].length >= maxRounds) return false;
      if (perWorkload[key].filter((row) => !isContended(row)).length < minRounds) return true;
      return !(halfWidth(key) <= targetHalfWidth);
    };
    for (;;) {
      const active = workloads.filter(needsMore);
      if (active.length === 0 || (Date.now() - started) / 1000 > budgetSec) break;
      for (const w of shuffled(active)) {
        const key = workloadKey(w);
        const row = {};
        for (const mode of shuffled(modes)) {
          row[mode] = await measureAt({
            app: apps[`${mode}/${w.spans}`],
            mode,
            workload: w,
            sinks,
            loadgen,
            durationSec,
            streams,
          });
        }
        perWorkload[key].push(row);
        const n = perWorkload[key].length;
        const contended = isContended(row) ? ' (contended)' : '';
        const fmt = (mode) =>
          `${mode} ${row[mode].cpuPerReq.toFixed(0)} µs p99 ${row[mode].p99.toFixed(2)} ` +
          `others ${row[mode].othersPct.toFixed(0)} %`;
        log(
          `  fixed ${key.padEnd(7)} round ${String(n).padStart(2)}: ${modes.map(fmt).join(', ')}` +
            contended +
            (kept(key).length >= 2 ? `; CPU ratio ±${halfWidth(key).toFixed(2)}` : ''),
        );
      }
    }
    const out = {
      modes,
      durationSec,
      warmupSec,
      budgetSec,
      streams,
      minRounds,
      maxRounds,
      targetHalfWidth,
      contentionPct,
      seconds: (Date.now() - started) / 1000,
      workloads: {},
      perRound: perWorkload,
    };
    for (const w of workloads) {
      const key = workloadKey(w);
      out.workloads[key] = workloadResult(
        w,
        perWorkload[key],
        isContended,
        minRounds,
        targetHalfWidth,
      );
    }
    return out;
  } finally {
    await Promise.all([
      stopChild(loadgen),
      ...Object.values(apps).map(({ child }) => stopChild(child)),
    ]);
  }
}
