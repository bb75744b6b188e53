/**
 * Spans for tests: hand-built ones for table-driven translation tests, and a
 * real SDK pipeline for everything else.
 */
import type { Attributes, HrTime } from '@opentelemetry/api';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpanLike, TimedEventLike, LinkLike } from '../../src/shared/types.js';
import type { AWSXRaySpanExporter } from '../../src/index.js';
import { AWSXRayTraceSpanProcessor } from '../../src/index.js';

export const TRACE_ID = '5759e988bd862e3fe1be46a994272793';
export const T0: HrTime = [1_700_000_000, 123_456_789];

export interface SpanSpec {
  name?: string;
  kind?: SpanKind;
  traceId?: string;
  spanId: string;
  parentSpanId?: string;
  parentRemote?: boolean;
  start?: HrTime;
  end?: HrTime;
  ended?: boolean;
  attributes?: Attributes;
  events?: TimedEventLike[];
  links?: LinkLike[];
  status?: { code: number; message?: string };
  resource?: Attributes;
}

/** A hand-built span with the shape the SDK hands to exporters. */
export function makeSpan(spec: SpanSpec): ReadableSpanLike {
  const traceId = spec.traceId ?? TRACE_ID;
  return {
    name: spec.name ?? 'span',
    kind: spec.kind ?? SpanKind.INTERNAL,
    spanContext: () => ({ traceId, spanId: spec.spanId, traceFlags: 1 }),
    parentSpanContext:
      spec.parentSpanId === undefined
        ? undefined
        : {
            traceId,
            spanId: spec.parentSpanId,
            traceFlags: 1,
            isRemote: spec.parentRemote ?? false,
          },
    startTime: spec.start ?? T0,
    endTime: spec.end ?? [T0[0] + 1, T0[1]],
    ended: spec.ended ?? true,
    status: spec.status ?? { code: SpanStatusCode.UNSET },
    attributes: spec.attributes ?? {},
    links: spec.links ?? [],
    events: spec.events ?? [],
    resource: { attributes: spec.resource ?? { 'service.name': 'test-service' } },
    instrumentationScope: { name: 'test' },
  };
}

/** 16-hex span ID number `n`. */
export function spanId(n: number): string {
  return (n + 1).toString(16).padStart(16, '0');
}

/** A real SDK provider wired to the exporter. */
export function newProvider(
  exporter: AWSXRaySpanExporter,
  mode: 'batch' | 'simple' | 'trace' = 'batch',
  resource: Attributes = { 'service.name': 'test-service' },
  batch: { maxExportBatchSize?: number; maxQueueSize?: number; scheduledDelayMillis?: number } = {},
): BasicTracerProvider {
  const processor: SpanProcessor =
    mode === 'batch'
      ? new BatchSpanProcessor(exporter, batch)
      : mode === 'trace'
        ? (new AWSXRayTraceSpanProcessor(exporter) as unknown as SpanProcessor)
        : new SimpleSpanProcessor(exporter);
  return new BasicTracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [processor],
  });
}
