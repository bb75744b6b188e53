/**
 * Local sampling rules in the X-Ray SDK's JSON formats, validated as the SDK
 * validates them, so a file that works with the X-Ray SDK works here as-is:
 *
 * ```json
 * {"version": 2,
 *  "rules": [{"description": "…", "host": "*", "http_method": "GET", "url_path": "/api/*",
 *             "fixed_target": 0, "rate": 0.05}],
 *  "default": {"fixed_target": 1, "rate": 0.1}}
 * ```
 *
 * Version 1 names the host condition `service_name` (the SDK maps it to the
 * host). Rules are evaluated in file order, then the default. `fixed_target`
 * is requests per second, `rate` the share of the rest. Unlike in the SDK
 * (which sees only HTTP requests), a condition other than `*` needs a value,
 * so spans that are not HTTP requests fall to the default.
 */
import { readFileSync } from 'node:fs';
import type { SamplingRule } from './rules.js';
import { DEFAULT_RULE } from './rules.js';

/** One local rule as a sampling rule, plus its per-second fixed target. */
export interface LocalRule {
  rule: SamplingRule;
  fixedTarget: number;
}

/** The X-Ray SDK's built-in local rules: 1 request per second, then 5 %. */
export const DEFAULT_LOCAL_RULES: readonly LocalRule[] = Object.freeze([
  Object.freeze({ rule: DEFAULT_RULE, fixedTarget: 1 }),
]);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function checkTarget(obj: Record<string, unknown>, where: string): string | undefined {
  const target = obj.fixed_target;
  if (typeof target !== 'number' || !Number.isInteger(target) || target < 0) {
    return `${where}.fixed_target must be a non-negative integer, not ${JSON.stringify(target)}`;
  }
  const rate = obj.rate;
  if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) {
    return `${where}.rate must be a number from 0 to 1, not ${JSON.stringify(rate)}`;
  }
  return undefined;
}

/**
 * Validates local rules (a parsed object). Returns the rules, the default
 * last, or the reason naming the field (`rules[1].http_method is missing`).
 */
export function parseLocalRules(json: unknown): LocalRule[] | string {
  if (!isObject(json)) return 'the rules must be a JSON object';
  const version = json.version;
  if (version !== 1 && version !== 2) {
    return `version must be 1 or 2, not ${JSON.stringify(version) ?? 'missing'}`;
  }
  for (const key of Object.keys(json)) {
    if (key !== 'version' && key !== 'default' && key !== 'rules') {
      return `unknown key "${key}" (expected version, default, rules)`;
    }
  }
  const def = json.default;
  if (!isObject(def)) return 'default is missing (an object with fixed_target and rate)';
  for (const key of Object.keys(def)) {
    if (key !== 'fixed_target' && key !== 'rate') {
      return `default: unknown key "${key}" (only fixed_target and rate)`;
    }
  }
  const defProblem = checkTarget(def, 'default');
  if (defProblem !== undefined) return defProblem;

  const hostKey = version === 1 ? 'service_name' : 'host';
  const required = [hostKey, 'http_method', 'url_path', 'fixed_target', 'rate'];
  const rawRules = json.rules ?? [];
  if (!Array.isArray(rawRules)) return 'rules must be an array';
  const out: LocalRule[] = [];
  for (let i = 0; i < rawRules.length; i++) {
    const where = `rules[${i}]`;
    const r: unknown = rawRules[i];
    if (!isObject(r)) return `${where} must be an object`;
    for (const key of Object.keys(r)) {
      if (key !== 'description' && !required.includes(key)) {
        return `${where}: unknown key "${key}" (version ${version} rules have ${required.join(', ')}, description)`;
      }
    }
    for (const key of required.slice(0, 3)) {
      const v = r[key];
      if (v === undefined) return `${where}.${key} is missing`;
      if (typeof v !== 'string' || v === '') return `${where}.${key} must be a non-empty string`;
    }
    const targetProblem = checkTarget(r, where);
    if (targetProblem !== undefined) return targetProblem;
    const description = typeof r.description === 'string' ? r.description : '';
    out.push({
      fixedTarget: r.fixed_target as number,
      rule: {
        ...DEFAULT_RULE,
        Attributes: {},
        RuleName: description !== '' ? description.slice(0, 32) : `local rule ${i + 1}`,
        Priority: i + 1,
        FixedRate: r.rate as number,
        ReservoirSize: r.fixed_target as number,
        Host: r[hostKey] as string,
        HTTPMethod: r.http_method as string,
        URLPath: r.url_path as string,
      },
    });
  }
  out.push({
    fixedTarget: def.fixed_target as number,
    rule: {
      ...DEFAULT_RULE,
      Attributes: {},
      FixedRate: def.rate as number,
      ReservoirSize: def.fixed_target as number,
    },
  });
  return out;
}

/**
 * Loads local rules from a path (read synchronously, once) or an object.
 * Returns the rules or one message naming the file and the field.
 */
export function loadLocalRules(source: string | object): LocalRule[] | string {
  const label = typeof source === 'string' ? `local sampling rules ${source}` : 'localRules';
  let json: unknown = source;
  if (typeof source === 'string') {
    let text: string;
    try {
      text = readFileSync(source, 'utf8');
    } catch (err) {
      return `${label}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
    }
    try {
      json = JSON.parse(text);
    } catch (err) {
      return `${label}: not valid JSON (${(err as Error).message})`;
    }
  }
  const parsed = parseLocalRules(json);
  return typeof parsed === 'string' ? `${label}: ${parsed}` : parsed;
}
