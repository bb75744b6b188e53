/**
 * Where every span handed to the exporter went, in spans: the one place a
 * loss is counted and reported. The exporter and the transport both drop
 * through {@link SpanLedger.drop}, so each reason has one counter, one
 * message and one report (once per kind, then summarised: see `Reporter`).
 *
 * At every reading, `received = sent + Σ dropped + waiting + queued`
 * (`waiting`: not translated yet; `queued`: in a datagram waiting to be sent
 * or in flight).
 */
import type { Reporter } from '../shared/diag.js';
import { logger } from '../shared/diag.js';

/** Why spans were not sent. Every counter is in spans. */
export interface DropCounts {
  /** The send queue was full (the daemon or the network could not keep up). */
  queueFull: number;
  /** The kernel refused the datagram, or the daemon's host answered "port unreachable". */
  sendError: number;
  /** The daemon's host name could not be resolved, or connect failed. */
  unresolved: number;
  /** Still queued when the exporter was shut down, or exported after it. */
  shutdown: number;
  /** Invalid trace or span ID, or neither time valid. */
  invalid: number;
  /** Reading the span threw. */
  unreadable: number;
  /**
   * In AWS Lambda: started outside any invocation (module load, the init
   * phase: Lambda sets no trace header there), so not sent, as with the X-Ray
   * SDK. Reported once, at debug level.
   */
  outsideInvocation: number;
}

/** @internal */
export type DropReason = keyof DropCounts;

/** What is reported for each reason (the kind may be refined by the caller). */
const REPORTS: Record<DropReason, { level: 'warn' | 'error' | 'debug'; message: string }> = {
  queueFull: {
    level: 'warn',
    message:
      'spans dropped: the send queue is full (the daemon or network cannot keep up; ' +
      'raise maxQueueBytes or check the daemon)',
  },
  sendError: { level: 'warn', message: 'spans dropped: the datagram could not be sent' },
  unresolved: { level: 'warn', message: 'spans dropped: the X-Ray daemon cannot be reached' },
  shutdown: { level: 'warn', message: 'spans dropped: exporter is shut down' },
  invalid: { level: 'warn', message: 'spans skipped: invalid trace or span ID, or no valid time' },
  unreadable: { level: 'error', message: 'spans skipped: reading the span threw' },
  outsideInvocation: {
    level: 'debug',
    message:
      'spans not sent: started outside any Lambda invocation (while the module loads, ' +
      'Lambda sets no trace header: no function segment to attach them to; the X-Ray SDK ' +
      'sends nothing there either)',
  },
};

/** @internal */
export function newDropCounts(): DropCounts {
  return {
    queueFull: 0,
    sendError: 0,
    unresolved: 0,
    shutdown: 0,
    invalid: 0,
    unreadable: 0,
    outsideInvocation: 0,
  };
}

/** @internal */
export class SpanLedger {
  /** Spans passed to `export()`. */
  received = 0;
  /** Spans in datagrams handed to the kernel (less those the daemon's host refused). */
  sent = 0;
  readonly dropped: DropCounts = newDropCounts();

  constructor(private readonly reporter: Reporter) {}

  /**
   * Counts `spans` lost for `reason` and reports them: once per `kind` at
   * once, later ones summarised. `message` says what happened and, where
   * the user can act, what to do.
   */
  drop(reason: DropReason, spans: number, kind: string = reason, message?: string): void {
    if (!(spans > 0)) return;
    this.dropped[reason] += spans;
    const report = REPORTS[reason];
    if (report.level === 'debug') return this.debugOnce(kind, message ?? report.message, spans);
    this.reporter[report.level](kind, message ?? report.message, spans);
  }

  /** Kinds already logged at debug level: not a problem, so said once and then only counted. */
  private readonly debugged = new Set<string>();

  private debugOnce(kind: string, message: string, spans: number): void {
    if (this.debugged.has(kind)) return;
    this.debugged.add(kind);
    try {
      logger.debug(`${message} (${spans}); later ones are only counted in getStats().dropped`);
    } catch {
      // diag loggers are user code
    }
  }

  /** Sent spans found lost afterwards (the daemon's host refused their datagram). */
  revoke(spans: number, kind: string, message: string): void {
    this.sent -= spans;
    this.drop('sendError', spans, kind, message);
  }
}
