// The app of the HTTP server bench, one mode per process (pinned to the app core).
//
// Modes: plain (no tracing), noop / xray / otlp (OpenTelemetry SDK with
// instrumentation-http and the default BatchSpanProcessor around the no-op,
// otel-xray or OTLP/proto exporter), xraysdk (aws-xray-sdk-core in manual mode:
// the SDK's request/response middleware helper, subsegments, captureHTTPs).
//
// Variants: 1 span per request (the server span only), or 6 (server span,
// 3 internal spans, 2 sequential outgoing calls to the stub in the HTTP sink).
//
// Config (JSON in argv[2]): { mode, spans, udpPort, httpPort, gcTimeline }.
// Posts { type: 'ready', port, pid }; answers 'flush' (export everything,
// return counters) and 'exit', 'cpu' (CPU time used so far and requests
// handled), and with gcTimeline 'gc' (the GC pauses since the last 'gc', on
// the system's monotonic clock in ms, as the load generator's timeline).
import { trace } from '@opentelemetry/api';
import { createRequire } from 'node:module';
import { constants as perf, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { serve } from './lib/common.mjs';
import { INTERNAL_ATTRS, loadXRaySdk, makeExporter, makeProvider } from './lib/workload.mjs';

const config = JSON.parse(process.argv[2]);
const { mode, spans } = config;
const require = createRequire(import.meta.url);

let tracer = trace.getTracer('bench'); // the API's no-op tracer unless a provider registers
let flush = async () => ({});
let AWSXRay;
if (mode === 'noop' || mode === 'xray' || mode === 'otlp') {
  const exporter = await makeExporter(mode, config);
  const setup = await makeProvider(exporter);
  tracer = setup.tracer;
  const { registerInstrumentations } = await import('@opentelemetry/instrumentation');
  const { HttpInstrumentation } = await import('@opentelemetry/instrumentation-http');
  registerInstrumentations({ instrumentations: [new HttpInstrumentation()] });
  flush = async () => {
    await setup.provider.forceFlush();
    await exporter.forceFlush?.(); // otel-xray: until every datagram is sent
    return {
      ended: setup.ended.count,
      exported: setup.counting.counts.exported,
      exportFailed: setup.counting.counts.failed,
      maxExportMs: setup.counting.counts.maxExportMs,
      p50ExportMs: setup.counting.counts.p50ExportMs,
      exporterStats: typeof exporter.getStats === 'function' ? exporter.getStats() : undefined,
    };
  };
} else if (mode === 'xraysdk') {
  AWSXRay = await loadXRaySdk(config.udpPort);
} else if (mode !== 'plain') {
  throw new Error(`unknown mode ${mode}`);
}
// Required after the instrumentation is registered, so that it is patched.
const http = require('http');
const httpClient = mode === 'xraysdk' ? AWSXRay.captureHTTPs(http, false) : http;

const STUB = { host: '127.0.0.1', port: config.httpPort, path: '/stub' };
const BODY = JSON.stringify({ order: 12345, status: 'ok' });

/** One outgoing call to the stub, body read to the end. */
function callStub(segment) {
  return new Promise((resolve, reject) => {
    const options = segment === undefined ? STUB : { ...STUB, Segment: segment };
    const req = httpClient.get(options, (res) => {
      res.resume();
      res.on('end', resolve);
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** A little local work, the same in every mode. */
function work(i) {
  return JSON.stringify({ step: i, items: [1, 2, 3] }).length;
}

/** An internal step: a span (OTel), a subsegment (X-Ray SDK) or nothing (plain). */
function step(segment, i) {
  if (segment !== undefined) {
    const sub = segment.addNewSubsegment(`step-${i}`);
    sub.addMetadata('app.order.id', '12345');
    sub.addMetadata('app.items', 3);
    work(i);
    sub.close();
    return;
  }
  const span = tracer.startSpan(`step-${i}`, { attributes: INTERNAL_ATTRS });
  work(i);
  span.end();
}

function reply(res) {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY.length });
  res.end(BODY);
}

async function handle(req, res) {
  const segment =
    AWSXRay !== undefined ? AWSXRay.middleware.traceRequestResponseCycle(req, res) : undefined;
  if (spans === 6) {
    step(segment, 1);
    await callStub(segment);
    step(segment, 2);
    await callStub(segment);
    step(segment, 3);
  }
  reply(res);
}

let handled = 0; // requests answered, for CPU per request
const server = http.createServer((req, res) => {
  handled++;
  req.resume();
  handle(req, res).catch(() => {
    res.statusCode = 500;
    res.end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send({ type: 'ready', port: server.address().port, pid: process.pid });
});

// How long the event loop was blocked: what a request arriving meanwhile waits.
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();

// GC pauses as the app's performance timeline sees them, shifted to the
// monotonic clock (performance.now() counts from a monotonic origin).
const gcPauses = [];
if (config.gcTimeline) {
  const offsetMs = Number(process.hrtime.bigint()) / 1e6 - performance.now();
  const KINDS = {
    [perf.NODE_PERFORMANCE_GC_MINOR]: 'minor (scavenge)',
    [perf.NODE_PERFORMANCE_GC_MAJOR]: 'major (mark-compact)',
    [perf.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental marking',
    [perf.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
  };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcPauses.push({
        start: e.startTime + offsetMs,
        ms: e.duration,
        kind: KINDS[e.detail?.kind] ?? String(e.detail?.kind),
      });
    }
  }).observe({ entryTypes: ['gc'] });
}

serve({
  gc: () => ({ pauses: gcPauses.splice(0) }),
  // CPU time of this process so far (µs, all threads) and requests handled;
  // `reset` starts a new event-loop delay histogram, which is returned (ms).
  cpu: ({ reset }) => {
    const { user, system } = process.cpuUsage();
    const delay = {
      loopDelayP99: loopDelay.percentile(99) / 1e6,
      loopDelayMax: loopDelay.max / 1e6,
    };
    if (reset) loopDelay.reset();
    return { cpuUs: user + system, handled, ...delay };
  },
  flush: () => flush(),
  exit: () => process.exit(0),
});
