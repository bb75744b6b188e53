/**
 * The X-Ray sampling API over HTTP: `POST /GetSamplingRules` (following
 * `NextToken`) and `POST /SamplingTargets`, as the X-Ray daemon's TCP proxy
 * and the collector's `awsproxy` serve them. The only module of the sampler
 * that does I/O.
 *
 * - Requests run with tracing suppressed, so instrumentation-http records
 *   nothing for them.
 * - Each has a deadline (default 5 s) and a response size bound (default
 *   1 MiB); sockets are unref'd and never kept alive, so an idle process exits.
 * - `abort()` ends everything in flight and refuses new calls (shutdown).
 * - Nothing rejects: every call resolves to a result that says what went wrong.
 */
// Loaded on the first request, not with the package: an app that imports otel-xray first must
// not find node:http loaded already (setup checks that the app's own modules load after it),
// and a process that never asks for rules never loads it.
import type * as http from 'node:http';
import { withoutTracing } from '../shared/suppress.js';
import type { ParsedTargets, SamplingRule, SamplingStatisticsDocument } from './rules.js';
import { parseSamplingRulesResponse, parseSamplingTargetsResponse } from './rules.js';

export type Failure = {
  ok: false;
  /**
   * `unreachable`: no connection (refused, DNS, reset); `timeout`; `http`: a
   * non-200 status; `invalid`: a body that is not the expected JSON;
   * `aborted`: shut down.
   */
  kind: 'unreachable' | 'timeout' | 'http' | 'invalid' | 'aborted';
  message: string;
};
export type CallResult<T> = { ok: true; value: T } | Failure;

export interface ClientOptions {
  timeoutMs?: number;
  maxResponseBytes?: number;
}

/** Pages of rules followed at most (a loop guard; the API has 25 rules per region). */
const MAX_PAGES = 100;

export class SamplingClient {
  private readonly controller = new AbortController();
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private transport: Promise<Pick<typeof http, 'request'>> | undefined;
  private readonly base: URL;

  /** `endpoint`: a base URL such as `http://127.0.0.1:2000`. */
  constructor(
    readonly endpoint: string,
    options: ClientOptions = {},
  ) {
    this.base = new URL(endpoint);
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.maxResponseBytes = options.maxResponseBytes ?? 1024 * 1024;
  }

  /** All rules, page by page. Problems in individual records are returned, not failed. */
  async getSamplingRules(): Promise<CallResult<{ rules: SamplingRule[]; problems: string[] }>> {
    const rules: SamplingRule[] = [];
    const problems: string[] = [];
    const seen = new Set<string>();
    let token: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const res = await this.post(
        '/GetSamplingRules',
        token === undefined ? {} : { NextToken: token },
      );
      if (!res.ok) return res;
      const parsed = parseSamplingRulesResponse(res.value);
      if (!parsed.ok) {
        return {
          ok: false,
          kind: 'invalid',
          message: `GetSamplingRules: ${parsed.problems.join('; ')}`,
        };
      }
      rules.push(...parsed.rules);
      problems.push(...parsed.problems);
      token = parsed.nextToken;
      if (token === undefined) return { ok: true, value: { rules, problems } };
      if (seen.has(token)) {
        problems.push(`GetSamplingRules: NextToken repeated; stopped after ${page + 1} pages`);
        return { ok: true, value: { rules, problems } };
      }
      seen.add(token);
    }
    problems.push(`GetSamplingRules: stopped after ${MAX_PAGES} pages`);
    return { ok: true, value: { rules, problems } };
  }

  /** One `SamplingTargets` call (the caller keeps it to ≤ 25 documents). */
  async getSamplingTargets(
    documents: SamplingStatisticsDocument[],
  ): Promise<CallResult<ParsedTargets>> {
    const res = await this.post('/SamplingTargets', { SamplingStatisticsDocuments: documents });
    if (!res.ok) return res;
    const parsed = parseSamplingTargetsResponse(res.value);
    if (!parsed.ok) {
      return {
        ok: false,
        kind: 'invalid',
        message: `SamplingTargets: ${parsed.problems.join('; ')}`,
      };
    }
    return { ok: true, value: parsed };
  }

  /** Ends every request in flight; later calls fail at once with `aborted`. */
  abort(): void {
    this.controller.abort();
  }

  /** POSTs a JSON body and parses the JSON answer. */
  private async post(path: string, body: unknown): Promise<CallResult<unknown>> {
    const signal = this.controller.signal;
    if (signal.aborted) return fail('aborted', 'shut down');
    let transport: Pick<typeof http, 'request'>;
    try {
      this.transport ??=
        this.base.protocol === 'https:' ? import('node:https') : import('node:http');
      transport = await this.transport;
    } catch (err) {
      return fail('unreachable', `${path}: ${(err as Error).message}`);
    }
    if (signal.aborted) return fail('aborted', 'shut down');
    const payload = Buffer.from(JSON.stringify(body));
    const basePath = this.base.pathname === '/' ? '' : this.base.pathname;
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: CallResult<unknown>): void => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      };
      let req: http.ClientRequest;
      const onAbort = (): void => {
        finish(fail('aborted', 'shut down'));
        req?.destroy();
      };
      const deadline = setTimeout(() => {
        finish(fail('timeout', `${path}: no answer within ${this.timeoutMs} ms`));
        req?.destroy();
      }, this.timeoutMs);
      deadline.unref();
      signal.addEventListener('abort', onAbort);
      try {
        req = withoutTracing(() =>
          transport.request({
            protocol: this.base.protocol,
            hostname: this.base.hostname.replace(/^\[|\]$/g, ''),
            port: this.base.port === '' ? undefined : Number(this.base.port),
            path: basePath + path,
            method: 'POST',
            agent: false,
            headers: {
              'Content-Type': 'application/json',
              'Content-Length': payload.length,
            },
          }),
        );
      } catch (err) {
        finish(fail('unreachable', `${path}: ${(err as Error).message}`));
        return;
      }
      req.on('socket', (socket) => socket.unref());
      req.on('error', (err: NodeJS.ErrnoException) => {
        finish(fail('unreachable', `${path}: ${err.code ?? err.message}`));
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.maxResponseBytes) {
            finish(fail('invalid', `${path}: response larger than ${this.maxResponseBytes} bytes`));
            req.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (err) => finish(fail('unreachable', `${path}: ${err.message}`)));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          if (status !== 200) {
            finish(fail('http', `${path}: HTTP ${status} ${snippet(text)}`.trimEnd()));
            return;
          }
          try {
            finish({ ok: true, value: JSON.parse(text) as unknown });
          } catch {
            finish(fail('invalid', `${path}: the answer is not JSON: ${snippet(text)}`));
          }
        });
      });
      req.end(payload);
    });
  }
}

const fail = (kind: Failure['kind'], message: string): Failure => ({ ok: false, kind, message });

/** The start of a body, for a log line. */
function snippet(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 120 ? `${oneLine.slice(0, 120)}…` : oneLine;
}
