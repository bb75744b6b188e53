// One delivery scenario in a fresh process: otel-xray with its defaults under
// the default BatchSpanProcessor, sending to the listener.
//
// - burst: `spans` spans ended in one synchronous loop, then forceFlush();
// - sustained: `rate` spans/s for `seconds`, made on 1 ms timer ticks (each
//   tick makes the traces due by then), then forceFlush(); first, for
//   `warmupSeconds`, the same load as a warm-up, flushed and reported apart
//   ({ type: 'warm', ... }; the parent answers { type: 'go' }).
//
// Config (JSON in argv[2]): { udpPort, kind, size, spans, rate, seconds, warmupSeconds }.
// Posts { type: 'result', ended, exported, exporterStats, wallMs } (the
// measured phase only).
import { serve, sleep } from './lib/common.mjs';
import { makeExporter, makeProvider, makeTrace } from './lib/workload.mjs';

const config = JSON.parse(process.argv[2]);
const exporter = await makeExporter('xray', config);
const setup = await makeProvider(exporter);
const { size } = config;

/** Makes `rate` spans/s for `seconds`, on 1 ms timer ticks. */
async function sustain(rate, seconds) {
  const t0 = performance.now();
  const total = Math.round(rate * seconds);
  let made = 0;
  const deadline = t0 + seconds * 1000 * 2 + 5000; // bound, in case the app falls behind
  while (made < total && performance.now() < deadline) {
    const due = Math.min(total, ((performance.now() - t0) * rate) / 1000);
    while (made + size <= due) {
      makeTrace(setup.tracer, size);
      made += size;
    }
    await sleep(1);
  }
}

/** Everything counted so far, for deltas across the warm-up. */
function snapshot() {
  return {
    ended: setup.ended.count,
    exported: setup.counting.counts.exported,
    exporterStats: exporter.getStats(),
  };
}

let base = { ended: 0, exported: 0, exporterStats: undefined };
if (config.kind === 'sustained' && config.warmupSeconds > 0) {
  // Warm-up at the same rate (a fresh process runs cold code for its first
  // few hundred ms), reported apart; the parent then drains and resets the
  // listener before the measured phase.
  await sustain(config.rate, config.warmupSeconds);
  await setup.provider.forceFlush();
  await exporter.forceFlush();
  base = snapshot();
  const go = new Promise((resolve) => {
    const onGo = (m) => {
      if (m?.type !== 'go') return;
      process.off('message', onGo);
      resolve();
    };
    process.on('message', onGo);
  });
  process.send({ type: 'warm', ...base });
  await go;
}
setup.counting.counts.maxExportMs = 0; // the measured phase's own

const t0 = performance.now();
if (config.kind === 'burst') {
  for (let made = 0; made < config.spans; made += size) makeTrace(setup.tracer, size);
} else {
  await sustain(config.rate, config.seconds);
}
await setup.provider.forceFlush();
await exporter.forceFlush();

const end = snapshot();
const b = base.exporterStats;
const s = end.exporterStats;
const delta = (x, y) => x - (y ?? 0);
process.send({
  type: 'result',
  ended: end.ended - base.ended,
  exported: end.exported - base.exported,
  maxExportMs: setup.counting.counts.maxExportMs,
  p50ExportMs: setup.counting.counts.p50ExportMs,
  exporterStats: {
    spansSent: delta(s.spansSent, b?.spansSent),
    datagramsSent: delta(s.datagramsSent, b?.datagramsSent),
    dropped: Object.fromEntries(
      Object.entries(s.dropped).map(([k, v]) => [k, delta(v, b?.dropped[k])]),
    ),
  },
  wallMs: performance.now() - t0,
});
serve({ exit: () => process.exit(0) });
