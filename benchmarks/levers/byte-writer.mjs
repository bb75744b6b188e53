// Serialisation alone, two ways, on the bodies of one 10-span trace (issue 15,
// item 3): otel-xray's string building (`serializeBody`: flat fields by hand,
// the common blocks from their known shapes) against a byte writer into a
// reused Uint8Array (a char-code loop that stores a byte at a time; times and
// integers from their digits), which would allocate no strings. Checks that
// both write the same bytes, then times each in alternating rounds.
//
//   node benchmarks/levers/byte-writer.mjs <dist/esm dir> [rounds]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { finishedSpans } from '../lib/workload.mjs';

const [dir, roundsArg] = process.argv.slice(2);
const load = (file) => import(pathToFileURL(resolve(dir, file)).href);
const S = await load('translate/segment.js');
const P = await load('translate/pack.js');

const spans = finishedSpans()(1, 10);
// Whole bodies as objects (the translation keeps http and metadata as text).
const bodies = spans.map((s) =>
  JSON.parse(P.nodeJson(S.translateSpan(s, {}, S.newTranslateStats()))),
);

const buf = new Uint8Array(1 << 16);
let pos = 0;
function raw(s) {
  const n = s.length;
  let p = pos;
  for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
  pos = p;
}
function str(s) {
  buf[pos++] = 34;
  const n = s.length;
  let p = pos;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x80 && c !== 34 && c !== 92) buf[p++] = c;
    else throw new Error('the prototype writes plain ASCII only');
  }
  pos = p;
  buf[pos++] = 34;
}
function int(n) {
  if (n === 0) return void (buf[pos++] = 48);
  let d = 1;
  while (d * 10 <= n) d *= 10;
  while (d >= 1) {
    const q = Math.floor(n / d);
    buf[pos++] = 48 + q;
    n -= q * d;
    d /= 10;
  }
}
function time(t) {
  const s = Math.floor(t);
  int(s);
  let us = Math.round((t - s) * 1e6);
  if (us === 0) return;
  buf[pos++] = 46;
  let d = 100000;
  while (us > 0) {
    const q = Math.floor(us / d);
    buf[pos++] = 48 + q;
    us -= q * d;
    d /= 10;
  }
}
function value(v) {
  if (typeof v === 'string') str(v);
  else if (Number.isInteger(v) && v >= 0) int(v);
  else raw(JSON.stringify(v));
}
function write(b) {
  raw('{"name":');
  str(b.name);
  raw(',"id":"');
  raw(b.id);
  raw('","start_time":');
  time(b.start_time);
  if (b.end_time !== undefined) {
    raw(',"end_time":');
    time(b.end_time);
  }
  if (b.namespace !== undefined) {
    raw(',"namespace":"');
    raw(b.namespace);
    buf[pos++] = 34;
  }
  if (b.service !== undefined) {
    raw(',"service":{"version":');
    str(b.service.version);
    buf[pos++] = 125;
  }
  const h = b.http;
  if (h !== undefined) {
    raw(',"http":{');
    const q = h.request;
    let sep = false;
    if (q) {
      raw('"request":{');
      let first = true;
      for (const k of ['method', 'url', 'user_agent', 'client_ip']) {
        if (q[k] === undefined) continue;
        if (!first) buf[pos++] = 44;
        first = false;
        buf[pos++] = 34;
        raw(k);
        raw('":');
        str(q[k]);
      }
      buf[pos++] = 125;
      sep = true;
    }
    if (h.response) {
      if (sep) buf[pos++] = 44;
      raw('"response":{"status":');
      int(h.response.status);
      buf[pos++] = 125;
    }
    buf[pos++] = 125;
  }
  if (b.metadata) {
    raw(',"metadata":{"default":{');
    const d = b.metadata.default;
    let f = true;
    for (const k in d) {
      if (!f) buf[pos++] = 44;
      f = false;
      str(k);
      buf[pos++] = 58;
      value(d[k]);
    }
    raw('}}');
  }
  buf[pos++] = 125;
}

pos = 0;
for (const b of bodies) write(b);
const mine = Buffer.from(buf.subarray(0, pos)).toString();
const theirs = bodies.map((b) => P.serializeBody(b)).join('');
if (mine !== theirs) throw new Error('the two writers differ');

const N = 100_000;
const a = [];
const s = [];
let sink = 0;
for (let round = 0; round < Number(roundsArg ?? 7); round++) {
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    pos = 0;
    for (const b of bodies) write(b);
    sink += pos;
  }
  a.push(Number(process.hrtime.bigint() - t0) / N / bodies.length);
  t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    for (const b of bodies) sink += P.serializeBody(b).length;
  }
  s.push(Number(process.hrtime.bigint() - t0) / N / bodies.length);
}
const med = (xs) => xs.slice().sort((x, y) => x - y)[xs.length >> 1];
console.log(
  `byte writer ${med(a).toFixed(0)} ns/span, string building ${med(s).toFixed(0)} ns/span ` +
    `(median of ${a.length} rounds; ${mine.length} bytes for ${bodies.length} spans)`,
  sink > 0 ? '' : '!',
);
