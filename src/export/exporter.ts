/**
 * `AWSXRaySpanExporter`: an OpenTelemetry `SpanExporter` that sends finished
 * spans to the X-Ray daemon as segment documents over UDP.
 */
import type { Reporter as ReporterType } from '../shared/diag.js';
import { Reporter } from '../shared/diag.js';
import { formatEndpoint } from '../transport/daemon-address.js';
import { capToInvocation } from './lambda-deadline.js';
import { isInLambdaInvocationTrace } from '../protocol/trace-header.js';
import type { DropCounts } from './ledger.js';
import { SpanLedger } from './ledger.js';
import type { AWSXRaySpanExporterOptions, ExporterConfig } from './options.js';
import { resolveExporterConfig } from './options.js';
import { traceIdEpochSeconds } from '../protocol/trace-header.js';
import { translateSpans } from '../translate/index.js';
import type { TranslationOptions } from '../translate/index.js';
import type { TranslateStats } from '../translate/segment.js';
import type { SendOutcome, TransportStats } from '../transport/udp.js';
import { UdpTransport } from '../transport/udp.js';
import type { ReadableSpanLike, SpanContextLike } from '../shared/types.js';
import { TraceHolder } from './holder.js';
import type { SpanList } from './holder.js';

export type { DropCounts } from './ledger.js';

/** `ExportResult` as the SDK defines it (0 = SUCCESS, 1 = FAILED). */
export interface ExportResult {
  code: 0 | 1;
  error?: Error;
}

const SUCCESS: ExportResult = Object.freeze({ code: 0 });
const NOOP = (): void => undefined;

/**
 * Counters for everything the exporter was given and what became of it. At
 * every reading, `spansReceived = spansSent + Σ dropped + spansWaiting +
 * spansQueued`.
 */
export interface ExporterStats extends TransportStats {
  /** Spans passed to `export()`. */
  spansReceived: number;
  /** Spans in datagrams handed to the kernel (less those the daemon's host refused). */
  spansSent: number;
  /** Spans not sent, by reason. */
  dropped: DropCounts;
  /** Spans whose body was shrunk to fit a datagram (they were still sent). */
  spansShrunk: number;
  /**
   * Spans accepted by `export()` and not translated yet: a large batch is
   * translated a slice at a time, over event-loop turns, and the spans of a
   * trace whose root span has not been exported yet are held for it
   * (`spansHeld`).
   */
  spansWaiting: number;
  /**
   * Of `spansWaiting`, the spans held until their trace's root span is
   * exported, so that the trace is sent whole (bounded: 2,048 spans, two
   * further exports, 10 s; `forceFlush()` and `shutdown()` send them).
   */
  spansHeld: number;
}

/**
 * Spans translated at a time. A batch (512 spans from a default
 * BatchSpanProcessor) is translated in slices of ~20–60 µs, about one per
 * event-loop turn, so the app's own requests interleave and its tail latency
 * stays flat; spans of one trace stay in one slice, so that they are packed
 * together. (Slices of 64 spans and turns of 0.25 ms gave a p99 ~1.3–1.6×
 * higher at a fixed request rate, for the same CPU: benchmarks/PROFILE.md.)
 */
const SLICE_SPANS = 16;
/**
 * Bound on spans accepted and not yet translated: an export that finds more
 * waiting translates synchronously until {@link CATCH_UP_SPANS} are left.
 */
const MAX_UNTRANSLATED = 2048;
/** Translation per event-loop turn: this long, or more while this many spans wait. */
const TURN_BUDGET_MS = 0.05;
const CATCH_UP_SPANS = 1024;

/** Spans of one slice, with their span contexts when already read (`null`: reading threw). */
interface Slice {
  spans: ReadableSpanLike[];
  contexts: Array<SpanContextLike | null> | undefined;
}

/** One `export()` call, translated a slice at a time. */
interface ExportJob {
  slices: Slice[];
  /** Index of the next slice to translate. */
  next: number;
  /** Slices translated whose documents are not all sent or dropped yet. */
  open: number;
  sent: number;
  dropped: number;
  done: (result: ExportResult) => void;
  finished: boolean;
}

function finishJob(job: ExportJob): void {
  job.finished = true;
  if (job.sent > 0 || job.dropped === 0) job.done(SUCCESS);
  else job.done({ code: 1, error: new Error(`${job.dropped} spans could not be sent`) });
}

/**
 * Splits spans into slices of about `max`, keeping the spans of one trace
 * together (a trace larger than `max` is a slice of its own), in the order
 * their traces first appear. Each span's context is read once (here, unless
 * `contexts` holds it already) and handed to the translation.
 */
function sliceByTrace(
  spans: ReadableSpanLike[],
  contexts: ReadonlyArray<SpanContextLike | null> | undefined,
  max: number,
): Slice[] {
  if (contexts !== undefined) return sliceRuns(spans, contexts, max);
  const byTrace = new Map<unknown, Array<[ReadableSpanLike, SpanContextLike | null]>>();
  for (const span of spans) {
    let sc: SpanContextLike | null;
    let key: unknown;
    try {
      sc = span.spanContext();
      key = sc.traceId;
    } catch {
      sc = null; // the translation counts it as unreadable
      key = undefined;
    }
    const group = byTrace.get(key);
    if (group === undefined) byTrace.set(key, [[span, sc]]);
    else group.push([span, sc]);
  }
  const slices: Slice[] = [];
  let current: Slice = { spans: [], contexts: [] };
  for (const group of byTrace.values()) {
    if (current.spans.length > 0 && current.spans.length + group.length > max) {
      slices.push(current);
      current = { spans: [], contexts: [] };
    }
    for (const [span, sc] of group) {
      current.spans.push(span);
      current.contexts?.push(sc);
    }
  }
  if (current.spans.length > 0) slices.push(current);
  return slices;
}

/**
 * {@link sliceByTrace} for spans whose traces are already runs of adjacent
 * spans (as the holder gives them), with their contexts read.
 */
function sliceRuns(
  spans: ReadableSpanLike[],
  contexts: ReadonlyArray<SpanContextLike | null>,
  max: number,
): Slice[] {
  const slices: Slice[] = [];
  let from = 0; // start of the current slice
  let i = 0;
  while (i < spans.length) {
    // The run of one trace (an unreadable span is a run of its own).
    const traceId = contexts[i]?.traceId;
    let end = i + 1;
    if (traceId !== undefined) {
      while (end < spans.length && contexts[end]?.traceId === traceId) end++;
    }
    if (i > from && end - from > max) {
      slices.push({ spans: spans.slice(from, i), contexts: contexts.slice(from, i) });
      from = i;
    }
    i = end;
  }
  if (from < spans.length) {
    slices.push({ spans: spans.slice(from), contexts: contexts.slice(from) });
  }
  return slices;
}

const DAY = 86_400;
/** Traces whose annotation counts are remembered (for the 50-per-trace limit). */
const ANNOTATION_TRACES = 10_000;

/**
 * The method an exporter fed whole traces by ./trace-processor.ts is told so
 * with: each trace's spans then come in one export (the root last), and the
 * exporter holds nothing back for a root to come. A global symbol, so that an
 * exporter wrapped by another (a counting or filtering wrapper) can be told
 * through its wrapper, which forwards the call.
 * @internal
 */
export const EXPORTS_WHOLE_TRACES: unique symbol = Symbol.for('otel-xray.exportsWholeTraces');

/**
 * Tells `exporter` that whole traces come to it, if it can be told (see {@link EXPORTS_WHOLE_TRACES}).
 * @internal
 */
export function exportsWholeTraces(exporter: unknown): void {
  try {
    const tell = (exporter as Record<symbol, unknown> | null)?.[EXPORTS_WHOLE_TRACES];
    if (typeof tell === 'function') tell.call(exporter);
  } catch {
    // an exporter that cannot be told holds traces as before
  }
}

export class AWSXRaySpanExporter {
  private readonly config: ExporterConfig;
  private readonly reporter: ReporterType;
  /** Every span received, sent or dropped: the one place losses are counted. */
  private readonly ledger: SpanLedger;
  private readonly transport: UdpTransport;
  private readonly translation: TranslationOptions;
  private readonly annotationCounts = new Map<string, number>();
  private shutdownPromise: Promise<void> | undefined;
  private shrunk = 0;
  /** Exports whose slices are not all translated yet, oldest first. */
  private jobs: ExportJob[] = [];
  /** Spans in `jobs` not translated yet. */
  private untranslated = 0;
  private sliceScheduled = false;
  private translatedWaiters: Array<() => void> = [];
  /** Holds the spans of traces whose root has not come yet (not in Lambda, nor with `exportCallback: 'sent'`). */
  private readonly holder: TraceHolder | undefined;
  private holdTimer: ReturnType<typeof setTimeout> | undefined;
  /** Fed whole traces (./trace-processor.ts): nothing is held. */
  private wholeTraces = false;

  constructor(options: AWSXRaySpanExporterOptions = {}) {
    this.reporter = new Reporter();
    this.ledger = new SpanLedger(this.reporter);
    this.config = resolveExporterConfig(options, process.env);
    for (const w of this.config.warnings) this.reporter.once(`config:${w}`, w);
    this.translation = {
      maxDatagramBytes: this.config.maxDatagramBytes,
      indexedAttributes: this.config.indexedAttributes,
      indexAllAttributes: this.config.indexAllAttributes,
      sqlQueries: this.config.sqlQueries,
      dropAttributes: this.config.dropAttributes,
      workingDirectory: safeCwd(),
      annotationCounts: this.annotationCounts,
    };
    this.holder =
      this.config.lambda || this.config.callbackWhen !== 'queued'
        ? undefined
        : new TraceHolder(() => performance.now());
    this.transport = new UdpTransport({
      endpoint: this.config.daemon.udp,
      reporter: this.reporter,
      ledger: this.ledger,
      maxQueueBytes: this.config.maxQueueBytes,
      burstBytes: this.config.burstBytes,
      bytesPerSecond: this.config.bytesPerSecond,
      maxBytesPerSecond: this.config.maxBytesPerSecond,
    });
  }

  /**
   * Called by `AWSXRayTraceSpanProcessor`: every export brings whole traces,
   * so none is held back for its root.
   * @internal
   */
  [EXPORTS_WHOLE_TRACES](): void {
    this.wholeTraces = true;
  }

  /** The daemon's UDP address this exporter sends to, as `host:port`. */
  get daemonAddress(): string {
    return formatEndpoint(this.config.daemon.udp);
  }

  export(spans: ReadableSpanLike[], resultCallback: (result: ExportResult) => void): void {
    let called = false;
    const done = (result: ExportResult): void => {
      if (called) return;
      called = true;
      try {
        resultCallback(result);
      } catch (err) {
        this.reporter.error('callback', `export result callback threw: ${String(err)}`);
      }
    };
    const count = Array.isArray(spans) ? spans.length : 0;
    this.ledger.received += count;
    // Set once the spans are counted somewhere else (waiting, sent or dropped).
    let accounted = false;
    let unaccounted = count;
    try {
      if (this.shutdownPromise !== undefined) {
        accounted = true;
        this.ledger.drop('shutdown', count);
        return done({ code: 1, error: new Error('AWSXRaySpanExporter is shut down') });
      }
      if (count === 0) return done(SUCCESS);
      // In Lambda, what was started outside any invocation is counted and not sent.
      const batch = this.config.lambda ? this.dropOutsideInvocation(spans) : spans;
      unaccounted = batch.length;
      if (batch.length === 0) {
        accounted = true;
        return done(SUCCESS);
      }
      // Spans of traces whose root is still open wait for it (./holder.ts);
      // the rest, and held spans whose root came, are translated.
      const now: SpanList | undefined = this.wholeTraces ? undefined : this.holder?.admit(batch);
      const job = this.enqueue(now?.spans ?? batch, now?.contexts, done);
      accounted = true;
      this.armHoldTimer();
      if (job === undefined) return done(SUCCESS); // every span held
      if (this.config.callbackWhen === 'queued' && !job.finished) {
        // Accepted: a BatchSpanProcessor (one export at a time) goes on at
        // once. Spans that cannot be queued later are counted and reported.
        job.done = NOOP;
        done(SUCCESS);
      }
    } catch (err) {
      if (!accounted) {
        this.ledger.drop(
          'unreadable',
          unaccounted,
          'export',
          `spans dropped: export failed: ${String(err)}`,
        );
      }
      done({ code: 1, error: err instanceof Error ? err : new Error(String(err)) });
    }
  }

  /**
   * Queues a job translating `spans` (a slice at a time) and starts it;
   * `undefined` when there are none. Counts them as waiting.
   */
  private enqueue(
    spans: ReadableSpanLike[],
    contexts: Array<SpanContextLike | null> | undefined,
    done: (result: ExportResult) => void,
  ): ExportJob | undefined {
    if (spans.length === 0) return undefined;
    const slices =
      spans.length <= SLICE_SPANS
        ? [{ spans, contexts }]
        : sliceByTrace(spans, contexts, SLICE_SPANS);
    const job: ExportJob = {
      slices,
      next: 0,
      open: 0,
      sent: 0,
      dropped: 0,
      done,
      finished: false,
    };
    this.jobs.push(job);
    this.untranslated += spans.length;
    if (this.jobs.length === 1 && job.slices.length === 1) {
      // A batch that fits one slice, with nothing ahead of it: at once.
      this.runSlice();
    } else if (this.untranslated > MAX_UNTRANSLATED) {
      // The app makes spans faster than the turns between its own work
      // translate them: catch up now rather than hold more spans.
      while (this.untranslated > CATCH_UP_SPANS && this.jobs.length > 0) this.runSlice();
    }
    if (this.jobs.length > 0) this.scheduleSlice();
    return job;
  }

  /** Translates every held span now (their roots did not come in time, or a flush). */
  private releaseHeld(list: SpanList | undefined): void {
    if (list === undefined || list.spans.length === 0) return;
    this.enqueue(list.spans, list.contexts, NOOP);
  }

  /**
   * While spans are held, one timer (unref'd: it never keeps the process up)
   * ends their hold in an app that stops exporting. No timer otherwise.
   */
  private armHoldTimer(): void {
    const due = this.holder?.nextExpiry;
    if (due === undefined || this.holdTimer !== undefined) return;
    this.holdTimer = setTimeout(this.onHoldTimer, Math.max(1, due - performance.now()));
    this.holdTimer.unref();
  }

  private readonly onHoldTimer = (): void => {
    this.holdTimer = undefined;
    try {
      this.releaseHeld(this.holder?.releaseExpired());
    } catch {
      // never throw into the event loop
    }
    this.armHoldTimer();
  };

  /** Gives back every held span, for translation now. */
  private releaseAllHeld(): void {
    if (this.holdTimer !== undefined) {
      clearTimeout(this.holdTimer);
      this.holdTimer = undefined;
    }
    this.releaseHeld(this.holder?.releaseAll());
  }

  /** Resolves when every datagram handed to the exporter so far has been sent (bounded). */
  async forceFlush(): Promise<void> {
    try {
      // Inside a Lambda invocation, never past its deadline (./lambda-deadline.ts).
      const timeoutMs = capToInvocation(this.config.flushTimeoutMillis);
      this.releaseAllHeld();
      await this.translated();
      const drained = await this.transport.flush(timeoutMs);
      if (!drained) {
        this.reporter.warn(
          'flushTimeout',
          `forceFlush gave up after ${timeoutMs} ms with datagrams still queued`,
        );
      }
    } catch {
      // never reject into the app
    }
  }

  /** Flushes (bounded), then closes the socket. Later exports fail. */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= (async () => {
      try {
        const timeoutMs = capToInvocation(this.config.flushTimeoutMillis);
        this.releaseAllHeld();
        await this.translated();
        await this.transport.close(timeoutMs);
      } catch {
        // never reject into the app
      }
      this.reporter.summarise();
    })();
    return this.shutdownPromise;
  }

  /**
   * In AWS Lambda, the spans of an invocation's trace (see
   * `isInLambdaInvocationTrace`); the others were started outside any
   * invocation, while the module loaded (Lambda sets no trace header then):
   * they would be a stray segment named after the function in a trace of its
   * own, so they are counted (`dropped.outsideInvocation`) and not sent, as the
   * X-Ray SDK sends nothing there. A span that cannot be read is kept: the
   * translation counts it.
   */
  private dropOutsideInvocation(spans: ReadableSpanLike[]): ReadableSpanLike[] {
    const kept: ReadableSpanLike[] = [];
    for (const span of spans) {
      let inside = true;
      try {
        inside = isInLambdaInvocationTrace(span.spanContext());
      } catch {
        // unreadable: left to the translation
      }
      if (inside) kept.push(span);
    }
    this.ledger.drop('outsideInvocation', spans.length - kept.length);
    return kept;
  }

  /** A snapshot of the exporter's counters. */
  getStats(): ExporterStats {
    // Written out field by field: spreading into a literal that then gains
    // more fields made a slow (dictionary-mode) object, ~4.6 µs a call.
    const t = this.transport.stats;
    const d = this.ledger.dropped;
    const held = this.holder?.count ?? 0;
    return {
      queuedBytes: t.queuedBytes,
      queuedBytesHighWater: t.queuedBytesHighWater,
      spansQueued: t.spansQueued,
      datagramsSent: t.datagramsSent,
      bytesSent: t.bytesSent,
      datagramsRefused: t.datagramsRefused,
      socketErrors: t.socketErrors,
      spansReceived: this.ledger.received,
      spansSent: this.ledger.sent,
      dropped: {
        queueFull: d.queueFull,
        sendError: d.sendError,
        unresolved: d.unresolved,
        shutdown: d.shutdown,
        invalid: d.invalid,
        unreadable: d.unreadable,
        outsideInvocation: d.outsideInvocation,
      },
      spansShrunk: this.shrunk,
      spansWaiting: this.untranslated + held,
      spansHeld: held,
    };
  }

  private scheduleSlice(): void {
    if (this.sliceScheduled) return;
    this.sliceScheduled = true;
    setImmediate(this.onSliceTurn);
  }

  /**
   * One event-loop turn of translation: slices until ~0.05 ms have passed, or
   * longer while more than {@link CATCH_UP_SPANS} wait (a burst is caught up
   * with rather than left to fill the processor's queue).
   */
  private readonly onSliceTurn = (): void => {
    this.sliceScheduled = false;
    const start = performance.now();
    do this.runSlice();
    while (
      this.jobs.length > 0 &&
      (this.untranslated > CATCH_UP_SPANS || performance.now() - start < TURN_BUDGET_MS)
    );
  };

  /** Translates and queues the next slice of the oldest export. */
  private runSlice(): void {
    const job = this.jobs[0];
    if (job === undefined) return;
    const slice = job.slices[job.next++] as Slice;
    if (job.next === job.slices.length) this.jobs.shift();
    job.open++;
    let settled = false;
    const onOutcome = (outcome: SendOutcome): void => {
      if (settled) return;
      settled = true;
      job.open--;
      job.sent += outcome.sentSpans;
      job.dropped += outcome.droppedSpans;
      if (job.open === 0 && job.next === job.slices.length) finishJob(job);
    };
    // Reports are held until every span of the slice is counted, so that a
    // diag logger that reads the stats sees them whole.
    this.reporter.hold(() => this.exportSlice(slice, onOutcome));
    if (this.jobs.length > 0) this.scheduleSlice();
    else {
      const waiters = this.translatedWaiters;
      this.translatedWaiters = [];
      for (const w of waiters) w();
    }
  }

  /**
   * Translates a slice and queues its documents; `onOutcome` is called once.
   * Each span of the slice is counted exactly once: queued (then sent or
   * dropped by the transport), or dropped here.
   */
  private exportSlice(slice: Slice, onOutcome: (outcome: SendOutcome) => void): void {
    const n = slice.spans.length;
    if (this.transport.full) {
      // Overload: do not spend CPU translating what cannot be queued. This
      // is the one check of a full queue; the transport only bounds bytes.
      this.untranslated -= n;
      this.ledger.drop('queueFull', n);
      return onOutcome({ sentSpans: 0, droppedSpans: n });
    }
    let result: ReturnType<typeof translateSpans>;
    try {
      result = translateSpans(slice.spans, this.translation, slice.contexts);
    } catch (err) {
      // Translation failed unexpectedly (it guards every span, so this is a
      // bug): the slice is lost, counted once, and the export still settles.
      this.untranslated -= n;
      this.ledger.drop(
        'unreadable',
        n,
        'translate',
        `spans dropped: translation failed: ${String(err)}`,
      );
      return onOutcome({ sentSpans: 0, droppedSpans: n });
    }
    // From here on no user code runs: the result is plain data.
    this.untranslated -= n;
    const { documents, shrunk, stats } = result;
    let inDocuments = 0;
    for (const d of documents) inDocuments += d.spans;
    const skipped = this.noteTranslation(shrunk, stats, result.firstTraceId);
    // Every span is in a document or skipped; anything else would be a bug,
    // counted rather than left out of the identity.
    this.ledger.drop('unreadable', n - inDocuments - skipped, 'unaccounted');
    if (this.annotationCounts.size > ANNOTATION_TRACES) trimOldest(this.annotationCounts);
    if (this.config.callbackWhen === 'sent') {
      this.transport.send(documents, onOutcome);
    } else {
      // The export is done once its documents are queued: a BatchSpanProcessor
      // (which runs one export at a time) never waits on the send pacing.
      onOutcome(this.transport.send(documents, NOOP));
    }
  }

  /** Resolves once every span handed to `export()` so far has been translated. */
  private translated(): Promise<void> {
    if (this.jobs.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.translatedWaiters.push(resolve));
  }

  /** Counts and reports what the translation skipped or changed; returns the spans skipped. */
  private noteTranslation(
    shrunk: number,
    stats: TranslateStats,
    firstTraceId: string | undefined,
  ): number {
    this.ledger.drop('unreadable', stats.unreadable);
    this.ledger.drop(
      'invalid',
      stats.invalidIds,
      'invalidIds',
      'spans skipped: invalid trace or span ID',
    );
    this.ledger.drop(
      'invalid',
      stats.invalidTimes,
      'invalidTimes',
      'spans skipped: no valid start or end time',
    );
    if (stats.annotationsToMetadata > 0) {
      this.reporter.warn(
        'annotations',
        'annotations moved to metadata (value not a string, number or boolean, or over 50 per trace)',
        stats.annotationsToMetadata,
      );
    }
    if (stats.droppedEvents > 0) {
      this.reporter.warn('events', 'span events dropped (over 32 per span)', stats.droppedEvents);
    }
    if (shrunk > 0) {
      this.shrunk += shrunk;
      this.reporter.warn(
        'shrunk',
        'spans too large for one datagram were shrunk (see metadata.otel_xray.shrunk)',
        shrunk,
      );
    }
    if (stats.droppedValues > 0) {
      this.reporter.warn(
        'droppedValues',
        'attribute values that JSON cannot hold were dropped',
        stats.droppedValues,
      );
    }
    // X-Ray rejects trace IDs whose time part is over 30 days old or over 5
    // minutes ahead. Checking the first span of each slice is enough to warn.
    if (firstTraceId !== undefined) {
      const age = Date.now() / 1000 - traceIdEpochSeconds(firstTraceId);
      if (age > 30 * DAY || age < -300) {
        this.reporter.warn(
          'traceIdTime',
          'trace IDs carry a time X-Ray does not accept (over 30 days old or 5 minutes ahead); ' +
            'use AWSXRayIdGenerator so X-Ray keeps the traces',
        );
      }
    }
    return stats.unreadable + stats.invalidIds + stats.invalidTimes;
  }
}

/** Forgets the oldest tenth of a Map (Maps iterate in insertion order). */
function trimOldest(map: Map<string, number>): void {
  let n = Math.ceil(map.size / 10);
  for (const key of map.keys()) {
    if (n-- <= 0) break;
    map.delete(key);
  }
}

function safeCwd(): string | undefined {
  try {
    return process.cwd();
  } catch {
    return undefined; // the directory was deleted
  }
}
