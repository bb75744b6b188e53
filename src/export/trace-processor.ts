/**
 * `AWSXRayTraceSpanProcessor`: the span processor for servers. It exports
 * whole traces, as soon as they are complete, in small batches.
 *
 * X-Ray takes the spans one process recorded of a trace as one segment
 * document, and the X-Ray SDK sends a segment when it closes. The SDK's
 * `BatchSpanProcessor` instead exports whatever has ended, 512 spans at a
 * time or every 5 s: every span waits in its queue (about 85 ms at 6,000
 * spans/s), which is long enough for V8's young generation to promote it,
 * so the old generation fills with spans and major collections pause the
 * app; and a trace cut by a batch boundary leaves in two documents unless
 * the exporter holds its first part.
 *
 * This processor keeps the ended spans of each trace that is still open (by
 * trace ID) until its local root ends: the span without a parent in this
 * process, usually the request's server span. The trace is then ready, and
 * ready traces are exported together once {@link TraceProcessorOptions.maxTraces}
 * are ready or {@link TraceProcessorOptions.delayMillis} after the first, so
 * that their datagrams leave in bursts (a datagram sent alone wakes the
 * daemon for it, which costs more CPU than the send).
 *
 * Bounded: at most `maxQueueSize` spans wait. Beyond it, the oldest open
 * trace leaves as it is (its root, when it ends, follows in a document of its
 * own, which X-Ray joins up by IDs), as do the spans of a trace whose root has
 * not ended after `maxWaitMillis` (a long request, or spans ending after
 * their root). Nothing is dropped here; the exporter counts what it cannot
 * send. Structural types only: it works with SDK 2.x and 3.x.
 */
import type { Context } from '@opentelemetry/api';
import type { AWSXRaySpanExporter } from './exporter.js';
import { exportsWholeTraces } from './exporter.js';
import { hasLocalParent } from './holder.js';
import { positiveNumber } from './options.js';
import { reporter } from '../shared/diag.js';
import { withoutTracing } from '../shared/suppress.js';
import type { AsyncResourceLike, ReadableSpanLike } from '../shared/types.js';

const SAMPLED = 1;

/** Options of {@link AWSXRayTraceSpanProcessor}. */
export interface TraceProcessorOptions {
  /** Ready traces exported together at most. Default 16. */
  maxTraces?: number;
  /** Longest a ready trace waits for others to leave with (ms). Default 20. */
  delayMillis?: number;
  /** Spans waiting at most (open and ready traces). Default 2048, as the `BatchSpanProcessor`'s queue. */
  maxQueueSize?: number;
  /** Longest the spans of an open trace wait for its root (ms). Default 5000. */
  maxWaitMillis?: number;
}

interface OpenTrace {
  spans: ReadableSpanLike[];
  /** When its first span ended (ms, `performance.now()`). */
  since: number;
}

export class AWSXRayTraceSpanProcessor {
  private readonly maxTraces: number;
  private readonly delayMillis: number;
  private readonly maxQueueSize: number;
  private readonly maxWaitMillis: number;
  /** Open traces by trace ID, oldest first. */
  private readonly open = new Map<string, OpenTrace>();
  /** Spans in open traces. */
  private openSpans = 0;
  /** Spans of ready traces, each trace's spans together. */
  private ready: ReadableSpanLike[] = [];
  private readyTraces = 0;
  private readyTimer: ReturnType<typeof setTimeout> | undefined;
  private expiryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Exports waiting on a resource's asynchronous attributes. */
  private readonly pending = new Set<Promise<void>>();
  private isShutdown = false;

  constructor(
    /** An `AWSXRaySpanExporter`, or any exporter around one (its `forceFlush()` is optional). */
    private readonly exporter: Pick<AWSXRaySpanExporter, 'export' | 'shutdown'> & {
      forceFlush?(): Promise<void>;
    },
    options: TraceProcessorOptions = {},
  ) {
    const o = (typeof options === 'object' && options !== null ? options : {}) as Record<
      string,
      unknown
    >;
    // Checked as the exporter's options are: a bad value is reported once, its default used.
    const warnings: string[] = [];
    this.maxTraces = positiveNumber('maxTraces', o.maxTraces, 16, 1, 512, warnings);
    this.delayMillis = positiveNumber('delayMillis', o.delayMillis, 20, 1, 60_000, warnings);
    this.maxQueueSize = positiveNumber('maxQueueSize', o.maxQueueSize, 2048, 1, 1e6, warnings);
    this.maxWaitMillis = positiveNumber('maxWaitMillis', o.maxWaitMillis, 5000, 1, 6e5, warnings);
    for (const w of warnings) reporter.once(`processor:${w}`, `AWSXRayTraceSpanProcessor: ${w}`);
    // Traces come whole: the exporter need not hold any (./holder.ts).
    exportsWholeTraces(exporter);
  }

  onStart(_span: ReadableSpanLike, _parentContext: Context): void {}

  onEnd(span: ReadableSpanLike): void {
    try {
      if (this.isShutdown) return;
      const sc = span.spanContext();
      if ((sc.traceFlags & SAMPLED) === 0) return;
      const traceId = sc.traceId;
      if (hasLocalParent(span)) {
        let t = this.open.get(traceId);
        if (t === undefined) {
          t = { spans: [], since: performance.now() };
          this.open.set(traceId, t);
        }
        t.spans.push(span);
        this.openSpans++;
        if (this.openSpans + this.ready.length > this.maxQueueSize) this.evictOldest();
        this.armExpiry();
        return;
      }
      const t = this.open.get(traceId);
      if (t !== undefined) this.takeOpen(traceId, t);
      this.ready.push(span);
      this.readyTraces++;
      if (this.readyTraces >= this.maxTraces || this.ready.length >= this.maxQueueSize) {
        this.sendReady();
      } else if (this.readyTimer === undefined) {
        this.readyTimer = setTimeout(this.onReadyTimer, this.delayMillis);
        this.readyTimer.unref();
      }
    } catch (err) {
      // A span that cannot be read goes alone: the exporter counts it.
      reporter.error('processor:onEnd', `span processor onEnd failed: ${String(err)}`);
      try {
        this.exportNow([span]);
      } catch {
        // the exporter never throws; nothing more to do
      }
    }
  }

  /** Exports every waiting span (open traces as they are), then flushes the exporter. */
  async forceFlush(): Promise<void> {
    try {
      for (const [traceId, t] of this.open) this.takeOpen(traceId, t);
      this.sendReady();
      await Promise.all(this.pending);
      await this.exporter.forceFlush?.();
    } catch {
      // never reject into the app
    }
  }

  async shutdown(): Promise<void> {
    if (this.isShutdown) return;
    await this.forceFlush();
    this.isShutdown = true;
    if (this.expiryTimer !== undefined) clearTimeout(this.expiryTimer);
    await this.exporter.shutdown();
  }

  /** Spans waiting here: in open traces, and ready to leave. */
  get waitingSpans(): number {
    return this.openSpans + this.ready.length;
  }

  /** Moves an open trace's spans to the ready ones (before its root, if that came). */
  private takeOpen(traceId: string, t: OpenTrace): void {
    this.open.delete(traceId);
    this.openSpans -= t.spans.length;
    for (const s of t.spans) this.ready.push(s);
  }

  /** Over `maxQueueSize`: the oldest open trace leaves now, without its root. */
  private evictOldest(): void {
    for (const [traceId, t] of this.open) {
      this.takeOpen(traceId, t);
      this.readyTraces++;
      break;
    }
    this.sendReady();
  }

  private readonly onReadyTimer = (): void => {
    this.readyTimer = undefined;
    try {
      this.sendReady();
    } catch {
      // never throw into the event loop
    }
  };

  /** One timer, for the oldest open trace's `maxWaitMillis` (unref'd). */
  private armExpiry(): void {
    if (this.expiryTimer !== undefined) return;
    for (const t of this.open.values()) {
      const wait = t.since + this.maxWaitMillis - performance.now();
      this.expiryTimer = setTimeout(this.onExpiry, Math.max(1, wait));
      this.expiryTimer.unref();
      return;
    }
  }

  private readonly onExpiry = (): void => {
    this.expiryTimer = undefined;
    try {
      const due = performance.now() - this.maxWaitMillis;
      let taken = false;
      for (const [traceId, t] of this.open) {
        if (t.since > due) break; // oldest first
        this.takeOpen(traceId, t);
        this.readyTraces++;
        taken = true;
      }
      if (taken) this.sendReady();
      this.armExpiry();
    } catch {
      // never throw into the event loop
    }
  };

  private sendReady(): void {
    if (this.readyTimer !== undefined) {
      clearTimeout(this.readyTimer);
      this.readyTimer = undefined;
    }
    const spans = this.ready;
    if (spans.length === 0) return;
    this.ready = [];
    this.readyTraces = 0;
    const waits = asyncResources(spans);
    if (waits === undefined) return this.exportNow(spans);
    const p = Promise.all(waits).then(
      () => this.exportNow(spans),
      () => this.exportNow(spans),
    );
    const tracked: Promise<void> = p.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  private exportNow(spans: ReadableSpanLike[]): void {
    // As the SDK's own processors do: never trace the export itself.
    withoutTracing(() => this.exporter.export(spans, NOOP_RESULT));
  }
}

const NOOP_RESULT = (): void => {};

/** The waits for resources whose attributes are still being detected, if any. */
function asyncResources(spans: readonly ReadableSpanLike[]): Promise<void>[] | undefined {
  let waits: Promise<void>[] | undefined;
  let last: unknown;
  for (const span of spans) {
    const r = span.resource as AsyncResourceLike | undefined;
    if (r === last || r === undefined) continue;
    last = r;
    if (r.asyncAttributesPending === true && typeof r.waitForAsyncAttributes === 'function') {
      (waits ??= []).push(r.waitForAsyncAttributes());
    }
  }
  return waits;
}
