/**
 * Fixed inputs for the golden tests: spans as the SDK hands them over, with
 * the attributes real instrumentations emit (see docs/attribute-mapping.md).
 * The expected documents are in golden/<name>.json.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { TranslationOptions } from '../../src/index.js';
import type { ReadableSpanLike } from '../../src/shared/types.js';
import { makeSpan } from '../helpers/spans.js';

const T = 1_764_000_000;
const NODE_STACK = [
  'Error: connect ECONNREFUSED 127.0.0.1:9',
  '    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1611:16)',
  '    at async fetchStock (/app/src/stock.js:14:5)',
  '    at new Inventory (file:///app/src/inventory.mjs:3:11)',
  '    at C:\\app\\win.js:7:2',
].join('\n');

const EC2 = {
  'service.name': 'checkout',
  'service.version': '1.4.2',
  'cloud.provider': 'aws',
  'cloud.platform': 'aws_ec2',
  'cloud.account.id': '123456789012',
  'cloud.region': 'eu-west-1',
  'cloud.availability_zone': 'eu-west-1a',
  'host.id': 'i-0abc123',
  'host.type': 't3.micro',
  'host.image.id': 'ami-123',
  'telemetry.sdk.name': 'opentelemetry',
  'telemetry.sdk.language': 'nodejs',
  'telemetry.sdk.version': '2.12.1',
  'process.pid': 4242,
};

export interface GoldenCase {
  spans: ReadableSpanLike[];
  options?: TranslationOptions;
}

export const cases: Record<string, GoldenCase> = {
  'http-server-stable': {
    spans: [
      makeSpan({
        spanId: '0000000000000a01',
        parentSpanId: '53995c3f42cd8ad8',
        parentRemote: true,
        name: 'GET /orders/:id',
        kind: SpanKind.SERVER,
        start: [T, 1_000],
        end: [T, 250_000_000],
        resource: EC2,
        attributes: {
          'http.request.method': 'GET',
          'url.scheme': 'http',
          'server.address': 'shop.example.com',
          'server.port': 8080,
          'url.path': '/orders/7',
          'url.query': 'expand=items',
          'client.address': '203.0.113.9',
          'network.peer.address': '10.0.0.5',
          'network.peer.port': 51234,
          'user_agent.original': 'curl/8.5.0',
          'http.response.status_code': 200,
          'http.route': '/orders/:id',
          'enduser.id': 'user-17',
        },
      }),
    ],
  },
  'http-server-old': {
    spans: [
      makeSpan({
        spanId: '0000000000000a02',
        name: 'GET',
        kind: SpanKind.SERVER,
        start: [T, 0],
        end: [T, 5_000_000],
        resource: { 'service.name': 'legacy' },
        attributes: {
          'http.method': 'POST',
          'http.scheme': 'https',
          'http.host': 'legacy.example.com:8443',
          'http.target': '/api/v1/items?limit=5',
          'http.user_agent': 'okhttp/4.9',
          'http.client_ip': '198.51.100.7',
          'net.peer.ip': '10.0.0.9',
          'http.status_code': 404,
        },
      }),
    ],
  },
  'http-client-failure': {
    spans: [
      makeSpan({
        spanId: '0000000000000b02',
        parentSpanId: '0000000000000b01',
        name: 'GET',
        kind: SpanKind.CLIENT,
        start: [T, 0],
        end: [T, 3_000_000],
        status: { code: SpanStatusCode.ERROR, message: 'connect ECONNREFUSED 127.0.0.1:9' },
        attributes: {
          'http.request.method': 'GET',
          'url.full': 'http://REDACTED:REDACTED@stock.internal:9/v1/stock?sku=1',
          'server.address': 'stock.internal',
          'server.port': 9,
          'error.type': 'Error',
        },
        events: [
          {
            name: 'exception',
            time: [T, 2_000_000],
            attributes: {
              'exception.type': 'ECONNREFUSED',
              'exception.message': 'connect ECONNREFUSED 127.0.0.1:9',
              'exception.stacktrace': NODE_STACK,
            },
          },
        ],
      }),
      makeSpan({
        spanId: '0000000000000b01',
        name: 'GET /checkout',
        kind: SpanKind.SERVER,
        start: [T, 0],
        end: [T, 9_000_000],
        status: { code: SpanStatusCode.ERROR },
        attributes: {
          'http.request.method': 'GET',
          'url.scheme': 'https',
          'server.address': 'shop.example.com',
          'server.port': 443,
          'url.path': '/checkout',
          'http.response.status_code': 503,
        },
      }),
    ],
    options: { workingDirectory: '/app' },
  },
  'http-client-429': {
    spans: [
      makeSpan({
        spanId: '0000000000000c02',
        parentSpanId: '0000000000000c01',
        name: 'POST',
        kind: SpanKind.CLIENT,
        attributes: {
          'http.method': 'POST',
          'http.url': 'https://api.partner.com/v2/quote',
          'net.peer.name': 'api.partner.com',
          'http.status_code': 429,
          'http.response_content_length': 31,
        },
      }),
    ],
  },
  'aws-dynamodb': {
    spans: [
      makeSpan({
        spanId: '0000000000000d02',
        parentSpanId: '0000000000000d01',
        name: 'DynamoDB.BatchGetItem',
        kind: SpanKind.CLIENT,
        attributes: {
          'rpc.system': 'aws-api',
          'rpc.method': 'BatchGetItem',
          'rpc.service': 'DynamoDB',
          'cloud.region': 'us-west-2',
          'db.system.name': 'dynamodb',
          'db.operation.name': 'BatchGetItem',
          'aws.dynamodb.table_names': ['orders', 'customers'],
          'aws.request.id': 'RQ1ABCDEF',
          'http.response.status_code': 200,
        },
      }),
      makeSpan({
        spanId: '0000000000000d03',
        parentSpanId: '0000000000000d01',
        name: 'DynamoDB.GetItem',
        kind: SpanKind.CLIENT,
        status: { code: SpanStatusCode.ERROR, message: 'Requested resource not found' },
        attributes: {
          'rpc.system': 'aws-api',
          'rpc.method': 'GetItem',
          'rpc.service': 'DynamoDB',
          'cloud.region': 'us-west-2',
          'db.system.name': 'dynamodb',
          'db.namespace': 'missing',
          'aws.dynamodb.table_names': ['missing'],
          'aws.dynamodb.consistent_read': true,
          'http.response.status_code': 400,
        },
        events: [
          {
            name: 'exception',
            time: [T, 1],
            attributes: {
              'exception.type': 'ResourceNotFoundException',
              'exception.message': 'Requested resource not found',
            },
          },
        ],
      }),
    ],
  },
  'aws-sqs-s3-sns': {
    spans: [
      makeSpan({
        spanId: '0000000000000e02',
        parentSpanId: '0000000000000e01',
        name: 'orders send',
        kind: SpanKind.PRODUCER,
        attributes: {
          'rpc.system': 'aws-api',
          'rpc.method': 'SendMessage',
          'rpc.service': 'SQS',
          'cloud.region': 'eu-central-1',
          'messaging.system': 'aws_sqs',
          'messaging.destination.name': 'orders',
          'url.full': 'https://sqs.eu-central-1.amazonaws.com/123456789012/orders',
          'messaging.message.id': 'm-1',
        },
      }),
      makeSpan({
        spanId: '0000000000000e03',
        parentSpanId: '0000000000000e01',
        name: 'S3.PutObject',
        kind: SpanKind.CLIENT,
        attributes: {
          'rpc.system': 'aws-api',
          'rpc.method': 'PutObject',
          'rpc.service': 'S3',
          'aws.s3.bucket': 'invoices',
          'aws.request.extended_id': 'x-amz-id-2-value',
        },
      }),
      makeSpan({
        spanId: '0000000000000e04',
        parentSpanId: '0000000000000e01',
        name: 'alerts send',
        kind: SpanKind.PRODUCER,
        attributes: {
          'rpc.system': 'aws-api',
          'rpc.method': 'Publish',
          'rpc.service': 'SNS',
          'aws.sns.topic.arn': 'arn:aws:sns:eu-central-1:123456789012:alerts',
        },
      }),
    ],
  },
  'sql-postgres': {
    spans: [
      makeSpan({
        spanId: '0000000000000f02',
        parentSpanId: '0000000000000f01',
        name: 'SELECT shop.orders',
        kind: SpanKind.CLIENT,
        attributes: {
          'db.system.name': 'postgresql',
          'db.namespace': 'shop',
          'db.query.text': 'SELECT * FROM orders WHERE id = $1',
          'db.operation.name': 'SELECT',
          'server.address': 'db.internal',
          'server.port': 5432,
        },
      }),
      makeSpan({
        spanId: '0000000000000f03',
        parentSpanId: '0000000000000f01',
        name: 'pg.query:SELECT',
        kind: SpanKind.CLIENT,
        attributes: {
          'db.system': 'postgresql',
          'db.name': 'shop',
          'db.user': 'app',
          'db.statement': 'SELECT 1',
          'db.connection_string': 'postgresql://app:s3cret@db.internal:5432/shop',
          'net.peer.name': 'db.internal',
          'net.peer.port': 5432,
        },
      }),
    ],
    options: { sqlQueries: true },
  },
  annotations: {
    spans: [
      makeSpan({
        spanId: '0000000000001002',
        parentSpanId: '0000000000001001',
        name: 'price basket',
        attributes: {
          'app.customer.tier': 'gold',
          'app.items': 3,
          'app.express': true,
          'app.tags': ['a', 'b'],
          'app.ratio': NaN,
          'aws.xray.annotations': ['app.region', 'app.tags'],
          'app.region': 'emea',
          'app.note': 'not indexed',
          ['__proto__']: 'ordinary',
        } as never,
      }),
    ],
    options: { indexedAttributes: ['app.customer.tier', 'app.items', 'app.express', 'app.ratio'] },
  },
  'eks-grpc-rebuilt-url': {
    // A sampled root on EKS nodes (resource-detector-aws 2.23.0: EKS and EC2
    // detectors) carrying the X-Ray sampler's rule, with a gRPC client call and
    // an old-convention HTTP client call without a full URL.
    spans: [
      makeSpan({
        spanId: '0000000000001202',
        parentSpanId: '0000000000001201',
        name: 'grpc.inventory.Stock/Reserve',
        kind: SpanKind.CLIENT,
        start: [T, 1_000_000],
        end: [T, 4_000_000],
        attributes: {
          'rpc.system': 'grpc',
          'rpc.service': 'inventory.Stock',
          'rpc.method': 'Reserve',
          'net.peer.name': 'stock.svc.cluster.local',
          'net.peer.port': 50051,
          'rpc.grpc.status_code': 0,
        },
      }),
      makeSpan({
        spanId: '0000000000001203',
        parentSpanId: '0000000000001201',
        name: 'GET',
        kind: SpanKind.CLIENT,
        start: [T, 5_000_000],
        end: [T, 7_000_000],
        attributes: {
          'http.method': 'GET',
          'http.scheme': 'http',
          'net.peer.name': 'pricing.svc.cluster.local',
          'net.peer.port': 8080,
          'http.target': '/prices?sku=7',
          'http.status_code': 200,
        },
      }),
      makeSpan({
        spanId: '0000000000001201',
        name: 'POST /reserve',
        kind: SpanKind.SERVER,
        start: [T, 0],
        end: [T, 9_000_000],
        resource: {
          'service.name': 'orders',
          'cloud.provider': 'aws',
          'cloud.platform': 'aws_eks',
          'k8s.cluster.name': 'prod-eu',
          'k8s.pod.name': 'orders-7d9c6b5f4-xk2lp',
          'container.id': '0f1e2d3c4b5a6978',
          'container.image.tag': '2.0.1',
          'host.id': 'i-0abc123def4567890',
          'host.type': 'm5.large',
          'cloud.availability_zone': 'eu-west-1b',
          'deployment.environment.name': 'prod',
          'telemetry.sdk.name': 'opentelemetry',
          'telemetry.sdk.language': 'nodejs',
          'telemetry.sdk.version': '2.12.1',
        },
        attributes: {
          'http.request.method': 'POST',
          'url.scheme': 'http',
          'server.address': 'orders.example.com',
          'url.path': '/reserve',
          'http.response.status_code': 201,
          'aws.xray.sampling_rule': 'orders-reserve',
        },
      }),
    ],
    options: { indexedAttributes: ['otel.resource.deployment.environment.name'] },
  },
  'links-events-ecs': {
    spans: [
      makeSpan({
        spanId: '0000000000001101',
        name: 'process batch',
        kind: SpanKind.CONSUMER,
        resource: {
          'service.name': 'worker',
          'cloud.platform': 'aws_ecs',
          'container.name': 'worker',
          'container.id': 'c0ffee',
          'aws.ecs.cluster.arn': 'arn:aws:ecs:eu-west-1:123456789012:cluster/main',
          'aws.ecs.launchtype': 'fargate',
          'aws.log.group.arns': ['arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/worker:*'],
        },
        links: [
          {
            context: {
              traceId: '5759e988bd862e3fe1be46a994272794',
              spanId: '1111111111111111',
              traceFlags: 1,
            },
            attributes: { 'messaging.message.id': 'm-9' },
          },
          { context: { traceId: '0'.repeat(32), spanId: '1111111111111111', traceFlags: 1 } },
        ],
        events: [
          { name: 'batch received', time: [T, 500_000], attributes: { size: 10 } },
          { name: 'checkpoint', time: [T, 900_000] },
        ],
      }),
    ],
  },
};
