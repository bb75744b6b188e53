/**
 * Translation fidelity (issue 16): client URLs rebuilt from their parts, RPC
 * client names, ECS / EKS / Elastic Beanstalk resources, `service.version`,
 * resource attributes as annotations, the X-Ray sampler's rule name, and
 * wrong-typed attributes. Table-driven, with the attributes the real
 * instrumentations and resource detectors emit:
 * - @opentelemetry/instrumentation-http 0.223.0 (stable conventions only) and
 *   0.57.2 (old conventions), both installed here;
 * - @opentelemetry/instrumentation-grpc (client spans: `rpc.system` "grpc",
 *   `rpc.service`, `rpc.method`, `net.peer.name`, `net.peer.port`, name
 *   `grpc.<service>/<method>`), as its current source writes them;
 * - @opentelemetry/instrumentation-aws-sdk 0.78.0;
 * - @opentelemetry/resource-detector-aws 2.23.0 (ECS, EKS, Elastic Beanstalk,
 *   EC2 detectors).
 * Every document must pass the library's validator and X-Ray's published
 * segment schema (test/data/xray-segmentdocument-schema.json).
 */
import * as assert from 'node:assert/strict';
import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { SpanKind } from '@opentelemetry/api';
import type { TranslationOptions, XRayDocument } from '../../src/index.js';
import { toSegmentDocuments, translateSpans } from '../../src/index.js';
import type { ReadableSpanLike } from '../../src/shared/types.js';
import type { SpanSpec } from '../helpers/spans.js';
import { makeSpan, spanId, T0 } from '../helpers/spans.js';
import { assertValidDocument } from '../helpers/validate.js';
import { assertSchemaValid, schemaProblems } from './schema.js';

type Doc = XRayDocument & { metadata?: { default?: Record<string, unknown> } };

function translate(spans: ReadableSpanLike[], options?: TranslationOptions): Doc[] {
  const docs = toSegmentDocuments(spans, options);
  for (const d of docs) {
    assertValidDocument(d);
    assertSchemaValid(d);
  }
  return docs as Doc[];
}

function one(spec: SpanSpec, options?: TranslationOptions): Doc {
  const docs = translate([makeSpan(spec)], options);
  assert.equal(docs.length, 1);
  return docs[0] as Doc;
}

/** A CLIENT subsegment (its parent elsewhere) with these attributes. */
const client = (attributes: Attributes, options?: TranslationOptions): Doc =>
  one({ spanId: spanId(2), parentSpanId: spanId(1), kind: SpanKind.CLIENT, attributes }, options);

/** A SERVER segment with these attributes. */
const server = (attributes: Attributes): Doc =>
  one({ spanId: spanId(1), kind: SpanKind.SERVER, attributes });

/** A segment on a resource with these attributes. */
const onResource = (resource: Attributes, options?: TranslationOptions, attributes?: Attributes) =>
  one({ spanId: spanId(1), kind: SpanKind.SERVER, resource, attributes }, options);

const md = (doc: Doc): Record<string, unknown> => doc.metadata?.default ?? {};

describe('client URLs rebuilt from their parts (both conventions)', () => {
  const cases: Array<[string, Attributes, string | undefined, string[]]> = [
    // [label, attributes, expected url, keys that must leave metadata]
    [
      'instrumentation-http 0.223.0: url.full as sent',
      {
        'http.request.method': 'GET',
        'url.full': 'https://api.example.com/v1/items?page=2',
        'server.address': 'api.example.com',
        'server.port': 443,
        'network.peer.address': '192.0.2.10',
        'network.peer.port': 443,
        'http.response.status_code': 200,
      },
      'https://api.example.com/v1/items?page=2',
      ['url.full', 'server.address', 'server.port'],
    ],
    [
      'instrumentation-http 0.57.2: http.url as sent',
      {
        'http.method': 'GET',
        'http.url': 'http://localhost:8080/v1/items',
        'net.peer.name': 'localhost',
        'net.peer.port': 8080,
        'http.status_code': 200,
      },
      'http://localhost:8080/v1/items',
      ['http.url', 'net.peer.name', 'net.peer.port'],
    ],
    [
      'stable: url.scheme, server.address, server.port, url.path, url.query',
      {
        'http.request.method': 'POST',
        'url.scheme': 'https',
        'server.address': 'api.example.com',
        'server.port': 8443,
        'url.path': '/v1/orders',
        'url.query': 'dry_run=1',
      },
      'https://api.example.com:8443/v1/orders?dry_run=1',
      ['url.scheme', 'server.address', 'server.port', 'url.path', 'url.query'],
    ],
    [
      'stable: the default port is left out',
      {
        'http.request.method': 'GET',
        'url.scheme': 'https',
        'server.address': 'api.example.com',
        'server.port': 443,
        'url.path': '/',
      },
      'https://api.example.com/',
      ['server.port'],
    ],
    [
      'old: http.scheme, http.host (with its port), http.target',
      {
        'http.method': 'GET',
        'http.scheme': 'http',
        'http.host': 'legacy.internal:8080',
        'http.target': '/items?limit=5',
      },
      'http://legacy.internal:8080/items?limit=5',
      ['http.scheme', 'http.host', 'http.target'],
    ],
    [
      'old: net.peer.name and net.peer.port 80 (default, left out)',
      {
        'http.method': 'GET',
        'http.scheme': 'http',
        'net.peer.name': 'stock.internal',
        'net.peer.port': 80,
        'http.target': '/stock/7',
      },
      'http://stock.internal/stock/7',
      ['net.peer.name', 'net.peer.port'],
    ],
    [
      'old: only a peer IP (net.peer.ip) and its port',
      {
        'http.method': 'GET',
        'net.peer.ip': '10.0.0.7',
        'net.peer.port': 9000,
        'http.target': '/x',
      },
      'http://10.0.0.7:9000/x',
      ['net.peer.ip', 'net.peer.port', 'http.target'],
    ],
    [
      'stable: only a peer IPv6 address (network.peer.address) and its port',
      {
        'http.request.method': 'GET',
        'network.peer.address': '::1',
        'network.peer.port': 8080,
        'url.path': '/health',
      },
      'http://[::1]:8080/health',
      ['network.peer.address', 'network.peer.port', 'url.path'],
    ],
    [
      'a port given as a string (as some SDKs write it)',
      { 'http.method': 'GET', 'net.peer.name': 'h', 'net.peer.port': '8081' },
      'http://h:8081/',
      ['net.peer.port'],
    ],
    [
      'credentials in a rebuilt Host header are never sent',
      { 'http.method': 'GET', 'http.host': 'user:pw@h.example', 'server.address': 'h.example' },
      'http://h.example/',
      [],
    ],
    ['no host at all: no URL', { 'http.request.method': 'GET', 'url.path': '/x' }, undefined, []],
  ];
  for (const [label, attributes, url, consumed] of cases) {
    it(label, () => {
      const doc = client(attributes);
      assert.equal(doc.http?.request?.url, url);
      for (const key of consumed) assert.equal(key in md(doc), false, `${key} left metadata`);
    });
  }

  it('a call known only by its peer IP is named after it, not GET', () => {
    const doc = one({
      spanId: spanId(2),
      parentSpanId: spanId(1),
      kind: SpanKind.CLIENT,
      name: 'GET',
      attributes: { 'http.method': 'GET', 'net.peer.ip': '10.0.0.7', 'net.peer.port': 9000 },
    });
    assert.equal(doc.name, '10.0.0.7');
  });

  it('a URL without method or status still makes an http block (client and server)', () => {
    assert.deepEqual(client({ 'url.full': 'https://h.example/a' }).http, {
      request: { url: 'https://h.example/a' },
    });
    assert.deepEqual(
      server({ 'url.scheme': 'http', 'server.address': 'h', 'url.path': '/b' }).http,
      {
        request: { url: 'http://h/b' },
      },
    );
  });

  it('an AWS SDK call does not take its SQS queue URL alone as a request URL', () => {
    const doc = client({
      'rpc.system': 'aws-api',
      'rpc.service': 'SQS',
      'rpc.method': 'SendMessage',
      'url.full': 'https://sqs.eu-west-1.amazonaws.com/123456789012/q',
    });
    assert.equal(doc.http, undefined);
    assert.equal(doc.aws?.queue_url, 'https://sqs.eu-west-1.amazonaws.com/123456789012/q');
  });

  it('only CLIENT spans rebuild: an INTERNAL span keeps its parts in metadata', () => {
    const doc = one({
      spanId: spanId(2),
      parentSpanId: spanId(1),
      attributes: { 'http.request.method': 'GET', 'server.address': 'h', 'url.path': '/x' },
    });
    assert.equal(doc.http?.request?.url, undefined);
    assert.equal(md(doc)['server.address'], 'h');
  });

  it('a host that cannot be one (a slash, a space) is passed over, the next is used', () => {
    const doc = client({
      'http.method': 'GET',
      'http.host': 'bad host/x',
      'net.peer.name': 'good.example',
      'http.target': '/t',
    });
    assert.equal(doc.http?.request?.url, 'http://good.example/t');
    assert.equal(md(doc)['http.host'], 'bad host/x');
  });
});

describe('server URLs (unchanged, both conventions)', () => {
  const cases: Array<[string, Attributes, string]> = [
    [
      'instrumentation-http 0.223.0 server',
      {
        'http.request.method': 'GET',
        'url.scheme': 'http',
        'server.address': 'localhost',
        'server.port': 3000,
        'url.path': '/orders/7',
        'url.query': 'expand=items',
        'client.address': '127.0.0.1',
        'network.peer.address': '127.0.0.1',
        'http.response.status_code': 200,
      },
      'http://localhost:3000/orders/7?expand=items',
    ],
    [
      'instrumentation-http 0.57.2 server',
      {
        'http.method': 'GET',
        'http.scheme': 'http',
        'http.host': 'localhost:3000',
        'http.target': '/orders/7?expand=items',
        'net.host.name': 'localhost',
        'net.host.port': 3000,
        'http.status_code': 200,
      },
      'http://localhost:3000/orders/7?expand=items',
    ],
    [
      'old: http.server_name and net.host.port',
      {
        'http.method': 'GET',
        'http.server_name': 'api',
        'net.host.port': 8080,
        'http.target': '/',
      },
      'http://api:8080/',
    ],
    [
      'old: host.name only',
      { 'http.method': 'GET', 'host.name': 'box', 'http.target': '/p' },
      'http://box/p',
    ],
  ];
  for (const [label, attributes, url] of cases) {
    it(label, () => assert.equal(server(attributes).http?.request?.url, url));
  }
});

describe('RPC clients', () => {
  const grpc = {
    'rpc.system': 'grpc',
    'rpc.service': 'helloworld.Greeter',
    'rpc.method': 'SayHello',
    'net.peer.name': 'localhost',
    'net.peer.port': 50051,
    'rpc.grpc.status_code': 0,
  };

  it('a gRPC client call is named after rpc.service; rpc.method is no aws.operation', () => {
    const doc = one({
      spanId: spanId(2),
      parentSpanId: spanId(1),
      kind: SpanKind.CLIENT,
      name: 'grpc.helloworld.Greeter/SayHello',
      attributes: grpc,
    });
    assert.equal(doc.name, 'helloworld.Greeter');
    assert.equal(doc.namespace, 'remote');
    assert.equal(doc.aws, undefined);
    assert.equal(md(doc)['rpc.method'], 'SayHello');
    assert.equal(md(doc)['rpc.service'], 'helloworld.Greeter');
  });

  const names: Array<[string, SpanKind, Attributes, string]> = [
    ['peer.service still wins', SpanKind.CLIENT, { ...grpc, 'peer.service': 'greeter' }, 'greeter'],
    ['no rpc.service: the span name', SpanKind.CLIENT, { 'rpc.system': 'grpc' }, 'call'],
    ['a SERVER span below a local root keeps its name', SpanKind.SERVER, grpc, 'call'],
    ['an INTERNAL span keeps its name', SpanKind.INTERNAL, grpc, 'call'],
  ];
  for (const [label, kind, attributes, name] of names) {
    it(label, () => {
      const doc = one({
        spanId: spanId(2),
        parentSpanId: spanId(1),
        kind,
        name: 'call',
        attributes,
      });
      assert.equal(doc.name, name);
    });
  }

  it('an AWS SDK call (instrumentation-aws-sdk 0.78.0) maps rpc.method to aws.operation', () => {
    const doc = client({
      'rpc.system': 'aws-api',
      'rpc.service': 'DynamoDB',
      'rpc.method': 'GetItem',
      'cloud.region': 'eu-west-1',
    });
    assert.equal(doc.name, 'DynamoDB');
    assert.equal(doc.aws?.operation, 'GetItem');
    assert.equal('rpc.method' in md(doc), false);
  });
});

/** @opentelemetry/resource-detector-aws 2.23.0, AwsEcsDetector with metadata v4. */
const ECS: Attributes = {
  'service.name': 'orders',
  'cloud.provider': 'aws',
  'cloud.platform': 'aws_ecs',
  'container.name': 'ip-10-0-1-17.ec2.internal',
  'container.id': 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90',
  'aws.ecs.container.arn':
    'arn:aws:ecs:eu-west-1:123456789012:container/main/0a1b2c3d/11111111-2222-3333-4444-555555555555',
  'aws.ecs.cluster.arn': 'arn:aws:ecs:eu-west-1:123456789012:cluster/main',
  'aws.ecs.launchtype': 'ec2',
  'aws.ecs.task.arn': 'arn:aws:ecs:eu-west-1:123456789012:task/main/0a1b2c3d',
  'aws.ecs.task.family': 'orders',
  'aws.ecs.task.revision': '7',
  'cloud.account.id': '123456789012',
  'cloud.region': 'eu-west-1',
  'cloud.resource.id':
    'arn:aws:ecs:eu-west-1:123456789012:container/main/0a1b2c3d/11111111-2222-3333-4444-555555555555',
  'cloud.availability_zone': 'eu-west-1b',
  'aws.log.group.names': ['/ecs/orders'],
  'aws.log.group.arns': ['arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/orders'],
};

/** AwsEksDetector (cluster name, container ID), plus the pod name from the downward API. */
const EKS: Attributes = {
  'service.name': 'orders',
  'cloud.provider': 'aws',
  'cloud.platform': 'aws_eks',
  'k8s.cluster.name': 'prod-eu',
  'container.id': '0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0',
  'k8s.pod.name': 'orders-7d9c6b5f4-xk2lp',
};

/** AwsEc2Detector's host attributes, as on an EC2 instance that also runs ECS or EKS. */
const EC2_HOST: Attributes = {
  'host.id': 'i-0abc123def4567890',
  'host.type': 'm5.large',
  'host.name': 'ip-10-0-1-17.ec2.internal',
  'cloud.availability_zone': 'eu-west-1b',
};

describe('container platforms', () => {
  const origins: Array<[string, AttributeValue | undefined, string]> = [
    ['ec2', 'ec2', 'AWS::ECS::EC2'],
    ['fargate', 'fargate', 'AWS::ECS::Fargate'],
    ['upper-case FARGATE', 'FARGATE', 'AWS::ECS::Fargate'],
    ['external (ECS Anywhere)', 'external', 'AWS::ECS::Container'],
    ['absent (metadata v3)', undefined, 'AWS::ECS::Container'],
    ['a number', 1, 'AWS::ECS::Container'],
  ];
  for (const [label, launchType, origin] of origins) {
    it(`ECS origin, launch type ${label}: ${origin}`, () => {
      const resource = { ...ECS };
      if (launchType === undefined) delete resource['aws.ecs.launchtype'];
      else resource['aws.ecs.launchtype'] = launchType;
      assert.equal(onResource(resource).origin, origin);
    });
  }

  it('ECS: the aws.ecs block, and no aws.ec2 block without host attributes (Fargate)', () => {
    const doc = onResource({ ...ECS, 'aws.ecs.launchtype': 'fargate' });
    assert.deepEqual(doc.aws?.ecs, {
      container: ECS['container.name'],
      container_id: ECS['container.id'],
      availability_zone: 'eu-west-1b',
      cluster_arn: ECS['aws.ecs.cluster.arn'],
      container_arn: ECS['aws.ecs.container.arn'],
      task_arn: ECS['aws.ecs.task.arn'],
      task_family: 'orders',
      launch_type: 'fargate',
    });
    assert.equal(doc.aws?.ec2, undefined);
    assert.equal(doc.aws?.account_id, '123456789012');
    // Not mapped: kept as resource metadata.
    assert.equal(md(doc)['otel.resource.aws.ecs.task.revision'], '7');
  });

  it('ECS on EC2 with the EC2 detector too: the aws.ec2 block as well', () => {
    const doc = onResource({ ...ECS, ...EC2_HOST });
    assert.deepEqual(doc.aws?.ec2, {
      instance_id: 'i-0abc123def4567890',
      instance_size: 'm5.large',
      availability_zone: 'eu-west-1b',
    });
    assert.equal(doc.origin, 'AWS::ECS::EC2');
  });

  it('EKS: the aws.eks block with cluster_name, pod and container_id', () => {
    const doc = onResource(EKS);
    assert.equal(doc.origin, 'AWS::EKS::Container');
    assert.deepEqual(doc.aws?.eks, {
      cluster_name: 'prod-eu',
      pod: 'orders-7d9c6b5f4-xk2lp',
      container_id: EKS['container.id'],
    });
    assert.equal(doc.aws?.ec2, undefined);
  });

  it('EKS on EC2 nodes: the aws.ec2 block as well', () => {
    const doc = onResource({ ...EKS, ...EC2_HOST });
    assert.equal((doc.aws?.ec2 as Record<string, unknown>).instance_id, 'i-0abc123def4567890');
    assert.equal((doc.aws?.eks as Record<string, unknown>).cluster_name, 'prod-eu');
  });

  it('the EKS detector writes "" when it cannot read the cluster: nothing is sent for it', () => {
    const doc = onResource({ ...EKS, 'k8s.cluster.name': '', 'container.id': '' });
    assert.deepEqual(doc.aws?.eks, { pod: 'orders-7d9c6b5f4-xk2lp' });
  });

  it('host attributes off AWS (a laptop) make no aws.ec2 block', () => {
    const doc = onResource({ 'service.name': 's', ...EC2_HOST });
    assert.equal(doc.aws, undefined);
  });
});

describe('Elastic Beanstalk', () => {
  /** AwsBeanstalkDetector 2.23.0 reads environment.conf JSON: deployment_id is a number there. */
  const EB: Attributes = {
    'cloud.provider': 'aws',
    'cloud.platform': 'aws_elastic_beanstalk',
    'service.name': 'aws_elastic_beanstalk',
    'service.namespace': 'orders-prod',
    'service.version': 'app-1.4.2-42',
    'service.instance.id': 23,
  };
  const ids: Array<[string, AttributeValue | undefined, number | undefined]> = [
    ['a number (the detector)', 23, 23],
    ['digits (OTEL_RESOURCE_ATTRIBUTES)', '42', 42],
    ['zero', 0, 0],
    ['an instance ID', 'i-0abc123', undefined],
    ['a fraction', 1.5, undefined],
    ['negative', -1, undefined],
    ['an exponent', '1e3', undefined],
    ['hex', '0x10', undefined],
    ['padded', ' 7 ', undefined],
    ['empty', '', undefined],
    ['an array', [1], undefined],
    ['beyond 2^53', 2 ** 60, undefined],
    ['absent', undefined, undefined],
  ];
  for (const [label, value, expected] of ids) {
    it(`deployment_id from ${label}: ${String(expected)}`, () => {
      const resource = { ...EB };
      if (value === undefined) delete resource['service.instance.id'];
      else resource['service.instance.id'] = value;
      const doc = onResource(resource);
      assert.equal(doc.origin, 'AWS::ElasticBeanstalk::Environment');
      const eb = doc.aws?.elastic_beanstalk as Record<string, unknown>;
      assert.equal(eb.deployment_id, expected);
      assert.equal(eb.environment_name, 'orders-prod');
      assert.equal(eb.version_label, 'app-1.4.2-42');
      // A value that is not sent stays visible as metadata.
      assert.equal(
        'otel.resource.service.instance.id' in md(doc),
        expected === undefined && value !== undefined,
      );
    });
  }

  it('the 2017 schema rejects a string deployment_id (what was sent before)', () => {
    const doc = onResource(EB) as unknown as Record<
      string,
      Record<string, Record<string, unknown>>
    >;
    doc.aws!.elastic_beanstalk!.deployment_id = '23';
    assert.notDeepEqual(schemaProblems(doc), []);
  });
});

describe('service.version', () => {
  const cases: Array<[string, Attributes, string | undefined]> = [
    ['service.version', { 'service.version': '1.4.2', 'container.image.tag': 'v9' }, '1.4.2'],
    ['container.image.tag when service.version is absent', { 'container.image.tag': 'v9' }, 'v9'],
    [
      'container.image.tag when service.version is empty',
      { 'service.version': '', 'container.image.tag': 'v9' },
      'v9',
    ],
    ['neither', {}, undefined],
    ['a number is no version', { 'service.version': 3, 'container.image.tag': ['a'] }, undefined],
  ];
  for (const [label, attrs, version] of cases) {
    it(label, () => {
      const doc = onResource({ 'service.name': 's', ...attrs });
      assert.equal(doc.service?.version, version);
    });
  }

  it('container.image.tag used as the version leaves metadata; unused, it stays', () => {
    assert.equal(
      'otel.resource.container.image.tag' in md(onResource({ 'container.image.tag': 'v9' })),
      false,
    );
    assert.equal(
      md(onResource({ 'service.version': '1', 'container.image.tag': 'v9' }))[
        'otel.resource.container.image.tag'
      ],
      'v9',
    );
  });
});

describe('metadata keys that clash', () => {
  it('a span attribute named like a resource entry or otel.events gives way to it, once, in its place', () => {
    const spec: SpanSpec = {
      spanId: spanId(1),
      kind: SpanKind.SERVER,
      resource: { 'service.name': 'orders', 'deployment.environment.name': 'prod' },
      attributes: {
        'app.first': 1,
        'otel.resource.deployment.environment.name': 'from the span',
        'otel.events': 'from the span',
        'app.last': 'é',
      },
      events: [{ name: 'cache miss', time: T0, attributes: { key: 'k1' } }],
    };
    // On the wire each key appears once (JSON.parse would hide a duplicate).
    const [sent] = translateSpans([makeSpan(spec)]).documents;
    for (const key of ['"otel.events":', '"otel.resource.deployment.environment.name":']) {
      assert.equal(sent?.json.split(key).length, 2, key);
    }
    const doc = one(spec);
    assert.deepEqual(Object.keys(md(doc)), [
      'app.first',
      'otel.resource.deployment.environment.name',
      'otel.events',
      'app.last',
    ]);
    assert.equal(md(doc)['otel.resource.deployment.environment.name'], 'prod');
    assert.deepEqual(md(doc)['otel.events'], [
      { name: 'cache miss', time: 1_700_000_000.123457, attributes: { key: 'k1' } },
    ]);
    assert.equal(md(doc)['app.last'], 'é');
  });

  it('without a resource entry or events to give way to, such attributes are metadata as they are', () => {
    const doc = one({
      spanId: spanId(2),
      parentSpanId: spanId(1),
      kind: SpanKind.INTERNAL,
      resource: { 'service.name': 'orders', 'deployment.environment.name': 'prod' },
      attributes: { 'otel.resource.deployment.environment.name': 'x', 'otel.events': 'y' },
    });
    assert.deepEqual(md(doc), {
      'otel.resource.deployment.environment.name': 'x',
      'otel.events': 'y',
    });
  });
});

describe('resource attributes as annotations', () => {
  const RESOURCE: Attributes = {
    'service.name': 'orders',
    'deployment.environment.name': 'prod',
    'k8s.pod.name': 'orders-1',
    'process.pid': 4242,
    'process.command_args': ['node', 'app.js'],
  };

  it('indexedAttributes names otel.resource.<key>: an annotation with a sanitised key, not metadata', () => {
    const doc = onResource(RESOURCE, {
      indexedAttributes: ['otel.resource.deployment.environment.name', 'otel.resource.process.pid'],
    });
    assert.deepEqual(doc.annotations, {
      otel_resource_deployment_environment_name: 'prod',
      otel_resource_process_pid: 4242,
    });
    assert.equal('otel.resource.deployment.environment.name' in md(doc), false);
    assert.equal(md(doc)['otel.resource.k8s.pod.name'], 'orders-1');
  });

  it('indexAllAttributes: every scalar resource attribute that is not mapped; arrays stay metadata', () => {
    const doc = onResource(RESOURCE, { indexAllAttributes: true }, { 'app.tier': 'gold' });
    assert.deepEqual(doc.annotations, {
      app_tier: 'gold',
      otel_resource_deployment_environment_name: 'prod',
      otel_resource_k8s_pod_name: 'orders-1',
      otel_resource_process_pid: 4242,
    });
    assert.deepEqual(md(doc), { 'otel.resource.process.command_args': ['node', 'app.js'] });
  });

  it('a mapped resource attribute can be named too (its X-Ray field stays)', () => {
    const doc = onResource(RESOURCE, { indexedAttributes: ['otel.resource.service.name'] });
    assert.equal(doc.name, 'orders');
    assert.deepEqual(doc.annotations, { otel_resource_service_name: 'orders' });
  });

  it('the plain key (without otel.resource.) does not index the resource attribute', () => {
    const doc = onResource(RESOURCE, { indexedAttributes: ['k8s.pod.name'] });
    assert.equal(doc.annotations, undefined);
  });

  it('subsegments carry no resource annotations', () => {
    const docs = translate(
      [
        makeSpan({ spanId: spanId(1), kind: SpanKind.SERVER, resource: RESOURCE }),
        makeSpan({ spanId: spanId(2), parentSpanId: spanId(1), resource: RESOURCE }),
      ],
      { indexAllAttributes: true },
    );
    assert.equal(docs.length, 1);
    const sub = (docs[0]?.subsegments ?? [])[0];
    assert.equal(sub?.annotations, undefined);
    assert.equal(Object.keys(docs[0]?.annotations ?? {}).length, 3);
  });

  it('count toward the 50 per trace; the rest stay metadata', () => {
    const many: Attributes = {};
    for (let i = 0; i < 60; i++) many[`r${i}`] = i;
    const counts = new Map<string, number>();
    const doc = onResource(many, { indexAllAttributes: true, annotationCounts: counts });
    assert.equal(Object.keys(doc.annotations ?? {}).length, 50);
    assert.equal(Object.keys(md(doc)).length, 10);
    assert.equal([...counts.values()][0], 50);
  });

  it('long string values are cut to 1,000 characters', () => {
    const doc = onResource({ big: 'x'.repeat(5000) }, { indexAllAttributes: true });
    assert.equal((doc.annotations?.otel_resource_big as string).length, 1000);
  });
});

describe('aws.xray.rule_name from the X-Ray sampler', () => {
  const RESOURCE = {
    'service.name': 'checkout',
    'telemetry.sdk.name': 'opentelemetry',
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.version': '2.12.1',
  };
  const withFlags = (span: ReadableSpanLike, traceFlags: number): ReadableSpanLike => {
    const sc = span.spanContext();
    return { ...span, spanContext: () => ({ ...sc, traceFlags }) };
  };

  it('a sampled root: beside the sdk fields, not in metadata or annotations', () => {
    const span = makeSpan({
      spanId: spanId(1),
      kind: SpanKind.SERVER,
      resource: RESOURCE,
      attributes: { 'aws.xray.sampling_rule': 'checkout-rule' },
    });
    const [doc] = translate([span], { indexAllAttributes: true });
    assert.deepEqual(doc?.aws?.xray, {
      sdk: 'opentelemetry for nodejs',
      sdk_version: '2.12.1',
      rule_name: 'checkout-rule',
    });
    assert.equal(doc?.metadata, undefined);
    assert.equal(doc?.annotations?.aws_xray_sampling_rule, undefined);
    // The resource's shared aws block is not written into: the next span has no rule.
    const [next] = translate([makeSpan({ spanId: spanId(3), resource: RESOURCE })]);
    assert.equal((next?.aws?.xray as Record<string, unknown>).rule_name, undefined);
  });

  it('a root without resource telemetry attributes gets an aws.xray block of its own', () => {
    const doc = one({
      spanId: spanId(1),
      attributes: { 'aws.xray.sampling_rule': 'r1', 'aws.region': 'eu-west-1' },
    });
    assert.deepEqual(doc.aws, { region: 'eu-west-1', xray: { rule_name: 'r1' } });
  });

  const none: Array<[string, () => ReadableSpanLike]> = [
    [
      'not sampled',
      () =>
        withFlags(
          makeSpan({ spanId: spanId(1), attributes: { 'aws.xray.sampling_rule': 'r1' } }),
          0,
        ),
    ],
    [
      'a subsegment',
      () =>
        makeSpan({
          spanId: spanId(2),
          parentSpanId: spanId(1),
          attributes: { 'aws.xray.sampling_rule': 'r1' },
        }),
    ],
    [
      'a number',
      () => makeSpan({ spanId: spanId(1), attributes: { 'aws.xray.sampling_rule': 7 } }),
    ],
  ];
  for (const [label, make] of none) {
    it(`no rule_name for ${label}`, () => {
      const [doc] = translate([make()]);
      assert.equal((doc?.aws?.xray as Record<string, unknown> | undefined)?.rule_name, undefined);
    });
  }
});

describe('wrong-typed attributes: the field is left out, the span is still sent', () => {
  const BAD: AttributeValue[] = [
    42,
    -1,
    1.5,
    Number.NaN,
    true,
    '',
    ' ',
    ['a', 'b'],
    [1, 2],
    'x'.repeat(100_000),
    '😀'.repeat(5000),
    // (No backslash: the 2017 schema's name pattern lacks it, though X-Ray's reference allows it.)
    '/?#@ :',
  ];
  const SPAN_KEYS = [
    'http.request.method',
    'http.method',
    'url.full',
    'http.url',
    'url.scheme',
    'http.scheme',
    'server.address',
    'server.port',
    'http.host',
    'http.target',
    'url.path',
    'url.query',
    'net.peer.name',
    'net.peer.port',
    'net.peer.ip',
    'network.peer.address',
    'network.peer.port',
    'http.server_name',
    'net.host.port',
    'client.address',
    'http.client_ip',
    'user_agent.original',
    'http.response.status_code',
    'rpc.system',
    'rpc.service',
    'rpc.method',
    'enduser.id',
    'aws.xray.sampling_rule',
  ];
  const RESOURCE_KEYS = [
    'service.name',
    'service.version',
    'container.image.tag',
    'cloud.platform',
    'aws.ecs.launchtype',
    'service.instance.id',
    'service.namespace',
    'k8s.cluster.name',
    'host.id',
    'telemetry.sdk.name',
  ];
  const BASE_SPAN: Attributes = {
    'http.request.method': 'GET',
    'url.scheme': 'https',
    'server.address': 'h.example',
    'server.port': 8443,
    'url.path': '/p',
    'rpc.system': 'grpc',
    'rpc.service': 'svc',
    'aws.xray.sampling_rule': 'r',
  };

  it('every mapped span attribute, every bad value, client and server: valid documents', () => {
    let n = 0;
    for (const key of SPAN_KEYS) {
      for (const bad of BAD) {
        for (const kind of [SpanKind.CLIENT, SpanKind.SERVER]) {
          const attributes = { ...BASE_SPAN, [key]: bad };
          const docs = translate(
            [
              makeSpan({ spanId: spanId(1), kind, attributes, resource: ECS }),
              makeSpan({ spanId: spanId(2), parentSpanId: spanId(1), kind, attributes }),
            ],
            { indexedAttributes: [key, `otel.resource.${key}`] },
          );
          assert.equal(docs.length, 1, `${key}=${String(bad).slice(0, 20)}`);
          assert.equal(docs[0]?.subsegments?.length, 1);
          n++;
        }
      }
    }
    assert.equal(n, SPAN_KEYS.length * BAD.length * 2);
  });

  it('every mapped resource attribute, every bad value, on each platform: valid segments', () => {
    for (const platform of [ECS, EKS, { 'cloud.platform': 'aws_elastic_beanstalk' }]) {
      for (const key of RESOURCE_KEYS) {
        for (const bad of BAD) {
          const resource = { ...platform, ...EC2_HOST, [key]: bad };
          translate([makeSpan({ spanId: spanId(1), kind: SpanKind.SERVER, resource })], {
            indexAllAttributes: true,
          });
        }
      }
    }
  });
});
