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
