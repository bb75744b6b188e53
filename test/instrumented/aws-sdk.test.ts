/**
 * Real `@opentelemetry/instrumentation-aws-sdk` spans from the real AWS SDK v3
 * clients, against local servers (dynalite for DynamoDB, a stub speaking the
 * SQS JSON protocol), translated and checked against docs/attribute-mapping.md.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Tracer } from '@opentelemetry/api';
import { SpanKind } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { toSegmentDocuments } from '../../src/index.js';
import type { InstrumentedAwsSdk } from '../helpers/aws.js';
import { instrumentedAwsSdk } from '../helpers/aws.js';
import { Collector } from '../helpers/collector.js';
import { assertValidDocument, walk } from '../helpers/validate.js';

const require = createRequire(import.meta.url);

type Obj = Record<string, unknown>;

const SERVICE = 'orders-api';
const REGION = 'us-west-2';
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'fake-secret-key' };
const HEX16 = /^[0-9a-f]{16}$/;

interface Run<T> {
  /** What `send()` resolved to, or undefined when it rejected. */
  result: T | undefined;
  error: (Error & { $metadata?: { httpStatusCode?: number } }) | undefined;
  /** Every span of the call's trace. */
  spans: ReadableSpan[];
}

interface Call<T> extends Run<T> {
  /** The instrumentation's span for the call. */
  span: ReadableSpan;
  /** The subsegment it became, below the caller's segment. */
  sub: Obj;
  docs: Obj[];
}

function obj(v: unknown, what: string): Obj {
  assert.ok(typeof v === 'object' && v !== null && !Array.isArray(v), `${what} is an object`);
  return v as Obj;
}

/**
 * Runs `send` inside a local root span, as an app handling a request does, so
 * the AWS call is a subsegment of the app's segment.
 */
async function run<T>(
  tracer: Tracer,
  collector: Collector,
  send: () => Promise<T>,
): Promise<Run<T>> {
  let result: T | undefined;
  let error: Error | undefined;
  const traceId = await tracer.startActiveSpan('handle order', async (root) => {
    try {
      result = await send();
    } catch (err) {
      error = err as Error;
    } finally {
      root.end();
    }
    return root.spanContext().traceId;
  });
  const spans = collector.spans.filter((s) => s.spanContext().traceId === traceId);
  return { result, error, spans };
}

/** Translates a run's trace and finds the AWS call's subsegment. */
function translate<T>(r: Run<T>): Call<T> {
  const awsSpans = r.spans.filter(
    (s) => s.instrumentationScope.name === '@opentelemetry/instrumentation-aws-sdk',
  );
  assert.equal(awsSpans.length, 1, 'the AWS SDK instrumentation made one span for the call');
  const span = awsSpans[0] as ReadableSpan;
  assert.equal(
    span.attributes['rpc.system'],
    'aws-api',
    'the client is patched (its span has rpc.system aws-api)',
  );
  const docs = toSegmentDocuments(r.spans, { workingDirectory: process.cwd() }) as unknown as Obj[];
  for (const d of docs) assertValidDocument(d);
  const sub = docs
    .flatMap((d) => [...walk(d)])
    .find((n) => n.node.id === span.spanContext().spanId)?.node;
  assert.ok(sub !== undefined, 'the AWS span is in the documents');
  const root = docs.find((d) => d.parent_id === undefined);
  assert.ok(root !== undefined, 'the local root is a segment');
  assert.equal(root.name, SERVICE, 'the segment is named by service.name');
  assert.ok(
    Array.isArray(root.subsegments) && root.subsegments.includes(sub),
    'the AWS subsegment is nested in the root segment (its parent is in the same export)',
  );
  assert.equal(sub.type, undefined, 'a nested subsegment has no type');
  return { ...r, span, sub, docs };
}

async function call<T>(
  tracer: Tracer,
  collector: Collector,
  send: () => Promise<T>,
): Promise<Call<T>> {
  return translate(await run(tracer, collector, send));
}

function aws(sub: Obj): Obj {
  return obj(sub.aws, 'the aws block');
}

function metadataKeys(sub: Obj): string[] {
  const md = sub.metadata as { default?: Obj } | undefined;
  return Object.keys(md?.default ?? {});
}

describe('instrumentation-aws-sdk: real AWS SDK v3 calls', function () {
  const collector = new Collector();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': SERVICE }),
    spanProcessors: [collector],
  });
  const tracer = provider.getTracer('aws-sdk.test');
  let sdk: InstrumentedAwsSdk;

  before(function () {
    sdk = instrumentedAwsSdk(provider);
  });

  after(async function () {
    await provider.shutdown();
  });

  describe('DynamoDB against dynalite', function () {
    let dynalite: Server;
    let client: DynamoDBClient;
    let createTable: Run<unknown>;

    before(async function () {
      const dynaliteFactory = require('dynalite') as (options: object) => Server;
      dynalite = dynaliteFactory({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
      dynalite.listen(0, '127.0.0.1');
      await once(dynalite, 'listening');
      const port = (dynalite.address() as AddressInfo).port;
      client = new sdk.dynamodb.DynamoDBClient({
        endpoint: `http://127.0.0.1:${port}`,
        region: REGION,
        credentials: CREDENTIALS,
        maxAttempts: 1,
      });
      const { CreateTableCommand } = sdk.dynamodb;
      for (const TableName of ['orders', 'users']) {
        const made = await run(tracer, collector, () =>
          client.send(
            new CreateTableCommand({
              TableName,
              AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
              KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
              BillingMode: 'PAY_PER_REQUEST',
            }),
          ),
        );
        assert.equal(made.error, undefined, `CreateTable ${TableName} succeeded`);
        if (TableName === 'orders') createTable = made;
      }
      const put = await run(tracer, collector, () =>
        client.send(
          new sdk.dynamodb.PutItemCommand({
            TableName: 'users',
            Item: { id: { S: 'u1' }, name: { S: 'Ada' } },
          }),
        ),
      );
      assert.equal(put.error, undefined, 'PutItem users succeeded');
    });

    after(async function () {
      client?.destroy();
      if (dynalite !== undefined) {
        dynalite.close();
        await once(dynalite, 'close');
      }
    });

    it('CreateTable: a DynamoDB subsegment with operation, region, request ID and table', function () {
      const { sub, result } = translate(createTable);
      assert.equal(sub.name, 'DynamoDB');
      assert.equal(sub.namespace, 'aws');
      const a = aws(sub);
      assert.equal(a.operation, 'CreateTable');
      assert.equal(a.region, REGION);
      assert.equal(a.table_name, 'orders');
      const requestId = (result as { $metadata: { requestId?: string } }).$metadata.requestId;
      assert.ok(requestId, 'dynalite returned a request ID');
      assert.equal(a.request_id, requestId);
    });

    it('PutItem: name DynamoDB, namespace aws, aws.{operation, region, request_id, table_name}, http status', async function () {
      const { sub, result, span } = await call(tracer, collector, () =>
        client.send(
          new sdk.dynamodb.PutItemCommand({
            TableName: 'orders',
            Item: { id: { S: 'o-1' }, total: { N: '42' } },
          }),
        ),
      );
      assert.equal(span.kind, SpanKind.CLIENT);
      assert.equal(sub.name, 'DynamoDB', 'named by rpc.service, not the span name');
      assert.equal(sub.namespace, 'aws');
      const a = aws(sub);
      assert.equal(a.operation, 'PutItem');
      assert.equal(a.region, REGION, 'aws.region from cloud.region');
      const requestId = (result as { $metadata: { requestId?: string } }).$metadata.requestId;
      assert.ok(requestId, 'dynalite returned a request ID');
      assert.equal(a.request_id, requestId, 'aws.request_id from aws.request.id');
      assert.equal(a.table_name, 'orders');
      assert.equal(a.table_names, undefined, 'one table: table_name only');
      assert.equal(obj(obj(sub.http, 'http').response, 'http.response').status, 200);
      assert.equal(sub.sql, undefined, 'DynamoDB is not SQL: no sql block');
      for (const flag of ['error', 'fault', 'throttle']) {
        assert.equal(sub[flag], undefined, `no ${flag} flag on a success`);
      }
      assert.equal(sub.cause, undefined, 'no cause on a success');
      const md = metadataKeys(sub);
      for (const mapped of ['cloud.region', 'aws.request.id', 'http.response.status_code']) {
        assert.ok(!md.includes(mapped), `mapped attribute ${mapped} is not left in metadata`);
      }
    });

    it('GetItem: operation GetItem on the table', async function () {
      const { sub, result } = await call(tracer, collector, () =>
        client.send(
          new sdk.dynamodb.GetItemCommand({ TableName: 'users', Key: { id: { S: 'u1' } } }),
        ),
      );
      assert.deepEqual(
        (result as { Item?: unknown }).Item,
        { id: { S: 'u1' }, name: { S: 'Ada' } },
        'dynalite served the item',
      );
      assert.equal(sub.name, 'DynamoDB');
      assert.equal(sub.namespace, 'aws');
      const a = aws(sub);
      assert.equal(a.operation, 'GetItem');
      assert.equal(a.region, REGION);
      assert.equal(a.table_name, 'users');
      assert.equal(typeof a.request_id, 'string', 'request_id is set');
      assert.equal(obj(obj(sub.http, 'http').response, 'http.response').status, 200);
    });

    it('GetItem on a missing table: error (400), no fault, cause with the exception type', async function () {
      const { sub, error, span } = await call(tracer, collector, () =>
        client.send(
          new sdk.dynamodb.GetItemCommand({ TableName: 'no-such-table', Key: { id: { S: 'x' } } }),
        ),
      );
      assert.ok(error !== undefined, 'the call failed');
      assert.equal(error.name, 'ResourceNotFoundException');
      assert.equal(error.$metadata?.httpStatusCode, 400);
      assert.equal(span.status.code, 2, 'the instrumentation set status ERROR');
      assert.equal(sub.name, 'DynamoDB');
      assert.equal(sub.namespace, 'aws');
      assert.equal(sub.error, true, '4xx → error');
      assert.equal(sub.fault, undefined, 'status ERROR with a 4xx status is not a fault');
      assert.equal(sub.throttle, undefined, '400 is not a throttle');
      assert.equal(obj(obj(sub.http, 'http').response, 'http.response').status, 400);
      const a = aws(sub);
      assert.equal(a.operation, 'GetItem');
      assert.equal(a.table_name, 'no-such-table');
      assert.equal(a.region, REGION);
      const cause = obj(sub.cause, 'cause');
      assert.equal(cause.working_directory, process.cwd());
      assert.ok(Array.isArray(cause.exceptions), 'cause.exceptions is an array');
      assert.equal(cause.exceptions.length, 1, 'one exception event, one exception');
      const ex = obj(cause.exceptions[0], 'the exception');
      assert.match(String(ex.id), HEX16);
      assert.equal(ex.type, 'ResourceNotFoundException');
      assert.equal(ex.message, error.message);
      assert.equal(ex.remote, true, 'an exception on a CLIENT span is remote');
      assert.ok(
        Array.isArray(ex.stack) && ex.stack.length > 0,
        'the SDK error stack is parsed into frames',
      );
      for (const f of ex.stack as Obj[]) {
        assert.ok(
          typeof f.path === 'string' && f.path !== '',
          `frame has a path: ${String(f.path)}`,
        );
        assert.ok(
          Number.isInteger(f.line) && (f.line as number) > 0,
          `frame has a line: ${f.line}`,
        );
      }
    });

    it('BatchGetItem over two tables: table_names with both', async function () {
      const { sub } = await call(tracer, collector, () =>
        client.send(
          new sdk.dynamodb.BatchGetItemCommand({
            RequestItems: {
              orders: { Keys: [{ id: { S: 'o-1' } }] },
              users: { Keys: [{ id: { S: 'u1' } }] },
            },
          }),
        ),
      );
      assert.equal(sub.name, 'DynamoDB');
      assert.equal(sub.namespace, 'aws');
      const a = aws(sub);
      assert.equal(a.operation, 'BatchGetItem');
      assert.equal(a.region, REGION);
      assert.deepEqual(a.table_names, ['orders', 'users']);
      assert.equal(a.table_name, undefined, 'several tables: table_names only');
      assert.equal(typeof a.request_id, 'string', 'request_id is set');
      assert.equal(obj(obj(sub.http, 'http').response, 'http.response').status, 200);
    });
  });

  describe('SQS against a local stub of the SQS JSON protocol', function () {
    let stub: Server;
    let client: SQSClient;
    let queueUrl: string;
    const received: Array<{ target: string | undefined; body: Obj }> = [];

    before(async function () {
      let n = 0;
      stub = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const target = req.headers['x-amz-target'] as string | undefined;
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Obj;
          received.push({ target, body });
          res.setHeader('content-type', 'application/x-amz-json-1.0');
          res.setHeader('x-amzn-requestid', `sqs-request-${++n}`);
          if (target !== 'AmazonSQS.SendMessage' || typeof body.MessageBody !== 'string') {
            res.statusCode = 400;
            res.end(JSON.stringify({ __type: 'InvalidAction', message: `unexpected ${target}` }));
            return;
          }
          res.end(
            JSON.stringify({
              MessageId: `message-${n}`,
              MD5OfMessageBody: createHash('md5').update(body.MessageBody).digest('hex'),
            }),
          );
        });
      });
      stub.listen(0, '127.0.0.1');
      await once(stub, 'listening');
      const port = (stub.address() as AddressInfo).port;
      queueUrl = `http://127.0.0.1:${port}/123456789012/orders`;
      client = new sdk.sqs.SQSClient({
        endpoint: `http://127.0.0.1:${port}`,
        region: REGION,
        credentials: CREDENTIALS,
        maxAttempts: 1,
      });
    });

    after(async function () {
      client?.destroy();
      if (stub !== undefined) {
        stub.close();
        await once(stub, 'close');
      }
    });

    it('SendMessage: subsegment SQS, namespace aws, aws.queue_url, operation, region, request ID', async function () {
      const { sub, span, error, result } = await call(tracer, collector, () =>
        client.send(
          new sdk.sqs.SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'order 7 placed' }),
        ),
      );
      assert.equal(error, undefined, `SendMessage succeeded: ${String(error)}`);
      assert.equal((result as { MessageId?: string }).MessageId, 'message-1');
      assert.equal(received[0]?.target, 'AmazonSQS.SendMessage', 'the stub got a SendMessage');
      assert.equal(
        span.kind,
        SpanKind.PRODUCER,
        'instrumentation-aws-sdk makes SendMessage a PRODUCER',
      );
      assert.equal(sub.name, 'SQS', 'named by rpc.service, not "orders send"');
      assert.equal(sub.namespace, 'aws', 'an AWS SDK call is namespace aws, even as a PRODUCER');
      const a = aws(sub);
      assert.equal(a.queue_url, queueUrl, 'queue_url from url.full on an SQS call');
      assert.equal(a.operation, 'SendMessage');
      assert.equal(a.region, REGION);
      assert.equal(a.request_id, 'sqs-request-1');
      assert.equal(a.table_name, undefined);
      for (const flag of ['error', 'fault', 'throttle']) {
        assert.equal(sub[flag], undefined, `no ${flag} flag on a success`);
      }
    });
  });
});
