/**
 * Structural types for what otel-xray reads from the OpenTelemetry SDK, and the
 * X-Ray segment document it writes.
 *
 * We deliberately do not import `ReadableSpan` from `@opentelemetry/sdk-trace-base`
 * (2.x) or `@opentelemetry/sdk-trace` (3.x): both lines' spans satisfy
 * {@link ReadableSpanLike}, so one build of this package serves both.
 */
import type { Attributes, AttributeValue, HrTime, SpanContext } from '@opentelemetry/api';

/** The parts of a span context otel-xray reads. */
export type SpanContextLike = Pick<SpanContext, 'traceId' | 'spanId' | 'traceFlags'> & {
  isRemote?: boolean;
};

export interface TimedEventLike {
  name: string;
  time: HrTime;
  attributes?: Attributes;
  droppedAttributesCount?: number;
}

export interface LinkLike {
  context: SpanContextLike;
  attributes?: Attributes;
}

export interface ResourceLike {
  attributes: Attributes;
}

/**
 * A resource whose attributes may still be detected (the SDK waits for them before an export).
 * @internal
 */
export interface AsyncResourceLike {
  asyncAttributesPending?: boolean;
  waitForAsyncAttributes?: () => Promise<void>;
}

export interface InstrumentationScopeLike {
  name: string;
  version?: string;
}

/**
 * A finished span as the SDK hands it to an exporter. SDK 2.x and 3.x provide
 * `parentSpanContext`; SDK 1.x provided only `parentSpanId`.
 */
export interface ReadableSpanLike {
  readonly name: string;
  readonly kind: number;
  spanContext(): SpanContextLike;
  readonly parentSpanContext?: SpanContextLike;
  /** SDK 1.x only. */
  readonly parentSpanId?: string;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly ended?: boolean;
  readonly status: { code: number; message?: string };
  readonly attributes: Attributes;
  readonly links: readonly LinkLike[];
  readonly events: readonly TimedEventLike[];
  readonly resource?: ResourceLike;
  readonly instrumentationScope?: InstrumentationScopeLike;
  /** SDK 1.x name of `instrumentationScope`. */
  readonly instrumentationLibrary?: InstrumentationScopeLike;
}

export type { Attributes, AttributeValue, HrTime };

/** A JSON value as it may appear in a segment document (finite numbers only). */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
