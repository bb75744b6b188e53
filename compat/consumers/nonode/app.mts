// An ES module consumer with no Node types at all (`types: []`, the default of
// TypeScript 7, and no @types/node installed for it): otel-xray's public
// declarations must compile without `Buffer`, `NodeJS.*` or `node:*` modules.
// Type-checked only (test/consumers.test.cjs), with TypeScript 5.x and 7.x.
import 'otel-xray/register';
import {
  AWSXRayIdGenerator,
  AWSXRayLambdaPropagator,
  AWSXRayLambdaSpanProcessor,
  AWSXRayPropagator,
  AWSXRaySpanExporter,
  captureAWSv3Client,
  getLambdaTraceHeader,
  getXRaySetup,
  isRootOnlyParent,
  setupXRay,
  toSegmentDocuments,
  traced,
  translateSpans,
} from 'otel-xray';
import type {
  AWSXRaySpanExporterOptions,
  ExporterStats,
  ReadableSpanLike,
  SetupOptions,
  TranslationResult,
  XRayDocument,
  XRaySetup,
} from 'otel-xray';
import { checkDaemonDatagram, validateSegmentDocument } from 'otel-xray/validate';
import type { DatagramVerdict } from 'otel-xray/validate';

const options: AWSXRaySpanExporterOptions = { daemonAddress: '127.0.0.1:2000' };
const exporter = new AWSXRaySpanExporter(options);
const stats: ExporterStats = exporter.getStats();
const processor = new AWSXRayLambdaSpanProcessor(exporter);
const ids = new AWSXRayIdGenerator().generateTraceId();
const propagators = [new AWSXRayPropagator(), new AWSXRayLambdaPropagator()];
const spans: ReadableSpanLike[] = [];
const result: TranslationResult = translateSpans(spans);
const docs: XRayDocument[] = toSegmentDocuments(spans);
const setupOptions: SetupOptions = { serviceName: 'no-node', instrumentations: false };
const setup: XRaySetup | undefined = getXRaySetup() ?? setupXRay(setupOptions);
const add = traced('add', (a: number, b: number) => a + b);
const client = captureAWSv3Client({ middlewareStack: { add() {} } });
const verdict: DatagramVerdict = checkDaemonDatagram(new Uint8Array(0));
const problems: string[] = validateSegmentDocument({});

export const all = [
  stats.spansSent,
  processor,
  ids,
  propagators,
  result.documents.length,
  docs,
  setup?.enabled,
  add(1, 2),
  client,
  verdict.accepted,
  problems,
  getLambdaTraceHeader(),
  isRootOnlyParent(undefined),
];
