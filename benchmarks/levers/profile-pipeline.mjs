// Where otel-xray's time goes per span, in the whole pipeline: the SDK with
// AWSXRayTraceSpanProcessor (setupXRay()'s default; --processor=batch: the
// SDK's BatchSpanProcessor) and otel-xray's exporter, sending to a UDP
// listener in another process; 10-span traces (or --size=N) in a closed loop
// with back-pressure (as benchmarks/pipeline-child.mjs), under the V8 CPU
// profiler. Prints self time by area (the SDK, otel-xray's translation,
// serialisation and packing, the exporter, the transport, the kernel send,
// GC) as a share of busy samples and in µs per span.
//
//   node benchmarks/levers/profile-pipeline.mjs <dist/esm dir> [--size=10] [--spans=200000] [--processor=batch] [--functions [--node]]
import { Session } from 'node:inspector/promises';
import { resolve } from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { startCountingListener } from '../lib/common.mjs';
import { makeTrace, SERVICE } from '../lib/workload.mjs';

const args = process.argv.slice(2);
const opt = (name, d) =>
  Number(args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? d);
const SIZE = opt('size', 10);
const SPANS = opt('spans', 200_000);
const libDir = resolve(args[0]);
const lib = await import(pathToFileURL(resolve(libDir, 'index.js')).href);

// The listener: another process, the kernel's default receive buffer.
const listener = await startCountingListener();
const { port } = listener;

const exporter = new lib.AWSXRaySpanExporter({ daemonAddress: `127.0.0.1:${port}` });
const processor = args.includes('--processor=batch')
  ? new BatchSpanProcessor(exporter)
  : new lib.AWSXRayTraceSpanProcessor(exporter);
const provider = new NodeTracerProvider({
  resource: resourceFromAttributes({
    'service.name': SERVICE,
    'service.version': '1.4.2',
    'deployment.environment.name': 'bench',
  }),
  spanProcessors: [processor],
});
const tracer = provider.getTracer('bench', '1.0.0');

async function run(total) {
  let made = 0;
  while (made < total) {
    for (let i = 0; i < Math.max(1, Math.round(50 / SIZE)); i++, made += SIZE)
      makeTrace(tracer, SIZE);
    await turn();
    const s = exporter.getStats();
    if (s.queuedBytes > 256 * 1024 || s.spansWaiting - s.spansHeld > 1024)
      await exporter.forceFlush();
    while ((processor.waitingSpans ?? processor._finishedSpans?.length ?? 0) > 1900)
      await new Promise((r) => setTimeout(r, 1));
  }
  await provider.forceFlush();
  await exporter.forceFlush();
  return made;
}
await run(SPANS / 4); // warm-up

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 100 });
await session.post('Profiler.start');
const cpu0 = process.cpuUsage();
const made = await run(SPANS);
const cpu = process.cpuUsage(cpu0);
const { profile } = await session.post('Profiler.stop');
session.disconnect();
const stats = exporter.getStats();
await provider.shutdown();
const received = await listener.received();
listener.kill();

const AREAS = [
  ['otel-xray: serialise + pack (pack.js)', (u) => u.includes('/translate/pack.js')],
  ['otel-xray: translate span → body (translate/*)', (u) => u.includes('/translate/')],
  ['otel-xray: trace-header/ID checks (protocol/*)', (u) => u.includes('/protocol/')],
  ['otel-xray: exporter (slicing, holding, ledger)', (u) => u.includes('/export/')],
  [
    'otel-xray: transport (queue, pacing, encode)',
    (u) => u.includes('/transport/') || u.includes('/shared/'),
  ],
  ['OpenTelemetry SDK + API + context', (u) => u.includes('@opentelemetry')],
  ['the workload (making spans)', (u) => u.includes('workload.mjs')],
  ['node internals (timers, buffers, dgram JS)', (u) => u.startsWith('node:')],
];
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n);
const counts = new Map();
for (const s of profile.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
const area = new Map();
let busy = 0;
const add = (k, c) => area.set(k, (area.get(k) ?? 0) + c);
for (const [id, c] of counts) {
  const n = byId.get(id);
  const { functionName, url } = n.callFrame;
  if (functionName === '(idle)' || functionName === '(program)') continue;
  busy += c;
  if (functionName === '(garbage collector)') {
    add('GC', c);
    continue;
  }
  let label = AREAS.find(([, test]) => test(url))?.[0];
  if (label === undefined) {
    // Native code (a builtin or the kernel call): charged to its JS caller's area, named apart.
    let p = parentOf.get(id);
    while (p !== undefined && p.callFrame.url === '') p = parentOf.get(p.id);
    const callerArea = p ? AREAS.find(([, test]) => test(p.callFrame.url))?.[0] : undefined;
    label =
      `native, from ${callerArea ?? p?.callFrame.functionName ?? '?'}` +
      (functionName ? ` (${functionName})` : '');
    if (p?.callFrame.url.startsWith('node:dgram') || functionName === 'send')
      label = 'kernel send (dgram send, native)';
  }
  add(label, c);
}
const total = profile.samples.length;
if (args.includes('--functions')) {
  const fns = new Map();
  for (const [id, c] of counts) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const ours = url.includes('/.lv/') || url.includes('/dist') || url.includes(libDir);
    if (!ours && !(args.includes('--node') && url.startsWith('node:'))) continue;
    const k = `${functionName} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
    fns.set(k, (fns.get(k) ?? 0) + c);
  }
  for (const [k, c] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    console.log(`  ${((100 * c) / busy).toFixed(1).padStart(5)} %  ${k}`);
  }
}
const cpuPerSpan = (cpu.user + cpu.system) / made;
console.log(
  `${made} spans in ${SIZE}-span traces: CPU ${cpuPerSpan.toFixed(2)} µs/span (profiler on); ` +
    `${received} datagrams received of ${stats.datagramsSent} sent; busy ${((100 * busy) / total).toFixed(0)} % of samples`,
);
const rows = [...area].sort((a, b) => b[1] - a[1]);
for (const [k, c] of rows) {
  if (c / busy < 0.005) continue;
  console.log(
    `${((100 * c) / busy).toFixed(1).padStart(5)} %  ${((cpuPerSpan * c) / busy).toFixed(2).padStart(6)} µs/span  ${k}`,
  );
}
