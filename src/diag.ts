/**
 * Problem reporting through the OpenTelemetry `diag` API, once per kind, with
 * counts. The first occurrence of each kind is logged at once; later ones are
 * only counted and summarised at most once per `summaryIntervalMs` (checked
 * lazily when something is reported, so no timer keeps the process alive) and
 * at shutdown. Nothing here ever throws.
 */
import { diag } from '@opentelemetry/api';
import type { DiagLogger } from '@opentelemetry/api';

/** @internal */
export const logger: DiagLogger = diag.createComponentLogger({ namespace: 'otel-xray' });

interface Kind {
  /** Occurrences since the last line logged for this kind. */
  pending: number;
  total: number;
  message: string;
}

/** @internal */
export class Reporter {
  private readonly kinds = new Map<string, Kind>();
  private lastSummary: number;

  constructor(
    private readonly log: DiagLogger = logger,
    private readonly summaryIntervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {
    this.lastSummary = now();
  }

  /**
   * Reports `count` occurrences of a problem. `message` should read well after
   * "N × ", e.g. "spans dropped: datagram queue full".
   */
  warn(kind: string, message: string, count = 1): void {
    this.add('warn', kind, message, count);
  }

  error(kind: string, message: string, count = 1): void {
    this.add('error', kind, message, count);
  }

  private add(level: 'warn' | 'error', kind: string, message: string, count: number): void {
    try {
      const k = this.kinds.get(kind);
      if (k === undefined) {
        this.kinds.set(kind, { pending: 0, total: count, message });
        this.log[level](`${message} (${count}); further occurrences are counted and summarised`);
      } else {
        k.pending += count;
        k.total += count;
        k.message = message;
      }
      const now = this.now();
      if (now - this.lastSummary >= this.summaryIntervalMs) this.summarise(now);
    } catch {
      // diag loggers are user code; a throwing logger must not reach the app.
    }
  }

  /** Logs one line per kind with new occurrences since the last summary. */
  summarise(now = this.now()): void {
    this.lastSummary = now;
    try {
      for (const k of this.kinds.values()) {
        if (k.pending === 0) continue;
        this.log.warn(`${k.message}: ${k.pending} more (${k.total} in total)`);
        k.pending = 0;
      }
    } catch {
      // see above
    }
  }

  /** Total occurrences per kind, for tests and stats. */
  totals(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, k] of this.kinds) out[name] = k.total;
    return out;
  }
}
