/**
 * `AWSXRayRemoteSampler`: the sampling rules users keep in X-Ray decide which
 * traces are recorded, as with the X-Ray SDKs. docs/sampling.md describes the
 * behaviour; in short:
 *
 * - Parent-based: a sampled or unsampled parent is followed. A root span, and
 *   a remote parent whose X-Ray header deferred the decision (`Sampled=?`,
 *   see {@link isSamplingDeferred}), is decided by the rules, and only those
 *   decisions are counted in the statistics.
 * - Rules come from `POST /GetSamplingRules` at start (retried after 1, 2, 4 …
 *   s on failure), then every `pollingInterval` (+ 0-5 s of fresh jitter), and
 *   early when a targets answer says they changed. Targets come from
 *   `POST /SamplingTargets` every 10 s or the smallest `Interval` returned.
 * - Until rules arrive, when they are over an hour old, and with
 *   `centralized: false`: the local rules (`localRules`, X-Ray SDK format), by
 *   default X-Ray's default of 1 request per second plus 5 %.
 * - A root span sampled by a centralized rule gets the attribute
 *   `aws.xray.sampling_rule` (the rule's name), which the exporter writes as
 *   the segment's `aws.xray.rule_name`.
 *
 * The OpenTelemetry SDK types are structural here (SDK 2.x `sdk-trace-base`
 * and 3.x `sdk-trace` both accept this sampler); decisions are
 * `@opentelemetry/api`'s `SamplingDecision` values.
 */
import { randomBytes } from 'node:crypto';
import { isSpanContextValid, SamplingDecision, trace, TraceFlags } from '@opentelemetry/api';
import type {
  Attributes,
  Context,
  Link,
  Sampler,
  SamplingResult,
  SpanKind,
} from '@opentelemetry/api';
import { logger } from '../shared/diag.js';
import { isSamplingDeferred } from '../protocol/trace-header.js';
import { NOT_SAMPLED, RuleApplier } from './applier.js';
import type { SamplerEnv } from './config.js';
import { resolveSamplerConfig, resourceAttributesFromEnv } from './config.js';
import type { Failure } from './client.js';
import { SamplingClient } from './client.js';
import type { LocalRule } from './local-rules.js';
import { DEFAULT_LOCAL_RULES, loadLocalRules } from './local-rules.js';
import type { RequestFields } from './matcher.js';
import { readRequestFields, resourceFields } from './matcher.js';
import type { SamplingRule, SamplingStatisticsDocument } from './rules.js';
import { DEFAULT_RULE_NAME, rulesEqual } from './rules.js';

/** The span attribute that names the rule that sampled a root span. */
export const SAMPLING_RULE_ATTRIBUTE = 'aws.xray.sampling_rule';

/** Timers the sampler schedules its polls with (tests pass a fake; callbacks may return a promise). */
export interface SamplerTimers {
  setTimeout(fn: () => unknown, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface AWSXRayRemoteSamplerOptions {
  /** The resource (any object with `attributes`): `service.name`, `cloud.platform`, ARNs. */
  resource?: { attributes: Attributes } | null;
  /** Base URL of the sampling API; see docs/sampling.md for the defaults. */
  endpoint?: string;
  /** Seconds between rules polls (default 300, minimum 10). */
  pollingInterval?: number;
  /** X-Ray SDK local rules (path or object): the fallback, or the only rules without `centralized`. */
  localRules?: string | object;
  /** `false`: local rules only, no network (default `true`). */
  centralized?: boolean;
  /** Per-request deadline in ms (default 5000). */
  requestTimeoutMs?: number;
  /** Largest API answer read, in bytes (default 1 MiB). */
  maxResponseBytes?: number;
  /** Test seams: epoch milliseconds, jitter source, timers, environment. */
  clock?: () => number;
  random?: () => number;
  timers?: SamplerTimers;
  /** The environment read at construction (default `process.env`). */
  env?: Record<string, string | undefined>;
}

/** How long fetched rules are trusted without a successful refresh. */
const RULES_TTL_MS = 60 * 60 * 1000;
const RULES_JITTER_MS = 5000;
const TARGETS_INTERVAL_MS = 10_000;
const TARGETS_JITTER_MS = 100;
const MAX_TARGETS_BACKOFF_MS = 5 * 60 * 1000;
const DOCUMENTS_PER_REQUEST = 25;
/** Rules refreshes caused by `UnprocessedStatistics`, at most one per this. */
const UNPROCESSED_REFRESH_MS = 60_000;

/** 24 hex characters, one per process (the API's ClientID). */
let processClientId: string | undefined;
/** @internal */
export function samplingClientId(): string {
  processClientId ??= randomBytes(12).toString('hex');
  return processClientId;
}

const NOT_RECORD: SamplingResult = Object.freeze({ decision: SamplingDecision.NOT_RECORD });
const SAMPLED: SamplingResult = Object.freeze({ decision: SamplingDecision.RECORD_AND_SAMPLED });

const realTimers: SamplerTimers = {
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, ms);
    handle.unref();
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

/** Rule evaluation order: priority, then name; `Default` last. */
function byPriority(a: SamplingRule, b: SamplingRule): number {
  const ad = a.RuleName === DEFAULT_RULE_NAME;
  if (ad !== (b.RuleName === DEFAULT_RULE_NAME)) return ad ? 1 : -1;
  if (a.Priority !== b.Priority) return a.Priority - b.Priority;
  return a.RuleName < b.RuleName ? -1 : a.RuleName > b.RuleName ? 1 : 0;
}

export class AWSXRayRemoteSampler implements Sampler {
  private readonly clock: () => number;
  private readonly random: () => number;
  private readonly timers: SamplerTimers;
  private readonly resource: { attributes: Attributes } | undefined;
  private readonly envResource: Attributes;
  private readonly client: SamplingClient | undefined;
  private readonly endpoint: string;
  private readonly pollingIntervalMs: number;
  /** Where to tell the user to look when the API does not answer. */
  private readonly endpointHint: string;

  /** Centralized rules by name, and those matching this resource in evaluation order. */
  private byName = new Map<string, RuleApplier>();
  private active: RuleApplier[] = [];
  private activeResults: SamplingResult[] = [];
  private rulesFetchedAtMs: number | undefined;
  /** Local rules (or X-Ray's default): the fallback and the `centralized: false` rules. */
  private readonly local: RuleApplier[];
  private readonly localLabel: string;

  private rulesTimer: unknown;
  private targetsTimer: unknown;
  private rulesInFlight = false;
  private targetsStarted = false;
  private rulesFailures = 0;
  private targetsFailures = 0;
  private lastUnprocessedRefreshMs = -Infinity;
  private outage = false;
  private lastProblems = '';
  private stopped = false;
  private readonly fields: RequestFields = { method: undefined, path: undefined, host: undefined };

  constructor(options: AWSXRayRemoteSamplerOptions = {}) {
    const opts = options ?? {};
    this.clock = opts.clock ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.timers = opts.timers ?? realTimers;
    this.resource = opts.resource ?? undefined;
    const env = opts.env ?? (process.env as SamplerEnv);
    this.envResource = this.resource === undefined ? resourceAttributesFromEnv(env) : {};

    const config = resolveSamplerConfig(opts, env);
    for (const problem of config.problems) logger.warn(`X-Ray sampling: ${problem}`);
    this.endpoint = config.endpoint;
    this.pollingIntervalMs = config.pollingIntervalMs;
    this.endpointHint =
      config.endpointSource === 'option' || config.endpointSource === 'OTEL_TRACES_SAMPLER_ARG'
        ? `check the sampler endpoint (${config.endpointSource})`
        : 'start it or set AWS_XRAY_DAEMON_ADDRESS';

    let localRules: readonly LocalRule[] = DEFAULT_LOCAL_RULES;
    this.localLabel = 'X-Ray default (1/s + 5 %)';
    if (opts.localRules !== undefined && opts.localRules !== null) {
      const loaded = loadLocalRules(opts.localRules);
      if (typeof loaded === 'string') {
        logger.error(`X-Ray sampling: ${loaded}; the X-Ray default (1/s + 5 %) applies instead`);
      } else {
        localRules = loaded;
        this.localLabel = 'local rules';
      }
    }
    this.local = localRules.map((r) => new RuleApplier(r.rule, r.fixedTarget));

    if (opts.centralized === false) {
      this.client = undefined;
    } else {
      this.client = new SamplingClient(this.endpoint, {
        timeoutMs: opts.requestTimeoutMs,
        maxResponseBytes: opts.maxResponseBytes,
      });
      this.scheduleRules(0);
    }
  }

  shouldSample(
    context: Context,
    traceId: string,
    _spanName?: string,
    _spanKind?: SpanKind,
    attributes?: Attributes,
    _links?: Link[],
  ): SamplingResult {
    try {
      const parent = trace.getSpanContext(context);
      if (parent !== undefined && isSpanContextValid(parent) && !isSamplingDeferred(parent)) {
        return (parent.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED
          ? SAMPLED
          : NOT_RECORD;
      }
      return this.sampleRoot(traceId, attributes);
    } catch {
      try {
        return this.sampleLocally(traceId, this.clock());
      } catch {
        return NOT_RECORD;
      }
    }
  }

  private sampleRoot(traceId: string, attributes: Attributes | undefined): SamplingResult {
    const now = this.clock();
    const fields = this.fields;
    readRequestFields(attributes, fields);
    if (this.rulesFetchedAtMs !== undefined && now - this.rulesFetchedAtMs < RULES_TTL_MS) {
      const active = this.active;
      for (let i = 0; i < active.length; i++) {
        const applier = active[i] as RuleApplier;
        if (!applier.matcher.matchesRequest(fields, attributes)) continue;
        const outcome = applier.sample(traceId, now);
        return outcome === NOT_SAMPLED ? NOT_RECORD : (this.activeResults[i] as SamplingResult);
      }
    }
    return this.sampleLocally(traceId, now, attributes);
  }

  private sampleLocally(traceId: string, now: number, attributes?: Attributes): SamplingResult {
    const fields = this.fields;
    for (const applier of this.local) {
      if (!applier.matcher.matchesRequest(fields, attributes)) continue;
      return applier.sample(traceId, now) === NOT_SAMPLED ? NOT_RECORD : SAMPLED;
    }
    return NOT_RECORD;
  }

  /** Stops polling and aborts requests in flight. Decisions continue with the rules at hand. */
  shutdown(): Promise<void> {
    this.stopped = true;
    if (this.rulesTimer !== undefined) this.timers.clearTimeout(this.rulesTimer);
    if (this.targetsTimer !== undefined) this.timers.clearTimeout(this.targetsTimer);
    this.rulesTimer = undefined;
    this.targetsTimer = undefined;
    this.client?.abort();
    return Promise.resolve();
  }

  /** The contrib sampler's name for {@link shutdown}. */
  stopPollers(): void {
    void this.shutdown();
  }

  toString(): string {
    return this.client === undefined
      ? `AWSXRayRemoteSampler{${this.localLabel}, no centralized rules}`
      : `AWSXRayRemoteSampler{endpoint=${this.endpoint}, pollingInterval=${this.pollingIntervalMs / 1000}s, fallback=${this.localLabel}}`;
  }

  // --- rules -------------------------------------------------------------------------------

  private scheduleRules(delayMs: number): void {
    if (this.stopped) return;
    if (this.rulesTimer !== undefined) this.timers.clearTimeout(this.rulesTimer);
    this.rulesTimer = this.timers.setTimeout(() => this.pollRules(), delayMs);
  }

  private async pollRules(): Promise<void> {
    this.rulesTimer = undefined;
    if (this.stopped || this.client === undefined || this.rulesInFlight) return;
    this.rulesInFlight = true;
    let res;
    try {
      res = await this.client.getSamplingRules();
    } finally {
      this.rulesInFlight = false;
    }
    if (this.stopped) return;
    if (!res.ok) {
      this.failed(res, 'rules');
      this.rulesFailures++;
      const backoff = Math.min(1000 * 2 ** (this.rulesFailures - 1), this.pollingIntervalMs);
      this.scheduleRules(backoff);
      return;
    }
    this.answered();
    this.rulesFailures = 0;
    this.reportProblems('rules', res.value.problems);
    this.applyRules(res.value.rules);
    this.rulesFetchedAtMs = this.clock();
    this.scheduleRules(this.pollingIntervalMs + this.random() * RULES_JITTER_MS);
    if (!this.targetsStarted) {
      this.targetsStarted = true;
      this.scheduleTargets(TARGETS_INTERVAL_MS + this.random() * TARGETS_JITTER_MS);
    }
  }

  /**
   * Replaces the rules. A rule deeply equal to one held keeps its applier
   * (reservoir, target, statistics); a changed rule starts afresh but keeps
   * its unsent statistics; a removed rule's statistics are dropped.
   */
  private applyRules(rules: SamplingRule[]): void {
    const resource = resourceFields(this.resourceAttributes());
    const sorted = rules.slice().sort(byPriority);
    const byName = new Map<string, RuleApplier>();
    const active: RuleApplier[] = [];
    const results: SamplingResult[] = [];
    for (const rule of sorted) {
      const old = this.byName.get(rule.RuleName);
      let applier: RuleApplier;
      if (old !== undefined && rulesEqual(old.rule, rule)) applier = old;
      else {
        applier = new RuleApplier(rule);
        if (old !== undefined) {
          applier.restore({
            RequestCount: old.requests,
            SampledCount: old.sampled,
            BorrowCount: old.borrowed,
          });
        }
      }
      byName.set(rule.RuleName, applier);
      applier.resourceMatches = applier.matcher.matchesResource(resource);
      if (!applier.resourceMatches) continue;
      active.push(applier);
      results.push(
        Object.freeze({
          decision: SamplingDecision.RECORD_AND_SAMPLED,
          attributes: Object.freeze({ [SAMPLING_RULE_ATTRIBUTE]: rule.RuleName }),
        }),
      );
    }
    // One assignment each, in an order that keeps `active` and its results aligned.
    this.activeResults = results;
    this.active = active;
    this.byName = byName;
    logger.debug(
      `X-Ray sampling: ${rules.length} rules (${active.length} for this service) from ${this.endpoint}`,
    );
  }

  private resourceAttributes(): Attributes {
    try {
      return this.resource?.attributes ?? this.envResource;
    } catch {
      return this.envResource;
    }
  }

  // --- targets -----------------------------------------------------------------------------

  private scheduleTargets(delayMs: number): void {
    if (this.stopped) return;
    if (this.targetsTimer !== undefined) this.timers.clearTimeout(this.targetsTimer);
    this.targetsTimer = this.timers.setTimeout(() => this.pollTargets(), delayMs);
  }

  private async pollTargets(): Promise<void> {
    this.targetsTimer = undefined;
    if (this.stopped || this.client === undefined) return;
    const now = this.clock();
    const documents: SamplingStatisticsDocument[] = [];
    const clientId = samplingClientId();
    for (const applier of this.byName.values()) {
      if (applier.resourceMatches && applier.reportDue(now))
        documents.push(applier.snapshot(clientId, now));
    }

    let nextMs: number | undefined;
    let failed = false;
    let refreshRules = false;
    for (let start = 0; start < documents.length; start += DOCUMENTS_PER_REQUEST) {
      const batch = documents.slice(start, start + DOCUMENTS_PER_REQUEST);
      if (failed) {
        this.restore(batch);
        continue;
      }
      const res = await this.client.getSamplingTargets(batch);
      if (this.stopped) return;
      if (!res.ok) {
        this.failed(res, 'targets');
        this.restore(batch);
        failed = true;
        continue;
      }
      this.answered();
      const { targets, lastRuleModification, unprocessed, problems } = res.value;
      this.reportProblems('targets', problems);
      for (const target of targets) {
        const applier = this.byName.get(target.RuleName);
        if (applier === undefined) {
          logger.debug(`X-Ray sampling: a target for unknown rule "${target.RuleName}" ignored`);
          continue;
        }
        applier.applyTarget(target);
        if (target.Interval !== undefined) {
          nextMs = Math.min(nextMs ?? Infinity, target.Interval * 1000);
        }
      }
      if (
        lastRuleModification !== undefined &&
        this.rulesFetchedAtMs !== undefined &&
        lastRuleModification * 1000 > this.rulesFetchedAtMs
      ) {
        refreshRules = true;
      }
      if (unprocessed.length > 0) {
        const first = unprocessed[0];
        logger.debug(
          `X-Ray sampling: ${unprocessed.length} statistics not processed, e.g. rule "${first?.RuleName}": ${first?.ErrorCode} ${first?.Message ?? ''}`,
        );
        if (this.clock() - this.lastUnprocessedRefreshMs >= UNPROCESSED_REFRESH_MS) {
          this.lastUnprocessedRefreshMs = this.clock();
          refreshRules = true;
        }
      }
    }

    if (refreshRules && !this.rulesInFlight) this.scheduleRules(0);
    if (failed) {
      this.targetsFailures++;
      const backoff = Math.min(
        TARGETS_INTERVAL_MS * 2 ** this.targetsFailures,
        MAX_TARGETS_BACKOFF_MS,
      );
      this.scheduleTargets(backoff + this.random() * TARGETS_JITTER_MS);
    } else {
      this.targetsFailures = 0;
      this.scheduleTargets((nextMs ?? TARGETS_INTERVAL_MS) + this.random() * TARGETS_JITTER_MS);
    }
  }

  /** Puts unsent counts back, so the next report carries them. */
  private restore(batch: SamplingStatisticsDocument[]): void {
    for (const doc of batch) {
      const applier = this.byName.get(doc.RuleName);
      if (applier === undefined) continue;
      applier.restore(doc);
      applier.lastReportMs = 0;
    }
  }

  // --- diagnostics -------------------------------------------------------------------------

  /** One warning per outage, saying what to do; debug lines after that. */
  private failed(res: Failure, what: 'rules' | 'targets'): void {
    if (res.kind === 'aborted') return;
    const hostPort = this.endpoint.replace(/^https?:\/\//, '');
    const fallback =
      this.rulesFetchedAtMs === undefined
        ? `the ${this.localLabel} applies until it answers`
        : 'the last rules stay in force (for up to an hour)';
    const message =
      res.kind === 'unreachable' || res.kind === 'timeout'
        ? `no X-Ray daemon answered at ${hostPort}: ${this.endpointHint} (${res.message}); ${fallback}`
        : `the X-Ray sampling API at ${hostPort} failed (${res.message}); ${fallback}`;
    if (!this.outage) {
      this.outage = true;
      logger.warn(`X-Ray sampling: ${message}`);
    } else {
      logger.debug(`X-Ray sampling ${what}: ${res.message}`);
    }
  }

  private answered(): void {
    if (!this.outage) return;
    this.outage = false;
    logger.debug(`X-Ray sampling: ${this.endpoint} answers again`);
  }

  /** Skipped records: one warning per distinct set, then debug. */
  private reportProblems(what: string, problems: string[]): void {
    if (problems.length === 0) return;
    const key = `${what}:${problems.join('\n')}`;
    const line = `X-Ray sampling ${what}: ${problems.length} problem(s) in the answer, ignored: ${problems.slice(0, 3).join('; ')}`;
    if (key === this.lastProblems) logger.debug(line);
    else {
      this.lastProblems = key;
      logger.warn(line);
    }
  }
}
