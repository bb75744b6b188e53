/**
 * Test doubles for the X-Ray sampler, with real I/O:
 * - FakeXRayApi: the sampling API (the daemon's TCP proxy) on a real
 *   node:http server on 127.0.0.1, recording every request and answering
 *   from scripts;
 * - FakeTimers: the sampler's timers and clock, advanced by the test (no
 *   real waiting); running a timer awaits the poll it started.
 */
import * as http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { SamplerTimers } from '../../src/sampling/remote-sampler.js';
import { DEFAULT_RULE } from '../../src/sampling/rules.js';
import type { SamplingRule } from '../../src/sampling/rules.js';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  raw: string;
}

/** An answer: a JSON value (status 200), or full control. */
export type Answer =
  | { status?: number; json?: unknown; raw?: string | Buffer; hang?: boolean }
  | ((req: RecordedRequest) => {
      status?: number;
      json?: unknown;
      raw?: string | Buffer;
      hang?: boolean;
    });

export const rule = (over: Partial<SamplingRule> & { RuleName: string }): SamplingRule => ({
  ...DEFAULT_RULE,
  Attributes: {},
  Priority: 100,
  ...over,
});

export const rulesAnswer = (rules: SamplingRule[], nextToken?: string): { json: unknown } => ({
  json: {
    ...(nextToken === undefined ? {} : { NextToken: nextToken }),
    SamplingRuleRecords: rules.map((r) => ({
      CreatedAt: 1.6e9,
      ModifiedAt: 1.6e9,
      SamplingRule: { ...r, RuleARN: `arn:aws:xray:us-east-1:1:sampling-rule/${r.RuleName}` },
    })),
  },
});

export class FakeXRayApi {
  readonly requests: RecordedRequest[] = [];
  /** Answers used once each, in order, per path; then `defaults`. */
  readonly scripts = new Map<string, Answer[]>();
  readonly defaults = new Map<string, Answer>([
    ['/GetSamplingRules', rulesAnswer([DEFAULT_RULE])],
    ['/SamplingTargets', { json: { SamplingTargetDocuments: [] } }],
  ]);
  private readonly hanging: http.ServerResponse[] = [];

  private constructor(
    private readonly server: http.Server,
    readonly port: number,
  ) {}

  static async start(): Promise<FakeXRayApi> {
    const server = http.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const api = new FakeXRayApi(server, (server.address() as AddressInfo).port);
    server.on('request', (req, res) => api.handle(req, res));
    return api;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Queues answers for a path (used before the default). */
  script(path: string, ...answers: Answer[]): void {
    this.scripts.set(path, [...(this.scripts.get(path) ?? []), ...answers]);
  }

  on(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = raw === '' ? undefined : JSON.parse(raw);
      } catch {
        body = raw;
      }
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        raw,
      };
      this.requests.push(recorded);
      const queue = this.scripts.get(recorded.path);
      let answer = queue?.shift() ?? this.defaults.get(recorded.path) ?? { status: 404 };
      if (typeof answer === 'function') answer = answer(recorded);
      if (answer.hang) {
        this.hanging.push(res);
        return;
      }
      const payload = answer.raw ?? (answer.json === undefined ? '' : JSON.stringify(answer.json));
      res.writeHead(answer.status ?? 200, { 'Content-Type': 'application/json' });
      res.end(payload);
    });
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

interface Pending {
  id: number;
  at: number;
  fn: () => unknown;
}

export class FakeTimers implements SamplerTimers {
  now = 1_700_000_000_000;
  private pending: Pending[] = [];
  private ids = 0;

  readonly clock = (): number => this.now;

  setTimeout(fn: () => unknown, ms: number): unknown {
    const id = ++this.ids;
    this.pending.push({ id, at: this.now + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending = this.pending.filter((p) => p.id !== handle);
  }

  /** Delays (from now) of the timers waiting, soonest first. */
  waiting(): number[] {
    return this.pending.map((p) => p.at - this.now).sort((a, b) => a - b);
  }

  /** Advances the clock to the soonest timer, runs it and awaits what it started. */
  async next(): Promise<number> {
    if (this.pending.length === 0) throw new Error('no timer is pending');
    this.pending.sort((a, b) => a.at - b.at);
    const p = this.pending.shift() as Pending;
    const delay = p.at - this.now;
    if (p.at > this.now) this.now = p.at;
    await p.fn();
    return delay;
  }
}
