// Paired A/B of whole-pipeline CPU per span with exporter options or builds as
// the variants: the build's AWSXRayTraceSpanProcessor (or, with `batch:`, the
// SDK's default BatchSpanProcessor) and otel-xray's exporter,
// sending to a UDP listener in another process (default receive buffer), in
// the closed loop of pipeline-child.mjs (chunks of ~50 spans, one event-loop
// turn between chunks, the app waiting on forceFlush() while 256 KiB are
// queued). Each variant runs in a fresh process pinned to core 0, in
// alternating order; prints the median CPU (user + system), system time and
// wall time per span, and datagrams sent.
//
//   node benchmarks/levers/pipeline-ab.mjs <rounds> <traceSize> <spans> <label>=<variant>...
//   variant: [<node flags, space-separated, in brackets>]noop | [batch:]<dist/esm dir>[:<exporter options as JSON>]
// For example, what the send pacing costs:
//   node benchmarks/levers/pipeline-ab.mjs 7 10 50000 noop=noop xray=../dist/esm \
//     unpaced='../dist/esm:{"burstBytes":1e8,"bytesPerSecond":1e9,"maxBytesPerSecond":1e9,"maxQueueBytes":1e8}'
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startCountingListener } from '../lib/common.mjs';

const self = fileURLToPath(import.meta.url);

if (process.argv[2] === '--child') {
  const [, , , variant, sizeArg, spansArg, port] = process.argv;
  const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const { NodeTracerProvider } = await import('@opentelemetry/sdk-trace-node');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const { makeTrace, BENCH_RESOURCE } = await import('../lib/workload.mjs');
  const size = Number(sizeArg);
  const batch = variant.startsWith('batch:');
  const spec = variant.replace(/^batch:/, '');
  const i = spec.indexOf(':');
  const dir = i < 0 ? spec : spec.slice(0, i);
  const options = i < 0 ? {} : JSON.parse(spec.slice(i + 1));
  let exporter;
  let processor;
  if (dir === 'noop') {
    exporter = { export: (s, cb) => cb({ code: 0 }), shutdown: async () => {} };
    processor = new BatchSpanProcessor(exporter);
  } else {
    const lib = await import(pathToFileURL(resolve(dir, 'index.js')).href);
    exporter = new lib.AWSXRaySpanExporter({ daemonAddress: `127.0.0.1:${port}`, ...options });
    processor = batch
      ? new BatchSpanProcessor(exporter)
      : new lib.AWSXRayTraceSpanProcessor(exporter);
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes(BENCH_RESOURCE),
    spanProcessors: [processor],
  });
  const tracer = provider.getTracer('bench', '1.0.0');
  const run = async (total) => {
    let made = 0;
    while (made < total) {
      for (let t = 0; t < Math.max(1, Math.round(50 / size)); t++, made += size)
        makeTrace(tracer, size);
      await turn();
      const s = exporter.getStats?.();
      if (s && (s.queuedBytes > 256 * 1024 || s.spansWaiting > 1024)) await exporter.forceFlush();
      while ((processor.waitingSpans ?? processor._finishedSpans?.length ?? 0) > 1900)
        await new Promise((r) => setTimeout(r, 1));
    }
    await provider.forceFlush();
    await exporter.forceFlush?.();
    return made;
  };
  await run(Number(spansArg) / 2); // warm-up
  const { PerformanceObserver } = await import('node:perf_hooks');
  const gc = { n: 0, ms: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gc.n++;
      gc.ms += e.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const made = await run(Number(spansArg));
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  await turn(); // the observer's last entries
  observer.disconnect();
  const datagrams = exporter.getStats?.().datagramsSent ?? 0;
  await provider.shutdown();
  console.log(
    JSON.stringify({
      cpu: (cpu.user + cpu.system) / made,
      sys: cpu.system / made,
      wall: (wall * 1000) / made,
      datagrams,
      gcs: gc.n,
      gcMs: gc.ms,
    }),
  );
  process.exit(0);
}

const [roundsArg, size, spans, ...specs] = process.argv.slice(2);
const listener = await startCountingListener({ core: 1 });
const { port } = listener;
const variants = specs.map((s) => {
  const eq = s.indexOf('=');
  return { label: s.slice(0, eq), variant: s.slice(eq + 1), runs: [] };
});
let counted = 0;
try {
  for (let r = 0; r < Number(roundsArg); r++) {
    for (const v of r % 2 === 0 ? variants : [...variants].reverse()) {
      const flags = /^\[([^\]]*)\]/.exec(v.variant);
      const variant = flags ? v.variant.slice(flags[0].length) : v.variant;
      const nodeFlags = flags ? flags[1].split(' ').filter((f) => f !== '') : [];
      const out = execFileSync(
        'taskset',
        [
          '-c',
          '0',
          process.execPath,
          ...nodeFlags,
          self,
          '--child',
          variant,
          size,
          spans,
          String(port),
        ],
        { cwd: fileURLToPath(new URL('..', import.meta.url)) },
      ).toString();
      const run = JSON.parse(out.trim().split('\n').pop());
      // What the listener received from this child (its datagrams all left before it exited).
      const count = await listener.received();
      run.received = count - counted;
      counted = count;
      v.runs.push(run);
    }
  }
} finally {
  listener.kill();
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const v of variants) {
  const m = (k) => median(v.runs.map((x) => x[k]));
  console.log(
    `${v.label.padEnd(10)} CPU ${m('cpu').toFixed(2)} µs/span (system ${m('sys').toFixed(2)}), ` +
      `wall ${m('wall').toFixed(1)} µs/span, ${m('datagrams')} datagrams ` +
      `(${v.runs.reduce((n, x) => n + x.received, 0)} of ${v.runs.reduce((n, x) => n + x.datagrams, 0)} received), ` +
      `${m('gcs')} GCs (${m('gcMs').toFixed(1)} ms); rounds: ` +
      v.runs.map((x) => x.cpu.toFixed(2)).join(' '),
  );
}
