// Type-level check of otel-xray (packed tarball) against the SDK 3.x line's and
// API 1.10's declarations: type-checked by test/types.test.mjs, never run.
import { context, propagation, trace } from '@opentelemetry/api';
import type { TextMapPropagator } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import type { IdGenerator, ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import {
  AWSXRayIdGenerator,
  AWSXRayLambdaPropagator,
  AWSXRayPropagator,
  AWSXRaySpanExporter,
  toSegmentDocuments,
  translateSpans,
} from 'otel-xray';
import type { AWSXRaySpanExporterOptions, ReadableSpanLike, XRayDocument } from 'otel-xray';

const options: AWSXRaySpanExporterOptions = { daemonAddress: '127.0.0.1:2000' };
// The exporter and the ID generator fit SDK 3's interfaces as they are.
const exporter: SpanExporter = new AWSXRaySpanExporter(options);
const idGenerator: IdGenerator = new AWSXRayIdGenerator();
const propagator: TextMapPropagator = new AWSXRayPropagator();
const lambdaPropagator: TextMapPropagator = new AWSXRayLambdaPropagator();

const memory = new InMemorySpanExporter();
const provider = new TracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'types' }),
  idGenerator,
  spanProcessors: [
    new BatchSpanProcessor({ exporter }),
    new SimpleSpanProcessor({ exporter: memory }),
  ],
});
trace.setGlobalTracerProvider(provider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(
  process.env.AWS_LAMBDA_FUNCTION_NAME ? lambdaPropagator : propagator,
);

// SDK 3's ReadableSpan (AnyValue attributes, Resource 3.x) is a ReadableSpanLike.
const spans: ReadableSpan[] = memory.getFinishedSpans();
const like: readonly ReadableSpanLike[] = spans;
const docs: XRayDocument[] = toSegmentDocuments(spans);
const sizes: number[] = translateSpans(like).documents.map((d) => d.bytes);
void docs;
void sizes;
