export { AWSXRaySpanExporter } from './exporter.js';
export type { ExporterStats, ExportResult } from './exporter.js';
export type { AWSXRaySpanExporterOptions } from './options.js';
export { AWSXRayLambdaSpanProcessor } from './processor.js';
export {
  AWSXRayPropagator,
  parseTraceHeader,
  isRootOnlyParent,
  isSamplingDeferred,
  isLambdaInvocationParent,
  getLineage,
} from './propagator.js';
export type { XRayTraceHeader } from './propagator.js';
export { AWSXRayLambdaPropagator, getLambdaTraceHeader } from './lambda-propagator.js';
export { AWSXRayIdGenerator } from './id-generator.js';
export type { IdGenerator } from './id-generator.js';
export { parseDaemonAddress } from './daemon-address.js';
export type { DaemonAddress, Endpoint } from './daemon-address.js';
export { translateSpans, toSegmentDocuments } from './translate/index.js';
export type { TranslationOptions, TranslationResult } from './translate/index.js';
export type { TranslateStats } from './translate/segment.js';
export type { EncodedDocument } from './translate/pack.js';
export { DAEMON_HEADER, MAX_DATAGRAM_BYTES } from './translate/pack.js';
export type * from './translate/document.js';
export type { ReadableSpanLike, SpanContextLike } from './types.js';
export { setupXRay, getXRaySetup } from './setup.js';
export type {
  XRaySetup,
  FlushableTracerProvider,
  SetupOptions,
  SamplerName,
  SamplerLike,
  BatchOptions,
  InstrumentationLike,
  InstrumentationSetting,
  ResourceDetectorName,
} from './setup.js';
export { traced } from './traced.js';
export type { TracedOptions, TracedMethodDecorator } from './traced.js';
export { validateSegmentDocument } from './cli/validate.js';
export type { ValidateOptions } from './cli/validate.js';
export { checkDaemonDatagram } from './cli/datagram.js';
export type { DatagramVerdict } from './cli/datagram.js';
export { captureAWSv3Client, type CaptureAWSv3ClientOptions } from './aws-v3.js';
