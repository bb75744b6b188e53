// An ES module app that consumes otel-xray (from the packed tarball) with the
// OpenTelemetry SDK 2.x line. Type-checked with moduleResolution node16,
// nodenext and bundler; compiled (nodenext) and run on Node 20 by
// test/consumers.test.cjs, which reads the JSON line it prints.
import { ROOT_CONTEXT, defaultTextMapSetter, trace } from '@opentelemetry/api';
import type { TextMapPropagator } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { IdGenerator, ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import {
  AWSXRayIdGenerator,
  AWSXRayPropagator,
  AWSXRaySpanExporter,
  toSegmentDocuments,
} from 'otel-xray';
import type { AWSXRaySpanExporterOptions, ExporterStats, XRayDocument } from 'otel-xray';

const daemonAddress = process.env.COMPAT_DAEMON;
if (daemonAddress === undefined) throw new Error('set COMPAT_DAEMON to the listener address');

const options: AWSXRaySpanExporterOptions = { daemonAddress, indexedAttributes: ['tenant'] };
// @ts-expect-error maxDatagramBytes is a number: the options are typed, not `any`
const wrong: AWSXRaySpanExporterOptions = { maxDatagramBytes: '65507' };
void wrong;

const exporter = new AWSXRaySpanExporter(options);
// The exporter, ID generator and propagator fit the SDK's and the API's interfaces.
const asSdkExporter: SpanExporter = exporter;
const idGenerator: IdGenerator = new AWSXRayIdGenerator();
const propagator: TextMapPropagator = new AWSXRayPropagator();

const memory = new InMemorySpanExporter();
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'esm-consumer' }),
  idGenerator,
  spanProcessors: [new BatchSpanProcessor(asSdkExporter), new SimpleSpanProcessor(memory)],
});
const tracer = provider.getTracer('esm-consumer');

const root = tracer.startSpan('checkout', { attributes: { tenant: 'acme' } });
const ctx = trace.setSpan(ROOT_CONTEXT, root);
tracer.startSpan('price', {}, ctx).end();
const carrier: Record<string, string> = {};
propagator.inject(ctx, carrier, defaultTextMapSetter);
root.end();

const spans: ReadableSpan[] = memory.getFinishedSpans();
const docs: XRayDocument[] = toSegmentDocuments(spans, { indexedAttributes: ['tenant'] });
await provider.shutdown();
const stats: ExporterStats = exporter.getStats();

process.stdout.write(
  JSON.stringify({
    module: 'esm',
    resolved: import.meta.resolve('otel-xray'),
    header: carrier['x-amzn-trace-id'],
    names: docs.map((d) => d.name),
    subsegments: docs[0]?.subsegments?.map((s) => s.name) ?? [],
    annotations: docs[0]?.annotations ?? {},
    spansSent: stats.spansSent,
  }) + '\n',
);
