// What writing a document into its datagram costs when the document is a rope
// (built by concatenation, as otel-xray's translation builds it) against a
// flat string of the same text: V8 flattens the rope first. Also the
// alternative of building the text from a reused array of pieces joined once
// (no rope, one flat string), on a synthetic 3.2 KB document of 400 pieces.
// Medians of 5 rounds, ns per document.
//
//   taskset -c 0 node benchmarks/levers/rope-write.mjs <dist/esm dir>
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { finishedSpans } from '../lib/workload.mjs';

const lib = await import(pathToFileURL(resolve(process.argv[2], 'index.js')).href);
const HEADER = Buffer.from('{"format":"json","version":1}\n');
/** As the transport writes a datagram. */
function encode(json) {
  const buf = Buffer.allocUnsafe(HEADER.length + json.length);
  HEADER.copy(buf, 0);
  buf.write(json, HEADER.length, 'latin1');
  return buf;
}
const spans = finishedSpans()(1, 10);
const options = { workingDirectory: process.cwd() };
const document = () => lib.translateSpans(spans, options).documents[0].json;

const keys = Array.from({ length: 100 }, (_, i) => `"key.number.${i % 17}":`);
const values = Array.from({ length: 100 }, (_, i) => `value-${(i * 7919) % 1000}-abc`);
const times = Array.from({ length: 100 }, (_, i) => 1764700000.123456 + i);
function concatenated() {
  let s = '{';
  for (let i = 0; i < 100; i++) {
    s += i % 3 === 0 ? `${keys[i]}${times[i]},` : `${keys[i]}"${values[i]}",`;
  }
  return `${s}"end":1}`;
}
const pieces = [];
function joined() {
  pieces.length = 0;
  pieces.push('{');
  for (let i = 0; i < 100; i++) {
    pieces.push(keys[i]);
    if (i % 3 === 0) pieces.push(`${times[i]}`, ',');
    else pieces.push('"', values[i], '",');
  }
  pieces.push('"end":1}');
  return pieces.join('');
}
if (concatenated() !== joined()) throw new Error('the two synthetic documents differ');

let sink = 0;
const N = 20_000;
const time = (f) => {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) sink += f();
  return Number(process.hrtime.bigint() - t0) / N;
};
const flat = JSON.parse(JSON.stringify(document()));
const rows = { translate: [], 'translate + write': [], 'write (flat)': [] };
const synth = { concat: [], 'concat + write': [], join: [], 'join + write': [] };
for (let r = 0; r < 6; r++) {
  const t = time(() => document().length);
  const tw = time(() => encode(document()).length);
  const w = time(() => encode(flat).length);
  const c = time(() => concatenated().length);
  const cw = time(() => encode(concatenated()).length);
  const j = time(() => joined().length);
  const jw = time(() => encode(joined()).length);
  if (r === 0) continue; // warm-up
  rows.translate.push(t);
  rows['translate + write'].push(tw);
  rows['write (flat)'].push(w);
  synth.concat.push(c);
  synth['concat + write'].push(cw);
  synth.join.push(j);
  synth['join + write'].push(jw);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const m = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, median(v)]));
const a = m(rows);
const b = m(synth);
console.log(
  `10-span document (${flat.length} B): writing the rope into a datagram ` +
    `${(a['translate + write'] - a.translate).toFixed(0)} ns, the same text flat ${a['write (flat)'].toFixed(0)} ns`,
);
console.log(
  `synthetic ${concatenated().length} B in 400 pieces: concatenated ${b.concat.toFixed(0)} ns, + write ${b['concat + write'].toFixed(0)} ns; ` +
    `joined ${b.join.toFixed(0)} ns, + write ${b['join + write'].toFixed(0)} ns` +
    (sink < 0 ? '' : ''),
);
