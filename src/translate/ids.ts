/** OpenTelemetry ↔ X-Ray ID forms. Pure. */

/**
 * `length` lower-case hex digits, not all zero. A loop over char codes: it
 * runs for every span and parent, and beats a regular expression here.
 */
function isHexId(id: unknown, length: number): id is string {
  if (typeof id !== 'string' || id.length !== length) return false;
  let nonZero = false;
  for (let i = 0; i < length; i++) {
    const c = id.charCodeAt(i);
    if (c === 0x30) continue; // '0'
    if ((c > 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66)) nonZero = true;
    else return false;
  }
  return nonZero;
}

/**
 * The last trace ID found valid: spans of one trace come together and share
 * one ID string, so most checks end at an identity comparison.
 */
let lastValidTraceId = '';

/** @internal */
export function isValidTraceId(id: unknown): id is string {
  if (id === lastValidTraceId) return true;
  if (!isHexId(id, 32)) return false;
  lastValidTraceId = id;
  return true;
}

/** @internal */
export function isValidSpanId(id: unknown): id is string {
  return isHexId(id, 16);
}

/**
 * `5759e988bd862e3fe1be46a994272793` → `1-5759e988-bd862e3fe1be46a994272793`.
 * @internal
 */
export function toXRayTraceId(otelTraceId: string): string {
  return `1-${otelTraceId.slice(0, 8)}-${otelTraceId.slice(8)}`;
}

/**
 * The epoch second encoded in the first 8 hex digits of a trace ID.
 * @internal
 */
export function traceIdEpochSeconds(otelTraceId: string): number {
  return parseInt(otelTraceId.slice(0, 8), 16);
}
