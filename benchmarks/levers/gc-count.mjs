// What the garbage collector has to do per request at a fixed rate, counted
// rather than timed: bytes that survived scavenges (copied in the young
// generation) and were promoted to the old one, and the number of scavenges
// and mark-compacts (`--trace-gc-nvp`), per 1,000 requests of the suite's
// HTTP app, for the no-op exporter and one or more otel-xray builds (behind
// AWSXRayTraceSpanProcessor; BENCH_PROCESSOR=batch: behind the SDK's
// BatchSpanProcessor, as the no-op exporter is). Byte counts move less with
// the machine's load than times, but they do move: a mark-compact promotes
// what the next scavenge finds alive in bulk, so compare several runs.
// GC_LINES=1 prints every collection.
//
//   node benchmarks/levers/gc-count.mjs <spans> <rate> <seconds> [label=<dir holding esm/>]...
// (no label: the no-op exporter and ../dist)
import { startApps } from '../fixed-rate.mjs';
import { startChild, nextMessage, request, stopChild, AUX_CORE } from '../lib/common.mjs';
import { startSinks } from '../lib/sinks.mjs';

const [spans = 6, rate = 1000, seconds = 8, ...variants] = process.argv.slice(2);
const builds = variants.length
  ? variants.map((v) => v.split('='))
  : [['otel-xray', new URL('../../dist', import.meta.url).pathname]];
const sinks = await startSinks();
const loadgen = startChild('loadgen.mjs', [], { core: AUX_CORE });
await nextMessage(loadgen, 'ready');

function parse(text) {
  const r = { scavenges: 0, markCompacts: 0, copied: 0, promoted: 0, pauseMs: 0 };
  for (const line of text.split('\n')) {
    const gc = /\bgc=(\w+)/.exec(line)?.[1];
    if (gc === undefined) continue;
    const num = (k) => Number(new RegExp(`\\b${k}=([\\d.]+)`).exec(line)?.[1] ?? 0);
    if (gc === 's') r.scavenges++;
    else if (gc === 'ms' || gc === 'mc') r.markCompacts++;
    r.copied += num('new_space_survived');
    if (process.env.GC_LINES)
      console.log(
        gc,
        'pause',
        num('pause'),
        'survived',
        num('new_space_survived'),
        'promoted',
        num('promoted'),
        'mutator',
        num('mutator'),
        'ratio',
        /average_survival_ratio=([\d.]+)/.exec(line)?.[1],
      );
    r.promoted += num('promoted');
    r.pauseMs += num('pause');
  }
  return r;
}

async function one(label, dist) {
  if (dist) process.env.OTEL_XRAY_DIST = dist;
  let text = '';
  const mode = dist ? 'xray' : 'noop';
  const apps = await startApps({
    sinks,
    modes: [mode],
    spanCounts: [Number(spans)],
    nodeArgs: ['--trace-gc-nvp'],
    pipeStdout: true,
    onStdout: (c) => (text += c),
  });
  const app = apps[`${mode}/${spans}`];
  try {
    const url = `http://127.0.0.1:${app.port}/api/orders/12345`;
    await request(loadgen, 'rate', { url, rate: Number(rate), streams: 10, durationSec: 3 });
    await request(app.child, 'flush', {}, 30_000);
    const from = text.length;
    const r = await request(loadgen, 'rate', {
      url,
      rate: Number(rate),
      streams: 10,
      durationSec: Number(seconds),
    });
    await request(app.child, 'flush', {}, 30_000);
    const g = parse(text.slice(from));
    const k = 1000 / r.requests;
    console.log(
      `${label.padEnd(12)} per 1,000 requests: scavenges ${(g.scavenges * k).toFixed(2)}, ` +
        `mark-compacts ${(g.markCompacts * k).toFixed(3)}, survived ${((g.copied * k) / 1024).toFixed(0)} KiB, ` +
        `promoted ${((g.promoted * k) / 1024).toFixed(0)} KiB, pause ${(g.pauseMs * k).toFixed(1)} ms; p99 ${r.p99.toFixed(2)} ms`,
    );
  } finally {
    await stopChild(app.child);
  }
}

try {
  await one('no-op');
  for (const [label, dir] of builds) await one(label, dir);
} finally {
  await stopChild(loadgen);
  await sinks.stop();
}
