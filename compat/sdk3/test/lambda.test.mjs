// Smoke test: instrumentation-aws-lambda 0.76 (SDK 3.x line) wrapping a handler,
// AWSXRayLambdaPropagator reading the invocation's trace header, the spans sent
// by otel-xray before the invocation returns. The propagator comes from the
// package's CommonJS build while the exporter (harness.mjs) comes from its ESM
// build, as happens in apps that mix `require` and `import`.
/* global describe, it, before, after -- mocha */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { propagation } from '@opentelemetry/api';
import { AwsLambdaInstrumentation } from '@opentelemetry/instrumentation-aws-lambda';
import { AWSXRayPropagator } from 'otel-xray';
import { startDynalite } from '../../lib/dynalite.mjs';
import { daemon, otelXrayCjs, provider } from './harness.mjs';

const require = createRequire(import.meta.url);
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

const ENV = {
  LAMBDA_TASK_ROOT: FIXTURES,
  _HANDLER: 'handler.handler',
  AWS_LAMBDA_FUNCTION_NAME: 'checkout-fn',
  AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
  AWS_REGION: 'eu-west-1',
};

describe('Lambda: instrumentation-aws-lambda 0.76 + AWSXRayLambdaPropagator (SDK 3.x)', function () {
  const root = `1-${Math.floor(Date.now() / 1000).toString(16)}-0123456789abcdef01234567`;
  const functionSegment = 'a1b2c3d4e5f60718';
  let ddb;
  let instrumentation;
  let result;
  let docs;

  before(async function () {
    ddb = await startDynalite();
    Object.assign(process.env, ENV, {
      _X_AMZN_TRACE_ID: `Root=${root};Parent=${functionSegment};Sampled=1`,
    });
    propagation.disable();
    propagation.setGlobalPropagator(new otelXrayCjs.AWSXRayLambdaPropagator());
    // Reads LAMBDA_TASK_ROOT and _HANDLER when constructed, like in Lambda.
    instrumentation = new AwsLambdaInstrumentation();
    instrumentation.setTracerProvider(provider);
    instrumentation.enable();
    const { handler } = require('./fixtures/handler.cjs');
    assert.equal(typeof handler.__original, 'function', 'the handler was wrapped');
    await provider.forceFlush();
    daemon.reset();
    result = await handler(
      { endpoint: ddb.endpoint },
      {
        awsRequestId: 'c0ffee00-0000-4000-8000-000000000001',
        functionName: 'checkout-fn',
        functionVersion: '$LATEST',
        invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:checkout-fn',
        getRemainingTimeInMillis: () => 3000,
      },
    );
    // No forceFlush here: the instrumentation flushed before the handler returned.
    await daemon.waitFor(
      (d) => d.spans.some((s) => s.node.name === 'DynamoDB'),
      'the DynamoDB call',
      2000,
    );
    docs = daemon.documents.filter((d) => d.trace_id === root);
    if (process.env.COMPAT_DEBUG) console.log(JSON.stringify(daemon.documents, null, 1));
  });

  after(async function () {
    instrumentation?.disable();
    for (const k of [...Object.keys(ENV), '_X_AMZN_TRACE_ID']) delete process.env[k];
    propagation.disable();
    propagation.setGlobalPropagator(new AWSXRayPropagator());
    await ddb?.stop();
  });

  it('the handler ran', function () {
    assert.equal(result.statusCode, 200);
  });

  it('the spans arrived before the invocation returned, in the invocation trace', function () {
    assert.deepEqual(daemon.rejected, []);
    assert.ok(docs.length >= 1, JSON.stringify(daemon.documents));
  });

  it('the invocation span is a subsegment of the function segment Lambda records', function () {
    const top = docs.find((d) => d.parent_id === functionSegment);
    assert.ok(top, `a document whose parent is the function segment: ${JSON.stringify(docs)}`);
    assert.equal(top.type, 'subsegment', 'not a second segment for the function');
    const nested = [...flatten(top)].map((n) => n.name);
    assert.ok(nested.includes('list tables'), nested.join(', '));
    const ddbSub = [...flatten(top)].find((n) => n.name === 'DynamoDB');
    assert.equal(ddbSub.namespace, 'aws');
    assert.equal(ddbSub.aws.operation, 'ListTables');
  });
});

function* flatten(node) {
  yield node;
  for (const s of node.subsegments ?? []) yield* flatten(s);
}
