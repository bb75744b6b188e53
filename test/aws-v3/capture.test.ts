/**
 * captureAWSv3Client (src/instrument/aws-v3.ts) with the real AWS SDK v3.
 *
 * This mocha process enables instrumentation-aws-sdk (test/helpers/aws.ts),
 * which wraps every client's send() and makes the helper step aside. So the
 * helper's own behaviour is checked in a child process that never registers
 * the instrumentation (test/fixtures/aws-v3/app.ts): real DynamoDB client,
 * dynalite behind a small HTTP proxy that records what went over the wire,
 * the exporter sending to a real UDP listener here. Only the "steps aside"
 * case runs in this process, where the instrumentation is real.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { captureAWSv3Client, toSegmentDocuments } from '../../src/index.js';
import { instrumentedAwsSdk } from '../helpers/aws.js';
import { TestDaemon } from '../helpers/daemon.js';
import type { ReceivedSpan } from '../helpers/daemon.js';
import { assertValidDocument, walk } from '../helpers/validate.js';
import type { Event } from '../setup/process.js';
import { startNode } from '../setup/process.js';

const require = createRequire(import.meta.url);
const FIXTURE = fileURLToPath(new URL('../fixtures/aws-v3/app.ts', import.meta.url));
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'fake-secret-key' };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null;

/** One DynamoDB request as the proxy saw it, with dynalite's answer. */
interface WireRequest {
  /** `X-Amz-Target`, e.g. "DynamoDB_20120810.GetItem". */
  target: string | undefined;
  body: Obj;
  /** Every `X-Amzn-Trace-Id` header line (none, one, or a duplicate). */
  traceHeaders: string[];
  status: number | undefined;
  /** dynalite's `x-amzn-RequestId`. */
  requestId: string | undefined;
}

/** A node:http proxy in front of dynalite that records every request. */
async function startProxy(
  targetPort: number,
): Promise<{ server: Server; endpoint: string; requests: WireRequest[] }> {
  const requests: WireRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers: IncomingHttpHeaders = { ...req.headers };
      const upstream = http.request(
        { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers },
        (up) => {
          requests.push({
            target: req.headers['x-amz-target'] as string | undefined,
            body: JSON.parse(body.toString('utf8') || '{}') as Obj,
            traceHeaders: req.headersDistinct['x-amzn-trace-id'] ?? [],
            status: up.statusCode,
            requestId: up.headers['x-amzn-requestid'] as string | undefined,
          });
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', (err) => {
        res.writeHead(502);
        res.end(String(err));
      });
      upstream.end(body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    server,
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
  };
}

async function startDynalite(): Promise<{ server: Server; endpoint: string; port: number }> {
  const dynalite = require('dynalite') as (options: object) => Server;
  const server = dynalite({ createTableMs: 0 });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return { server, port, endpoint: `http://127.0.0.1:${port}` };
}

const close = (server: Server | undefined): Promise<void> =>
  new Promise((resolve) => {
    if (server === undefined) return resolve();
    server.closeAllConnections();
    server.close(() => resolve());
  });

/** `1-5759e988-bd862e3fe1be46a994272793` for the OpenTelemetry trace ID `5759e988bd86…`. */
const xrayTraceId = (otel: string): string => `1-${otel.slice(0, 8)}-${otel.slice(8)}`;

/** The `Key.id` or `Item.id` of a DynamoDB request body. */
const itemId = (body: Obj): unknown =>
  ((body.Key ?? body.Item) as { id?: { S?: string } } | undefined)?.id?.S;

describe('captureAWSv3Client', function () {
  let dynalite: { server: Server; endpoint: string; port: number } | undefined;

  before(async function () {
    dynalite = await startDynalite();
  });

  after(async function () {
    await close(dynalite?.server);
  });

  describe('in an app without instrumentation-aws-sdk (child process, real SDK, dynalite, UDP)', function () {
    let daemon: TestDaemon | undefined;
    let proxy: Awaited<ReturnType<typeof startProxy>> | undefined;
    let events: Event[] = [];
    /** The spans the app ended, as its in-memory processor saw them. */
    let appSpans: Obj[] = [];
    let warnings: string[] = [];

    before(async function () {
      this.timeout(60_000);
      daemon = await TestDaemon.start();
      proxy = await startProxy(dynalite!.port);
      const app = startNode(['--import', 'tsx', FIXTURE, proxy.endpoint, daemon.address], {});
      const done = await app.waitFor('done', 50_000);
      const { code } = await app.exit;
      assert.equal(code, 0, `the app exited with ${code}: ${app.stderr()}`);
      events = app.events;
      appSpans = done.spans as Obj[];
      warnings = done.warnings as string[];
      // Every span the app ended went out as a document (or part of one).
      await daemon.waitForSpans(appSpans.length);
    });

    after(async function () {
      await daemon?.close();
      await close(proxy?.server);
    });

    /** The app's line for a scenario; the scenario itself must not have failed. */
    function scenario(name: string): Event & { traceId: string; rootId: string } {
      const e = events.find((x) => x.event === name);
      assert.ok(e !== undefined, `the app ran the scenario "${name}": ${JSON.stringify(events)}`);
      assert.equal(e.unexpected, undefined, `scenario "${name}" threw`);
      return e as Event & { traceId: string; rootId: string };
    }

    /** What the UDP listener received for a trace. */
    function received(traceId: string): { root: ReceivedSpan; aws: ReceivedSpan[] } {
      const spans = daemon!.spans.filter((s) => s.traceId === xrayTraceId(traceId));
      const root = spans.find((s) => s.node.name === 'capture-app');
      assert.ok(root !== undefined, `the app's segment of trace ${traceId} arrived`);
      return { root, aws: spans.filter((s) => s.node.namespace === 'aws') };
    }

    /** The one AWS subsegment of a scenario's trace, below the scenario's root span. */
    function onlyAwsCall(name: string): {
      event: Event & { traceId: string; rootId: string };
      node: Obj;
      id: string;
      span: Obj;
      wire: WireRequest[];
    } {
      const event = scenario(name);
      const { root, aws } = received(event.traceId);
      assert.equal(root.id, event.rootId, 'the segment is the root span');
      assert.equal(aws.length, 1, `one AWS subsegment in "${name}": ${JSON.stringify(aws)}`);
      const call = aws[0]!;
      assert.equal(call.parentId, event.rootId, 'the AWS call is a subsegment of the root span');
      const span = appSpans.find((s) => s.spanId === call.id);
      assert.ok(span !== undefined, 'the subsegment is the span the app ended');
      const header = new RegExp(`^Root=${xrayTraceId(event.traceId)};`);
      const wire = proxy!.requests.filter((r) => r.traceHeaders.some((h) => header.test(h)));
      return { event, node: call.node, id: call.id, span, wire };
    }

    /** The request carried exactly one X-Amzn-Trace-Id: this trace, this span as Parent. */
    function assertTraceHeader(wire: WireRequest[], traceId: string, parent: string): void {
      assert.equal(wire.length, 1, 'one request of this trace reached DynamoDB');
      assert.deepEqual(
        wire[0]!.traceHeaders,
        [`Root=${xrayTraceId(traceId)};Parent=${parent};Sampled=1`],
        'X-Amzn-Trace-Id names the AWS call span as Parent',
      );
    }

    it('every datagram is a valid X-Ray document, and none was rejected', function () {
      assert.deepEqual(daemon!.rejected, [], 'no datagram broke the daemon or X-Ray rules');
      assert.equal(
        daemon!.documents.length,
        appSpans.length,
        'one document per span (SimpleSpanProcessor exports each span alone)',
      );
      for (const doc of daemon!.documents) assertValidDocument(doc);
      assert.equal(daemon!.spans.length, appSpans.length, 'one X-Ray node per span ended');
    });

    it('returns the client and adds two middlewares to its stack', function () {
      const e = scenario('captured');
      assert.equal(e.same, true, 'captureAWSv3Client returns its argument');
      assert.deepEqual(
        e.middlewares,
        ['otelXrayCaptureAWSv3 - initialize', 'otelXrayCaptureAWSv3Header - build'],
        'the span middleware (initialize) and the header middleware (build)',
      );
    });

    it('PutItem: a DynamoDB subsegment with operation, table, region, request ID; the header on the wire', function () {
      const { event, node, id, span, wire } = onlyAwsCall('put');
      assert.equal(event.spanRequests, 1, 'the helper asked the given provider for one span');
      assert.equal(span.name, 'DynamoDB.PutItem', 'the span is named <Service>.<Operation>');
      assert.equal(span.kind, SpanKind.CLIENT, 'a CLIENT span');
      assert.equal(span.scope, 'otel-xray/aws-sdk-v3', "the helper's tracer made it");
      const attributes = span.attributes as Obj;
      assert.equal(attributes['rpc.system'], 'aws-api', 'rpc.system as instrumentation-aws-sdk');
      assert.equal(attributes['rpc.service'], 'DynamoDB', 'rpc.service');
      assert.equal(attributes['rpc.method'], 'PutItem', 'rpc.method');
      assert.equal(attributes['db.system.name'], 'dynamodb', 'db.system.name');
      assert.deepEqual(attributes['aws.dynamodb.table_names'], ['orders'], 'table names');

      assert.equal(node.name, 'DynamoDB', 'the subsegment is named after the service');
      assert.equal(node.namespace, 'aws', 'namespace aws');
      const aws = node.aws as Obj;
      assert.equal(aws.operation, 'PutItem', 'aws.operation');
      assert.equal(aws.table_name, 'orders', 'aws.table_name');
      assert.equal(aws.region, 'eu-west-1', 'aws.region');
      assertTraceHeader(wire, event.traceId, id);
      assert.equal(wire[0]!.target, 'DynamoDB_20120810.PutItem', 'the request was the PutItem');
      assert.ok(wire[0]!.requestId, 'dynalite answered with a request ID');
      assert.equal(aws.request_id, wire[0]!.requestId, "aws.request_id is dynalite's request ID");
      assert.deepEqual(node.http, { response: { status: 200 } }, 'the HTTP status');
      assert.equal(node.error ?? node.fault, undefined, 'neither error nor fault');
    });

    it('GetItem: the item comes back, and the subsegment and header are right', function () {
      const { event, node, id, wire } = onlyAwsCall('get');
      assert.equal(event.total, '42', 'the call returned the stored item');
      const aws = node.aws as Obj;
      assert.equal(aws.operation, 'GetItem', 'aws.operation');
      assert.equal(aws.table_name, 'orders', 'aws.table_name');
      assertTraceHeader(wire, event.traceId, id);
      assert.equal(wire[0]!.target, 'DynamoDB_20120810.GetItem', 'the request was the GetItem');
      assert.equal(aws.request_id, wire[0]!.requestId, 'aws.request_id');
    });

    it('a failed GetItem (missing table): error flag, 400, the exception as cause, and the request ID', function () {
      const { event, node, id, span, wire } = onlyAwsCall('missing');
      assert.equal(event.error, 'ResourceNotFoundException', 'the app got the SDK error unchanged');
      assert.equal(event.status, 400, 'with its HTTP status');
      assert.equal(node.error, true, 'a 4xx is an error');
      assert.equal(node.fault, undefined, 'not a fault');
      assert.deepEqual(node.http, { response: { status: 400 } }, 'the HTTP status');
      const cause = node.cause as { exceptions?: Array<{ type?: string; message?: string }> };
      assert.equal(cause.exceptions?.[0]?.type, 'ResourceNotFoundException', 'the exception type');
      assert.match(String(cause.exceptions?.[0]?.message), /not found/, "the exception's message");
      assert.deepEqual(
        span.status,
        { code: SpanStatusCode.ERROR, message: cause.exceptions?.[0]?.message },
        'status ERROR with the message',
      );
      assert.deepEqual(span.events, ['exception'], 'the exception is recorded as an event');
      const aws = node.aws as Obj;
      assert.equal(aws.table_name, 'missing', 'aws.table_name');
      assertTraceHeader(wire, event.traceId, id);
      assert.equal(wire[0]!.status, 400, 'dynalite answered 400');
      assert.ok(typeof event.requestId === 'string' && event.requestId !== '', 'the error has one');
      assert.equal(wire[0]!.requestId, event.requestId, "the error's request ID is dynalite's");
      assert.equal(aws.request_id, event.requestId, 'aws.request_id of the failed call');
    });

    it('BatchGetItem over two tables: aws.table_names', function () {
      const { event, node, id, wire } = onlyAwsCall('batch');
      assert.deepEqual(event.tables, ['customers', 'orders'], 'both tables answered');
      const aws = node.aws as Obj;
      assert.equal(aws.operation, 'BatchGetItem', 'aws.operation');
      assert.deepEqual(aws.table_names, ['orders', 'customers'], 'aws.table_names, in input order');
      assert.equal(aws.table_name, undefined, 'no single table_name');
      assertTraceHeader(wire, event.traceId, id);
    });

    it('is idempotent: captured twice (once with another provider), one span per call', function () {
      const { event, span } = onlyAwsCall('twice');
      assert.equal(event.same, true, 'each capture returned the client');
      assert.deepEqual(
        event.middlewares,
        ['otelXrayCaptureAWSv3 - initialize', 'otelXrayCaptureAWSv3Header - build'],
        'the stack still holds each middleware once',
      );
      const ofTrace = appSpans.filter((s) => s.traceId === event.traceId).map((s) => s.name);
      assert.deepEqual(ofTrace, [span.name, 'twice'], 'the app ended the call span and the root');
      assert.equal(event.spanRequests, 0, 'the second capture (another provider) changed nothing');
    });

    it('suppressed tracing: no span, and no trace header on the request', function () {
      const event = scenario('suppressed');
      const { aws } = received(event.traceId);
      assert.deepEqual(aws, [], 'no AWS subsegment');
      const ofTrace = appSpans.filter((s) => s.traceId === event.traceId).map((s) => s.name);
      assert.deepEqual(ofTrace, ['suppressed'], 'only the root span was made');
      assert.equal(event.spanRequests, 0, 'the helper did not even ask the provider for a span');
      const wire = proxy!.requests.filter((r) => itemId(r.body) === 'suppressed');
      assert.equal(wire.length, 1, 'the call reached DynamoDB');
      assert.deepEqual(wire[0]!.traceHeaders, [], 'without X-Amzn-Trace-Id');
    });

    it('leaves a trace header the request already has alone, and still makes the span', function () {
      const { node } = onlyAwsCall('own-header');
      assert.equal((node.aws as Obj).operation, 'GetItem', 'the call has its subsegment');
      const wire = proxy!.requests.filter((r) => itemId(r.body) === 'own-header');
      assert.equal(wire.length, 1, 'the call reached DynamoDB');
      assert.deepEqual(
        wire[0]!.traceHeaders,
        ['Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1'],
        "the app's header, unchanged and not duplicated",
      );
    });

    it('a tracer or provider that throws: the calls go on without spans, the context still propagates, diag says why once', function () {
      const event = scenario('broken');
      assert.deepEqual(event.totals, ['42', '42'], 'both calls returned the item');
      assert.equal(
        event.error,
        'ResourceNotFoundException',
        "a failed call's own error reaches the app",
      );
      const { aws } = received(event.traceId);
      assert.deepEqual(aws, [], 'no AWS subsegment');
      const header = `Root=${xrayTraceId(event.traceId)};Parent=${event.rootId};Sampled=1`;
      const wire = proxy!.requests.filter((r) => r.traceHeaders.includes(header));
      assert.equal(wire.length, 3, "each request carried the root span's context");
      const reported = warnings.filter((w) => w.includes('captureAWSv3Client: starting the span'));
      assert.equal(reported.length, 1, `reported once through diag: ${JSON.stringify(warnings)}`);
      assert.match(reported[0]!, /startSpan exploded/, 'with the reason');
    });
  });

  describe('in this process', function () {
    it('returns anything that is not an AWS SDK v3 client untouched, and never throws', function () {
      const throwingStack = {
        middlewareStack: {
          add() {
            throw new Error('add exploded');
          },
        },
      };
      const throwingIdentify = {
        middlewareStack: {
          add() {},
          identify() {
            throw new Error('identify exploded');
          },
        },
      };
      const getterThrows = Object.defineProperty({}, 'middlewareStack', {
        get() {
          throw new Error('getter exploded');
        },
      });
      const values: unknown[] = [
        undefined,
        null,
        42,
        'client',
        {},
        { middlewareStack: {} },
        { middlewareStack: { add: 'not a function' } },
        () => {},
        throwingStack,
        throwingIdentify,
        getterThrows,
      ];
      for (const value of values) {
        assert.equal(captureAWSv3Client(value), value, `returned as is: ${String(value)}`);
      }
    });

    /**
     * A stand-in for an AWS SDK v3 client: what the helper reads of one (the
     * middleware stack, `config`, `send`), so the middlewares can be driven
     * directly with any service's handler context and input.
     */
    function fakeClient(serviceId: string | undefined): {
      client: { middlewareStack: Obj; config: Obj; send: unknown };
      added: Array<{ middleware: unknown; options: Obj }>;
    } {
      const added: Array<{ middleware: unknown; options: Obj }> = [];
      const middlewareStack = {
        add(middleware: unknown, options: Obj) {
          added.push({ middleware, options });
        },
        identify: () => added.map((a) => `${String(a.options.name)} - ${String(a.options.step)}`),
      };
      const config = { serviceId, region: () => Promise.resolve('eu-west-1') };
      return { client: { middlewareStack, config, send() {} }, added };
    }

    type Next = (args: Obj) => Promise<Obj>;
    type FakeMiddleware = (next: Next, handlerContext: Obj) => Next;

    /** Runs one call through the span middleware of a captured fake client. */
    async function call(
      added: Array<{ middleware: unknown; options: Obj }>,
      handlerContext: Obj,
      input: Obj,
      next: Next,
    ): Promise<Obj> {
      const span = added.find((a) => a.options.step === 'initialize');
      assert.ok(span !== undefined, 'the span middleware was added');
      return (span.middleware as FakeMiddleware)(next, handlerContext)({ input });
    }

    const ok =
      (output: Obj = {}): Next =>
      () =>
        Promise.resolve({
          output: { ...output, $metadata: { requestId: 'REQ1', httpStatusCode: 200 } },
        });

    it('per service: the attributes that fill the X-Ray aws block', async function () {
      const memory = new InMemorySpanExporter();
      const provider = new BasicTracerProvider({
        spanProcessors: [new SimpleSpanProcessor(memory)],
      });
      const queue = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders';
      const topic = 'arn:aws:sns:eu-west-1:123456789012:events';
      const secret = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf';
      const machine = 'arn:aws:states:eu-west-1:123456789012:stateMachine:checkout';
      const cases: Array<[string | undefined, string, string, Obj, Obj, string, Obj]> = [
        // serviceId, clientName, commandName, input, output, X-Ray name, X-Ray aws block
        [
          'SQS',
          'SQSClient',
          'SendMessageCommand',
          { QueueUrl: queue },
          {},
          'SQS',
          { operation: 'SendMessage', queue_url: queue },
        ],
        [
          'S3',
          'S3Client',
          'GetObjectCommand',
          { Bucket: 'b', Key: 'k/1' },
          {},
          'S3',
          { operation: 'GetObject', bucket_name: 'b', key_name: 'k/1' },
        ],
        [
          'SNS',
          'SNSClient',
          'PublishCommand',
          { TopicArn: topic },
          {},
          'SNS',
          { operation: 'Publish', topic_arn: topic },
        ],
        [
          'SNS',
          'SNSClient',
          'CreateTopicCommand',
          { Name: 'events' },
          { TopicArn: topic },
          'SNS',
          { operation: 'CreateTopic', topic_arn: topic },
        ],
        [
          'Kinesis',
          'KinesisClient',
          'PutRecordCommand',
          { StreamName: 'clicks' },
          {},
          'Kinesis',
          { operation: 'PutRecord', stream_name: 'clicks' },
        ],
        [
          'Lambda',
          'LambdaClient',
          'InvokeCommand',
          { FunctionName: 'resize' },
          {},
          'Lambda',
          { operation: 'Invoke', function_name: 'resize' },
        ],
        [
          'Lambda',
          'LambdaClient',
          'GetFunctionCommand',
          { FunctionName: 'resize' },
          {},
          'Lambda',
          { operation: 'GetFunction' },
        ],
        [
          'Secrets Manager',
          'SecretsManagerClient',
          'GetSecretValueCommand',
          { SecretId: secret },
          {},
          'SecretsManager',
          { operation: 'GetSecretValue', secret_arn: secret },
        ],
        [
          'Secrets Manager',
          'SecretsManagerClient',
          'GetSecretValueCommand',
          { SecretId: 'db' },
          { ARN: secret },
          'SecretsManager',
          { operation: 'GetSecretValue', secret_arn: secret },
        ],
        [
          'SFN',
          'SFNClient',
          'StartExecutionCommand',
          { stateMachineArn: machine },
          {},
          'SFN',
          { operation: 'StartExecution', state_machine_arn: machine },
        ],
        [
          'DynamoDB',
          'DynamoDBClient',
          'TransactWriteItemsCommand',
          {
            TransactItems: [
              { Put: { TableName: 'a' } },
              { Update: { TableName: 'b' } },
              { Delete: { TableName: 'a' } },
            ],
          },
          {},
          'DynamoDB',
          { operation: 'TransactWriteItems', table_names: ['a', 'b'] },
        ],
        [undefined, 'FooClient', 'BarCommand', {}, {}, 'Foo', { operation: 'Bar' }],
      ];
      const tracer = provider.getTracer('test');
      for (const [serviceId, clientName, commandName, input, output, name, aws] of cases) {
        memory.reset();
        const { client, added } = fakeClient(serviceId);
        captureAWSv3Client(client, { tracerProvider: provider });
        // Inside a root span, so the call is a subsegment as in an app.
        const root = tracer.startSpan('handler');
        const result = await context.with(trace.setSpan(context.active(), root), () =>
          call(added, { clientName, commandName }, input, ok(output)),
        );
        root.end();
        assert.ok(isObj(result.output) && result.output.$metadata, 'the output is passed on');
        const calls = memory.getFinishedSpans().filter((s) => s.name !== 'handler');
        const what = `${name}.${String(aws.operation)}`;
        assert.equal(calls.length, 1, `${what}: one span`);
        assert.equal(calls[0]!.name, what, 'the span is named <Service>.<Operation>');
        const docs = toSegmentDocuments(memory.getFinishedSpans()) as unknown as Obj[];
        for (const doc of docs) assertValidDocument(doc);
        const node = docs
          .flatMap((d) => [...walk(d)].map((n) => n.node))
          .find((n) => n.id === calls[0]!.spanContext().spanId);
        assert.ok(node !== undefined, `${what}: in the documents`);
        assert.equal(node.name, name, `${what}: the X-Ray name`);
        assert.equal(node.namespace, 'aws', `${what}: namespace aws`);
        assert.deepEqual(
          node.aws,
          { ...aws, region: 'eu-west-1', request_id: 'REQ1' },
          `${what}: the aws block`,
        );
      }
      await provider.shutdown();
    });

    it('a failure that is not an Error, thrown or rejected, reaches the app unchanged and marks the span', async function () {
      const memory = new InMemorySpanExporter();
      const provider = new BasicTracerProvider({
        spanProcessors: [new SimpleSpanProcessor(memory)],
      });
      const { client, added } = fakeClient('DynamoDB');
      captureAWSv3Client(client, { tracerProvider: provider });
      const handlerContext = { clientName: 'DynamoDBClient', commandName: 'GetItemCommand' };
      const rejected = await call(added, handlerContext, {}, () =>
        Promise.reject('plain string'),
      ).then(
        () => 'resolved',
        (e: unknown) => e,
      );
      assert.equal(rejected, 'plain string', 'the rejection reason, unchanged');
      const thrown = await call(added, handlerContext, {}, () => {
        throw new RangeError('sync');
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(
        thrown instanceof RangeError && thrown.message === 'sync',
        'the thrown error, unchanged',
      );
      const spans = memory.getFinishedSpans();
      assert.deepEqual(
        spans.map((s) => [s.status.code, s.events.map((e) => e.name)]),
        [
          [SpanStatusCode.ERROR, ['exception']],
          [SpanStatusCode.ERROR, ['exception']],
        ],
        'both spans ended with status ERROR and the exception recorded',
      );
      await provider.shutdown();
    });

    it('already listed in the stack (another copy of otel-xray): nothing added', function () {
      const { client, added } = fakeClient('DynamoDB');
      added.push({
        middleware: () => {},
        options: { name: 'otelXrayCaptureAWSv3', step: 'initialize' },
      });
      captureAWSv3Client(client);
      assert.equal(added.length, 1, 'no second middleware');
    });

    it('wrapped by instrumentation-aws-sdk after the capture: the call gets no second span', async function () {
      const memory = new InMemorySpanExporter();
      const provider = new BasicTracerProvider({
        spanProcessors: [new SimpleSpanProcessor(memory)],
      });
      const { client, added } = fakeClient('DynamoDB');
      captureAWSv3Client(client, { tracerProvider: provider });
      const handlerContext = { clientName: 'DynamoDBClient', commandName: 'GetItemCommand' };
      await call(added, handlerContext, {}, ok());
      assert.equal(memory.getFinishedSpans().length, 1, 'a span while send() is not wrapped');
      // shimmer's mark on the wrapper it puts in place of send()
      client.send = Object.assign(function send() {}, { __wrapped: true });
      const result = await call(added, handlerContext, {}, ok());
      assert.ok(result.output !== undefined, 'the call went on');
      assert.equal(memory.getFinishedSpans().length, 1, 'no span once send() is wrapped');
      await provider.shutdown();
    });

    it('leaves a client that instrumentation-aws-sdk wrapped alone: one span per call, the instrumentation’s', async function () {
      const memory = new InMemorySpanExporter();
      const provider = new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': 'instrumented-app' }),
        spanProcessors: [new SimpleSpanProcessor(memory)],
      });
      const { dynamodb } = instrumentedAwsSdk(provider);
      const client = new dynamodb.DynamoDBClient({
        endpoint: dynalite!.endpoint,
        region: 'eu-west-1',
        credentials: CREDENTIALS,
        maxAttempts: 1,
      });
      try {
        const send = client.send as unknown as { __wrapped?: boolean };
        assert.equal(send.__wrapped, true, 'precondition: the instrumentation wrapped send()');
        const before = client.middlewareStack.identify();
        assert.equal(captureAWSv3Client(client, { tracerProvider: provider }), client, 'returned');
        assert.deepEqual(client.middlewareStack.identify(), before, 'no middleware was added');

        await client.send(new dynamodb.ListTablesCommand({}));
        const spans: ReadableSpan[] = memory.getFinishedSpans();
        assert.deepEqual(
          spans.map((s) => [s.name, s.instrumentationScope.name]),
          [['DynamoDB.ListTables', '@opentelemetry/instrumentation-aws-sdk']],
          'one span, from instrumentation-aws-sdk',
        );
        const docs = toSegmentDocuments(spans) as unknown as Obj[];
        for (const doc of docs) assertValidDocument(doc);
        const nodes = docs.flatMap((d) => [...walk(d)].map((n) => n.node));
        assert.equal(nodes.length, 1, 'one X-Ray node');
      } finally {
        client.destroy();
        await provider.shutdown();
      }
    });
  });
});
