/**
 * The X-Ray sampling API's JSON shapes, and their validation. Pure: no I/O, no
 * clock, never throws.
 *
 * Every parser here reads `unknown` (what `JSON.parse` returned) record by
 * record: a record of the wrong shape is skipped with a problem string, and
 * the rest of the document is kept. Unknown fields (`SamplingRateBoost`,
 * `RuleARN`, `CreatedAt`, ...) are ignored. Numbers must be finite.
 *
 * Timestamps in this API are epoch SECONDS as JSON numbers
 * (`ReservoirQuotaTTL`, `LastRuleModification`, `Timestamp`).
 */

/** One sampling rule, as `GetSamplingRules` returns it and as rules files hold it. */
export interface SamplingRule {
  RuleName: string;
  /** 1-9999 for user rules; `Default` has 10000. Lower is evaluated first. */
  Priority: number;
  /** 0..1, the share of requests sampled past the reservoir. */
  FixedRate: number;
  /** Requests per second recorded before `FixedRate` applies, for all clients together. */
  ReservoirSize: number;
  ServiceName: string;
  ServiceType: string;
  Host: string;
  HTTPMethod: string;
  URLPath: string;
  ResourceARN: string;
  /** Only version 1 exists; rules of other versions are skipped. */
  Version: number;
  /** Span attribute conditions: every key must be present and match its pattern. */
  Attributes: Record<string, string>;
}

/** One entry of a `SamplingTargets` response. Every field but `RuleName` is optional. @internal */
export interface SamplingTarget {
  RuleName: string;
  FixedRate?: number;
  /** Requests per second this client may record from the reservoir, until the TTL. */
  ReservoirQuota?: number;
  /** Epoch seconds. */
  ReservoirQuotaTTL?: number;
  /** Seconds between statistics reports for this rule. */
  Interval?: number;
}

/** A statistics document the service could not process. @internal */
export interface UnprocessedStatistic {
  RuleName?: string;
  ErrorCode?: string;
  Message?: string;
}

/** What a client reports per rule to `POST /SamplingTargets`. @internal */
export interface SamplingStatisticsDocument {
  RuleName: string;
  /** 24 hex characters, stable for the process. */
  ClientID: string;
  /** Epoch seconds. */
  Timestamp: number;
  RequestCount: number;
  /** Requests recorded, borrowed ones included (the API's wording). */
  SampledCount: number;
  /** Requests recorded with borrowed reservoir quota. */
  BorrowCount: number;
}

/** @internal */
export interface ParsedRules {
  rules: SamplingRule[];
  /** `GetSamplingRules` only: the token of the next page. */
  nextToken?: string;
  /** One line per record skipped or value adjusted. */
  problems: string[];
  /**
   * False when the document as a whole is unusable (not an object, no rule
   * array, or every record bad): the caller keeps what it had.
   */
  ok: boolean;
}

/** @internal */
export interface ParsedTargets {
  targets: SamplingTarget[];
  /** Epoch seconds of the last rule change in the account. */
  lastRuleModification?: number;
  unprocessed: UnprocessedStatistic[];
  problems: string[];
  ok: boolean;
}

/** X-Ray's built-in catch-all: 1 request per second, then 5 %. @internal */
export const DEFAULT_RULE: Readonly<SamplingRule> = Object.freeze({
  RuleName: 'Default',
  Priority: 10000,
  FixedRate: 0.05,
  ReservoirSize: 1,
  ServiceName: '*',
  ServiceType: '*',
  Host: '*',
  HTTPMethod: '*',
  URLPath: '*',
  ResourceARN: '*',
  Version: 1,
  Attributes: Object.freeze({}) as Record<string, string>,
});

/** The name X-Ray reserves for the catch-all rule, evaluated last. @internal */
export const DEFAULT_RULE_NAME = 'Default';

const STRING_FIELDS = [
  'ServiceName',
  'ServiceType',
  'Host',
  'HTTPMethod',
  'URLPath',
  'ResourceARN',
] as const;

/** Records in one document beyond this are ignored (the API allows 25 rules per region). */
const MAX_RECORDS = 1000;
/** Attribute conditions per rule beyond this are refused (the API allows 5). */
const MAX_ATTRIBUTES = 64;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

const describe = (v: unknown): string =>
  v === null
    ? 'null'
    : Array.isArray(v)
      ? 'an array'
      : typeof v === 'number'
        ? String(v)
        : typeof v;

/**
 * Validates one rule. Returns the rule (a fresh object holding only the known
 * fields) or a reason it was refused. Missing condition fields mean `*` and a
 * missing `Version` means 1 (hand-written rules files often omit them); a
 * present field of the wrong type refuses the rule. `FixedRate` outside 0..1
 * is refused, as the API would.
 * @internal
 */
export function parseSamplingRule(obj: unknown): SamplingRule | string {
  if (!isObject(obj)) return `a rule must be an object, not ${describe(obj)}`;
  const name = obj.RuleName;
  if (typeof name !== 'string' || name === '') {
    return `RuleName must be a non-empty string, not ${describe(name)}`;
  }
  const where = `rule "${name.slice(0, 64)}"`;

  const priority = obj.Priority;
  if (!isFiniteNumber(priority))
    return `${where}: Priority must be a number, not ${describe(priority)}`;

  const rate = obj.FixedRate;
  if (!isFiniteNumber(rate)) return `${where}: FixedRate must be a number, not ${describe(rate)}`;
  if (rate < 0 || rate > 1) return `${where}: FixedRate ${rate} is outside 0..1`;

  const size = obj.ReservoirSize;
  if (!isFiniteNumber(size)) {
    return `${where}: ReservoirSize must be a number, not ${describe(size)}`;
  }
  if (size < 0) return `${where}: ReservoirSize ${size} is negative`;

  const version = obj.Version ?? 1;
  if (!isFiniteNumber(version))
    return `${where}: Version must be a number, not ${describe(version)}`;
  if (version !== 1) return `${where}: Version ${version} is not supported (only 1)`;

  const rule: SamplingRule = {
    RuleName: name,
    Priority: priority,
    FixedRate: rate,
    ReservoirSize: Math.floor(size),
    ServiceName: '*',
    ServiceType: '*',
    Host: '*',
    HTTPMethod: '*',
    URLPath: '*',
    ResourceARN: '*',
    Version: 1,
    Attributes: {},
  };
  for (const field of STRING_FIELDS) {
    const v = obj[field];
    if (v === undefined) continue;
    if (typeof v !== 'string') return `${where}: ${field} must be a string, not ${describe(v)}`;
    rule[field] = v;
  }

  const attrs = obj.Attributes;
  if (attrs !== undefined && attrs !== null) {
    if (!isObject(attrs)) return `${where}: Attributes must be an object, not ${describe(attrs)}`;
    const keys = Object.keys(attrs);
    if (keys.length > MAX_ATTRIBUTES) return `${where}: more than ${MAX_ATTRIBUTES} Attributes`;
    for (const key of keys) {
      const v = attrs[key];
      if (typeof v !== 'string') {
        return `${where}: Attributes.${key} must be a string, not ${describe(v)}`;
      }
      rule.Attributes[key] = v;
    }
  }
  return rule;
}

/** Adds the rules of `entries` to `out`, unwrapping `{SamplingRule: {...}}` records. */
function collectRules(entries: unknown[], out: ParsedRules, label: string): void {
  const seen = new Set<string>();
  const n = Math.min(entries.length, MAX_RECORDS);
  if (entries.length > MAX_RECORDS) {
    out.problems.push(`${label}: only the first ${MAX_RECORDS} of ${entries.length} records read`);
  }
  for (let i = 0; i < n; i++) {
    const entry = entries[i];
    const ruleObj = isObject(entry) && 'SamplingRule' in entry ? entry.SamplingRule : entry;
    const rule = parseSamplingRule(ruleObj);
    if (typeof rule === 'string') {
      out.problems.push(`${label}[${i}] skipped: ${rule}`);
      continue;
    }
    if (seen.has(rule.RuleName)) {
      out.problems.push(`${label}[${i}] skipped: rule "${rule.RuleName}" appears twice`);
      continue;
    }
    seen.add(rule.RuleName);
    out.rules.push(rule);
  }
  if (n > 0 && out.rules.length === 0) out.ok = false;
}

/**
 * Validates a `POST /GetSamplingRules` response:
 * `{"SamplingRuleRecords":[{"SamplingRule":{...}}], "NextToken":"..."}`.
 * @internal
 */
export function parseSamplingRulesResponse(json: unknown): ParsedRules {
  const out: ParsedRules = { rules: [], problems: [], ok: true };
  if (!isObject(json)) {
    out.problems.push(`the response is ${describe(json)}, not an object`);
    out.ok = false;
    return out;
  }
  const records = json.SamplingRuleRecords;
  if (!Array.isArray(records)) {
    out.problems.push(`SamplingRuleRecords is ${describe(records)}, not an array`);
    out.ok = false;
  } else {
    collectRules(records, out, 'SamplingRuleRecords');
  }
  const token = json.NextToken;
  if (typeof token === 'string' && token !== '') out.nextToken = token;
  else if (token !== undefined && token !== null && token !== '') {
    out.problems.push(`NextToken is ${describe(token)}, not a string`);
  }
  return out;
}

/**
 * Validates a rules file in the X-Ray API's rule JSON, in any of the forms
 * people keep them in: a `GetSamplingRules` response
 * (`{"SamplingRuleRecords":[{"SamplingRule":{...}}]}`), `{"SamplingRules":[...]}`,
 * or a plain array of rules.
 * @internal
 */
export function parseSamplingRulesFile(json: unknown): ParsedRules {
  const out: ParsedRules = { rules: [], problems: [], ok: true };
  if (Array.isArray(json)) {
    collectRules(json, out, 'rules');
  } else if (isObject(json) && Array.isArray(json.SamplingRuleRecords)) {
    collectRules(json.SamplingRuleRecords, out, 'SamplingRuleRecords');
  } else if (isObject(json) && Array.isArray(json.SamplingRules)) {
    collectRules(json.SamplingRules, out, 'SamplingRules');
  } else {
    out.problems.push(
      'expected {"SamplingRuleRecords":[...]}, {"SamplingRules":[...]} or an array of rules',
    );
    out.ok = false;
  }
  return out;
}

/**
 * Validates a `POST /SamplingTargets` response. A target field that is not a
 * finite number in range is dropped (the rule keeps its previous value); a
 * target without a `RuleName` is skipped.
 * @internal
 */
export function parseSamplingTargetsResponse(json: unknown): ParsedTargets {
  const out: ParsedTargets = { targets: [], unprocessed: [], problems: [], ok: true };
  if (!isObject(json)) {
    out.problems.push(`the response is ${describe(json)}, not an object`);
    out.ok = false;
    return out;
  }
  const lrm = json.LastRuleModification;
  if (isFiniteNumber(lrm)) out.lastRuleModification = lrm;
  else if (lrm !== undefined && lrm !== null) {
    out.problems.push(`LastRuleModification is ${describe(lrm)}, not a number`);
  }

  const docs = json.SamplingTargetDocuments;
  if (Array.isArray(docs)) {
    const n = Math.min(docs.length, MAX_RECORDS);
    for (let i = 0; i < n; i++) {
      const { target, problem } = parseTarget(docs[i]);
      if (problem !== undefined) out.problems.push(`SamplingTargetDocuments[${i}] ${problem}`);
      if (target !== undefined) out.targets.push(target);
    }
  } else if (docs !== undefined && docs !== null) {
    out.problems.push(`SamplingTargetDocuments is ${describe(docs)}, not an array`);
    out.ok = false;
  }

  const unprocessed = json.UnprocessedStatistics;
  if (Array.isArray(unprocessed)) {
    for (const u of unprocessed.slice(0, MAX_RECORDS)) {
      if (!isObject(u)) continue;
      const entry: UnprocessedStatistic = {};
      if (typeof u.RuleName === 'string') entry.RuleName = u.RuleName;
      if (typeof u.ErrorCode === 'string') entry.ErrorCode = u.ErrorCode;
      if (typeof u.Message === 'string') entry.Message = u.Message.slice(0, 200);
      out.unprocessed.push(entry);
    }
  }
  return out;
}

/** One target document: the target (invalid fields dropped) and what was wrong with it. */
function parseTarget(obj: unknown): { target?: SamplingTarget; problem?: string } {
  if (!isObject(obj)) return { problem: `skipped: ${describe(obj)} is not an object` };
  const name = obj.RuleName;
  if (typeof name !== 'string' || name === '') return { problem: 'skipped: no RuleName' };
  const target: SamplingTarget = { RuleName: name };
  const bad: string[] = [];
  const take = (
    field: 'FixedRate' | 'ReservoirQuota' | 'ReservoirQuotaTTL' | 'Interval',
    ok: (v: number) => boolean,
  ): void => {
    const v = obj[field];
    if (v === undefined || v === null) return;
    if (isFiniteNumber(v) && ok(v)) target[field] = v;
    else bad.push(`${field} ${describe(v)}`);
  };
  take('FixedRate', (v) => v >= 0 && v <= 1);
  take('ReservoirQuota', (v) => v >= 0);
  take('ReservoirQuotaTTL', (v) => v >= 0);
  take('Interval', (v) => v > 0);
  if (bad.length === 0) return { target };
  return { target, problem: `rule "${name}": ignored invalid ${bad.join(', ')}` };
}

/**
 * Deep equality of two rules, `Attributes` included (same key set, same
 * values): an edited rule is a new rule.
 * @internal
 */
export function rulesEqual(a: SamplingRule, b: SamplingRule): boolean {
  if (
    a.RuleName !== b.RuleName ||
    a.Priority !== b.Priority ||
    a.FixedRate !== b.FixedRate ||
    a.ReservoirSize !== b.ReservoirSize ||
    a.Version !== b.Version
  ) {
    return false;
  }
  for (const field of STRING_FIELDS) if (a[field] !== b[field]) return false;
  const ak = Object.keys(a.Attributes);
  const bk = Object.keys(b.Attributes);
  if (ak.length !== bk.length) return false;
  for (const k of ak) {
    if (!Object.prototype.hasOwnProperty.call(b.Attributes, k)) return false;
    if (a.Attributes[k] !== b.Attributes[k]) return false;
  }
  return true;
}
