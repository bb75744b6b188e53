// The function itself: one invocation span (its parent is the Lambda
// invocation, read by AWSXRayLambdaPropagator), a DynamoDB PutItem and GetItem,
// and a GetItem on a missing table whose error is expected. Every variant in
// this folder bundles this same code; they differ only in how the AWS SDK calls
// get their spans.
import {
  ROOT_CONTEXT,
  SpanKind,
  defaultTextMapGetter,
  propagation,
  trace,
} from '@opentelemetry/api';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { provider } from './otel.mjs';

export { DynamoDBClient };

export function makeHandler(prepareClient = (client) => client) {
  const tracer = trace.getTracer('bundled-fn');
  // Named like instrumentation-aws-lambda names the invocation span.
  const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'handler';
  let client;
  return async function handler(event) {
    client ??= prepareClient(
      new DynamoDBClient({
        endpoint: event.endpoint,
        region: process.env.AWS_REGION,
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'fake-secret-key' },
        maxAttempts: 1,
      }),
    );
    // The carrier is empty: the Lambda propagator falls back to the invocation's header.
    const parent = propagation.extract(ROOT_CONTEXT, {}, defaultTextMapGetter);
    try {
      return await tracer.startActiveSpan(
        functionName,
        { kind: SpanKind.SERVER },
        parent,
        async (span) => {
          try {
            await client.send(
              new PutItemCommand({
                TableName: 'orders',
                Item: { id: { S: event.id }, total: { N: '42' } },
              }),
            );
            const got = await client.send(
              new GetItemCommand({ TableName: 'orders', Key: { id: { S: event.id } } }),
            );
            let missing = 'no error';
            try {
              await client.send(
                new GetItemCommand({ TableName: 'missing', Key: { id: { S: 'x' } } }),
              );
            } catch (err) {
              missing = err.name;
            }
            return { statusCode: 200, total: got.Item?.total?.N, missing };
          } finally {
            span.end();
          }
        },
      );
    } finally {
      // Spans must leave before the invocation returns (Lambda freezes the sandbox).
      await provider.forceFlush();
    }
  };
}
