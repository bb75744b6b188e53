/**
 * `AWSXRaySpanExporter`: an OpenTelemetry `SpanExporter` that sends finished
 * spans to the X-Ray daemon as segment documents over UDP.
 */
import type { Reporter as ReporterType } from './diag.js';
import { Reporter } from './diag.js';
import { formatEndpoint } from './daemon-address.js';
import type { AWSXRaySpanExporterOptions, ExporterConfig } from './options.js';
import { resolveExporterConfig } from './options.js';
import { traceIdEpochSeconds } from './translate/ids.js';
import { translateSpans } from './translate/index.js';
import type { TranslationOptions } from './translate/index.js';
import type { TranslateStats } from './translate/segment.js';
import type { SendOutcome, TransportStats } from './transport/udp.js';
import { UdpTransport } from './transport/udp.js';
import type { ReadableSpanLike } from './types.js';

/** `ExportResult` as the SDK defines it (0 = SUCCESS, 1 = FAILED). */
export interface ExportResult {
  code: 0 | 1;
  error?: Error;
}

const SUCCESS: ExportResult = Object.freeze({ code: 0 });
const NOOP = (): void => undefined;

/** Counters for everything the exporter was given and what became of it. */
export interface ExporterStats extends TransportStats {
  /** Spans passed to `export()`. */
  spansReceived: number;
  /** Spans whose body was shrunk to fit a datagram (they were still sent). */
  spansShrunk: number;
  /** Spans skipped because their trace or span ID, or both their times, were invalid. */
  spansInvalid: number;
  /** Spans not translated because translation failed unexpectedly. */
  spansFailed: number;
}

const DAY = 86_400;
/** Traces whose annotation counts are remembered (for the 50-per-trace limit). */
const ANNOTATION_TRACES = 10_000;

export class AWSXRaySpanExporter {
  private readonly config: ExporterConfig;
  private readonly reporter: ReporterType;
  private readonly transport: UdpTransport;
  private readonly translation: TranslationOptions;
  private readonly annotationCounts = new Map<string, number>();
  private shutdownPromise: Promise<void> | undefined;
  private received = 0;
  private shrunk = 0;
  private invalid = 0;
  private failed = 0;

  constructor(options: AWSXRaySpanExporterOptions = {}) {
    this.reporter = new Reporter();
    this.config = resolveExporterConfig(options, process.env);
    for (const w of this.config.warnings) this.reporter.warn(`config:${w}`, w);
    this.translation = {
      maxDatagramBytes: this.config.maxDatagramBytes,
      indexedAttributes: this.config.indexedAttributes,
      indexAllAttributes: this.config.indexAllAttributes,
      sqlQueries: this.config.sqlQueries,
      dropAttributes: this.config.dropAttributes,
      workingDirectory: safeCwd(),
      annotationCounts: this.annotationCounts,
    };
    this.transport = new UdpTransport({
      endpoint: this.config.daemon.udp,
      reporter: this.reporter,
      maxQueueBytes: this.config.maxQueueBytes,
      burstBytes: this.config.burstBytes,
      bytesPerSecond: this.config.bytesPerSecond,
    });
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
    try {
      const count = Array.isArray(spans) ? spans.length : 0;
      this.received += count;
      if (this.shutdownPromise !== undefined) {
        this.transport.stats.dropped.shutdown += count;
        this.reporter.warn('shutdown', 'spans dropped: exporter is shut down', count);
        return done({ code: 1, error: new Error('AWSXRaySpanExporter is shut down') });
      }
      if (count === 0) return done(SUCCESS);
      if (this.transport.full) {
        // Overload: do not spend CPU translating what cannot be queued.
        this.transport.refuse(count);
        return done({ code: 1, error: new Error('AWSXRaySpanExporter send queue is full') });
      }
      const { documents, shrunk, stats } = translateSpans(spans, this.translation);
      this.noteTranslation(spans, shrunk, stats);
      if (this.annotationCounts.size > ANNOTATION_TRACES) trimOldest(this.annotationCounts);
      const result = (outcome: SendOutcome): void => {
        if (outcome.sentSpans > 0 || outcome.droppedSpans === 0) done(SUCCESS);
        else done({ code: 1, error: new Error(`${outcome.droppedSpans} spans could not be sent`) });
      };
      if (this.config.callbackWhen === 'sent') {
        this.transport.send(documents, result);
      } else {
        // The export is done once its documents are queued: a BatchSpanProcessor
        // (which runs one export at a time) never waits on the send pacing.
        result(this.transport.send(documents, NOOP));
      }
    } catch (err) {
      const n = Array.isArray(spans) ? spans.length : 0;
      this.failed += n;
      this.reporter.error('translate', `spans dropped: translation failed: ${String(err)}`, n);
      done({ code: 1, error: err instanceof Error ? err : new Error(String(err)) });
    }
  }

  /** Resolves when every datagram handed to the exporter so far has been sent (bounded). */
  async forceFlush(): Promise<void> {
    try {
      const drained = await this.transport.flush(this.config.flushTimeoutMillis);
      if (!drained) {
        this.reporter.warn(
          'flushTimeout',
          `forceFlush gave up after ${this.config.flushTimeoutMillis} ms with datagrams still queued`,
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
        await this.transport.close(this.config.flushTimeoutMillis);
      } catch {
        // never reject into the app
      }
      this.reporter.summarise();
    })();
    return this.shutdownPromise;
  }

  /** A snapshot of the exporter's counters. */
  getStats(): ExporterStats {
    const t = this.transport.stats;
    return {
      queuedBytes: t.queuedBytes,
      queuedBytesHighWater: t.queuedBytesHighWater,
      datagramsSent: t.datagramsSent,
      bytesSent: t.bytesSent,
      spansSent: t.spansSent,
      socketErrors: t.socketErrors,
      dropped: { ...t.dropped },
      spansReceived: this.received,
      spansShrunk: this.shrunk,
      spansInvalid: this.invalid,
      spansFailed: this.failed,
    };
  }

  private noteTranslation(spans: ReadableSpanLike[], shrunk: number, stats: TranslateStats): void {
    const { invalidIds: invalid, droppedValues } = stats;
    if (stats.unreadable > 0) {
      this.failed += stats.unreadable;
      this.reporter.error('unreadable', 'spans skipped: reading the span threw', stats.unreadable);
    }
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
    if (invalid > 0) {
      this.invalid += invalid;
      this.reporter.warn('invalidIds', 'spans skipped: invalid trace or span ID', invalid);
    }
    if (stats.invalidTimes > 0) {
      this.invalid += stats.invalidTimes;
      this.reporter.warn(
        'invalidTimes',
        'spans skipped: no valid start or end time',
        stats.invalidTimes,
      );
    }
    if (droppedValues > 0) {
      this.reporter.warn(
        'droppedValues',
        'attribute values that JSON cannot hold were dropped',
        droppedValues,
      );
    }
    // X-Ray rejects trace IDs whose time part is over 30 days old or over 5
    // minutes ahead. Checking the first span of each export is enough to warn.
    const first = spans[0]?.spanContext().traceId;
    if (typeof first === 'string' && first.length === 32) {
      const age = Date.now() / 1000 - traceIdEpochSeconds(first);
      if (age > 30 * DAY || age < -300) {
        this.reporter.warn(
          'traceIdTime',
          'trace IDs carry a time X-Ray does not accept (over 30 days old or 5 minutes ahead); ' +
            'use AWSXRayIdGenerator so X-Ray keeps the traces',
        );
      }
    }
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
