// The HTTP load generator: autocannon in a process of its own, pinned to the
// auxiliary core. Answers { type: 'run', url, connections, warmupSec, durationSec }
// with req/s, latency percentiles, errors, and its own CPU use (so a
// saturated load generator can be spotted), and
// { type: 'rate', url, rate, streams, durationSec, timeline } (a fixed request
// rate: see `rated` below).
import autocannon from 'autocannon';
import { quantile, serve, sleep } from './lib/common.mjs';

/**
 * Runs autocannon; resolves with its result and every 2xx response time in
 * milliseconds (autocannon's own histogram keeps whole milliseconds only, too
 * coarse for p99 at 1–5 ms).
 */
function cannon(opts, timeline) {
  return new Promise((resolve, reject) => {
    const times = [];
    // sampleInt 250 ms: autocannon stops at the first sample tick after the
    // duration (with the default 1 s, "1.5 s" would run for 2 s).
    const instance = autocannon(
      { ...opts, pipelining: 1, timeout: 10, sampleInt: 250 },
      (err, result) => (err ? reject(err) : resolve({ result, times })),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) {
        times.push(responseTime);
        // When each response ended, on the system's monotonic clock (ms), the
        // clock of V8's CPU profiles and of process.hrtime in every process.
        timeline?.push(Number(process.hrtime.bigint()) / 1e6, responseTime);
      }
    });
  });
}

const percentile = quantile;

/**
 * A fixed request rate with autocannon's `overallRate`. autocannon enforces it
 * as a quota per second and per connection: each connection sends requests
 * back to back (one in flight) until its quota for the current second is used,
 * then waits for the next second. One instance therefore sends its whole
 * second's worth in a burst at the start of each second. To spread the
 * arrivals, `streams` instances of one connection each run side by side, each
 * at rate / streams, their starts staggered evenly across one second: bursts
 * of rate / streams requests, `streams` times a second. Each stream makes
 * exactly rate / streams × durationSec requests (whole seconds); the window
 * is durationSec plus the stagger.
 */
async function rated({ url, rate, streams, durationSec, timeline }) {
  const perStream = Array.from(
    { length: streams },
    (_, i) => Math.floor(rate / streams) + (i < rate % streams ? 1 : 0),
  );
  const times = [];
  const line = timeline ? [] : undefined;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const runs = perStream.map(async (overallRate, i) => {
    await sleep((i * 1000) / streams);
    // `amount`: the stream stops after its last response, so no request is
    // cut off in flight (autocannon then ignores `duration`; a stalled server
    // is bounded by the 10 s request timeout and the caller's IPC timeout).
    const { result, times: ts } = await cannon(
      {
        url,
        connections: 1,
        overallRate,
        amount: overallRate * durationSec,
      },
      line,
    );
    for (const t of ts) times.push(t);
    return result;
  });
  const results = await Promise.all(runs);
  const wallUs = (performance.now() - t0) * 1000;
  const cpu = process.cpuUsage(cpu0);
  const sorted = Float64Array.from(times).sort();
  const sum = (f) => results.reduce((n, r) => n + f(r), 0);
  return {
    requests: sum((r) => r.requests.total),
    rps: sum((r) => r.requests.total) / (wallUs / 1e6),
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    p999: percentile(sorted, 0.999),
    max: sorted[sorted.length - 1],
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    loadgenCpuPct: (100 * (cpu.user + cpu.system)) / wallUs,
    timeline: line,
  };
}

serve({
  run: async ({ url, connections, warmupSec, durationSec }) => {
    if (warmupSec > 0) await cannon({ url, connections, duration: warmupSec });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const { result: r, times } = await cannon({ url, connections, duration: durationSec });
    const wallUs = (performance.now() - t0) * 1000;
    const cpu = process.cpuUsage(cpu0);
    const sorted = Float64Array.from(times).sort();
    return {
      rps: r.requests.total / r.duration,
      requests: r.requests.total,
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      non2xx: r.non2xx,
      errors: r.errors,
      timeouts: r.timeouts,
      loadgenCpuPct: (100 * (cpu.user + cpu.system)) / wallUs,
    };
  },
  rate: (m) => rated(m),
  exit: () => process.exit(0),
});
process.send({ type: 'ready' });
