/**
 * `otel-xray`: OpenTelemetry spans to AWS X-Ray over UDP (README.md).
 *
 * The root exports what the docs teach: the exporter, the Lambda span
 * processor, the propagators and ID generator, one-line setup, `traced`,
 * `captureAWSv3Client` and the pure translation functions. The daemon's and
 * X-Ray's checks are in `otel-xray/validate`. api/otel-xray.api.md lists the
 * whole public surface (`npm run api:update` regenerates it).
 *
 * @packageDocumentation
 */
export { AWSXRaySpanExporter } from './export/exporter.js';
export type { ExporterStats, ExportResult } from './export/exporter.js';
export type { DropCounts } from './export/exporter.js';
export type { TransportStats } from './transport/udp.js';
export type { AWSXRaySpanExporterOptions } from './export/options.js';
export { AWSXRayLambdaSpanProcessor } from './export/processor.js';
export { AWSXRayTraceSpanProcessor } from './export/trace-processor.js';
export type { TraceProcessorOptions } from './export/trace-processor.js';
export { AWSXRayPropagator } from './propagation/propagator.js';
export {
  isRootOnlyParent,
  isSamplingDeferred,
  isLambdaInvocationParent,
  getLineage,
} from './protocol/trace-header.js';
export type { SpanContextWithTraceState } from './protocol/trace-header.js';
export { AWSXRayLambdaPropagator, getLambdaTraceHeader } from './propagation/lambda-propagator.js';
export { lambdaRequestHook } from './export/lambda-deadline.js';
export { AWSXRayIdGenerator } from './propagation/id-generator.js';
export type { IdGenerator } from './propagation/id-generator.js';
export { translateSpans, toSegmentDocuments } from './translate/index.js';
export type { TranslationOptions, TranslationResult } from './translate/index.js';
export type { TranslateOptions, TranslateStats } from './translate/segment.js';
export type { EncodedDocument } from './translate/pack.js';
export type * from './translate/document.js';
export type {
  ReadableSpanLike,
  SpanContextLike,
  TimedEventLike,
  LinkLike,
  ResourceLike,
  InstrumentationScopeLike,
  JsonValue,
} from './shared/types.js';
export { setupXRay, getXRaySetup } from './setup/setup.js';
export type {
  XRaySetup,
  FlushableTracerProvider,
  SetupOptions,
  SamplerName,
  SamplerLike,
  XRaySamplingOptions,
  BatchOptions,
  InstrumentationLike,
  InstrumentationSetting,
  ResourceDetectorName,
} from './setup/setup.js';
export { traced } from './instrument/traced.js';
export type { TracedOptions, TracedMethodDecorator } from './instrument/traced.js';
export { captureAWSv3Client, type CaptureAWSv3ClientOptions } from './instrument/aws-v3.js';
export { AWSXRayRemoteSampler, SAMPLING_RULE_ATTRIBUTE } from './sampling/remote-sampler.js';
export type { AWSXRayRemoteSamplerOptions, SamplerTimers } from './sampling/remote-sampler.js';
export type { SamplingRule } from './sampling/rules.js';
