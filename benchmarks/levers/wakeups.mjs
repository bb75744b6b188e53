// Event-loop turns and timers otel-xray's exporter asks for, per export: one
// 512-span batch (52 traces of 10 spans, minus the last's root: as a
// BatchSpanProcessor batch) exported and sent to a UDP listener, with
// setImmediate and setTimeout counted (the exporter's and its transport's;
// the process does nothing else).
//
//   node benchmarks/levers/wakeups.mjs <dist/esm dir> [exports]
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { makeTrace, SERVICE } from '../lib/workload.mjs';

const [dir, exportsArg] = process.argv.slice(2);
const EXPORTS = Number(exportsArg ?? 20);
const lib = await import(pathToFileURL(resolve(dir, 'index.js')).href);
const memory = new InMemorySpanExporter();
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': SERVICE }),
  spanProcessors: [new SimpleSpanProcessor(memory)],
});
const tracer = provider.getTracer('wakeups');
const batches = [];
for (let e = 0; e < EXPORTS; e++) {
  memory.reset();
  for (let t = 0; t < 52; t++) makeTrace(tracer, 10);
  batches.push(memory.getFinishedSpans().slice(0, 512));
}
const sink = dgram.createSocket('udp4');
let received = 0;
sink.on('message', () => received++);
sink.bind(0, '127.0.0.1');
await once(sink, 'listening');
const exporter = new lib.AWSXRaySpanExporter({
  daemonAddress: `127.0.0.1:${sink.address().port}`,
});

const counts = { immediates: 0, timers: 0 };
const realImmediate = globalThis.setImmediate;
const realTimeout = globalThis.setTimeout;
let counting = false;
globalThis.setImmediate = (...a) => {
  if (counting) counts.immediates++;
  return realImmediate(...a);
};
globalThis.setTimeout = (...a) => {
  if (counting) counts.timers++;
  return realTimeout(...a);
};
const quiet = async () => {
  // Until the exporter has sent everything (held spans aside).
  for (;;) {
    const s = exporter.getStats();
    if (s.spansWaiting - (s.spansHeld ?? 0) <= 0 && s.spansQueued === 0) return;
    await new Promise((r) => realTimeout(r, 5));
  }
};
const per = [];
for (const batch of batches) {
  counts.immediates = 0;
  counts.timers = 0;
  counting = true;
  const t0 = performance.now();
  await new Promise((r) => exporter.export(batch, r));
  await quiet();
  counting = false;
  per.push({ ...counts, ms: performance.now() - t0 });
}
await exporter.shutdown();
await new Promise((r) => realTimeout(r, 200));
sink.close();
const med = (xs) => xs.slice().sort((x, y) => x - y)[xs.length >> 1];
console.log(
  `per 512-span export (median of ${EXPORTS}): ${med(per.map((p) => p.immediates))} setImmediate, ` +
    `${med(per.map((p) => p.timers))} setTimeout, ${med(per.map((p) => p.ms)).toFixed(1)} ms until sent; ` +
    `${exporter.getStats().datagramsSent} datagrams sent, ${received} received`,
);
