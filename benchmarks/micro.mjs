// Micro benches (mitata), in one pinned process:
// - translation + serialisation of prebuilt SDK spans: otel-xray's
//   translateSpans against what the OTLP/proto and Zipkin exporters do with
//   the same spans (ProtobufTraceSerializer; toZipkinSpan + JSON.stringify);
// - otel-xray's stages on a 512-span batch (the BatchSpanProcessor's batch):
//   span → object, objects → packed JSON documents, and plain JSON.stringify
//   of the same objects as the yardstick;
// - propagator extract / inject: AWSXRayPropagator against
//   @opentelemetry/propagator-aws-xray;
// - ID generation: AWSXRayIdGenerator against @opentelemetry/id-generator-aws-xray.
// Posts { type: 'result', benches, sizes } over IPC (or prints it when run alone).
import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
} from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { toZipkinSpan } from '@opentelemetry/exporter-zipkin/build/src/transform.js';
import { AWSXRayPropagator as ContribPropagator } from '@opentelemetry/propagator-aws-xray';
import { AWSXRayIdGenerator as ContribIdGenerator } from '@opentelemetry/id-generator-aws-xray';
import { bench, do_not_optimize, group, run } from 'mitata';
import { heapAllocated } from './lib/common.mjs';
import { loadOtelXray } from './lib/otel-xray.mjs';
import { finishedSpans, SERVICE } from './lib/workload.mjs';

// otel-xray from ../dist/esm/index.js (or run.mjs's copy of it).
const { AWSXRayIdGenerator, AWSXRayPropagator, translateSpans } = await loadOtelXray();
// The header line every datagram to the daemon starts with.
const DAEMON_HEADER = '{"format":"json","version":1}\n';

// The stage benches use internal modules of the build; skip them if those
// modules move (they are not part of the package's API).
let stages;
try {
  const segment = await loadOtelXray('esm/translate/segment.js');
  const pack = await loadOtelXray('esm/translate/pack.js');
  if (
    typeof segment.translateSpan === 'function' &&
    typeof pack.packNodes === 'function' &&
    typeof pack.nodeJson === 'function'
  ) {
    stages = { ...segment, ...pack };
  }
} catch {
  stages = undefined;
}

// ---- prebuilt spans from the real SDK ---------------------------------------
const spansOf = finishedSpans();
const trace10 = spansOf(1, 10);
const trace1 = spansOf(1, 1);
const batch512 = spansOf(52, 10).slice(0, 512); // one BatchSpanProcessor batch

const xrayOptions = { workingDirectory: process.cwd() };
const otlp = (spans) => ProtobufTraceSerializer.serializeRequest(spans);
const zipkin = (spans) =>
  JSON.stringify(spans.map((s) => toZipkinSpan(s, SERVICE, 'otel.status_code', 'error')));
const xray = (spans) => translateSpans(spans, xrayOptions);

// Bytes each format puts on the wire per span (otel-xray: with the daemon header).
const xrayBytes = (spans) =>
  xray(spans).documents.reduce((n, d) => n + d.bytes + DAEMON_HEADER.length, 0);
const sizes = {};
for (const [name, spans] of [
  ['10-span trace', trace10],
  ['1-span trace', trace1],
  ['512-span batch', batch512],
]) {
  sizes[name] = {
    spans: spans.length,
    xrayDocuments: xray(spans).documents.length,
    xrayBytesPerSpan: xrayBytes(spans) / spans.length,
    otlpBytesPerSpan: otlp(spans).length / spans.length,
    zipkinBytesPerSpan: Buffer.byteLength(zipkin(spans)) / spans.length,
  };
}

// ---- bytes allocated per span, from V8's heap statistics ----------------------
// A long run (200,000 spans in 10-span traces) after a warm-up, so the code
// is optimised and the bytes are what a steady state allocates. The
// yardstick, JSON.stringify of the finished documents' bodies, allocates the
// final JSON once (and checks the method: it should come out near 1×).
const ALLOC_TRACES = 20_000;
const jsonBytesPerSpan10 =
  xray(trace10).documents.reduce((n, d) => n + d.bytes, 0) / trace10.length;
const docBodies = xray(trace10).documents.map((d) => JSON.parse(d.json));
heapAllocated(() => xray(trace10), 2000); // warm-up
heapAllocated(() => docBodies.map((b) => JSON.stringify(b)), 2000);
const xrayAlloc = heapAllocated(() => xray(trace10), ALLOC_TRACES);
const yardAlloc = heapAllocated(() => docBodies.map((b) => JSON.stringify(b)), ALLOC_TRACES);
const allocation = {
  spans: ALLOC_TRACES * trace10.length,
  jsonBytesPerSpan: jsonBytesPerSpan10,
  xrayBytesPerSpan: xrayAlloc.bytes / (ALLOC_TRACES * trace10.length),
  xrayGcs: xrayAlloc.gcs,
  yardstickBytesPerSpan: yardAlloc.bytes / (ALLOC_TRACES * trace10.length),
};

// ---- benches ------------------------------------------------------------------
for (const [name, spans] of [
  ['10-span trace', trace10],
  ['1-span trace', trace1],
  ['512-span batch', batch512],
]) {
  group(`translate+serialise ${name}`, () => {
    bench(`xray ${name}`, () => do_not_optimize(xray(spans)));
    bench(`otlp ${name}`, () => do_not_optimize(otlp(spans)));
    bench(`zipkin ${name}`, () => do_not_optimize(zipkin(spans)));
  });
}

if (stages !== undefined) {
  const nodes = batch512.map((s) =>
    stages.translateSpan(s, xrayOptions, stages.newTranslateStats()),
  );
  // The finished bodies, as objects (the translation keeps http and metadata as text).
  const bodies = nodes.map((n) => JSON.parse(stages.nodeJson(n)));
  sizes.bodiesJsonBytes = Buffer.byteLength(JSON.stringify(bodies));
  group('otel-xray stages, 512-span batch', () => {
    bench('stage translateSpan x512', () => {
      const stats = stages.newTranslateStats();
      for (const s of batch512) do_not_optimize(stages.translateSpan(s, xrayOptions, stats));
    });
    bench('stage packNodes x512', () => do_not_optimize(stages.packNodes(nodes)));
    bench('stage JSON.stringify bodies x512', () => {
      for (const b of bodies) do_not_optimize(JSON.stringify(b));
    });
  });
}

const HEADER =
  'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1';
const carrier = { 'x-amzn-trace-id': HEADER };
const ours = new AWSXRayPropagator();
const contrib = new ContribPropagator();
const injectCtx = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: '5759e988bd862e3fe1be46a994272793',
  spanId: '53995c3f42cd8ad8',
  traceFlags: TraceFlags.SAMPLED,
});
group('propagator', () => {
  bench('prop extract ours', () =>
    do_not_optimize(ours.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter)),
  );
  bench('prop extract contrib', () =>
    do_not_optimize(contrib.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter)),
  );
  bench('prop inject ours', () => {
    const out = {};
    ours.inject(injectCtx, out, defaultTextMapSetter);
    do_not_optimize(out);
  });
  bench('prop inject contrib', () => {
    const out = {};
    contrib.inject(injectCtx, out, defaultTextMapSetter);
    do_not_optimize(out);
  });
  // One hop: extract the incoming header, inject it into an outgoing request.
  bench('prop hop ours', () => {
    const out = {};
    ours.inject(
      ours.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter),
      out,
      defaultTextMapSetter,
    );
    do_not_optimize(out);
  });
  bench('prop hop contrib', () => {
    const out = {};
    contrib.inject(
      contrib.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter),
      out,
      defaultTextMapSetter,
    );
    do_not_optimize(out);
  });
});

const idOurs = new AWSXRayIdGenerator();
const idContrib = new ContribIdGenerator();
group('id generation', () => {
  bench('id traceId ours', () => do_not_optimize(idOurs.generateTraceId()));
  bench('id traceId contrib', () => do_not_optimize(idContrib.generateTraceId()));
  bench('id spanId ours', () => do_not_optimize(idOurs.generateSpanId()));
  bench('id spanId contrib', () => do_not_optimize(idContrib.generateSpanId()));
});

const { benchmarks } = await run({ format: 'quiet', throw: true });
const benches = {};
for (const b of benchmarks) {
  for (const r of b.runs) {
    if (r.error) throw r.error;
    benches[r.name] = { p50: r.stats.p50, avg: r.stats.avg, p99: r.stats.p99 };
  }
}
const result = { type: 'result', benches, sizes, allocation, stages: stages !== undefined };
if (process.send) {
  process.send(result);
  process.on('message', (m) => m?.type === 'exit' && process.exit(0));
} else {
  console.log(JSON.stringify(result, null, 2));
}
