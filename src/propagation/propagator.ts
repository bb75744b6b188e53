/**
 * `AWSXRayPropagator`: the `X-Amzn-Trace-Id` header as an OpenTelemetry `TextMapPropagator`.
 * Extract is lenient, inject strict; the header's rules (parsing, formatting, the `xray`
 * trace state entry that keeps what a span context cannot express) are in the pure protocol
 * module, ../protocol/trace-header.ts, and docs/propagation.md.
 */
import { createTraceState, isSpanContextValid, trace, TraceFlags } from '@opentelemetry/api';
import type {
  Context,
  SpanContext,
  TextMapGetter,
  TextMapPropagator,
  TextMapSetter,
  TraceState,
} from '@opentelemetry/api';
import { reporter } from '../shared/diag.js';
import { isTracingSuppressed } from '../shared/suppress.js';
import type { XRayTraceHeader } from '../protocol/trace-header.js';
import {
  AWSXRAY_TRACE_ID_HEADER,
  formatTraceHeader,
  parseTraceHeader,
  rootOnlySpanId,
  XRAY_TRACE_STATE_KEY,
  xrayTraceStateValue,
} from '../protocol/trace-header.js';

/** Reports an exception that should never happen: once per place, then counted. */
function reportUnexpected(where: string, error: unknown): void {
  reporter.warn(`propagator:${where}`, `${where} failed and was skipped (${String(error)})`);
}

/**
 * Returns `context` with the remote span context described by `header` (see the file
 * comment for the Root-only and deferred-sampling encodings). `fromLambdaInvocation` marks
 * a header that is the Lambda invocation's own (see {@link isLambdaInvocationParent}).
 * Trace state that an earlier propagator put on a span context of the SAME trace is kept,
 * except its `xray` entry, which the header replaces. Used by both propagators; not part
 * of the public API.
 * @internal
 */
export function contextWithTraceHeader(
  context: Context,
  header: XRayTraceHeader,
  fromLambdaInvocation = false,
): Context {
  const { traceId, parentId, sampled } = header;
  const spanId = parentId ?? rootOnlySpanId(traceId);
  const value = xrayTraceStateValue(header, spanId, fromLambdaInvocation);

  let traceState: TraceState | undefined;
  const existing = trace.getSpanContext(context);
  if (existing?.traceState !== undefined && existing.traceId === traceId) {
    traceState = existing.traceState.unset(XRAY_TRACE_STATE_KEY);
  }
  if (value !== '') {
    traceState = (traceState ?? createTraceState()).set(XRAY_TRACE_STATE_KEY, value);
  }

  const spanContext: SpanContext = {
    traceId,
    spanId,
    traceFlags: sampled === true ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  };
  if (traceState !== undefined) spanContext.traceState = traceState;
  return trace.setSpanContext(context, spanContext);
}

/**
 * Reads the header from a carrier: the lower-case name first (Node's spelling), then any
 * spelling (API Gateway event headers and hand-built objects keep the sender's case).
 */
function readHeader(carrier: unknown, getter: TextMapGetter): unknown {
  const value = getter.get(carrier, AWSXRAY_TRACE_ID_HEADER);
  if (value !== undefined) return value;
  for (const key of getter.keys(carrier)) {
    if (
      typeof key === 'string' &&
      key.length === AWSXRAY_TRACE_ID_HEADER.length &&
      key.toLowerCase() === AWSXRAY_TRACE_ID_HEADER
    ) {
      return getter.get(carrier, key);
    }
  }
  return undefined;
}

/** `TextMapPropagator` for the AWS X-Ray `X-Amzn-Trace-Id` header. */
export class AWSXRayPropagator implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    try {
      if (isTracingSuppressed(context)) return;
      const spanContext = trace.getSpanContext(context);
      if (spanContext === undefined || !isSpanContextValid(spanContext)) return;
      setter.set(carrier, AWSXRAY_TRACE_ID_HEADER, formatTraceHeader(spanContext));
    } catch (error) {
      reportUnexpected('X-Ray header inject', error);
    }
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    try {
      const header = parseTraceHeader(readHeader(carrier, getter));
      return header === undefined ? context : contextWithTraceHeader(context, header);
    } catch (error) {
      reportUnexpected('X-Ray header extract', error);
      return context;
    }
  }

  fields(): string[] {
    return [AWSXRAY_TRACE_ID_HEADER];
  }
}
