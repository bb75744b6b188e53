// Reads a V8 CPU profile (.cpuprofile, as `node --cpu-prof` writes) and lists
// where otel-xray spends its time: self time per function, mapped back to
// src/*.ts through the source maps next to dist/, plus the native and
// dependency functions that otel-xray code calls (JSON.stringify, dgram…),
// attributed to the nearest otel-xray caller.
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ROOT_DIR } from './common.mjs';
import { distUrl } from './otel-xray.mjs';

const maps = new Map();

function sourceMapFor(file) {
  if (!maps.has(file)) {
    let map = null;
    try {
      map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')));
    } catch {
      // no map: report dist locations
    }
    maps.set(file, map);
  }
  return maps.get(file);
}

function distFile(url) {
  const DIST = fileURLToPath(distUrl());
  try {
    const file = url.startsWith('file:') ? fileURLToPath(url) : url;
    return file.startsWith(DIST) ? file : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `src/translate/segment.ts:123` for a position in a dist/ file (0-based line
 * and column), through its source map; undefined outside dist/.
 */
function mapPosition(url, line, column) {
  const file = distFile(url);
  if (file === undefined) return undefined;
  const entry = sourceMapFor(file)?.findEntry(line, column);
  if (entry?.originalSource) {
    const src = entry.originalSource.replace(/^.*?\/src\//, 'src/');
    return `${src}:${entry.originalLine + 1}`;
  }
  return `dist/${file.slice(fileURLToPath(distUrl()).length)}:${line + 1}`;
}

function srcLocation(frame) {
  return mapPosition(frame.url, frame.lineNumber, frame.columnNumber);
}

const sources = new Map();
/** The trimmed text of `src/x.ts:12`, for the report. */
export function sourceLine(loc) {
  const m = /^(.*):(\d+)$/.exec(loc);
  if (!m) return '';
  if (!sources.has(m[1])) {
    try {
      // src/ beside the dist/ in use (run.mjs copies both when the run starts).
      const file = fileURLToPath(new URL(`../${m[1]}`, distUrl()));
      sources.set(m[1], readFileSync(file, 'utf8').split('\n'));
    } catch {
      sources.set(m[1], []);
    }
  }
  return (sources.get(m[1])[Number(m[2]) - 1] ?? '').trim();
}

function frameName(frame) {
  return frame.functionName || '(anonymous)';
}

function packageOf(url) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  if (url.startsWith('node:')) return url;
  if (url === '') return 'native';
  return url.replace(/^file:\/\//, '').replace(ROOT_DIR, '');
}

/**
 * Self-time table. Every sample is charged to its leaf frame; samples whose
 * leaf is outside otel-xray but which have an otel-xray frame above them are
 * listed as "<leaf> (from <nearest otel-xray function>)".
 */
export function analyseProfile(file, { top = 15 } = {}) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map();
  const parent = new Map();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  // Nearest otel-xray ancestor (or self) of each node, memoised.
  const nearest = new Map();
  const ownFrame = (id) => {
    if (nearest.has(id)) return nearest.get(id);
    const n = byId.get(id);
    const loc = srcLocation(n.callFrame);
    let result;
    if (loc !== undefined) result = { name: frameName(n.callFrame), loc };
    else if (parent.has(id)) result = ownFrame(parent.get(id));
    nearest.set(id, result);
    return result;
  };

  let total = 0; // non-idle samples
  let idle = 0;
  let inXray = 0; // samples with an otel-xray frame on the stack
  let gc = 0;
  const self = new Map(); // key -> { name, loc, samples, own }
  const byFile = new Map();
  const byPackage = new Map();
  for (const id of profile.samples) {
    const n = byId.get(id);
    const name = frameName(n.callFrame);
    if (name === '(idle)') {
      idle++;
      continue;
    }
    total++;
    if (name === '(garbage collector)') gc++;
    const own = srcLocation(n.callFrame);
    const x = ownFrame(id);
    if (x === undefined) {
      const pkg = packageOf(n.callFrame.url);
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + 1);
      continue;
    }
    inXray++;
    const key = own !== undefined ? `${name}@${own}` : `${name}<${x.name}@${x.loc}`;
    let e = self.get(key);
    if (e === undefined) {
      e =
        own !== undefined
          ? { name, loc: own, samples: 0, own: true, lines: new Map() }
          : {
              name: `${name} [${packageOf(n.callFrame.url)}] (from ${x.name})`,
              loc: x.loc,
              samples: 0,
              own: false,
            };
      self.set(key, e);
    }
    e.samples++;
    const srcFile = x.loc.replace(/:\d+$/, '');
    byFile.set(srcFile, (byFile.get(srcFile) ?? 0) + 1);
  }
  // Hot lines inside each otel-xray function, from the profile's per-line
  // ticks (positionTicks: 1-based lines of the dist file), mapped to src/.
  for (const n of profile.nodes) {
    const own = srcLocation(n.callFrame);
    if (own === undefined || !n.positionTicks) continue;
    const e = self.get(`${frameName(n.callFrame)}@${own}`);
    if (e === undefined) continue;
    for (const { line, ticks } of n.positionTicks) {
      const loc = mapPosition(n.callFrame.url, line - 1, 1000) ?? own;
      e.lines.set(loc, (e.lines.get(loc) ?? 0) + ticks);
    }
  }
  const hotLine = (e) => {
    if (!e.lines || e.lines.size === 0) return undefined;
    let best;
    let ticks = 0;
    let all = 0;
    for (const [loc, t] of e.lines) {
      all += t;
      if (t > ticks) [best, ticks] = [loc, t];
    }
    return { loc: best, share: ticks / all, text: sourceLine(best) };
  };
  const pct = (s) => (100 * s) / Math.max(1, total);
  const ranked = [...self.values()].sort((a, b) => b.samples - a.samples);
  return {
    samples: total,
    idleSamples: idle,
    intervalUs: (profile.endTime - profile.startTime) / Math.max(1, profile.samples.length),
    otelXrayPct: pct(inXray),
    gcPct: pct(gc),
    hotspots: ranked.slice(0, top).map((e) => ({
      name: e.name,
      loc: e.loc,
      own: e.own,
      selfPct: pct(e.samples),
      ofXrayPct: (100 * e.samples) / Math.max(1, inXray),
      hotLine: hotLine(e),
    })),
    files: [...byFile.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([f, s]) => ({ file: f, pct: pct(s), ofXrayPct: (100 * s) / Math.max(1, inXray) })),
    outside: [...byPackage.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([p, s]) => ({ where: p, pct: pct(s) })),
  };
}

// ---- GC and latency profile of a fixed-rate workload --------------------------

/**
 * Parses `node --trace-gc` output: one line per collection, e.g.
 * `[123:0x5d…]     4567 ms: Scavenge 9.8 (12.1) -> 8.9 (13.1) MB, 0.72 / 0.00 ms  (…) allocation failure;`
 * Returns per kind the count, total and largest pause (ms), and the heap
 * (MB) before and after on average.
 */
export function parseTraceGc(text) {
  const re =
    /\]\s+(\d+) ms: ([A-Za-z-]+(?: \([a-z ]+\))?) ([\d.]+) \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB, (?:pooled: [\d.]+ MB, )?([\d.]+) \/ ([\d.]+) ms/;
  const kinds = {};
  let lines = 0;
  for (const line of text.split('\n')) {
    const m = re.exec(line);
    if (!m) continue;
    lines++;
    const kind = m[2];
    const k = (kinds[kind] ??= { count: 0, pauseMs: 0, maxPauseMs: 0, beforeMB: 0, afterMB: 0 });
    const pause = Number(m[7]);
    k.count++;
    k.pauseMs += pause;
    k.maxPauseMs = Math.max(k.maxPauseMs, pause);
    k.beforeMB += Number(m[3]);
    k.afterMB += Number(m[5]);
  }
  for (const k of Object.values(kinds)) {
    k.beforeMB /= k.count;
    k.afterMB /= k.count;
  }
  return { collections: lines, kinds };
}

/** What a sample was doing, in a few groups: GC, otel-xray, the OTel SDK, Node's core, … */
function sampleGroups(profile) {
  const byId = new Map();
  const parent = new Map();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const memo = new Map();
  const groupOf = (id) => {
    if (memo.has(id)) return memo.get(id);
    const n = byId.get(id);
    const name = frameName(n.callFrame);
    let g;
    if (name === '(idle)') g = 'idle';
    else if (name === '(garbage collector)') g = 'GC';
    else if (name === '(program)') g = 'V8/native (program)';
    else {
      // The nearest frame with a known home decides: otel-xray anywhere on
      // the stack above a dependency's frame counts for otel-xray.
      for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
        const f = byId.get(cur).callFrame;
        if (srcLocation(f) !== undefined) {
          g = 'otel-xray';
          break;
        }
        if (g === undefined && f.url !== '') {
          const pkg = packageOf(f.url);
          g = pkg.startsWith('@opentelemetry/')
            ? 'OpenTelemetry SDK + instrumentation'
            : pkg.startsWith('node:')
              ? 'Node.js core (http, net, timers…)'
              : pkg.includes('benchmarks/')
                ? 'the app'
                : pkg;
        }
      }
      g ??= 'other native';
    }
    memo.set(id, g);
    return g;
  };
  return groupOf;
}

/**
 * The latency account of a fixed-rate run: which requests were slow, and
 * what the app's core was doing while they waited.
 *
 * - `requests`: flat [endMs, latencyMs, …] on the monotonic clock (loadgen.mjs);
 * - `gcPauses`: [{ start, ms, kind }] on the same clock (http-app.mjs);
 * - the .cpuprofile (its timestamps are on that clock too, in µs).
 *
 * Returns the busy share and its breakdown by group over the whole window,
 * over the intervals of the slowest 1 % of requests, and the share of slow
 * and of all requests that overlapped a GC pause or a long busy stretch
 * (≥ 1 ms of the core busy without an idle sample).
 */
export function analyseLatency(file, { requests, gcPauses, fromMs, toMs, intervalUs = 250 }) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const groupOf = sampleGroups(profile);
  // Sample times (ms, monotonic) and groups within the window. A gap of
  // more than 4 intervals between samples means the app's threads were off
  // the CPU (other processes had the core) or the sampler was late.
  const times = [];
  const groups = [];
  let gapMs = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    const ms = t / 1000;
    if (ms < fromMs || ms > toMs) continue;
    if (profile.timeDeltas[i] > 4 * intervalUs)
      gapMs += (profile.timeDeltas[i] - intervalUs) / 1000;
    times.push(ms);
    groups.push(groupOf(profile.samples[i]));
  }
  const interval = times.length > 1 ? (times[times.length - 1] - times[0]) / times.length : NaN;
  // Busy stretches: runs of non-idle samples.
  const stretches = [];
  for (let i = 0; i < times.length;) {
    if (groups[i] === 'idle') {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < times.length && groups[j + 1] !== 'idle') j++;
    stretches.push({ start: times[i] - interval, end: times[j], from: i, to: j });
    i = j + 1;
  }
  const long = stretches.filter((s) => s.end - s.start >= 1);
  const lat = [];
  for (let i = 0; i < requests.length; i += 2)
    lat.push([requests[i] - requests[i + 1], requests[i]]);
  const sorted = lat.map(([s, e]) => e - s).sort((a, b) => a - b);
  const p99 = sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))];
  const slow = lat.filter(([s, e]) => e - s >= p99);
  const overlaps = (list, [s, e]) => list.some((x) => x.start < e && x.end > s);
  const gcs = gcPauses.map((g) => ({ start: g.start, end: g.start + g.ms, kind: g.kind }));
  const share = (reqs, list) =>
    reqs.length === 0 ? NaN : (100 * reqs.filter((r) => overlaps(list, r)).length) / reqs.length;
  // What the core did during the slow requests (union of their intervals).
  const inSlow = new Uint8Array(times.length);
  for (const [s, e] of slow) {
    for (let i = lowerBound(times, s); i < times.length && times[i] <= e; i++) inSlow[i] = 1;
  }
  const breakdown = (pick) => {
    const counts = new Map();
    let n = 0;
    for (let i = 0; i < times.length; i++) {
      if (!pick(i)) continue;
      n++;
      counts.set(groups[i], (counts.get(groups[i]) ?? 0) + 1);
    }
    return {
      samples: n,
      busyPct: n === 0 ? NaN : (100 * (n - (counts.get('idle') ?? 0))) / n,
      groups: [...counts.entries()]
        .filter(([g]) => g !== 'idle')
        .sort((a, b) => b[1] - a[1])
        .map(([group, c]) => ({ group, pct: (100 * c) / n })),
    };
  };
  const lengths = long.map((s) => s.end - s.start).sort((a, b) => b - a);
  const longest = [...long]
    .sort((a, b) => b.end - b.start - (a.end - a.start))
    .slice(0, 5)
    .map((s) => {
      const b = breakdown((i) => i >= s.from && i <= s.to);
      return { ms: s.end - s.start, groups: b.groups.slice(0, 3) };
    });
  const gcInWindow = gcs.filter((g) => g.end >= fromMs && g.start <= toMs);
  const byKind = {};
  for (const g of gcInWindow) {
    const k = (byKind[g.kind] ??= { count: 0, ms: 0, maxMs: 0 });
    k.count++;
    k.ms += g.end - g.start;
    k.maxMs = Math.max(k.maxMs, g.end - g.start);
  }
  return {
    windowMs: toMs - fromMs,
    unsampledPct: (100 * gapMs) / (toMs - fromMs),
    intervalUs: interval * 1000,
    requests: lat.length,
    p99Ms: p99,
    slowRequests: slow.length,
    all: breakdown(() => true),
    duringSlow: breakdown((i) => inSlow[i] === 1),
    gcByKind: byKind,
    slowOverlappingGcPct: share(slow, gcs),
    allOverlappingGcPct: share(lat, gcs),
    slowOverlappingLongBusyPct: share(slow, long),
    allOverlappingLongBusyPct: share(lat, long),
    longBusyStretches: long.length,
    longBusyP50Ms: lengths.length ? lengths[lengths.length >> 1] : NaN,
    longest,
  };
}

function lowerBound(sorted, x) {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
