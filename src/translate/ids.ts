/** OpenTelemetry ↔ X-Ray ID forms. Pure. */

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const ZERO_TRACE_ID = '00000000000000000000000000000000';
const ZERO_SPAN_ID = '0000000000000000';

export function isValidTraceId(id: unknown): id is string {
  return typeof id === 'string' && TRACE_ID.test(id) && id !== ZERO_TRACE_ID;
}

export function isValidSpanId(id: unknown): id is string {
  return typeof id === 'string' && SPAN_ID.test(id) && id !== ZERO_SPAN_ID;
}

/** `5759e988bd862e3fe1be46a994272793` → `1-5759e988-bd862e3fe1be46a994272793`. */
export function toXRayTraceId(otelTraceId: string): string {
  return `1-${otelTraceId.slice(0, 8)}-${otelTraceId.slice(8)}`;
}

/** The epoch second encoded in the first 8 hex digits of a trace ID. */
export function traceIdEpochSeconds(otelTraceId: string): number {
  return parseInt(otelTraceId.slice(0, 8), 16);
}
