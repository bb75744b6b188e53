// Translation + packing of fresh spans, as in the pipeline (the SDK made them
// just before), against the same spans translated again and again (hot
// caches, as micro.mjs measures): 16 traces of 10 spans per step, real SDK
// spans from a NodeTracerProvider. The fresh cost is (make + translate) −
// (make alone), medians of 15 alternating rounds, ns per span.
//
//   taskset -c 0 node benchmarks/levers/fresh-spans.mjs <dist/esm dir>
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { makeTrace, BENCH_RESOURCE } from '../lib/workload.mjs';

const lib = await import(pathToFileURL(resolve(process.argv[2], 'index.js')).href);
const ended = [];
const provider = new NodeTracerProvider({
  resource: resourceFromAttributes(BENCH_RESOURCE),
  spanProcessors: [
    {
      onStart() {},
      onEnd: (span) => ended.push(span),
      forceFlush: async () => {},
      shutdown: async () => {},
    },
  ],
});
const tracer = provider.getTracer('bench', '1.0.0');
const options = { workingDirectory: process.cwd() };
const TRACES = 16;
const STEPS = 400;
let sink = 0;

function make() {
  for (let i = 0; i < TRACES; i++) makeTrace(tracer, 10);
  return ended.splice(0);
}
function translate(spans) {
  for (let i = 0; i < TRACES; i++) {
    sink += lib.translateSpans(spans.slice(i * 10, i * 10 + 10), options).documents.length;
  }
}
/** ns per span of one round: fresh spans made (and translated), or the same spans translated. */
function round(mode) {
  const same = make();
  const t0 = process.hrtime.bigint();
  for (let n = 0; n < STEPS; n++) {
    if (mode === 'hot') translate(same);
    else if (mode === 'make') make();
    else translate(make());
  }
  return Number(process.hrtime.bigint() - t0) / STEPS / TRACES / 10;
}
const runs = { make: [], fresh: [], hot: [] };
for (let r = 0; r < 15; r++) for (const mode of Object.keys(runs)) runs[mode].push(round(mode));
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const m = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)]));
console.log(
  `ns per span: the SDK making spans ${m.make.toFixed(0)}; making + translating ${m.fresh.toFixed(0)}, ` +
    `so translating fresh spans ${(m.fresh - m.make).toFixed(0)}; translating the same spans (hot) ${m.hot.toFixed(0)}` +
    (sink < 0 ? '' : ''),
);
