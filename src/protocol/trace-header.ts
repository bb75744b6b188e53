/**
 * The X-Ray trace header protocol, pure (no clock, environment, I/O or OpenTelemetry
 * runtime): parsing and formatting `X-Amzn-Trace-Id`, the `xray` trace state entry that
 * carries what a span context cannot express, and the trace and span ID forms. Both
 * propagation (src/propagation/) and translation (src/translate/) import it.
 *
 * `X-Amzn-Trace-Id`: extract leniently, inject strictly.
 *
 * Header form: `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1`,
 * optionally followed by `Lineage=…` (Lambda recursive-loop detection) and `Self=…` (added by
 * load balancers). docs/propagation.md has the full rules, the reasons and a measured
 * comparison with `@opentelemetry/propagator-aws-xray`; in short:
 *
 * Extract
 * - Keys are matched case-insensitively but exactly (`root` is `Root`, `RootX` is not);
 *   whitespace around keys and values is trimmed; hex is lower-cased.
 * - Headers longer than {@link MAX_HEADER_LENGTH} characters are rejected outright. An array
 *   value (repeated header) uses its first element; a value containing `,` (Node joins
 *   repeated headers with `, `) uses the text before the first comma.
 * - A key that appears twice keeps its FIRST occurrence, valid or not. Intermediaries append
 *   (a load balancer appends `Self=`), so the first occurrence is the sender's own.
 * - Unknown keys and pairs without `=` are ignored. No valid `Root` (version `1`, 8 + 24 hex,
 *   not all zero) means no trace: extract returns the input context unchanged. It never throws.
 *
 * How what the OpenTelemetry span context cannot express reaches the sampler and exporter
 * - Root without Parent (ALB, Lambda pass-through): the trace ID is KEPT. OpenTelemetry drops
 *   a parent whose span ID is invalid, so the remote span context gets a stand-in span ID
 *   derived from the trace ID ({@link rootOnlySpanId}) and the trace state entry
 *   `xray=r:<that id>`. The stand-in never goes on the wire (inject omits `Parent` for it) and
 *   {@link isRootOnlyParent} lets the exporter see, from `span.parentSpanContext`, that the
 *   local root must be written WITHOUT `parent_id`. Both the derivation and the marker are
 *   checked, so a descendant span that inherits the trace state (or a peer that receives it
 *   in a W3C `tracestate` header) is never mistaken for the stand-in.
 * - `Sampled=?`, absent, or an unknown value ("the receiver decides"): trace flags are
 *   not-sampled (the only safe value for a one-bit flag: sampled would force 100 % sampling
 *   downstream) and the trace state gets `xray=d:<parent span id>`. {@link isSamplingDeferred}
 *   tells a sampler that this remote parent carries no decision, so a `ParentBased` sampler
 *   whose `remoteParentNotSampled` delegates to the root sampler for such parents makes the
 *   decision locally, as the X-Ray SDK does. With a stock `ParentBased` sampler the parent
 *   counts as not sampled (nothing is recorded; no cost surprise).
 * - `Lineage` and `Self` are kept in the same trace state entry (`l:` and `s:`). Trace state
 *   is inherited by every descendant span, so `Lineage` is re-injected untouched on every
 *   outgoing header of the trace, as the X-Ray SDK does; dropping it would defeat Lambda's
 *   recursive-loop detection, because the AWS SDK only adds the Lambda header when the
 *   request has no `X-Amzn-Trace-Id` yet. `Self` is kept for diagnostics, never injected.
 * - A parent that `AWSXRayLambdaPropagator` took from the Lambda invocation's own header gets
 *   `i:<span id>` ({@link isLambdaInvocationParent}): the exporter attaches the spans below
 *   it to the function segment Lambda records.
 *
 * Inject writes exactly `Root=1-<8>-<24>;Parent=<16>;Sampled=<0|1>` (+ `;Lineage=…` when the
 * context carries one), lower-case, from a valid span context only, and nothing while tracing
 * is suppressed. The one exception is a context that still holds an extracted remote parent
 * (no local span in between): a Root-only stand-in is not written as `Parent`, and a deferred
 * decision is not turned into `Sampled=0`; what was received is passed on. And in the trace of
 * a Lambda invocation in pass-through mode (a Root-only invocation header), a span that is not
 * sampled writes `Root` and `Lineage` only, as the X-Ray SDKs do there.
 */
import type { SpanContext, TraceState } from '@opentelemetry/api';

/** W3C trace flags: the sampled bit. */
const TRACE_FLAG_SAMPLED = 1;

/**
 * The header name, lower-case as Node's `IncomingMessage.headers` spells it.
 * @internal
 */
export const AWSXRAY_TRACE_ID_HEADER = 'x-amzn-trace-id';

/**
 * Longest header value extract accepts, in characters. Real headers are under 200 characters
 * (Root 40 + Parent 24 + Sampled 10 + Lineage + Self 40); the X-Ray SDK caps the extra
 * fields it forwards at 256 bytes. 4 KiB leaves room for unknown future fields while keeping
 * the (linear) parse trivially cheap on hostile input.
 * @internal
 */
export const MAX_HEADER_LENGTH = 4096;

/**
 * Trace state key under which the X-Ray-only facts of an extracted header are kept.
 * @internal
 */
export const XRAY_TRACE_STATE_KEY = 'xray';

/**
 * Longest `Lineage` value kept. It keeps the whole `xray` trace state entry (markers
 * included) within W3C's 256-character limit for a value, so peers that parse a W3C
 * `tracestate` header do not drop it. Longer values are dropped (the trace is kept).
 * @internal
 */
export const MAX_LINEAGE_LENGTH = 180;

/**
 * W3C limit for one trace state value.
 * @internal
 */
export const MAX_TRACE_STATE_VALUE_LENGTH = 256;
/** `Self` values are X-Ray trace IDs (about 35 characters); much longer ones are not. */
const MAX_SELF_LENGTH = 64;

/** `1-` + 8 hex + `-` + 24 hex. Anything else, including a short epoch part, is rejected. */
const ROOT_RE = /^1-([0-9a-fA-F]{8})-([0-9a-fA-F]{24})$/;
const SPAN_ID_RE = /^[0-9a-fA-F]{16}$/;
const TRACE_ID_RE = /^[0-9a-f]{32}$/;
const ALL_ZERO_RE = /^0+$/;
/**
 * Opaque values kept from the header (`Lineage`, `Self`): printable ASCII without space,
 * `,`, `;` or `=`, i.e. safe both in the X-Ray header and in a W3C trace state value.
 */
const OPAQUE_VALUE_RE = /^[!-+\--:<>-~]+$/;

/**
 * A parsed `X-Amzn-Trace-Id` header, normalised.
 * @internal
 */
export interface XRayTraceHeader {
  /** The `Root` as an OpenTelemetry trace ID: 32 lower-case hex digits, not all zero. */
  readonly traceId: string;
  /** 16 lower-case hex digits; `undefined` when `Parent` is absent, empty or malformed. */
  readonly parentId: string | undefined;
  /** `Sampled=1` → true, `Sampled=0` → false; `?`, absent or anything else → undefined. */
  readonly sampled: boolean | undefined;
  /** `Lineage`, verbatim, when present and at most {@link MAX_LINEAGE_LENGTH} safe characters. */
  readonly lineage: string | undefined;
  /** `Self`, verbatim, when present and well-formed. */
  readonly self: string | undefined;
}

/**
 * Parses an `X-Amzn-Trace-Id` header value (a string, or an array whose first element is
 * used). Returns `undefined` when there is no valid `Root`. Pure; never throws; linear in
 * the (bounded) input length.
 * @internal
 */
export function parseTraceHeader(value: unknown): XRayTraceHeader | undefined {
  const first: unknown = Array.isArray(value) ? (value as unknown[])[0] : value;
  if (typeof first !== 'string' || first.length > MAX_HEADER_LENGTH) return undefined;
  const comma = first.indexOf(',');
  const header = comma === -1 ? first : first.slice(0, comma);

  // The FIRST occurrence of a key wins, even when invalid: a seen key holds a string
  // (possibly empty), so `??=` keeps it.
  let root: string | undefined;
  let parent: string | undefined;
  let sampled: string | undefined;
  let lineage: string | undefined;
  let self: string | undefined;

  let pos = 0;
  // Position of the next `=` at or after `pos`, kept across segments so that a header of
  // many `;` and one late `=` is still scanned once (linear, not quadratic).
  let eq = -1;
  while (pos < header.length) {
    let end = header.indexOf(';', pos);
    if (end === -1) end = header.length;
    if (eq < pos) eq = header.indexOf('=', pos);
    if (eq === -1) break; // no `=` left: no more pairs
    if (eq < end) {
      const key = header.slice(pos, eq).trim();
      // Only keys of our five lengths (4 to 7) can match; skip lower-casing the rest.
      if (key.length >= 4 && key.length <= 7) {
        const val = header.slice(eq + 1, end).trim();
        switch (key.toLowerCase()) {
          case 'root':
            root ??= val;
            break;
          case 'parent':
            parent ??= val;
            break;
          case 'sampled':
            sampled ??= val;
            break;
          case 'lineage':
            lineage ??= val;
            break;
          case 'self':
            self ??= val;
            break;
          default:
            break; // unknown keys are ignored
        }
      }
    }
    pos = end + 1;
  }

  if (root === undefined) return undefined;
  const match = ROOT_RE.exec(root);
  if (match === null) return undefined;
  const traceId = (match[1]! + match[2]!).toLowerCase();
  if (ALL_ZERO_RE.test(traceId)) return undefined;

  let parentId: string | undefined;
  if (parent !== undefined && SPAN_ID_RE.test(parent) && !ALL_ZERO_RE.test(parent)) {
    parentId = parent.toLowerCase();
  }
  return {
    traceId,
    parentId,
    sampled: sampled === '1' ? true : sampled === '0' ? false : undefined,
    lineage:
      lineage !== undefined && lineage.length <= MAX_LINEAGE_LENGTH && OPAQUE_VALUE_RE.test(lineage)
        ? lineage
        : undefined,
    self:
      self !== undefined && self.length <= MAX_SELF_LENGTH && OPAQUE_VALUE_RE.test(self)
        ? self
        : undefined,
  };
}

/**
 * The stand-in span ID used for the remote parent of a Root-only header: 64 bits derived
 * from the 128-bit trace ID (halves XOR-folded, then XOR-ed with the constants "XRAY" and
 * "ROOT" so that it is not the low half of the trace ID, which some tracers use as the root
 * span ID). Deterministic, so extracting the same header twice gives the same context.
 * Expects 32 lower-case hex digits.
 * @internal
 */
export function rootOnlySpanId(traceId: string): string {
  const a = parseInt(traceId.slice(0, 8), 16);
  const b = parseInt(traceId.slice(8, 16), 16);
  const c = parseInt(traceId.slice(16, 24), 16);
  const d = parseInt(traceId.slice(24, 32), 16);
  const hi = (a ^ c ^ 0x58524159) >>> 0;
  let lo = (b ^ d ^ 0x524f4f54) >>> 0;
  if (hi === 0 && lo === 0) lo = 1; // never the invalid all-zero span ID
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/**
 * What an `xray` trace state entry says.
 * @internal
 */
export interface XRayState {
  /** Span ID of a Root-only stand-in parent (`r:`). */
  rootOnly?: string;
  /** Span ID of a remote parent whose sampling decision was deferred (`d:`). */
  deferred?: string;
  /** `Lineage`, verbatim (`l:`). */
  lineage?: string;
  /** `Self`, verbatim (`s:`). */
  self?: string;
  /** Span ID of a parent taken from the Lambda invocation's own header (`i:`). */
  invocation?: string;
}

/** The minimum of a span context that the helpers below read. */
export interface SpanContextWithTraceState {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags?: number;
  readonly traceState?: Pick<TraceState, 'get'> | undefined;
}

/**
 * Reads the `xray` trace state entry: `;`-separated fields, each `<tag>:<payload>`.
 * Unknown tags are ignored, so the format can grow.
 * @internal
 */
export function readXRayState(traceState: SpanContextWithTraceState['traceState']): XRayState {
  const state: XRayState = {};
  const value = traceState?.get(XRAY_TRACE_STATE_KEY);
  if (typeof value !== 'string' || value.length > MAX_TRACE_STATE_VALUE_LENGTH) return state;
  for (const field of value.split(';')) {
    const payload = field.slice(2);
    if (field[1] !== ':' || payload === '') continue;
    switch (field[0]) {
      case 'r':
        state.rootOnly = payload;
        break;
      case 'd':
        state.deferred = payload;
        break;
      case 'l':
        state.lineage = payload;
        break;
      case 's':
        state.self = payload;
        break;
      case 'i':
        state.invocation = payload;
        break;
      default:
        break;
    }
  }
  return state;
}

/**
 * True when `spanContext` is the stand-in remote parent of a Root-only header: the exporter
 * must then write the span whose parent this is as a segment WITHOUT `parent_id` (the
 * stand-in ID exists nowhere else). Safe on any input; never throws.
 */
export function isRootOnlyParent(spanContext: SpanContextWithTraceState | undefined): boolean {
  try {
    if (spanContext === undefined || spanContext === null) return false;
    const { traceId, spanId } = spanContext;
    if (typeof traceId !== 'string' || typeof spanId !== 'string') return false;
    if (!TRACE_ID_RE.test(traceId) || spanId !== rootOnlySpanId(traceId)) return false;
    return readXRayState(spanContext.traceState).rootOnly === spanId;
  } catch {
    return false;
  }
}

/**
 * True when `spanContext` is a remote parent extracted from a header with `Sampled=?`, no
 * `Sampled`, or an unrecognised value: its trace flags say "not sampled" only because a
 * flag cannot say "undecided". A sampler should decide for such a parent as for a root
 * (see the file comment). Safe on any input; never throws.
 */
export function isSamplingDeferred(spanContext: SpanContextWithTraceState | undefined): boolean {
  try {
    if (spanContext === undefined || spanContext === null) return false;
    const { spanId } = spanContext;
    if (typeof spanId !== 'string') return false;
    return readXRayState(spanContext.traceState).deferred === spanId;
  } catch {
    return false;
  }
}

/**
 * True when `spanContext` is a remote parent that `AWSXRayLambdaPropagator` took from
 * the Lambda invocation's own trace header (not from a carrier): its span ID is the ID of
 * the function segment Lambda records, so the exporter writes the spans below it as
 * subsegments of that segment, as the X-Ray SDK does (docs/lambda.md). A Root-only invocation header has no such
 * segment: {@link isRootOnlyParent} is then also true and takes precedence. Never throws.
 */
export function isLambdaInvocationParent(
  spanContext: SpanContextWithTraceState | undefined,
): boolean {
  try {
    if (spanContext === undefined || spanContext === null) return false;
    const { spanId } = spanContext;
    if (typeof spanId !== 'string') return false;
    return readXRayState(spanContext.traceState).invocation === spanId;
  } catch {
    return false;
  }
}

/**
 * True when `spanContext` belongs to the trace of a Lambda invocation: it is the parent
 * `AWSXRayLambdaPropagator` took from the invocation's own header, or a span below it (the
 * `xray` trace state entry, with its `i:` field, is inherited by every descendant). In
 * Lambda, a span for which this is false was started outside any invocation (module load,
 * the init phase) or outside the handler's context. Never throws.
 * @internal
 */
export function isInLambdaInvocationTrace(
  spanContext: SpanContextWithTraceState | undefined,
): boolean {
  try {
    if (spanContext === undefined || spanContext === null) return false;
    return readXRayState(spanContext.traceState).invocation !== undefined;
  } catch {
    return false;
  }
}

/** The `Lineage` carried by a span context's trace state, if any. Never throws. */
export function getLineage(spanContext: SpanContextWithTraceState | undefined): string | undefined {
  try {
    if (spanContext === undefined || spanContext === null) return undefined;
    return readXRayState(spanContext.traceState).lineage;
  } catch {
    return undefined;
  }
}

/**
 * The `xray` trace state value for an extracted header (see the file comment): `r:` for a
 * Root-only stand-in parent, `d:` for a deferred decision, `i:` for the Lambda invocation's
 * own header, `l:` Lineage and, when it fits, `s:` Self. Empty when there is nothing to keep.
 * @internal
 */
export function xrayTraceStateValue(
  header: XRayTraceHeader,
  spanId: string,
  fromLambdaInvocation: boolean,
): string {
  const { parentId, sampled, lineage, self } = header;
  // At most 3 × 18 + `l:` + 180 + 4 separators = 240 characters, within W3C's 256.
  const fields: string[] = [];
  if (parentId === undefined) fields.push(`r:${spanId}`);
  if (sampled === undefined) fields.push(`d:${spanId}`);
  if (fromLambdaInvocation) fields.push(`i:${spanId}`);
  if (lineage !== undefined) fields.push(`l:${lineage}`);
  let value = fields.join(';');
  // Self is informational: keep it only if the entry stays within W3C's value limit.
  if (self !== undefined && value.length + self.length + 3 <= MAX_TRACE_STATE_VALUE_LENGTH) {
    value += `${value === '' ? '' : ';'}s:${self}`;
  }
  return value;
}

/**
 * Formats the header for a valid span context (see the file comment).
 * @internal
 */
export function formatTraceHeader(
  spanContext: Pick<SpanContext, 'traceId' | 'spanId' | 'traceFlags' | 'traceState'>,
): string {
  const traceId = spanContext.traceId.toLowerCase();
  const spanId = spanContext.spanId.toLowerCase();
  const state = readXRayState(spanContext.traceState);
  let header = `Root=1-${traceId.slice(0, 8)}-${traceId.slice(8)}`;
  const sampled = (spanContext.traceFlags & TRACE_FLAG_SAMPLED) === TRACE_FLAG_SAMPLED;
  const standIn = rootOnlySpanId(traceId);
  // A Lambda invocation in pass-through mode (its header is Root-only: active tracing off)
  // records nothing; like the X-Ray SDK, its calls pass on the Root alone, so a traced
  // service downstream still makes its own decision in the same trace.
  const passThrough = !sampled && state.invocation === standIn && state.rootOnly === standIn;
  // A Root-only stand-in is not a real span: pass the header on as received, without Parent.
  if (!passThrough && !(state.rootOnly === spanId && spanId === standIn)) {
    header += `;Parent=${spanId}`;
  }
  // A deferred decision on the extracted parent itself is passed on, not turned into a "0".
  if (!passThrough && state.deferred !== spanId) {
    header += sampled ? ';Sampled=1' : ';Sampled=0';
  }
  // Re-check what is written: the trace state may have come from a W3C peer.
  if (
    state.lineage !== undefined &&
    state.lineage.length <= MAX_LINEAGE_LENGTH &&
    OPAQUE_VALUE_RE.test(state.lineage)
  ) {
    header += `;Lineage=${state.lineage}`;
  }
  return header;
}

// ---- Trace and span IDs: OpenTelemetry and X-Ray forms ----

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
