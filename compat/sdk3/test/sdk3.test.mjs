// otel-xray (packed tarball) with the OpenTelemetry SDK 3.x line on Node 24:
// the real TracerProvider and BatchSpanProcessor from @opentelemetry/sdk-trace,
// the real http and aws-sdk instrumentations, DynamoDB against dynalite, and the
// datagrams checked by a real UDP listener that applies the daemon's rule.
/* global describe, it, before, after -- mocha */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  defaultTextMapGetter,
  defaultTextMapSetter,
  trace,
} from '@opentelemetry/api';
import { AWSXRayIdGenerator, AWSXRayPropagator, toSegmentDocuments } from 'otel-xray';
import { startDynalite } from '../../lib/dynalite.mjs';
import {
  SERVICE,
  daemon,
  dynamodb,
  exporter,
  http,
  otelXrayCjs,
  provider,
  tracer,
} from './harness.mjs';

const REGION = 'us-west-2';
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'fake-secret-key' };
const HEX16 = /^[0-9a-f]{16}$/;
const XRAY_TRACE_ID = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;

/** The X-Ray form of an OTel trace ID. */
const xrayTraceId = (otel) => `1-${otel.slice(0, 8)}-${otel.slice(8)}`;

/** Received nodes of one trace (X-Ray trace ID). */
const nodesOf = (traceId) => daemon.spans.filter((s) => s.traceId === traceId);
const named = (traceId, name) => nodesOf(traceId).filter((s) => s.node.name === name);

/** An http server on 127.0.0.1 (instrumented), resolving with its port. */
async function listen(handler) {
  const server = http.createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/** An outgoing request through the instrumented http client; resolves with the body. */
function get(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      })
      .on('error', reject);
  });
}

describe('otel-xray with the OpenTelemetry SDK 3.x line (Node 24)', function () {
  let ddb;
  let client;
  let api;
  let inventory;
  /** Headers the inventory service received. */
  const inventoryHeaders = [];

  before(async function () {
    assert.ok(
      Number(process.versions.node.split('.')[0]) >= 22,
      `runs on Node >= 22.15 (SDK 3.x needs it), got ${process.version}`,
    );
    ddb = await startDynalite();
    client = new dynamodb.DynamoDBClient({
      endpoint: ddb.endpoint,
      region: REGION,
      credentials: CREDENTIALS,
      maxAttempts: 1,
    });
    await client.send(
      new dynamodb.CreateTableCommand({
        TableName: 'orders',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await client.send(
      new dynamodb.PutItemCommand({
        TableName: 'orders',
        Item: { id: { S: 'o1' }, sku: { S: 'kettle' } },
      }),
    );

    inventory = await listen((req, res) => {
      inventoryHeaders.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ sku: 'kettle', stock: 3 }));
    });
    const inventoryPort = inventory.address().port;

    api = await listen(async (req, res) => {
      try {
        const order = await tracer.startActiveSpan('load order', async (span) => {
          try {
            span.setAttributes({
              'order.id': 'o1',
              // SDK 3.x / API 1.10 "AnyValue" attributes: not possible with SDK 2.x.
              'order.details': { sku: 'kettle', lines: [{ qty: 2, gift: true }], note: 'x"y' },
              'order.checksum': new Uint8Array([1, 2, 3, 255]),
              'order.mixed': ['a', 1, true],
              'order.coupon': null,
            });
            const out = await client.send(
              new dynamodb.GetItemCommand({ TableName: 'orders', Key: { id: { S: 'o1' } } }),
            );
            return out.Item;
          } finally {
            span.end();
          }
        });
        const stock = await get(`http://localhost:${inventoryPort}/stock/${order.sku.S}`);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ order: order.id.S, stock: JSON.parse(stock.body).stock }));
      } catch (err) {
        res.writeHead(500);
        res.end(String(err));
      }
    });
  });

  after(async function () {
    for (const server of [api, inventory]) {
      server?.close();
      server?.closeAllConnections();
    }
    client?.destroy();
    await ddb?.stop();
  });

  describe('the packed tarball', function () {
    it('packs the tarball build (the ESM and CJS entry points are the same API)', function () {
      for (const name of [
        'AWSXRaySpanExporter',
        'AWSXRayPropagator',
        'AWSXRayLambdaPropagator',
        'AWSXRayIdGenerator',
        'toSegmentDocuments',
        'translateSpans',
      ]) {
        assert.equal(typeof otelXrayCjs[name], 'function', `require('otel-xray').${name}`);
      }
    });
  });

  describe('a request through http server, DynamoDB and an http client', function () {
    const upstreamTrace = `1-${Math.floor(Date.now() / 1000).toString(16)}-${'a1b2c3d4e5f6a7b8c9d0e1f2'}`;
    const upstreamParent = '53995c3f42cd8ad8';
    let response;
    let segment;
    let downstream;

    before(async function () {
      await provider.forceFlush();
      daemon.reset();
      // An upstream (an ALB, another service) sends X-Amzn-Trace-Id; fetch is not
      // instrumented by instrumentation-http, so no span of ours starts here.
      const res = await fetch(`http://127.0.0.1:${api.address().port}/orders/o1`, {
        headers: { 'X-Amzn-Trace-Id': `Root=${upstreamTrace};Parent=${upstreamParent};Sampled=1` },
      });
      response = { status: res.status, body: await res.json() };
      await provider.forceFlush();
      // api SERVER + load order + DynamoDB + http CLIENT + inventory SERVER
      await daemon.waitForSpans(5);
      segment = daemon.documents.find((d) => d.parent_id === upstreamParent);
      downstream = daemon.documents.find(
        (d) => d !== segment && d.type === undefined && d.trace_id === upstreamTrace,
      );
    });

    it('the app answered', function () {
      assert.deepEqual(response, { status: 200, body: { order: 'o1', stock: 3 } });
    });

    it('every datagram passed the daemon rule and X-Ray document checks', function () {
      assert.deepEqual(daemon.rejected, []);
      assert.ok(daemon.datagrams.length >= 1);
      for (const d of daemon.datagrams) assert.ok(d.bytes <= 65_507);
    });

    it('the SERVER span is a segment continuing the upstream trace (AWSXRayPropagator extract)', function () {
      assert.ok(segment, 'a segment whose parent_id is the upstream Parent');
      assert.equal(segment.trace_id, upstreamTrace);
      assert.equal(segment.name, SERVICE);
      assert.equal(segment.type, undefined);
      assert.equal(segment.http.request.method, 'GET');
      assert.match(segment.http.request.url, /^http:\/\/127\.0\.0\.1:\d+\/orders\/o1$/);
      assert.equal(segment.http.response.status, 200);
      assert.equal(segment.namespace, undefined);
    });

    it('the local span, the DynamoDB call and the http call are nested subsegments', function () {
      const load = segment.subsegments.find((s) => s.name === 'load order');
      assert.ok(load, 'load order subsegment');
      assert.equal(load.namespace, undefined);
      const ddbSub = load.subsegments?.find((s) => s.name === 'DynamoDB');
      assert.ok(ddbSub, 'DynamoDB subsegment below load order');
      assert.equal(ddbSub.namespace, 'aws');
      assert.equal(ddbSub.aws.operation, 'GetItem');
      assert.equal(ddbSub.aws.table_name, 'orders');
      assert.equal(ddbSub.aws.region, REGION);
      assert.match(String(ddbSub.aws.request_id), /\S/);
      assert.equal(ddbSub.error, undefined);
      assert.equal(ddbSub.fault, undefined);

      const remote = segment.subsegments.find((s) => s.namespace === 'remote');
      assert.ok(remote, 'http CLIENT subsegment');
      assert.equal(remote.name, 'localhost', 'remote calls are named by host, not "GET"');
      assert.equal(remote.http.request.method, 'GET');
      assert.match(remote.http.request.url, /^http:\/\/localhost:\d+\/stock\/kettle$/);
      assert.equal(remote.http.response.status, 200);
      for (const n of [load, ddbSub, remote]) {
        assert.match(n.id, HEX16);
        assert.ok(n.start_time >= segment.start_time && n.end_time <= segment.end_time + 1e-3);
      }
    });

    it('AWSXRayPropagator injected X-Amzn-Trace-Id on the outgoing call', function () {
      assert.equal(inventoryHeaders.length, 1);
      const remote = segment.subsegments.find((s) => s.namespace === 'remote');
      assert.equal(
        inventoryHeaders[0]['x-amzn-trace-id'],
        `Root=${upstreamTrace};Parent=${remote.id};Sampled=1`,
      );
      assert.equal(inventoryHeaders[0].traceparent, undefined, 'only the X-Ray propagator is set');
    });

    it('the downstream SERVER span is its own segment, parented on the client subsegment', function () {
      assert.ok(downstream, 'the inventory segment');
      const remote = segment.subsegments.find((s) => s.namespace === 'remote');
      assert.equal(downstream.parent_id, remote.id);
      assert.equal(downstream.name, SERVICE);
      assert.equal(downstream.http.response.status, 200);
    });

    it('SDK 3-only attribute values (nested map, Uint8Array, mixed array, null) arrive as JSON', function () {
      const load = segment.subsegments.find((s) => s.name === 'load order');
      assert.deepEqual(load.annotations, { order_id: 'o1' }, 'indexedAttributes -> annotation');
      const md = load.metadata.default;
      assert.deepEqual(
        { ...md['order.details'] },
        {
          sku: 'kettle',
          lines: [{ qty: 2, gift: true }],
          note: 'x"y',
        },
      );
      assert.equal(md['order.checksum'], Buffer.from([1, 2, 3, 255]).toString('base64'));
      assert.deepEqual(md['order.mixed'], ['a', 1, true]);
      assert.equal(md['order.coupon'], null, 'a null attribute (an empty AnyValue) stays null');
    });
  });

  describe('a new trace (no upstream)', function () {
    it('AWSXRayIdGenerator as the SDK 3 idGenerator: X-Ray trace IDs with the current time', async function () {
      const before = Math.floor(Date.now() / 1000);
      const otelTraceId = tracer.startActiveSpan(
        'nightly job',
        { kind: SpanKind.INTERNAL },
        (span) => {
          span.end();
          return span.spanContext().traceId;
        },
      );
      await provider.forceFlush();
      const id = xrayTraceId(otelTraceId);
      await daemon.waitFor(() => named(id, SERVICE).length === 1, 'the job segment');
      const seg = named(id, SERVICE)[0].node;
      assert.match(seg.trace_id, XRAY_TRACE_ID);
      const epoch = parseInt(seg.trace_id.slice(2, 10), 16);
      assert.ok(epoch >= before - 1 && epoch <= Date.now() / 1000 + 1, `trace ID time ${epoch}`);
      assert.equal(seg.parent_id, undefined);
      const gen = new AWSXRayIdGenerator();
      assert.match(gen.generateTraceId(), /^[0-9a-f]{32}$/);
      assert.match(gen.generateSpanId(), HEX16);
    });

    it('a failed DynamoDB call: error flags and a cause with a parsed exception', async function () {
      const otelTraceId = await tracer.startActiveSpan('lookup', async (span) => {
        try {
          await client.send(
            new dynamodb.GetItemCommand({ TableName: 'missing', Key: { id: { S: 'x' } } }),
          );
        } catch (err) {
          span.recordException(err);
          span.setStatus({ code: SpanStatusCode.ERROR, message: err.name });
        } finally {
          span.end();
        }
        return span.spanContext().traceId;
      });
      await provider.forceFlush();
      const id = xrayTraceId(otelTraceId);
      await daemon.waitFor(() => named(id, 'DynamoDB').length === 1, 'the DynamoDB subsegment');
      const sub = named(id, 'DynamoDB')[0].node;
      assert.equal(sub.namespace, 'aws');
      assert.equal(sub.aws.operation, 'GetItem');
      assert.equal(sub.aws.table_name, 'missing');
      assert.equal(sub.http?.response?.status, 400);
      assert.equal(sub.error, true, '4xx -> error');
      assert.equal(sub.fault, undefined);
      const seg = named(id, SERVICE)[0].node;
      assert.equal(seg.fault, true, 'status ERROR without HTTP status -> fault');
      const ex = seg.cause.exceptions[0];
      assert.equal(ex.type, 'ResourceNotFoundException');
      assert.match(ex.id, HEX16);
      assert.ok(Array.isArray(ex.stack) && ex.stack.length > 0, 'a parsed Node stack');
    });

    it('toSegmentDocuments reads SDK 3 ReadableSpans (pure translation)', async function () {
      const spans = [];
      const collect = {
        export(batch, done) {
          spans.push(...batch);
          done({ code: 0 });
        },
        shutdown: () => Promise.resolve(),
      };
      const { TracerProvider, SimpleSpanProcessor } = await import('@opentelemetry/sdk-trace');
      const { resourceFromAttributes } = await import('@opentelemetry/resources');
      const p = new TracerProvider({
        resource: resourceFromAttributes({ 'service.name': 'pure' }),
        idGenerator: new AWSXRayIdGenerator(),
        spanProcessors: [new SimpleSpanProcessor({ exporter: collect })],
      });
      const t = p.getTracer('pure');
      t.startActiveSpan('root', (root) => {
        t.startSpan('child', { attributes: { 'a.map': { b: [1, { c: null }] } } }).end();
        root.end();
      });
      await p.shutdown();
      assert.equal(spans.length, 2);
      const docs = toSegmentDocuments(spans);
      assert.equal(docs.length, 1);
      const [doc] = JSON.parse(JSON.stringify(docs));
      assert.equal(doc.name, 'pure');
      assert.equal(doc.subsegments[0].name, 'child');
      assert.deepEqual(doc.subsegments[0].metadata.default['a.map'], { b: [1, { c: null }] });
    });
  });

  describe('after all of the above', function () {
    it('exporter stats: everything received was sent, nothing invalid, failed or dropped', async function () {
      await provider.forceFlush();
      const stats = exporter.getStats();
      assert.ok(stats.spansReceived > 0);
      assert.equal(stats.spansSent, stats.spansReceived, JSON.stringify(stats));
      assert.equal(stats.socketErrors, 0);
      assert.equal(stats.datagramsRefused, 0);
      const dropped = Object.values(stats.dropped).reduce((a, b) => a + b, 0);
      assert.equal(dropped, 0, JSON.stringify(stats.dropped));
    });

    it('AWSXRayPropagator round-trips a header through the API 1.10 context', function () {
      const prop = new AWSXRayPropagator();
      const header = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
      const ctx = prop.extract(ROOT_CONTEXT, { 'x-amzn-trace-id': header }, defaultTextMapGetter);
      const sc = trace.getSpanContext(ctx);
      assert.equal(sc.traceId, '5759e988bd862e3fe1be46a994272793');
      assert.equal(sc.spanId, '53995c3f42cd8ad8');
      assert.equal(sc.isRemote, true);
      const out = {};
      prop.inject(ctx, out, defaultTextMapSetter);
      assert.equal(out['X-Amzn-Trace-Id'] ?? out['x-amzn-trace-id'], header);
      assert.deepEqual(
        prop.fields().map((f) => f.toLowerCase()),
        ['x-amzn-trace-id'],
      );
    });
  });
});
