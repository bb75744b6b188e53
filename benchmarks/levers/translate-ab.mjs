// Paired A/B of otel-xray's translation + packing on hot caches (issue 15,
// item 3): two builds of the library loaded side by side in one process, timed
// in alternating short rounds, the ratio B ÷ A taken per round and its median
// reported, so that the machine's drift cancels. Also bytes allocated per span
// (V8 heap statistics through GCProfiler) over a long run.
//
//   node benchmarks/levers/translate-ab.mjs <distA/esm dir> <distB/esm dir> [rounds]
//
// Each dir is an ES module build of src/ (its index.js exports translateSpans).
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { heapAllocated } from '../lib/common.mjs';
import { finishedSpans } from '../lib/workload.mjs';

const [dirA, dirB, roundsArg] = process.argv.slice(2);
const ROUNDS = Number(roundsArg ?? 41);
const load = (dir) => import(pathToFileURL(resolve(dir, 'index.js')).href);
const A = await load(dirA);
const B = await load(dirB);

const spansOf = finishedSpans();
const shapes = {
  '10-span trace': spansOf(1, 10),
  '1-span trace': spansOf(1, 1),
  '512-span batch': spansOf(52, 10).slice(0, 512),
};
const options = { workingDirectory: process.cwd() };

// Same meaning: both builds' documents parse to equal objects.
for (const [name, spans] of Object.entries(shapes)) {
  const a = A.translateSpans(spans, options).documents.map((d) => JSON.parse(d.json));
  const b = B.translateSpans(spans, options).documents.map((d) => JSON.parse(d.json));
  if (JSON.stringify(a) !== JSON.stringify(b)) console.log(`!! ${name}: documents differ`);
}

let sink = 0;
function timeOne(lib, spans, iterations) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink += lib.translateSpans(spans, options).documents.length;
  return Number(process.hrtime.bigint() - t0) / iterations / spans.length; // ns per span
}
const median = (xs) => {
  const s = xs.slice().sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

for (const [name, spans] of Object.entries(shapes)) {
  const iterations = Math.max(10, Math.round(5_000 / spans.length));
  for (let w = 0; w < 3; w++) {
    timeOne(A, spans, iterations);
    timeOne(B, spans, iterations);
  }
  const as = [];
  const bs = [];
  const ratios = [];
  for (let r = 0; r < ROUNDS; r++) {
    const first = r % 2 === 0;
    const a = first ? timeOne(A, spans, iterations) : undefined;
    const b = timeOne(B, spans, iterations);
    const a2 = first ? a : timeOne(A, spans, iterations);
    as.push(a2);
    bs.push(b);
    ratios.push(b / a2);
  }
  console.log(
    `${name.padEnd(15)} A ${(median(as) / 1000).toFixed(3)} µs/span  B ${(median(bs) / 1000).toFixed(3)} µs/span  B/A ${median(ratios).toFixed(3)} (min ${Math.min(...ratios).toFixed(3)}, max ${Math.max(...ratios).toFixed(3)})`,
  );
}

const t10 = shapes['10-span trace'];
const jsonPerSpan = A.translateSpans(t10, options).documents.reduce((n, d) => n + d.bytes, 0) / 10;
for (const [label, lib] of [
  ['A', A],
  ['B', B],
]) {
  const fn = () => lib.translateSpans(t10, options).documents.length;
  heapAllocated(fn, 2000);
  const bytes = heapAllocated(fn, 20_000).bytes / 200_000;
  console.log(
    `alloc ${label}: ${bytes.toFixed(0)} B/span (${(bytes / jsonPerSpan).toFixed(2)}× the ${jsonPerSpan.toFixed(0)} B of JSON per span)`,
  );
}
if (sink === 0) console.log('');
