// The span workload every pipeline bench runs, and the tracing setups it runs
// under (one per mode). The same traces are made for every OpenTelemetry mode;
// the X-Ray SDK mode makes the equivalent segment with subsegments.
//
// A trace of `size` spans is one SERVER span (the request, with the stable HTTP
// server attributes instrumentation-http emits) and `size - 1` children,
// alternating INTERNAL (two custom attributes) and CLIENT (outgoing HTTP call
// attributes). Children end before the root, as in a real request.
import { context, SpanKind, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { median } from './common.mjs';
import { loadOtelXray } from './otel-xray.mjs';

export const SERVICE = 'bench-checkout';

export const SERVER_ATTRS = Object.freeze({
  'http.request.method': 'GET',
  'url.scheme': 'http',
  'url.path': '/api/orders/12345',
  'url.query': 'expand=items',
  'server.address': 'checkout.internal',
  'server.port': 8080,
  'http.route': '/api/orders/:id',
  'http.response.status_code': 200,
  'network.protocol.version': '1.1',
  'client.address': '10.0.12.34',
  'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) bench/1.0',
});

export const INTERNAL_ATTRS = Object.freeze({
  'app.order.id': '12345',
  'app.items': 3,
});

export const CLIENT_ATTRS = Object.freeze({
  'http.request.method': 'GET',
  'url.full': 'http://inventory.internal:8081/api/items?order=12345',
  'server.address': 'inventory.internal',
  'server.port': 8081,
  'http.response.status_code': 200,
  'network.protocol.version': '1.1',
});

/** Makes one trace of `size` spans with `tracer` (explicit parent contexts). */
export function makeTrace(tracer, size) {
  const root = tracer.startSpan('GET /api/orders/:id', {
    kind: SpanKind.SERVER,
    attributes: SERVER_ATTRS,
  });
  const parent = trace.setSpan(context.active(), root);
  for (let i = 1; i < size; i++) {
    const client = i % 2 === 0;
    const child = tracer.startSpan(
      client ? 'GET' : `step-${i}`,
      {
        kind: client ? SpanKind.CLIENT : SpanKind.INTERNAL,
        attributes: client ? CLIENT_ATTRS : INTERNAL_ATTRS,
      },
      parent,
    );
    child.end();
  }
  root.end();
}

/**
 * The same trace with the X-Ray SDK in manual mode: a segment carrying the
 * same request data, `size - 1` subsegments (remote ones with the call's HTTP
 * data, local ones with the same two values as metadata). `segment.close()`
 * sends the whole document to the daemon address over UDP.
 */
export function makeXRaySdkTrace(AWSXRay, size) {
  const seg = new AWSXRay.Segment(SERVICE);
  seg.http = {
    request: {
      method: 'GET',
      url: 'http://checkout.internal:8080/api/orders/12345?expand=items',
      user_agent: SERVER_ATTRS['user_agent.original'],
      client_ip: '10.0.12.34',
    },
  };
  seg.addMetadata('http.route', '/api/orders/:id');
  for (let i = 1; i < size; i++) {
    const client = i % 2 === 0;
    const sub = seg.addNewSubsegment(client ? 'inventory.internal' : `step-${i}`);
    if (client) {
      sub.namespace = 'remote';
      sub.http = {
        request: { method: 'GET', url: CLIENT_ATTRS['url.full'] },
        response: { status: 200 },
      };
    } else {
      sub.addMetadata('app.order.id', '12345');
      sub.addMetadata('app.items', 3);
    }
    sub.close();
  }
  seg.http.response = { status: 200 };
  seg.close();
}

/** Loads aws-xray-sdk-core in manual mode, sampling everything, sending to `udpPort`. */
export async function loadXRaySdk(udpPort) {
  process.env.AWS_XRAY_DAEMON_ADDRESS = `127.0.0.1:${udpPort}`;
  process.env.AWS_XRAY_CONTEXT_MISSING = 'IGNORE_ERROR';
  const { default: AWSXRay } = await import('aws-xray-sdk-core');
  AWSXRay.setLogger({ error() {}, warn() {}, info() {}, debug() {} });
  AWSXRay.enableManualMode();
  AWSXRay.setDaemonAddress(`127.0.0.1:${udpPort}`);
  // The default sampler keeps 1 request a second plus 5 %; the comparison
  // needs every request traced, as the OpenTelemetry modes do.
  AWSXRay.middleware.disableCentralizedSampling();
  AWSXRay.middleware.setSamplingRules({
    version: 2,
    default: { fixed_target: 0, rate: 1 },
    rules: [],
  });
  AWSXRay.middleware.setDefaultName(SERVICE);
  return AWSXRay;
}

/**
 * Wraps an exporter to count the spans the span processor hands it (so
 * spans dropped by the processor's queue can be told apart), the same thin
 * wrapper in every mode.
 */
export function countingExporter(inner) {
  // How long each export took to call back (the first 10,000). The processor
  // runs one export at a time, so slow callbacks are what fill its queue.
  const durations = [];
  const counts = {
    exported: 0,
    failed: 0,
    calls: 0,
    maxExportMs: 0,
    get p50ExportMs() {
      return median(durations);
    },
  };
  return {
    counts,
    inner,
    export(spans, cb) {
      counts.calls++;
      counts.exported += spans.length;
      const t0 = performance.now();
      inner.export(spans, (result) => {
        const ms = performance.now() - t0;
        counts.maxExportMs = Math.max(counts.maxExportMs, ms);
        if (durations.length < 10_000) durations.push(ms);
        if (result.code !== 0) counts.failed += spans.length;
        cb(result);
      });
    },
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
    shutdown: () => inner.shutdown(),
    // AWSXRayTraceSpanProcessor tells its exporter that whole traces come;
    // passed on to otel-xray's exporter behind this wrapper.
    [Symbol.for('otel-xray.exportsWholeTraces')]() {
      inner[Symbol.for('otel-xray.exportsWholeTraces')]?.();
    },
  };
}

/** The exporter that does nothing: the baseline every export cost is measured from. */
export class NoopExporter {
  export(_spans, cb) {
    cb({ code: 0 });
  }
  forceFlush() {
    return Promise.resolve();
  }
  shutdown() {
    return Promise.resolve();
  }
}

/**
 * Builds the exporter of an OpenTelemetry mode.
 * - `noop`: {@link NoopExporter}
 * - `xray`: otel-xray's AWSXRaySpanExporter, defaults, to the UDP sink
 * - `otlp`: OTLP/HTTP protobuf to the HTTP sink
 * - `zipkin`: Zipkin JSON to the HTTP sink
 */
export async function makeExporter(mode, { udpPort, httpPort }) {
  switch (mode) {
    case 'noop':
      return new NoopExporter();
    case 'xray': {
      const { AWSXRaySpanExporter } = await loadOtelXray();
      return new AWSXRaySpanExporter({ daemonAddress: `127.0.0.1:${udpPort}` });
    }
    case 'otlp': {
      const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
      return new OTLPTraceExporter({ url: `http://127.0.0.1:${httpPort}/v1/traces` });
    }
    case 'zipkin': {
      const { ZipkinExporter } = await import('@opentelemetry/exporter-zipkin');
      return new ZipkinExporter({ url: `http://127.0.0.1:${httpPort}/api/v2/spans` });
    }
    default:
      throw new Error(`unknown exporter mode ${mode}`);
  }
}

/** The resource every bench's spans carry. */
export const BENCH_RESOURCE = Object.freeze({
  'service.name': SERVICE,
  'service.version': '1.4.2',
  'deployment.environment.name': 'bench',
});

/**
 * Finished spans from the real SDK for benches on prebuilt spans:
 * `spansOf(traces, size)` makes that many traces (see {@link makeTrace}) and
 * returns their spans as an exporter gets them.
 */
export function finishedSpans() {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(BENCH_RESOURCE),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('bench', '1.0.0');
  return function spansOf(traces, size) {
    memory.reset();
    for (let i = 0; i < traces; i++) makeTrace(tracer, size);
    return memory.getFinishedSpans().slice();
  };
}

/**
 * A registered NodeTracerProvider (AsyncLocalStorage context manager, as an
 * app has it) with each exporter's span processor around a counting wrapper:
 * for otel-xray, `AWSXRayTraceSpanProcessor`, as `setupXRay()` sets up
 * outside Lambda (BENCH_PROCESSOR=batch: the SDK's `BatchSpanProcessor`, for
 * levers); for the others, the default `BatchSpanProcessor`.
 */
export async function makeProvider(exporter) {
  const counting = countingExporter(exporter);
  const xray = typeof exporter.getStats === 'function';
  const processor =
    xray && process.env.BENCH_PROCESSOR !== 'batch'
      ? new (await loadOtelXray()).AWSXRayTraceSpanProcessor(counting)
      : new BatchSpanProcessor(counting);
  // Counts spans ended, so that spans the batch processor drops show up as
  // `ended − exported`. Costs one increment per span, in every mode alike.
  const ended = { count: 0 };
  const counter = {
    onStart() {},
    onEnd() {
      ended.count++;
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes(BENCH_RESOURCE),
    spanProcessors: [counter, processor],
  });
  provider.register();
  return { provider, processor, counting, ended, tracer: provider.getTracer('bench', '1.0.0') };
}

/**
 * Spans waiting in the span processor: the BatchSpanProcessor's queue (a
 * private field of SDK 2.x), or what AWSXRayTraceSpanProcessor keeps. The
 * pipeline bench uses it for back-pressure, so that it measures the cost of
 * spans that are exported rather than of spans a queue drops.
 */
export function queuedSpans(processor) {
  return processor.waitingSpans ?? processor._finishedSpans?.length ?? 0;
}
