/**
 * The X-Ray sampling API as the daemon's TCP proxy serves it, for
 * `otel-xray daemon`: `POST /GetSamplingRules` and `POST /SamplingTargets`,
 * answered from a rules file in the X-Ray API's rule JSON (or X-Ray's Default
 * rule), so that rules can be tried with no AWS account.
 *
 * What it does as X-Ray does:
 * - rules are returned in pages (`NextToken`), each with a `RuleARN`;
 * - each statistics document is counted per rule (requests, sampled, borrowed);
 * - a rule's `ReservoirSize` is shared by the clients that reported for it in
 *   the last 30 s: each gets its share as `ReservoirQuota` per second, valid
 *   until `ReservoirQuotaTTL` (epoch seconds);
 * - `LastRuleModification` tells the samplers when the rules changed: the file
 *   is read again when its modification time changes, so edits take effect
 *   without a restart.
 * Requests are bounded (1 MiB); a bad request gets a 400 with a message, as
 * the real API answers.
 */
import { readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { EventEmitter } from 'node:events';
import type { Endpoint } from '../transport/daemon-address.js';
import { formatEndpoint } from '../transport/daemon-address.js';
import type { SamplingRule } from '../sampling/rules.js';
import { DEFAULT_RULE, parseSamplingRulesFile } from '../sampling/rules.js';

export interface SamplingApiOptions {
  /** A rules file in the X-Ray API's rule JSON. Default: `rules`, else X-Ray's Default rule alone. */
  rulesFile?: string;
  /** The rules to serve, when there is no `rulesFile`. */
  rules?: SamplingRule[];
  /** Rules per `GetSamplingRules` page. Default 100. */
  pageSize?: number;
  /** Seconds a reservoir quota is valid for. Default 15 (targets are asked for every 10 s). */
  quotaTtlSeconds?: number;
  /** The clock, in ms. Default `Date.now`. */
  now?: () => number;
  /** Where a line about a reloaded (or broken) rules file goes. */
  report?: (line: string) => void;
}

/** What the samplers reported for one rule. */
export interface RuleCounts {
  requests: number;
  sampled: number;
  borrowed: number;
}

interface ClientReport {
  lastSeen: number;
}

const MAX_BODY = 1024 * 1024;
const CLIENT_WINDOW_SECONDS = 30;
const ACCOUNT = '000000000000';
const REGION = 'local';

/** Reads and validates a rules file; throws an Error that names the file and the problem. */
export function loadRulesFile(path: string): SamplingRule[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`--sampling-rules: cannot read ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`--sampling-rules: ${path} is not JSON: ${(err as Error).message}`);
  }
  const parsed = parseSamplingRulesFile(json);
  if (parsed.problems.length > 0 || parsed.rules.length === 0) {
    const problems = parsed.problems.length > 0 ? parsed.problems : ['it holds no rule'];
    throw new Error(`--sampling-rules: ${path}: ${problems.join('; ')}`);
  }
  return parsed.rules;
}

/**
 * Emits `rules` after each `GetSamplingRules` page it answered and `targets`
 * (with the statistics documents) after each `SamplingTargets`.
 */
export class LocalSamplingApi extends EventEmitter {
  /** Per rule name, what the samplers reported. */
  readonly counts = new Map<string, RuleCounts>();
  private rules: SamplingRule[];
  private modifiedAt: number;
  private fileMtime: number | undefined;
  private readonly clients = new Map<string, Map<string, ClientReport>>();
  private readonly now: () => number;
  private constructor(
    private readonly server: Server,
    private readonly options: SamplingApiOptions,
  ) {
    super();
    this.now = options.now ?? Date.now;
    this.modifiedAt = this.now() / 1000;
    if (options.rulesFile !== undefined) {
      this.rules = loadRulesFile(options.rulesFile);
      this.fileMtime = mtimeOf(options.rulesFile);
    } else {
      this.rules = options.rules?.map((r) => ({ ...r })) ?? [{ ...DEFAULT_RULE }];
    }
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res));
  }

  /**
   * Listens on `endpoint` (TCP). Rejects with a readable message when the rules
   * file is bad or the port cannot be had.
   */
  static async start(
    endpoint: Endpoint,
    options: SamplingApiOptions = {},
  ): Promise<LocalSamplingApi> {
    const server = createServer();
    // The rules are read before listening, so a bad file fails the start.
    const api = new LocalSamplingApi(server, options);
    server.listen(endpoint.port, endpoint.host);
    // (events.once() for 'listening' would reject with the raw error: listen for both by hand.)
    const outcome = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      server.once('listening', () => resolve(undefined));
      server.once('error', resolve);
    });
    if (outcome !== undefined) {
      const err: NodeJS.ErrnoException = new Error(
        outcome.code === 'EADDRINUSE'
          ? `tcp ${formatEndpoint(endpoint)} is in use: sampling rules are not served (--sampling-address HOST:PORT to choose another)`
          : `cannot serve sampling rules on tcp ${formatEndpoint(endpoint)}: ${outcome.message}`,
      );
      err.code = outcome.code;
      throw err;
    }
    server.on('error', () => undefined);
    return api;
  }

  /** The address served, as `host:port`. */
  get address(): string {
    const a = this.server.address();
    if (a === null || typeof a === 'string') return String(a);
    return formatEndpoint({ host: a.address, port: a.port });
  }

  get port(): number {
    const a = this.server.address();
    return a !== null && typeof a === 'object' ? a.port : 0;
  }

  /** The rules served, in the order a sampler applies them. */
  get ruleNames(): string[] {
    return sortRules(this.rules).map((r) => r.RuleName);
  }

  /** One line per rule with reported requests: what the samplers decided. */
  summaryLines(): string[] {
    const lines: string[] = [];
    for (const name of this.ruleNames) {
      const c = this.counts.get(name);
      if (c === undefined) continue;
      lines.push(
        `rule ${name}: ${plural(c.requests, 'request')}, ${c.sampled} sampled` +
          (c.borrowed > 0 ? ` (${c.borrowed} borrowed)` : ''),
      );
    }
    return lines;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections?.();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        if (!refused) reply(res, 413, { message: 'request body over 1 MiB' });
        refused = true;
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      if (refused) return;
      if (req.method !== 'POST') {
        reply(res, 405, { message: `${String(req.method)} is not allowed: use POST` });
        return;
      }
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = {};
      if (text.trim() !== '') {
        try {
          body = JSON.parse(text);
        } catch {
          reply(res, 400, { __type: 'InvalidRequestException', message: 'body is not JSON' });
          return;
        }
      }
      this.reloadIfChanged();
      const path = (req.url ?? '').split('?')[0];
      if (path === '/GetSamplingRules') {
        reply(res, 200, this.getSamplingRules(body));
        this.emit('rules');
      } else if (path === '/SamplingTargets') {
        const answer = this.samplingTargets(body);
        reply(
          res,
          typeof answer === 'string' ? 400 : 200,
          typeof answer === 'string'
            ? { __type: 'InvalidRequestException', message: answer }
            : answer,
        );
        if (typeof answer !== 'string') this.emit('targets', body);
      } else reply(res, 404, { message: `unknown path ${path}` });
    });
  }

  private reloadIfChanged(): void {
    const file = this.options.rulesFile;
    if (file === undefined) return;
    const mtime = mtimeOf(file);
    if (mtime === undefined || mtime === this.fileMtime) return;
    this.fileMtime = mtime;
    try {
      this.rules = loadRulesFile(file);
      this.modifiedAt = this.now() / 1000;
      this.options.report?.(`sampling rules reloaded from ${file}: ${this.ruleNames.join(', ')}`);
    } catch (err) {
      this.options.report?.(`✗ ${(err as Error).message}; the previous rules stay in force`);
    }
  }

  private getSamplingRules(body: unknown): unknown {
    const pageSize = Math.max(1, this.options.pageSize ?? 100);
    const token = isObject(body) && typeof body.NextToken === 'string' ? body.NextToken : '';
    const start = /^\d+$/.test(token) ? Number(token) : 0;
    const page = this.rules.slice(start, start + pageSize);
    const next = start + pageSize < this.rules.length ? String(start + pageSize) : undefined;
    return {
      SamplingRuleRecords: page.map((rule) => ({
        SamplingRule: {
          ...rule,
          RuleARN: `arn:aws:xray:${REGION}:${ACCOUNT}:sampling-rule/${rule.RuleName}`,
        },
        CreatedAt: this.modifiedAt,
        ModifiedAt: this.modifiedAt,
      })),
      ...(next !== undefined ? { NextToken: next } : {}),
    };
  }

  private samplingTargets(body: unknown): unknown {
    const docs = isObject(body) ? body.SamplingStatisticsDocuments : undefined;
    if (!Array.isArray(docs)) return 'SamplingStatisticsDocuments must be an array';
    if (docs.length > 25) return 'at most 25 SamplingStatisticsDocuments per request';
    const now = this.now() / 1000;
    const byName = new Map(this.rules.map((r) => [r.RuleName, r]));
    const targets: unknown[] = [];
    const unprocessed: unknown[] = [];
    for (const doc of docs) {
      if (!isObject(doc) || typeof doc.RuleName !== 'string' || typeof doc.ClientID !== 'string') {
        unprocessed.push({
          RuleName: isObject(doc) ? doc.RuleName : undefined,
          ErrorCode: '400',
          Message: 'RuleName and ClientID are required',
        });
        continue;
      }
      const rule = byName.get(doc.RuleName);
      if (rule === undefined) {
        unprocessed.push({ RuleName: doc.RuleName, ErrorCode: '400', Message: 'unknown rule' });
        continue;
      }
      const counts = this.counts.get(rule.RuleName) ?? { requests: 0, sampled: 0, borrowed: 0 };
      counts.requests += count(doc.RequestCount);
      counts.sampled += count(doc.SampledCount);
      counts.borrowed += count(doc.BorrowCount);
      this.counts.set(rule.RuleName, counts);
      targets.push({
        RuleName: rule.RuleName,
        FixedRate: rule.FixedRate,
        ReservoirQuota: this.quotaFor(rule, doc.ClientID, now),
        ReservoirQuotaTTL: Math.floor(now) + (this.options.quotaTtlSeconds ?? 15),
        Interval: 10,
      });
    }
    return {
      LastRuleModification: this.modifiedAt,
      SamplingTargetDocuments: targets,
      UnprocessedStatistics: unprocessed,
    };
  }

  /** This client's share of the rule's reservoir among the clients seen lately. */
  private quotaFor(rule: SamplingRule, clientId: string, now: number): number {
    let seen = this.clients.get(rule.RuleName);
    if (seen === undefined) this.clients.set(rule.RuleName, (seen = new Map()));
    seen.set(clientId, { lastSeen: now });
    for (const [id, c] of seen) if (now - c.lastSeen > CLIENT_WINDOW_SECONDS) seen.delete(id);
    const ids = [...seen.keys()].sort();
    const share = Math.floor(rule.ReservoirSize / ids.length);
    const remainder = rule.ReservoirSize % ids.length;
    return share + (ids.indexOf(clientId) < remainder ? 1 : 0);
  }
}

/** Priority, then name; `Default` last. */
function sortRules(rules: SamplingRule[]): SamplingRule[] {
  return [...rules].sort((a, b) => {
    if ((a.RuleName === 'Default') !== (b.RuleName === 'Default'))
      return a.RuleName === 'Default' ? 1 : -1;
    return (
      a.Priority - b.Priority || (a.RuleName < b.RuleName ? -1 : a.RuleName > b.RuleName ? 1 : 0)
    );
  });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function mtimeOf(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const count = (v: unknown): number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : 0;

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
