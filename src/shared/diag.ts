/**
 * Problem reporting through the OpenTelemetry `diag` API, once per kind, with
 * counts: the one mechanism every part of otel-xray reports through. The
 * first occurrence of each kind is logged at once; later ones are only
 * counted and summarised at most once a minute (checked lazily when
 * something is reported, so no timer keeps the process alive) and at
 * shutdown. Nothing here ever throws.
 */
import { diag } from '@opentelemetry/api';
import type { DiagLogger } from '@opentelemetry/api';

/**
 * The global `diag`, each message prefixed `otel-xray: ` (a component
 * logger would pass the namespace as a separate first argument, which
 * `DiagConsoleLogger` prints with no separator).
 * @internal
 */
export const logger: DiagLogger = {
  error: (message, ...args) => diag.error(`otel-xray: ${message}`, ...args),
  warn: (message, ...args) => diag.warn(`otel-xray: ${message}`, ...args),
  info: (message, ...args) => diag.info(`otel-xray: ${message}`, ...args),
  debug: (message, ...args) => diag.debug(`otel-xray: ${message}`, ...args),
  verbose: (message, ...args) => diag.verbose(`otel-xray: ${message}`, ...args),
};

/** Later occurrences of a kind are summarised at most this often. */
const SUMMARY_INTERVAL_MS = 60_000;

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
  /** Reports held by {@link hold}. */
  private held: Array<() => void> | undefined;

  constructor(
    private readonly log: DiagLogger = logger,
    private readonly now: () => number = Date.now,
  ) {
    this.lastSummary = now();
  }

  /**
   * Reports `count` occurrences of a problem. `message` should say what
   * happened and, where the user must act, what to do.
   */
  warn(kind: string, message: string, count = 1): void {
    this.add('warn', kind, message, count);
  }

  error(kind: string, message: string, count = 1): void {
    this.add('error', kind, message, count);
  }

  /**
   * Logs `message` the first time `kind` is reported, at `level`; later
   * reports of that kind are ignored (for notices that are not counts, such
   * as a setup problem).
   */
  once(kind: string, message: string, level: 'warn' | 'error' = 'warn'): void {
    if (this.kinds.has(kind)) return;
    this.kinds.set(kind, { pending: 0, total: 1, message });
    try {
      this.log[level](message);
    } catch {
      // diag loggers are user code
    }
  }

  /**
   * Runs `fn`, holding the reports it makes until it returns: counters that
   * `fn` updates are then whole when a diag logger (user code) runs.
   */
  hold(fn: () => void): void {
    if (this.held !== undefined) return fn();
    const held: Array<() => void> = [];
    this.held = held;
    try {
      fn();
    } finally {
      this.held = undefined;
      for (const report of held) report();
    }
  }

  private add(level: 'warn' | 'error', kind: string, message: string, count: number): void {
    if (this.held !== undefined) {
      this.held.push(() => this.add(level, kind, message, count));
      return;
    }
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
      if (now - this.lastSummary >= SUMMARY_INTERVAL_MS) this.summarise(now);
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
}

/**
 * Process-wide problems (setup, propagators, the Lambda span processor):
 * reported through one reporter, once per kind, then summarised.
 * @internal
 */
export const reporter = new Reporter();
