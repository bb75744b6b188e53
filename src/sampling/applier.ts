/**
 * One rule's decision state: its reservoir, its target from the service and
 * its statistics. Pure: the caller passes the time in.
 *
 * A decision (for a root span the rule matched):
 * 1. The reservoir: a token bucket holding at most one second of its rate.
 *    Its rate is the target's `ReservoirQuota` until `ReservoirQuotaTTL`
 *    (epoch seconds); before the first target and after the TTL lapses it
 *    borrows 1/s when the rule's `ReservoirSize` is above 0 (so a dead target
 *    poller keeps a floor of 1/s). A quota of 0 means none, and no borrowing.
 *    The bucket starts full, and its balance is carried across target updates.
 * 2. Past the reservoir, `FixedRate` by trace ID (the same test as the SDK's
 *    `TraceIdRatioBasedSampler`, so every service in a trace agrees).
 */
import type { SamplingRule, SamplingStatisticsDocument, SamplingTarget } from './rules.js';
import { RuleMatcher } from './matcher.js';

export const NOT_SAMPLED = 0;
export const SAMPLED = 1;
export const BORROWED = 2;
export type Outcome = typeof NOT_SAMPLED | typeof SAMPLED | typeof BORROWED;

const DEFAULT_INTERVAL_MS = 10_000;

/** A token bucket refilled continuously at the given rate, holding at most 1 s of it (≥ 1). */
export class Reservoir {
  private balance = -1; // full on first use
  private last = 0;

  take(nowMs: number, perSecond: number): boolean {
    if (!(perSecond > 0)) return false;
    const cap = perSecond < 1 ? 1 : perSecond;
    if (this.balance < 0) this.balance = cap;
    else {
      const elapsed = nowMs - this.last;
      if (elapsed > 0) this.balance += (elapsed / 1000) * perSecond;
      if (this.balance > cap) this.balance = cap;
    }
    this.last = nowMs;
    if (this.balance < 1) return false;
    this.balance -= 1;
    return true;
  }
}

/**
 * True when the trace ID falls within `rate`: the low 32 bits of the XOR of
 * the ID's four 32-bit words, compared with `rate × 0xffffffff` (what the
 * OpenTelemetry SDK's `TraceIdRatioBasedSampler` computes). No allocation.
 */
export function traceIdWithinRate(traceId: string, rate: number): boolean {
  if (rate >= 1) return true;
  if (!(rate > 0)) return false;
  if (traceId.length !== 32) return false;
  let acc = 0;
  for (let i = 0; i < 32; i++) {
    const c = traceId.charCodeAt(i);
    const nibble = c <= 57 ? c - 48 : (c | 32) - 87; // 0-9, a-f, A-F
    if (nibble < 0 || nibble > 15) return false;
    acc ^= nibble << (4 * (7 - (i & 7)));
  }
  return acc >>> 0 < Math.floor(rate * 0xffffffff);
}

export class RuleApplier {
  readonly matcher: RuleMatcher;
  /** Whether the rule's resource conditions match this process (set per rule load). */
  resourceMatches = true;

  private fixedRate: number;
  /** Requests per second from the target; `undefined` until one arrives. */
  private quota: number | undefined;
  private quotaExpiresMs = 0;
  private reservoir = new Reservoir();
  /** Statistics reporting interval, from the target. */
  intervalMs = DEFAULT_INTERVAL_MS;
  /** When the statistics were last reported (0: never). */
  lastReportMs = 0;

  requests = 0;
  sampled = 0;
  borrowed = 0;

  /**
   * `localQuota` makes a local rule (X-Ray SDK local rules and the fallback):
   * a fixed reservoir of that many requests per second, no targets, no
   * borrowing.
   */
  constructor(
    readonly rule: SamplingRule,
    private readonly localQuota?: number,
  ) {
    this.matcher = new RuleMatcher(rule);
    this.fixedRate = rule.FixedRate;
  }

  /** Decides for one root span and counts it. */
  sample(traceId: string, nowMs: number): Outcome {
    this.requests++;
    let perSecond: number;
    let borrowing = false;
    if (this.localQuota !== undefined) perSecond = this.localQuota;
    else if (this.quota !== undefined && nowMs < this.quotaExpiresMs) perSecond = this.quota;
    else if (this.rule.ReservoirSize > 0) {
      perSecond = 1;
      borrowing = true;
    } else perSecond = 0;

    if (this.reservoir.take(nowMs, perSecond)) {
      this.sampled++;
      if (borrowing) {
        this.borrowed++;
        return BORROWED;
      }
      return SAMPLED;
    }
    if (traceIdWithinRate(traceId, this.fixedRate)) {
      this.sampled++;
      return SAMPLED;
    }
    return NOT_SAMPLED;
  }

  /**
   * Applies a target. Fields it lacks keep their values; a quota without a
   * TTL is no quota. Statistics are not touched.
   */
  applyTarget(target: SamplingTarget): void {
    if (target.FixedRate !== undefined) this.fixedRate = target.FixedRate;
    if (target.ReservoirQuota !== undefined) {
      if (target.ReservoirQuotaTTL !== undefined) {
        this.quota = target.ReservoirQuota;
        this.quotaExpiresMs = target.ReservoirQuotaTTL * 1000;
      } else {
        this.quota = undefined;
      }
    }
    if (target.Interval !== undefined) this.intervalMs = target.Interval * 1000;
  }

  /** True when a statistics report is due at `nowMs` (a little early is fine: jitter). */
  reportDue(nowMs: number): boolean {
    return nowMs - this.lastReportMs >= this.intervalMs - 1000;
  }

  /** Takes the counts and resets them in one step (the caller sends them). */
  snapshot(clientId: string, nowMs: number): SamplingStatisticsDocument {
    const doc: SamplingStatisticsDocument = {
      RuleName: this.rule.RuleName,
      ClientID: clientId,
      Timestamp: Math.floor(nowMs / 1000),
      RequestCount: this.requests,
      SampledCount: this.sampled,
      BorrowCount: this.borrowed,
    };
    this.requests = 0;
    this.sampled = 0;
    this.borrowed = 0;
    this.lastReportMs = nowMs;
    return doc;
  }

  /** Adds counts back (a report that could not be sent), or carries them to a new applier. */
  restore(doc: Pick<SamplingStatisticsDocument, 'RequestCount' | 'SampledCount' | 'BorrowCount'>) {
    this.requests += doc.RequestCount;
    this.sampled += doc.SampledCount;
    this.borrowed += doc.BorrowCount;
  }

  /** The effective fixed rate (for tests and `toString`). */
  get rate(): number {
    return this.fixedRate;
  }
}
