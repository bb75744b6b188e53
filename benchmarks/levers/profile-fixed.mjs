// The GC and latency profile of the suite (gc-profile.mjs) for any fixed-rate
// workload, not only the suite's 6 spans/request at 1,000 req/s: otel-xray and
// the no-op exporter under the V8 CPU profiler and --trace-gc, driven at a
// fixed rate; prints p99, CPU per request, what the core did while the slowest
// 1 % waited, and otel-xray's hottest code. Uses ../dist (npm run build).
//
//   node benchmarks/levers/profile-fixed.mjs [spans=1] [rate=4000] [seconds=5]
import { runGcProfile } from '../gc-profile.mjs';
import { startSinks } from '../lib/sinks.mjs';

const [spans = 1, rate = 4000, seconds = 5] = process.argv.slice(2).map(Number);
const sinks = await startSinks();
try {
  const r = await runGcProfile({
    sinks,
    log: (m) => console.log(m),
    warmupSec: 3,
    durationSec: seconds,
    rate,
    streams: 10,
    spans,
  });
  for (const [name, m] of [
    ['otel-xray', r],
    ['no-op', r.baseline],
  ]) {
    const groups = (g) => g.map((x) => `${x.group} ${x.pct.toFixed(1)} %`).join(', ');
    console.log(
      `\n${name}: p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms, p99.9 ${m.p999.toFixed(2)} ms; ` +
        `${m.cpuPerReq.toFixed(1)} µs CPU per request; GC ${JSON.stringify(m.latency.gcByKind)}`,
    );
    console.log(
      `  whole window (${m.latency.all.busyPct.toFixed(1)} % busy): ${groups(m.latency.all.groups)}`,
    );
    console.log(
      `  while the slowest 1 % waited (${m.latency.duringSlow.busyPct.toFixed(1)} % busy): ${groups(m.latency.duringSlow.groups)}`,
    );
    for (const h of m.hot.hotspots.slice(0, 12)) {
      console.log(`  ${h.selfPct.toFixed(2).padStart(6)} %  ${h.name}  ${h.loc}`);
    }
    console.log(
      `  outside: ${m.hot.outside.map((o) => `${o.where} ${o.pct.toFixed(1)} %`).join(', ')}`,
    );
  }
} finally {
  await sinks.stop();
}
