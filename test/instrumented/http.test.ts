/**
 * Real instrumentation-http (0.223, stable semantic conventions) client and
 * server spans on loopback, translated and checked against
 * docs/attribute-mapping.md; and once through the UDP exporter to a test daemon.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type * as HttpNs from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Tracer } from '@opentelemetry/api';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { AWSXRaySpanExporterOptions } from '../../src/index.js';
import { AWSXRaySpanExporter, toSegmentDocuments } from '../../src/index.js';
import { TestDaemon } from '../helpers/daemon.js';
import { instrumentedHttp } from '../helpers/instrumentations.js';
import { Collector } from '../helpers/collector.js';
import { assertValidDocument, walk } from '../helpers/validate.js';

type Obj = Record<string, unknown>;
type HttpModule = typeof HttpNs;

const SERVICE = 'checkout';
const USER_AGENT = 'otel-xray-test/1.0 (+loopback)';
const HEX16 = /^[0-9a-f]{16}$/;
const HANDLER_ERROR = 'handler exploded';

interface Outcome {
  traceId: string;
  status?: number;
  error?: Error & { code?: string };
}

/**
 * One outgoing GET made inside a local root span (so the CLIENT span is a
 * subsegment of the app's segment, as when a handler calls a backend).
 */
function exchange(
  http: HttpModule,
  tracer: Tracer,
  url: string,
  headers: Record<string, string> = {},
): Promise<Outcome> {
  return tracer.startActiveSpan('place order', async (root) => {
    try {
      const outcome = await new Promise<Omit<Outcome, 'traceId'>>((resolve) => {
        const req = http.get(url, { headers }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode }));
        });
        req.on('error', (error) => resolve({ error }));
      });
      return { traceId: root.spanContext().traceId, ...outcome };
    } finally {
      root.end();
    }
  });
}

interface Translated {
  docs: Obj[];
  json: string;
  /** The local root's segment (the caller). */
  caller: Obj;
  /** The CLIENT span's node. */
  client: Obj;
  /** The SERVER span's segment, when the request reached the server. */
  server: Obj | undefined;
  spans: { all: ReadableSpan[]; client: ReadableSpan; server: ReadableSpan | undefined };
}

function obj(v: unknown, what: string): Obj {
  assert.ok(typeof v === 'object' && v !== null && !Array.isArray(v), `${what} is an object`);
  return v as Obj;
}

function translate(spans: ReadableSpan[]): Translated {
  const docs = toSegmentDocuments(spans, { workingDirectory: process.cwd() }) as unknown as Obj[];
  for (const d of docs) assertValidDocument(d);
  const node = (id: string): Obj | undefined =>
    docs.flatMap((d) => [...walk(d)]).find((n) => n.node.id === id)?.node;
  const clientSpan = spans.find((s) => s.kind === SpanKind.CLIENT);
  const serverSpan = spans.find((s) => s.kind === SpanKind.SERVER);
  const rootSpan = spans.find((s) => s.parentSpanContext === undefined);
  assert.ok(clientSpan && rootSpan, 'the trace has its root and CLIENT spans');
  const caller = docs.find((d) => d.id === rootSpan.spanContext().spanId);
  assert.ok(caller, 'the local root is a document of its own (a segment)');
  const client = node(clientSpan.spanContext().spanId);
  assert.ok(client, 'the CLIENT span is in the documents');
  assert.ok(
    Array.isArray(caller.subsegments) && caller.subsegments.includes(client),
    'the CLIENT subsegment is nested in the caller segment (same export)',
  );
  let server: Obj | undefined;
  if (serverSpan !== undefined) {
    server = docs.find((d) => d.id === serverSpan.spanContext().spanId);
    assert.ok(server, 'the SERVER span (remote parent) is a document of its own');
  }
  return {
    docs,
    json: JSON.stringify(docs),
    caller,
    client,
    server,
    spans: { all: spans, client: clientSpan, server: serverSpan },
  };
}

function http(node: Obj): { request: Obj; response: Obj | undefined } {
  const h = obj(node.http, `http block of ${String(node.name)}`);
  return {
    request: obj(h.request, 'http.request'),
    response: h.response === undefined ? undefined : obj(h.response, 'http.response'),
  };
}

function flags(node: Obj): { error?: unknown; fault?: unknown; throttle?: unknown } {
  const out: { error?: unknown; fault?: unknown; throttle?: unknown } = {};
  for (const f of ['error', 'fault', 'throttle'] as const) {
    if (node[f] !== undefined) out[f] = node[f];
  }
  return out;
}

function metadataKeys(node: Obj): string[] {
  const md = node.metadata as { default?: Obj } | undefined;
  return Object.keys(md?.default ?? {});
}

/** `[path, line]` of the first frame of `stack` whose location matches `file`. */
function rawFrame(stack: string, file: RegExp): { path: string; line: number } | undefined {
  for (const line of stack.split('\n')) {
    const m = /^\s+at (?:.*\()?(.+?):(\d+):\d+\)?$/.exec(line);
    if (m && file.test(m[1] as string)) return { path: m[1] as string, line: Number(m[2]) };
  }
  return undefined;
}

function exceptionOf(node: Obj): Obj {
  const cause = obj(node.cause, `cause of ${String(node.name)}`);
  assert.ok(
    Array.isArray(cause.exceptions) && cause.exceptions.length === 1,
    'cause.exceptions holds the one recorded exception',
  );
  return obj(cause.exceptions[0], 'cause.exceptions[0]');
}

describe('instrumentation-http: real client and server spans on loopback', function () {
  const collector = new Collector();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': SERVICE }),
    spanProcessors: [collector],
  });
  const tracer = provider.getTracer('http.test');
  let h: HttpModule;
  let server: HttpNs.Server;
  let port: number;
  let base: string;
  const thrown: unknown[] = [];

  /**
   * GET on the test server; awaits the caller, client and server spans.
   * Header names must be lower case: instrumentation-http 0.223 reads the
   * client's `user-agent` option header case-sensitively.
   */
  async function roundTrip(
    pathAndQuery: string,
    headers: Record<string, string> = {},
    url = `${base}${pathAndQuery}`,
  ): Promise<Translated & { outcome: Outcome }> {
    const outcome = await exchange(h, tracer, url, headers);
    assert.equal(outcome.error, undefined, `the request succeeded: ${String(outcome.error)}`);
    const spans = await collector.trace(outcome.traceId, 3);
    assert.equal(spans.length, 3, 'caller, CLIENT and SERVER spans');
    return { ...translate(spans), outcome };
  }

  before(async function () {
    h = instrumentedHttp(provider);
    server = h.createServer((req, res) => {
      const { pathname } = new URL(req.url ?? '/', 'http://localhost');
      if (pathname === '/throw') throw new Error(HANDLER_ERROR);
      const m = /^\/status\/(\d{3})$/.exec(pathname);
      res.statusCode = m ? Number(m[1]) : 200;
      res.end('ok');
    });
    // A handler that throws: instrumentation-http records the exception on
    // the SERVER span and rethrows. Catch it where a framework would, and
    // answer 500, instead of letting it crash the test process.
    const instrumentedEmit = server.emit as (event: string, ...args: unknown[]) => boolean;
    server.emit = function (this: HttpNs.Server, event: string, ...args: unknown[]): boolean {
      try {
        return instrumentedEmit.call(this, event, ...args);
      } catch (err) {
        if (event !== 'request') throw err;
        thrown.push(err);
        const res = args[1] as HttpNs.ServerResponse;
        res.statusCode = 500;
        res.end();
        return true;
      }
    } as typeof server.emit;
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
  });

  after(async function () {
    if (server !== undefined) {
      server.close();
      server.closeAllConnections();
      await once(server, 'close');
    }
    await provider.shutdown();
  });

  it('200: server segment and client subsegment with method, url, user agent, client IP, status', async function () {
    const t = await roundTrip('/status/200?color=red&size=10', { 'user-agent': USER_AGENT });
    assert.equal(t.outcome.status, 200);
    assert.ok(t.server, 'the server span was recorded');

    // The caller: a segment named by service.name, the client call nested.
    assert.equal(t.caller.name, SERVICE);
    assert.equal(t.caller.namespace, undefined, 'segments have no namespace');

    // The server: a segment below the client subsegment (remote parent).
    assert.equal(t.server.name, SERVICE, 'a segment is named by service.name, not "GET"');
    assert.equal(t.server.namespace, undefined, 'segments have no namespace');
    assert.equal(t.server.parent_id, t.client.id, 'the server segment continues the client call');
    assert.equal(t.server.trace_id, t.caller.trace_id);
    const s = http(t.server);
    assert.equal(s.request.method, 'GET');
    assert.equal(
      s.request.url,
      `http://127.0.0.1:${port}/status/200?color=red&size=10`,
      'server URL rebuilt from url.scheme, server.address, server.port, url.path, url.query',
    );
    assert.equal(s.request.user_agent, USER_AGENT);
    assert.equal(s.request.client_ip, '127.0.0.1');
    assert.notEqual(s.request.x_forwarded_for, true, 'no forwarding header: not forwarded');
    assert.equal(s.response?.status, 200);
    assert.equal(s.response?.content_length, undefined, 'length unknown: not written (never 0)');
    assert.deepEqual(flags(t.server), {}, 'no flags on a 200');
    assert.equal(t.server.cause, undefined);

    // The client: a remote subsegment named by host, never by method.
    assert.equal(t.client.name, '127.0.0.1', 'named by server.address, not "GET"');
    assert.equal(t.client.namespace, 'remote');
    const c = http(t.client);
    assert.equal(c.request.method, 'GET');
    assert.equal(c.request.url, `http://127.0.0.1:${port}/status/200?color=red&size=10`);
    assert.equal(c.request.user_agent, USER_AGENT);
    assert.equal(c.request.client_ip, undefined, 'client_ip is for segments only');
    assert.equal(c.request.x_forwarded_for, undefined, 'x_forwarded_for is for segments only');
    assert.equal(c.response?.status, 200);
    assert.deepEqual(flags(t.client), {}, 'no flags on a 200');
    assert.equal(t.client.cause, undefined);

    // Mapped attributes leave metadata; unmapped ones stay.
    for (const [node, keys] of [
      [t.server, ['http.request.method', 'http.response.status_code', 'user_agent.original']],
      [t.client, ['http.request.method', 'http.response.status_code', 'url.full']],
    ] as const) {
      const md = metadataKeys(node);
      for (const k of keys) assert.ok(!md.includes(k), `mapped ${k} is not left in metadata`);
      assert.ok(md.includes('network.protocol.version'), 'unmapped attributes stay in metadata');
    }
  });

  const statuses: Array<[number, { error?: true; fault?: true; throttle?: true }]> = [
    [404, { error: true }],
    [429, { error: true, throttle: true }],
    [500, { fault: true }],
  ];
  for (const [status, expected] of statuses) {
    it(`${status}: response.status and flags ${JSON.stringify(expected)} on both sides`, async function () {
      const t = await roundTrip(`/status/${status}`);
      assert.equal(t.outcome.status, status);
      assert.ok(t.server, 'the server span was recorded');
      // instrumentation-http: the CLIENT span is ERROR for every status >= 400,
      // the SERVER span only for >= 500. The flags must not depend on that.
      assert.equal(t.spans.client.status.code, SpanStatusCode.ERROR);
      for (const [side, node] of [
        ['server', t.server],
        ['client', t.client],
      ] as const) {
        assert.equal(http(node).response?.status, status, `${side} response.status`);
        assert.deepEqual(flags(node), expected, `${side} flags for ${status}`);
        assert.equal(node.cause, undefined, `${side}: no exception, no status message: no cause`);
      }
      assert.equal(t.client.name, '127.0.0.1');
      assert.equal(t.client.namespace, 'remote');
      assert.equal(http(t.client).request.url, `http://127.0.0.1:${port}/status/${status}`);
      assert.equal(http(t.server).request.url, `http://127.0.0.1:${port}/status/${status}`);
    });
  }

  it('X-Forwarded-For: client_ip is the forwarded client, x_forwarded_for is true', async function () {
    const t = await roundTrip('/status/200', { 'x-forwarded-for': '203.0.113.9, 10.0.0.1' });
    assert.ok(t.server, 'the server span was recorded');
    assert.equal(t.spans.server?.attributes['client.address'], '203.0.113.9');
    assert.equal(t.spans.server?.attributes['network.peer.address'], '127.0.0.1');
    const s = http(t.server);
    assert.equal(s.request.client_ip, '203.0.113.9', 'client.address wins');
    assert.equal(s.request.x_forwarded_for, true, 'client.address differs from the peer');
  });

  it('credentials in the URL never leave, not even as REDACTED', async function () {
    const t = await roundTrip('/x', {}, `http://user:secret@127.0.0.1:${port}/x?q=1`);
    assert.equal(t.outcome.status, 200);
    assert.match(
      String(t.spans.client.attributes['url.full']),
      /REDACTED:REDACTED@/,
      'instrumentation-http writes the userinfo as REDACTED:REDACTED@',
    );
    assert.equal(http(t.client).request.url, `http://127.0.0.1:${port}/x?q=1`);
    assert.equal(t.client.name, '127.0.0.1');
    assert.ok(!t.json.includes('secret'), 'the password appears nowhere in the documents');
    assert.ok(!t.json.includes('user:'), 'the user name appears nowhere in the documents');
    assert.ok(!t.json.includes('REDACTED'), 'the REDACTED placeholder appears nowhere');
  });

  it('a handler that throws: server fault, cause with type, message and the stack', async function () {
    thrown.length = 0;
    const t = await roundTrip('/throw?id=7');
    assert.equal(thrown.length, 1, 'the handler threw once');
    assert.equal(t.outcome.status, 500);
    assert.ok(t.server && t.spans.server, 'the server span was recorded');
    const event = t.spans.server.events.find((e) => e.name === 'exception');
    assert.ok(event, 'instrumentation-http recorded an exception event on the SERVER span');
    assert.equal(t.spans.server.status.code, SpanStatusCode.ERROR);

    assert.equal(t.server.name, SERVICE);
    assert.equal(t.server.fault, true, 'status ERROR without a 4xx status → fault');
    assert.equal(t.server.error, undefined);
    assert.equal(t.server.throttle, undefined);
    assert.equal(http(t.server).request.url, `http://127.0.0.1:${port}/throw?id=7`);
    const cause = obj(t.server.cause, 'server cause');
    assert.equal(cause.working_directory, process.cwd());
    const ex = exceptionOf(t.server);
    assert.match(String(ex.id), HEX16, 'exception id is 16 hex digits');
    assert.notEqual(ex.id, t.server.id, 'the exception id is not the span id');
    assert.equal(ex.type, 'Error');
    assert.equal(ex.message, HANDLER_ERROR);
    assert.notEqual(ex.remote, true, 'an exception in our own handler is not remote');
    assert.ok(Array.isArray(ex.stack) && ex.stack.length > 0, 'the stack is parsed into frames');
    const frames = ex.stack as Obj[];
    for (const f of frames) {
      assert.ok(typeof f.path === 'string' && f.path !== '', `frame path: ${JSON.stringify(f)}`);
      assert.ok(
        Number.isInteger(f.line) && (f.line as number) > 0,
        `frame line: ${JSON.stringify(f)}`,
      );
    }
    const raw = rawFrame(String(event.attributes?.['exception.stacktrace']), /http\.test\.ts$/);
    assert.ok(raw, 'the recorded stack has a frame in this file');
    const ours = frames.find((f) => String(f.path).endsWith('test/instrumented/http.test.ts'));
    assert.ok(ours, `a frame's path is this file: ${JSON.stringify(frames.slice(0, 3))}`);
    assert.equal(ours.line, raw.line, 'the frame carries the line of the throw');

    // Deterministic: the same spans give the same exception id.
    const again = translate(t.spans.all);
    assert.equal(exceptionOf(obj(again.server, 'server')).id, ex.id);

    // The client saw a plain 500: a fault, with no exception event and no message.
    assert.deepEqual(flags(t.client), { fault: true });
    assert.equal(t.client.cause, undefined);
  });

  it('ECONNREFUSED: client fault, remote cause of type ECONNREFUSED with parsed node: frames', async function () {
    const closed = h.createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const refusedPort = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');

    const outcome = await exchange(h, tracer, `http://127.0.0.1:${refusedPort}/refused?x=1`, {
      'user-agent': USER_AGENT,
    });
    assert.equal(outcome.error?.code, 'ECONNREFUSED', 'the connection was refused');
    const spans = await collector.trace(outcome.traceId, 2);
    assert.equal(spans.length, 2, 'caller and CLIENT spans, no server');
    const t = translate(spans);
    const event = t.spans.client.events.find((e) => e.name === 'exception');
    assert.ok(event, 'instrumentation-http recorded the error as an exception event');

    assert.equal(t.docs.length, 1, 'one document: the caller segment with its subsegment');
    assert.equal(t.client.name, '127.0.0.1', 'named by host, never "GET"');
    assert.equal(t.client.namespace, 'remote');
    const c = http(t.client);
    assert.equal(c.request.method, 'GET');
    assert.equal(c.request.url, `http://127.0.0.1:${refusedPort}/refused?x=1`);
    assert.equal(c.response?.status, undefined, 'no response, no status');
    assert.deepEqual(flags(t.client), { fault: true }, 'status ERROR, no HTTP status → fault');

    const ex = exceptionOf(t.client);
    assert.match(String(ex.id), HEX16, 'exception id is 16 hex digits');
    assert.equal(ex.type, 'ECONNREFUSED', 'exception.type is the error code');
    assert.equal(ex.message, `connect ECONNREFUSED 127.0.0.1:${refusedPort}`);
    assert.equal(ex.remote, true, 'an exception on a CLIENT span is remote');
    assert.ok(Array.isArray(ex.stack) && ex.stack.length > 0, 'the stack is parsed into frames');
    const first = obj(ex.stack[0], 'first frame');
    const raw = rawFrame(String(event.attributes?.['exception.stacktrace']), /^node:net$/);
    assert.ok(raw, 'the raw stack starts in node:net');
    assert.equal(first.path, 'node:net', 'node: internals keep their node: path');
    assert.equal(first.line, raw.line);
    assert.match(String(first.label), /afterConnect/);
  });

  describe('through AWSXRaySpanExporter to a UDP daemon', function () {
    let daemon: TestDaemon;

    before(async function () {
      daemon = await TestDaemon.start();
    });

    after(async function () {
      instrumentedHttp(provider); // aim the instrumentation back at this file's provider
      await daemon?.close();
    });

    /** One round trip with spans going to `exporter` (batched, flushed). */
    async function viaUdp(
      options: AWSXRaySpanExporterOptions,
      path: string,
      headers: Record<string, string>,
    ): Promise<void> {
      daemon.reset();
      const exporter = new AWSXRaySpanExporter({ ...options, daemonAddress: daemon.address });
      const udpCollector = new Collector();
      const udpProvider = new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': SERVICE }),
        spanProcessors: [new BatchSpanProcessor(exporter), udpCollector],
      });
      const udpHttp = instrumentedHttp(udpProvider);
      try {
        const outcome = await exchange(udpHttp, udpProvider.getTracer('udp'), `${base}${path}`, {
          'user-agent': USER_AGENT,
          ...headers,
        });
        assert.equal(outcome.error, undefined, `the request succeeded: ${String(outcome.error)}`);
        await udpCollector.trace(outcome.traceId, 3);
        await udpProvider.forceFlush();
        await daemon.waitForSpans(3);
      } finally {
        await udpProvider.shutdown();
      }
    }

    it('the datagrams pass the daemon rule and carry the same http, flags and names', async function () {
      await viaUdp({}, '/status/429?page=2', { 'x-forwarded-for': '198.51.100.4' });
      assert.deepEqual(daemon.rejected, [], 'no datagram rejected');
      assert.equal(daemon.spans.length, 3);
      assert.equal(daemon.datagrams.length, 2, 'one export: caller (with client) and server');
      const serverDoc = daemon.documents.find((d) => d.parent_id !== undefined);
      assert.ok(serverDoc, 'the server segment arrived (it has a remote parent)');
      const server = daemon.span(serverDoc.id as string);
      const client = daemon.span(serverDoc.parent_id as string);
      assert.ok(server && client, 'its parent, the client subsegment, arrived too');
      assert.equal(client.datagram, daemon.spans.find((x) => x.parentId === undefined)?.datagram);
      assert.equal(client.node.name, '127.0.0.1');
      assert.equal(client.node.namespace, 'remote');
      assert.deepEqual(flags(client.node), { error: true, throttle: true });
      assert.equal(http(client.node).request.url, `${base}/status/429?page=2`);
      assert.equal(server.node.name, SERVICE);
      assert.deepEqual(flags(server.node), { error: true, throttle: true });
      const s = http(server.node);
      assert.equal(s.request.url, `${base}/status/429?page=2`);
      assert.equal(s.request.client_ip, '198.51.100.4');
      assert.equal(s.request.x_forwarded_for, true);
      assert.equal(s.request.user_agent, USER_AGENT);
      assert.equal(s.response?.status, 429);
      for (const d of daemon.datagrams) assert.ok(d.bytes <= 65_507, 'fits one datagram');
    });

    it('exporter option indexedAttributes: a named attribute becomes an annotation', async function () {
      // Not an object literal, so that this compiles before the translation
      // options land in AWSXRaySpanExporterOptions.
      const options: AWSXRaySpanExporterOptions & { indexedAttributes: string[] } = {
        indexedAttributes: ['network.protocol.version'],
      };
      await viaUdp(options, '/status/200', {});
      const server = daemon.documents.find((d) => d.parent_id !== undefined);
      assert.ok(server, 'the server segment arrived');
      assert.deepEqual(
        server.annotations,
        { network_protocol_version: '1.1' },
        'the indexed attribute is an annotation, its key sanitised',
      );
      assert.ok(
        !metadataKeys(server).includes('network.protocol.version'),
        'an annotated attribute is not also in metadata',
      );
    });

    it('exporter option indexedAttributes: a mapped attribute (http.response.status_code) can be indexed too', async function () {
      // The spec says "an attribute becomes an annotation when its key is in
      // the indexedAttributes option", with no exception for mapped ones (the
      // collector re-adds consumed keys before annotating).
      const options: AWSXRaySpanExporterOptions & { indexedAttributes: string[] } = {
        indexedAttributes: ['http.response.status_code'],
      };
      await viaUdp(options, '/status/200', {});
      const server = daemon.documents.find((d) => d.parent_id !== undefined);
      assert.ok(server, 'the server segment arrived');
      assert.deepEqual(server.annotations, { http_response_status_code: 200 });
      assert.equal(http(server).response?.status, 200, 'and it still fills http.response.status');
    });
  });
});
