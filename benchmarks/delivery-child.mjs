// One delivery scenario in a fresh process: otel-xray with its defaults under
// the default BatchSpanProcessor, sending to the listener.
//
// - burst: `spans` spans ended in one synchronous loop, then forceFlush();
// - sustained: `rate` spans/s for `seconds`, made on 1 ms timer ticks (each
//   tick makes the traces due by then), then forceFlush().
//
// Config (JSON in argv[2]): { udpPort, kind, size, spans, rate, seconds }.
// Posts { type: 'result', ended, exported, exporterStats, wallMs }.
import { serve, sleep } from './lib/common.mjs';
import { makeExporter, makeProvider, makeTrace } from './lib/workload.mjs';

const config = JSON.parse(process.argv[2]);
const exporter = await makeExporter('xray', config);
const setup = makeProvider(exporter);
const { size } = config;

const t0 = performance.now();
if (config.kind === 'burst') {
  for (let made = 0; made < config.spans; made += size) makeTrace(setup.tracer, size);
} else {
  const total = Math.round(config.rate * config.seconds);
  let made = 0;
  const deadline = t0 + config.seconds * 1000 * 2 + 5000; // bound, in case the app falls behind
  while (made < total && performance.now() < deadline) {
    const due = Math.min(total, ((performance.now() - t0) * config.rate) / 1000);
    while (made + size <= due) {
      makeTrace(setup.tracer, size);
      made += size;
    }
    await sleep(1);
  }
}
await setup.provider.forceFlush();
await exporter.forceFlush();

process.send({
  type: 'result',
  ended: setup.ended.count,
  exported: setup.counting.counts.exported,
  maxExportMs: setup.counting.counts.maxExportMs,
  p50ExportMs: setup.counting.counts.p50ExportMs,
  exporterStats: exporter.getStats(),
  wallMs: performance.now() - t0,
});
serve({ exit: () => process.exit(0) });
