/**
 * Keeping traces whole across export batches.
 *
 * A `BatchSpanProcessor` exports whatever has ended when its batch fills or
 * its timer fires, so the children of a request often leave in one batch and
 * the request's own span, which ends last, in the next: X-Ray then gets two
 * documents for what would fit in one (an independent subsegment per split
 * child). The holder keeps, for a bounded time and in bounded memory, the
 * spans of a trace whose local root (a span without a local parent: the
 * request's span) has not been exported yet, and gives them back with the
 * batch that brings the root, so that they are packed together.
 *
 * A held trace is given back when its local root arrives, when it has waited
 * through {@link HOLD_EXPORTS} later exports, when {@link HOLD_MS} pass, when
 * more than {@link MAX_HELD_SPANS} spans are held (oldest traces first), and
 * on `forceFlush()` and `shutdown()`. Spans are never dropped here, only
 * delayed: the exporter counts held spans as waiting.
 */
import { isValidSpanId } from '../protocol/trace-header.js';
import type { ReadableSpanLike, SpanContextLike } from '../shared/types.js';

/**
 * A held trace waits for its root through this many later exports. A
 * `BatchSpanProcessor` exports every 5 s at most, or as soon as 512 spans
 * have ended, so this is at least one full batch interval.
 * @internal
 */
export const HOLD_EXPORTS = 2;
/**
 * …and at most this long (when no export comes, the app being idle).
 * @internal
 */
export const HOLD_MS = 10_000;
/** @internal */
export const MAX_HELD_SPANS = 2048;
/** Traces whose local root has been exported, remembered so that late children are not held. */
const FINISHED_TRACES = 4096;

// SpanKind values (as in ../translate/segment.ts).
const KIND_SERVER = 1;
const KIND_CONSUMER = 4;

/** Spans with their contexts (`null`: reading the context threw). */
export interface SpanList {
  spans: ReadableSpanLike[];
  contexts: Array<SpanContextLike | null>;
}

interface HeldTrace {
  spans: ReadableSpanLike[];
  contexts: SpanContextLike[];
  /** Exports left before the trace is given back without its root. */
  exportsLeft: number;
  /** When it was first held (ms, the holder's clock). */
  since: number;
}

/**
 * True when the span has a parent in this process (a local parent): its
 * translation would be a subsegment below that parent. Mirrors the placement
 * of ../translate/segment.ts. A span that cannot be read counts as a root.
 */
export function hasLocalParent(span: ReadableSpanLike): boolean {
  try {
    const p = span.parentSpanContext;
    if (p !== undefined && p !== null) return isValidSpanId(p.spanId) && p.isRemote !== true;
    // SDK 1.x: only the ID is known; SERVER and CONSUMER spans continue a remote trace.
    return (
      isValidSpanId(span.parentSpanId) && span.kind !== KIND_SERVER && span.kind !== KIND_CONSUMER
    );
  } catch {
    return false;
  }
}

/** @internal */
export class TraceHolder {
  /** Held traces by trace ID, oldest first. */
  private readonly held = new Map<string, HeldTrace>();
  /**
   * Trace IDs whose local root was given back: the last
   * {@link FINISHED_TRACES} to {@link FINISHED_TRACES} × 2, in two
   * generations (dropping a whole generation costs nothing per trace).
   */
  private finished = new Set<string>();
  private finishedBefore = new Set<string>();
  /** Spans held now. */
  count = 0;

  constructor(
    private readonly now: () => number,
    private readonly maxSpans = MAX_HELD_SPANS,
  ) {}

  /**
   * Takes a batch; returns what to translate now: the batch's spans less
   * those held, plus held spans given back (those of the batch's traces whose
   * root came, and those whose hold ended), the spans of each trace next to
   * each other (spans whose context cannot be read first). Reads each span's
   * context once.
   */
  admit(spans: readonly ReadableSpanLike[]): SpanList {
    const out: SpanList = { spans: [], contexts: [] };
    // The batch's spans by trace; a trace with a root, or already finished, is not held.
    let groups: Map<string, HeldTrace> | undefined;
    for (const span of spans) {
      let sc: SpanContextLike | null;
      try {
        sc = span.spanContext();
      } catch {
        sc = null;
      }
      const traceId = sc?.traceId;
      if (sc === null || typeof traceId !== 'string') {
        out.spans.push(span);
        out.contexts.push(sc);
        continue;
      }
      const g = (groups ??= new Map()).get(traceId);
      const root = !hasLocalParent(span);
      if (g === undefined) {
        groups.set(traceId, {
          spans: [span],
          contexts: [sc],
          exportsLeft: root ? -1 : HOLD_EXPORTS,
          since: 0,
        });
      } else {
        g.spans.push(span);
        g.contexts.push(sc);
        if (root) g.exportsLeft = -1;
      }
    }
    // Held traces not in this batch wait one export less.
    const now = this.now();
    for (const [traceId, h] of this.held) {
      if (groups?.has(traceId) === true) continue;
      if (--h.exportsLeft <= 0 || now - h.since >= HOLD_MS) this.giveBack(traceId, h, out);
    }
    if (groups !== undefined) {
      for (const [traceId, g] of groups) {
        const h = this.held.get(traceId);
        if (h !== undefined) {
          // Earlier spans of the trace first, as they ended.
          this.held.delete(traceId);
          this.count -= h.spans.length;
          h.spans.push(...g.spans);
          h.contexts.push(...g.contexts);
          if (g.exportsLeft < 0) h.exportsLeft = -1;
          else h.exportsLeft = Math.min(h.exportsLeft, HOLD_EXPORTS) - 1;
          this.place(traceId, h, now, out);
        } else {
          g.since = now;
          this.place(traceId, g, now, out);
        }
      }
    }
    // Bounded memory: the oldest traces go first.
    if (this.count > this.maxSpans) {
      for (const [traceId, h] of this.held) {
        this.giveBack(traceId, h, out);
        if (this.count <= this.maxSpans) break;
      }
    }
    return out;
  }

  /** Gives back every held span (for `forceFlush()`, `shutdown()` and the hold's timer). */
  releaseAll(): SpanList {
    const out: SpanList = { spans: [], contexts: [] };
    for (const [traceId, h] of this.held) this.giveBack(traceId, h, out);
    return out;
  }

  /** Gives back the traces held for {@link HOLD_MS} or longer. */
  releaseExpired(): SpanList {
    const out: SpanList = { spans: [], contexts: [] };
    const now = this.now();
    for (const [traceId, h] of this.held) {
      if (now - h.since < HOLD_MS) break; // oldest first
      this.giveBack(traceId, h, out);
    }
    return out;
  }

  /** When the oldest held trace's hold ends (ms, the holder's clock), if any is held. */
  get nextExpiry(): number | undefined {
    for (const h of this.held.values()) return h.since + HOLD_MS;
    return undefined;
  }

  /** Holds a trace, or gives it back when its root came, it is finished, or its hold ended. */
  private place(traceId: string, t: HeldTrace, now: number, out: SpanList): void {
    if (t.exportsLeft < 0 || this.finished.has(traceId) || this.finishedBefore.has(traceId)) {
      if (t.exportsLeft < 0) this.noteFinished(traceId);
      append(out, t);
      return;
    }
    if (t.exportsLeft === 0 || now - t.since >= HOLD_MS) {
      append(out, t);
      return;
    }
    this.held.set(traceId, t);
    this.count += t.spans.length;
  }

  private giveBack(traceId: string, h: HeldTrace, out: SpanList): void {
    this.held.delete(traceId);
    this.count -= h.spans.length;
    append(out, h);
  }

  private noteFinished(traceId: string): void {
    if (this.finished.size >= FINISHED_TRACES) {
      this.finishedBefore = this.finished;
      this.finished = new Set();
    }
    this.finished.add(traceId);
  }
}

function append(
  out: SpanList,
  t: { spans: ReadableSpanLike[]; contexts: SpanContextLike[] },
): void {
  for (let i = 0; i < t.spans.length; i++) {
    out.spans.push(t.spans[i] as ReadableSpanLike);
    out.contexts.push(t.contexts[i] as SpanContextLike);
  }
}
