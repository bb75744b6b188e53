// The HTTP load generator: autocannon in a process of its own, pinned to the
// auxiliary core. Answers { type: 'run', url, connections, warmupSec, durationSec }
// with req/s, latency percentiles, errors, and its own CPU use (so a
// saturated load generator can be spotted).
import autocannon from 'autocannon';
import { serve } from './lib/common.mjs';

/**
 * Runs autocannon; resolves with its result and every 2xx response time in
 * milliseconds (autocannon's own histogram keeps whole milliseconds only, too
 * coarse for p99 at 1–5 ms).
 */
function cannon(opts) {
  return new Promise((resolve, reject) => {
    const times = [];
    // sampleInt 250 ms: autocannon stops at the first sample tick after the
    // duration (with the default 1 s, "1.5 s" would run for 2 s).
    const instance = autocannon(
      { ...opts, pipelining: 1, timeout: 10, sampleInt: 250 },
      (err, result) => (err ? reject(err) : resolve({ result, times })),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) times.push(responseTime);
    });
  });
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
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
  exit: () => process.exit(0),
});
process.send({ type: 'ready' });
