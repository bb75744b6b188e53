// Where otel-xray's translation allocates: V8's sampling heap profiler
// (every 512 bytes on average, objects that died included) over a long run of
// translateSpans on one 10-span trace (hot caches), by allocating function.
//
//   node benchmarks/levers/alloc-profile.mjs <dist/esm dir> [size]
import { Session } from 'node:inspector/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { finishedSpans } from '../lib/workload.mjs';

const [dir, sizeArg] = process.argv.slice(2);
const SIZE = Number(sizeArg ?? 10);
const lib = await import(pathToFileURL(resolve(dir, 'index.js')).href);
const spans = finishedSpans()(1, SIZE);
const options = { workingDirectory: process.cwd() };
let sink = 0;
const ITER = 20_000;
for (let i = 0; i < 2000; i++) sink += lib.translateSpans(spans, options).documents.length;

const session = new Session();
session.connect();
await session.post('HeapProfiler.enable');
await session.post('HeapProfiler.startSampling', {
  samplingInterval: 512,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
for (let i = 0; i < ITER; i++) sink += lib.translateSpans(spans, options).documents.length;
const { profile } = await session.post('HeapProfiler.stopSampling');
session.disconnect();

const byFn = new Map();
let total = 0;
const walk = (node) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const self = node.selfSize;
  if (self > 0) {
    const k = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
    byFn.set(k, (byFn.get(k) ?? 0) + self);
    total += self;
  }
  for (const c of node.children) walk(c);
};
walk(profile.head);
const perSpan = (b) => b / (ITER * SIZE);
console.log(`sampled ${perSpan(total).toFixed(0)} B per span (${SIZE}-span trace)`);
for (const [k, b] of [...byFn].sort((x, y) => y[1] - x[1]).slice(0, 20)) {
  console.log(`${perSpan(b).toFixed(0).padStart(6)} B/span  ${k}`);
}
if (sink === 0) console.log('');
