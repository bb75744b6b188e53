/**
 * One span → one X-Ray node (the document body without its envelope).
 * Pure: reads only the span and the options it is given.
 */
import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpanLike, SpanContextLike, HrTime, JsonValue } from '../types.js';
import type { XRayBody } from './document.js';
import { isValidSpanId, isValidTraceId, toXRayTraceId } from './ids.js';
import { sanitizeName } from './names.js';
import { dict, toJsonValue } from './values.js';

// SpanKind values, inlined to keep this module free of runtime imports.
export const KIND_INTERNAL = 0;
export const KIND_SERVER = 1;
export const KIND_CLIENT = 2;
export const KIND_PRODUCER = 3;
export const KIND_CONSUMER = 4;
const STATUS_ERROR = 2;

export interface TranslateOptions {
  /**
   * Where the spans run inside a Lambda invocation whose segment Lambda owns:
   * local roots whose parent is `parentId` in trace `traceId` become
   * subsegments of that segment instead of segments of their own.
   */
  lambdaParent?: { traceId: string; parentId: string };
}

/** Counters the translation adds to; the exporter turns them into reports. */
export interface TranslateStats {
  /** Spans skipped because their IDs are invalid. */
  invalidIds: number;
  /** Attribute values that could not be represented in JSON and were dropped. */
  droppedValues: number;
}

export function newTranslateStats(): TranslateStats {
  return { invalidIds: 0, droppedValues: 0 };
}

export interface SpanNode {
  /** OpenTelemetry form (32 hex). */
  traceId: string;
  id: string;
  /** Parent span ID: the remote parent for segments, the local parent for subsegments. */
  parentId: string | undefined;
  /** True for a segment (a local root), false for a subsegment. */
  segment: boolean;
  body: XRayBody;
}

/** Epoch seconds with microseconds, from an OTel HrTime. */
export function hrTimeToSeconds(t: HrTime): number {
  return t[0] + Math.round(t[1] / 1000) / 1e6;
}

function isHrTime(t: unknown): t is HrTime {
  return (
    Array.isArray(t) &&
    t.length === 2 &&
    Number.isFinite(t[0]) &&
    Number.isFinite(t[1]) &&
    (t[0] as number) >= 0
  );
}

function parentOf(span: ReadableSpanLike): { id: string; remote: boolean } | undefined {
  const p: SpanContextLike | undefined = span.parentSpanContext;
  if (p !== undefined && p !== null) {
    return isValidSpanId(p.spanId) ? { id: p.spanId, remote: p.isRemote === true } : undefined;
  }
  // SDK 1.x: only the ID is known. A SERVER or CONSUMER span with a parent
  // is taken to continue a remote trace, as it almost always does.
  const id = span.parentSpanId;
  if (!isValidSpanId(id)) return undefined;
  return { id, remote: span.kind === KIND_SERVER || span.kind === KIND_CONSUMER };
}

/** Reads a string attribute. */
function str(attrs: Attributes, key: string): string | undefined {
  const v = attrs[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function serviceName(span: ReadableSpanLike): string | undefined {
  const attrs = span.resource?.attributes;
  return attrs ? str(attrs, 'service.name') : undefined;
}

function httpStatus(attrs: Attributes): number | undefined {
  const v = attrs['http.response.status_code'] ?? attrs['http.status_code'];
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 100 && n <= 999 ? n : undefined;
}

/**
 * Translates one span. Returns `undefined` (and counts it) for a span whose
 * IDs make it impossible to place in a trace.
 */
export function translateSpan(
  span: ReadableSpanLike,
  options: TranslateOptions,
  stats: TranslateStats,
): SpanNode | undefined {
  const sc = span.spanContext();
  if (!isValidTraceId(sc.traceId) || !isValidSpanId(sc.spanId)) {
    stats.invalidIds++;
    return undefined;
  }
  const attrs: Attributes = span.attributes ?? {};
  const parent = parentOf(span);
  let segment = parent === undefined || parent.remote;
  let parentId = parent?.id;
  const lambda = options.lambdaParent;
  if (segment && lambda !== undefined && lambda.traceId === sc.traceId) {
    // Lambda owns the function's segment: hang local roots below it.
    if (parentId === undefined || parentId === lambda.parentId) {
      segment = false;
      parentId = lambda.parentId;
    }
  }

  const start = isHrTime(span.startTime) ? hrTimeToSeconds(span.startTime) : 0;
  const body: XRayBody = {
    name: segment
      ? sanitizeName(serviceName(span) ?? span.name, 'service')
      : sanitizeName(span.name, 'span'),
    id: sc.spanId,
    start_time: start,
  };
  if (span.ended === false || !isHrTime(span.endTime)) {
    body.in_progress = true;
  } else {
    // A clock step can end a span before it started; X-Ray wants end ≥ start.
    body.end_time = Math.max(start, hrTimeToSeconds(span.endTime));
  }

  if (!segment) {
    if (attrs['rpc.system'] === 'aws-api') body.namespace = 'aws';
    else if (span.kind === KIND_CLIENT || span.kind === KIND_PRODUCER) body.namespace = 'remote';
  }

  const status = httpStatus(attrs);
  if (status !== undefined && status >= 400 && status < 500) {
    body.error = true;
    if (status === 429) body.throttle = true;
  } else if ((status !== undefined && status >= 500) || span.status?.code === STATUS_ERROR) {
    body.fault = true;
  }

  const metadata = attributesToMetadata(attrs, stats);
  if (metadata !== undefined) body.metadata = { default: metadata };

  return { traceId: sc.traceId, id: sc.spanId, parentId, segment, body };
}

function attributesToMetadata(
  attrs: Attributes,
  stats: TranslateStats,
): Record<string, JsonValue> | undefined {
  let out: Record<string, JsonValue> | undefined;
  for (const key in attrs) {
    if (!Object.prototype.hasOwnProperty.call(attrs, key)) continue;
    const v = toJsonValue(attrs[key]);
    if (v === undefined) {
      if (attrs[key] !== undefined) stats.droppedValues++;
      continue;
    }
    (out ??= dict())[key] = v;
  }
  return out;
}

export { toXRayTraceId };
