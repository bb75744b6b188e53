/**
 * Builds the X-Ray `cause` object of a segment or subsegment from a span.
 *
 * Sources, in order:
 * - span events named `exception` (attributes `exception.type`, `exception.message`,
 *   `exception.stacktrace`, all optional), whatever the span status: a recorded
 *   exception is shown even when the span ended OK;
 * - otherwise, a span with status ERROR and a status message gives one exception
 *   carrying that message (no type, no stack).
 *
 * Decisions:
 * - Exception IDs are derived from the span ID and the exception's index (a
 *   bijective 64-bit mix), so translation stays pure and golden-testable. They are
 *   distinct within a span, never equal to the span ID, never all zeros.
 * - At most {@link MAX_EXCEPTIONS} exceptions per span, the first ones recorded;
 *   the number left out is put in the last kept exception's `skipped` (X-Ray:
 *   "exceptions skipped between this exception and its child").
 * - `message` is cut to {@link MAX_MESSAGE_CHARS} and `type` to
 *   {@link MAX_TYPE_CHARS} UTF-16 code units (a cut message ends with `…`).
 * - When `exception.type` or `exception.message` is missing, it is read from the
 *   stack trace's header (`TypeError: boom`).
 * - OTel exception events are independent of each other, so `cause` (the ID of the
 *   exception that caused this one) is never set.
 */
import type { AttributeValue, ReadableSpanLike, TimedEventLike } from '../shared/types.js';
import { parseExceptionHeader, parseNodeStack } from './stack.js';
import type { XRayStackFrame } from './stack.js';

export interface XRayException {
  /** 16 lower-case hex digits. */
  id: string;
  message?: string;
  type?: string;
  /** The exception was raised by a downstream service (outgoing call failed). */
  remote?: boolean;
  /** Stack frames omitted from `stack`. */
  truncated?: number;
  /** Exceptions omitted after this one. */
  skipped?: number;
  /** ID of the exception that caused this one. */
  cause?: string;
  stack?: XRayStackFrame[];
}

export interface XRayCause {
  working_directory?: string;
  exceptions: XRayException[];
}

/** @internal */
export interface BuildCauseOptions {
  /** Captured once by the exporter at construction (translation reads no environment). */
  workingDirectory?: string;
  /** The span's ID, already read by the caller (else read from the span). */
  spanId?: string;
  /** Mark the exceptions `remote` (the span is a failed outgoing call). */
  remote?: boolean;
}

/** @internal */
export const MAX_EXCEPTIONS = 10;
/** @internal */
export const MAX_MESSAGE_CHARS = 8 * 1024;
/** @internal */
export const MAX_TYPE_CHARS = 1024;

/** `SpanStatusCode.ERROR` in `@opentelemetry/api`, a stable value of the spec. */
const STATUS_ERROR = 2;
const EXCEPTION_EVENT = 'exception';
const ATTR_TYPE = 'exception.type';
const ATTR_MESSAGE = 'exception.message';
const ATTR_STACKTRACE = 'exception.stacktrace';

/**
 * Returns the `cause` for a span, or undefined when it has nothing to report.
 * @internal
 */
export function buildCause(
  span: ReadableSpanLike,
  opts: BuildCauseOptions = {},
): XRayCause | undefined {
  const events: readonly TimedEventLike[] = Array.isArray(span.events) ? span.events : [];
  // Fast path: most spans have no exception and no error message.
  if (
    (span.status?.code !== STATUS_ERROR || !span.status.message) &&
    !events.some((event) => event?.name === EXCEPTION_EVENT)
  ) {
    return undefined;
  }
  const exceptionEvents = events.filter((event) => event?.name === EXCEPTION_EVENT);

  const exceptions: XRayException[] = [];
  const ids = new ExceptionIds(opts.spanId ?? span.spanContext().spanId);
  if (exceptionEvents.length > 0) {
    for (const event of exceptionEvents.slice(0, MAX_EXCEPTIONS)) {
      exceptions.push(fromEvent(event, ids.next(), opts));
    }
    const skipped = exceptionEvents.length - exceptions.length;
    const last = exceptions[exceptions.length - 1];
    if (skipped > 0 && last !== undefined) last.skipped = skipped;
  } else {
    const message = span.status?.code === STATUS_ERROR ? span.status.message : undefined;
    if (typeof message !== 'string' || message.length === 0) return undefined;
    const exception: XRayException = {
      id: ids.next(),
      message: cutText(message, MAX_MESSAGE_CHARS),
    };
    if (opts.remote === true) exception.remote = true;
    exceptions.push(exception);
  }

  // Key order as in X-Ray documents: working_directory first.
  const cwd = opts.workingDirectory;
  return typeof cwd === 'string' && cwd.length > 0
    ? { working_directory: cwd, exceptions }
    : { exceptions };
}

function fromEvent(event: TimedEventLike, id: string, opts: BuildCauseOptions): XRayException {
  const attributes = event.attributes ?? {};
  let type = stringAttribute(attributes[ATTR_TYPE]);
  let message = stringAttribute(attributes[ATTR_MESSAGE]);
  const stacktrace = stringAttribute(attributes[ATTR_STACKTRACE]);

  if (stacktrace !== undefined && (type === undefined || message === undefined)) {
    const header = parseExceptionHeader(stacktrace);
    type ??= header.type;
    message ??= header.message;
  }

  const exception: XRayException = { id };
  if (message !== undefined) exception.message = cutText(message, MAX_MESSAGE_CHARS);
  if (type !== undefined) exception.type = cutText(type, MAX_TYPE_CHARS);
  if (opts.remote === true) exception.remote = true;
  if (stacktrace !== undefined) {
    const { frames, truncated } = parseNodeStack(stacktrace);
    if (truncated > 0) exception.truncated = truncated;
    if (frames.length > 0) exception.stack = frames;
  }
  return exception;
}

/** Non-empty strings only: other attribute types are not a type or message. */
function stringAttribute(value: AttributeValue | undefined): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Cuts to `max` code units, ending with `…`, without splitting a surrogate pair. */
function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return text.slice(0, end) + '…';
}

// ---------------------------------------------------------------------------
// Deterministic exception IDs

const MASK_64 = (1n << 64n) - 1n;
/** 2^64 / golden ratio, odd: multiplying by it is a bijection modulo 2^64. */
const GOLDEN_64 = 0x9e3779b97f4a7c15n;
const HEX_16 = /^[0-9a-f]{16}$/i;

/**
 * Hands out the exception IDs of one span. ID number `i` (attempt `a`) is
 * `mix(seed XOR ((a << 32 | i + 1) * GOLDEN))`: `mix` (the SplitMix64 finaliser) and
 * the multiplication are bijections, so different `(i, a)` never give the same ID.
 * The rare candidate equal to the span ID or to zero is skipped by trying the next
 * attempt, which keeps the result deterministic.
 */
class ExceptionIds {
  private readonly seed: bigint;
  private readonly reserved: Set<string>;
  private count = 0;

  constructor(spanId: string) {
    const id = typeof spanId === 'string' ? spanId : '';
    this.seed = HEX_16.test(id) ? BigInt('0x' + id) : fnv1a64(id);
    this.reserved = new Set([id.toLowerCase(), '0000000000000000']);
  }

  next(): string {
    const index = BigInt(++this.count);
    for (let attempt = 0n; ; attempt++) {
      const input = (((attempt << 32n) | index) * GOLDEN_64) & MASK_64;
      const id = mix64(this.seed ^ input)
        .toString(16)
        .padStart(16, '0');
      if (!this.reserved.has(id)) return id;
    }
  }
}

/** SplitMix64 finaliser: a bijection on 64-bit integers with good avalanche. */
function mix64(value: bigint): bigint {
  let z = value & MASK_64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK_64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK_64;
  return z ^ (z >> 31n);
}

/** FNV-1a over UTF-16 code units (first 256), for span IDs that are not 16 hex. */
function fnv1a64(text: string): bigint {
  let hash = 0xcbf29ce484222325n;
  const length = Math.min(text.length, 256);
  for (let i = 0; i < length; i++) {
    hash = ((hash ^ BigInt(text.charCodeAt(i))) * 0x100000001b3n) & MASK_64;
  }
  return hash;
}
