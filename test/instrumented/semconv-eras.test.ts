/**
 * The same HTTP client + server exchanges recorded by the two semantic
 * convention eras, each with its REAL instrumentation:
 * - stable: @opentelemetry/instrumentation-http 0.223 (installed), in process;
 * - old: @opentelemetry/instrumentation-http 0.57.2 (`instrumentation-http-057`),
 *   in a child process (test/fixtures/old-semconv-app.cjs), since the two must
 *   not both patch `http` in one process.
 * docs/attribute-mapping.md says both eras are read: the X-Ray documents must be
 * equivalent (same names, namespace, method, URL, user agent, client IP,
 * status, flags).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SpanKind } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpanLike, SpanContextLike } from '../../src/index.js';
import { toSegmentDocuments } from '../../src/index.js';
import { instrumentedHttp } from '../helpers/instrumentations.js';
import { Collector } from '../helpers/collector.js';
import { assertValidDocument, walk } from '../helpers/validate.js';

type Obj = Record<string, unknown>;

const SERVICE = 'storefront';
const USER_AGENT = 'otel-xray-eras/2.0';
const FIXTURE = fileURLToPath(new URL('../fixtures/old-semconv-app.cjs', import.meta.url));

interface Exchange {
  path: string;
  status: number;
  /** Lower-case names: instrumentation-http 0.223 reads the client's `user-agent` as is. */
  headers: Record<string, string>;
}

const EXCHANGES: Exchange[] = [
  {
    path: '/items/7?color=red&size=10',
    status: 200,
    headers: { 'user-agent': USER_AGENT, 'x-forwarded-for': '203.0.113.9' },
  },
  { path: '/missing', status: 404, headers: { 'user-agent': USER_AGENT } },
  { path: '/busy', status: 429, headers: {} },
  { path: '/fail', status: 500, headers: {} },
];

/** What must be the same in both eras. `PORT` stands for the server's port. */
interface View {
  caller: { name: unknown; subsegments: number };
  client: {
    name: unknown;
    namespace: unknown;
    method: unknown;
    url: unknown;
    user_agent: unknown;
    status: unknown;
    flags: Obj;
  };
  server: {
    name: unknown;
    namespace: unknown;
    parentIsClient: boolean;
    method: unknown;
    url: unknown;
    user_agent: unknown;
    client_ip: unknown;
    x_forwarded_for: unknown;
    status: unknown;
    flags: Obj;
  };
}

function flagsFor(status: number): Obj {
  if (status === 429) return { error: true, throttle: true };
  if (status >= 400 && status < 500) return { error: true };
  if (status >= 500) return { fault: true };
  return {};
}

const EXPECTED: View[] = EXCHANGES.map((e) => ({
  caller: { name: SERVICE, subsegments: 1 },
  client: {
    name: '127.0.0.1',
    namespace: 'remote',
    method: 'GET',
    url: `http://127.0.0.1:PORT${e.path}`,
    user_agent: e.headers['user-agent'],
    status: e.status,
    flags: flagsFor(e.status),
  },
  server: {
    name: SERVICE,
    namespace: undefined,
    parentIsClient: true,
    method: 'GET',
    url: `http://127.0.0.1:PORT${e.path}`,
    user_agent: e.headers['user-agent'],
    client_ip: e.headers['x-forwarded-for'] ?? '127.0.0.1',
    x_forwarded_for: e.headers['x-forwarded-for'] === undefined ? undefined : true,
    status: e.status,
    flags: flagsFor(e.status),
  },
}));

interface Recorded {
  port: number;
  /** Per exchange, in EXCHANGES order: the spans of its trace. */
  traces: ReadableSpanLike[][];
}

interface Translated {
  docs: Obj[];
  caller: Obj;
  client: Obj;
  server: Obj;
}

function obj(v: unknown, what: string): Obj {
  assert.ok(typeof v === 'object' && v !== null && !Array.isArray(v), `${what} is an object`);
  return v as Obj;
}

function translate(spans: ReadableSpanLike[]): Translated {
  const docs = toSegmentDocuments(spans, { workingDirectory: process.cwd() }) as unknown as Obj[];
  for (const d of docs) assertValidDocument(d);
  const idOf = (kind: SpanKind): string => {
    const span = spans.find((s) => s.kind === kind);
    assert.ok(span, `the trace has a ${SpanKind[kind]} span`);
    return span.spanContext().spanId;
  };
  const node = (id: string): Obj | undefined =>
    docs.flatMap((d) => [...walk(d)]).find((n) => n.node.id === id)?.node;
  const caller = node(idOf(SpanKind.INTERNAL));
  const client = node(idOf(SpanKind.CLIENT));
  const server = node(idOf(SpanKind.SERVER));
  assert.ok(caller && client && server, 'the three spans are in the documents');
  return { docs, caller, client, server };
}

function flags(node: Obj): Obj {
  const out: Obj = {};
  for (const f of ['error', 'fault', 'throttle']) if (node[f] !== undefined) out[f] = node[f];
  return out;
}

function view(t: Translated, port: number): View {
  const unport = (u: unknown): unknown =>
    typeof u === 'string' ? u.replace(`127.0.0.1:${port}`, '127.0.0.1:PORT') : u;
  const req = (n: Obj): Obj => obj(obj(n.http, `http of ${String(n.name)}`).request, 'request');
  const res = (n: Obj): Obj | undefined => obj(n.http, 'http').response as Obj | undefined;
  return {
    caller: {
      name: t.caller.name,
      subsegments: Array.isArray(t.caller.subsegments) ? t.caller.subsegments.length : 0,
    },
    client: {
      name: t.client.name,
      namespace: t.client.namespace,
      method: req(t.client).method,
      url: unport(req(t.client).url),
      user_agent: req(t.client).user_agent,
      status: res(t.client)?.status,
      flags: flags(t.client),
    },
    server: {
      name: t.server.name,
      namespace: t.server.namespace,
      parentIsClient: t.server.parent_id === t.client.id,
      method: req(t.server).method,
      url: unport(req(t.server).url),
      user_agent: req(t.server).user_agent,
      client_ip: req(t.server).client_ip,
      x_forwarded_for: req(t.server).x_forwarded_for,
      status: res(t.server)?.status,
      flags: flags(t.server),
    },
  };
}

/** Stable era: instrumentation-http 0.223 in this process. */
async function recordStable(): Promise<Recorded> {
  const collector = new Collector();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': SERVICE }),
    spanProcessors: [collector],
  });
  const http = instrumentedHttp(provider);
  const tracer = provider.getTracer('semconv-eras.test');
  const server = http.createServer((req, res) => {
    res.statusCode = EXCHANGES.find((e) => e.path === req.url)?.status ?? 404;
    res.end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const traces: ReadableSpanLike[][] = [];
  try {
    for (const e of EXCHANGES) {
      const traceId = await tracer.startActiveSpan('place order', async (root) => {
        try {
          const status = await new Promise<number | undefined>((resolve, reject) => {
            const req = http.get(
              `http://127.0.0.1:${port}${e.path}`,
              { headers: e.headers },
              (r) => {
                r.resume();
                r.on('end', () => resolve(r.statusCode));
              },
            );
            req.on('error', reject);
          });
          assert.equal(status, e.status, `${e.path} answered ${e.status}`);
        } finally {
          root.end();
        }
        return root.spanContext().traceId;
      });
      traces.push(await collector.trace(traceId, 3));
    }
  } finally {
    server.close();
    server.closeAllConnections();
    await once(server, 'close');
    await provider.shutdown();
  }
  return { port, traces };
}

interface SpanJson extends Omit<ReadableSpanLike, 'spanContext'> {
  spanContext: SpanContextLike;
}

/** Old era: instrumentation-http 0.57.2 in a child process; its spans come back as JSON. */
async function recordOld(): Promise<Recorded> {
  const env = { ...process.env };
  delete env.OTEL_SEMCONV_STABILITY_OPT_IN; // the old conventions are 0.57's default
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [FIXTURE, JSON.stringify(EXCHANGES), SERVICE],
    { env, timeout: 10_000, maxBuffer: 16 * 1024 * 1024 },
  );
  const out = JSON.parse(stdout) as {
    port: number;
    exchanges: Array<{ path: string; traceId: string }>;
    spans: SpanJson[];
  };
  // Rebuild ReadableSpan-like objects: the translation reads only that interface.
  const spans: ReadableSpanLike[] = out.spans.map((j) => ({
    ...j,
    spanContext: () => j.spanContext,
  }));
  const traces = EXCHANGES.map((e) => {
    const traceId = out.exchanges.find((x) => x.path === e.path)?.traceId;
    assert.ok(traceId, `the old-era app made the exchange ${e.path}`);
    return spans.filter((s) => s.spanContext().traceId === traceId);
  });
  return { port: out.port, traces };
}

describe('semantic-convention eras: real instrumentation-http 0.223 (stable) and 0.57 (old)', function () {
  let stable: Recorded;
  let old: Recorded;

  before(async function () {
    [old, stable] = await Promise.all([recordOld(), recordStable()]);
  });

  it('each era really emits its own conventions', function () {
    for (const [era, rec, present, absent] of [
      ['stable', stable, 'http.request.method', 'http.method'],
      ['old', old, 'http.method', 'http.request.method'],
    ] as const) {
      for (const spans of rec.traces) {
        assert.equal(spans.length, 3, `${era}: caller, CLIENT and SERVER spans`);
        for (const s of spans.filter((x) => x.kind !== SpanKind.INTERNAL)) {
          assert.ok(present in s.attributes, `${era} ${SpanKind[s.kind]} span has ${present}`);
          assert.ok(!(absent in s.attributes), `${era} ${SpanKind[s.kind]} span has no ${absent}`);
        }
      }
    }
    const [oldClient, oldServer] = [SpanKind.CLIENT, SpanKind.SERVER].map((k) =>
      old.traces[0]?.find((s) => s.kind === k),
    );
    for (const key of ['http.url', 'http.status_code', 'http.user_agent', 'net.peer.name']) {
      assert.ok(oldClient && key in oldClient.attributes, `old CLIENT span has ${key}`);
    }
    for (const key of ['http.target', 'net.host.name', 'http.client_ip', 'net.peer.ip']) {
      assert.ok(oldServer && key in oldServer.attributes, `old SERVER span has ${key}`);
    }
  });

  EXCHANGES.forEach((e, i) => {
    it(`GET ${e.path} → ${e.status}: stable era documents as the spec says`, function () {
      const spans = stable.traces[i];
      assert.ok(spans, 'recorded');
      assert.deepEqual(view(translate(spans), stable.port), EXPECTED[i]);
    });

    it(`GET ${e.path} → ${e.status}: old era documents as the spec says`, function () {
      const spans = old.traces[i];
      assert.ok(spans, 'recorded');
      assert.deepEqual(view(translate(spans), old.port), EXPECTED[i]);
    });
  });

  it('both eras give equivalent documents for every exchange', function () {
    const views = (rec: Recorded): View[] =>
      rec.traces.map((spans) => view(translate(spans), rec.port));
    assert.deepEqual(views(old), views(stable));
  });

  it('old era: response.content_length from http.response_content_length_uncompressed', function () {
    const t = translate(old.traces[0] ?? []);
    const client = old.traces[0]?.find((s) => s.kind === SpanKind.CLIENT);
    assert.equal(client?.attributes['http.response_content_length_uncompressed'], 2);
    const res = obj(obj(t.client.http, 'client http').response, 'client response');
    assert.equal(res.content_length, 2, 'the body "ok" is 2 bytes');
  });
});
