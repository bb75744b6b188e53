// Prototype of the helper this folder proposes for otel-xray (docs/compatibility.md,
// "Bundling"): `captureAWSv3Client(client, options?)`, the OpenTelemetry
// counterpart of the X-Ray SDK's captureAWSv3Client. It adds two middlewares to
// one AWS SDK v3 client instead of patching modules as they load, so it works
// in bundles, in ESM apps without loader hooks, and wherever the AWS SDK is
// loaded before the instrumentation.
//
// - `initialize` step, high priority: one CLIENT span per call (retries
//   included), named `<Service>.<Operation>`, with the attributes
//   instrumentation-aws-sdk sets (rpc.system "aws-api", rpc.service, rpc.method,
//   cloud.region, aws.request.id, http.response.status_code, and per service
//   the resource: DynamoDB table names, SQS queue URL, S3 bucket and key, SNS
//   topic, Kinesis stream, Lambda function, ...), so otel-xray writes the same
//   subsegment (`name: "DynamoDB"`, `namespace: "aws"`, `aws.operation`,
//   `aws.table_name`, ...). Errors are recorded with their status.
// - `build` step, high priority: X-Amzn-Trace-Id on the request through the
//   global propagator (the AWS SDK's own recursion-detection middleware, low
//   priority, then leaves the header alone), as the X-Ray SDK does.
//
// A span is made only when the current context is not suppressed and the
// tracer records (the SDK's tracer returns a non-recording span otherwise).
// A client whose send() instrumentation-aws-sdk already wrapped is left alone.
import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';

const NAME = 'otelXrayCaptureAWSv3';

/** Per-service request attributes, as instrumentation-aws-sdk names them. */
const SERVICE_ATTRIBUTES = {
  DynamoDB(input) {
    const tables = input?.TableName
      ? [input.TableName]
      : input?.RequestItems
        ? Object.keys(input.RequestItems)
        : input?.TransactItems
          ? [
              ...new Set(
                input.TransactItems.map((t) => Object.values(t)[0]?.TableName).filter(Boolean),
              ),
            ]
          : undefined;
    return tables?.length
      ? { 'aws.dynamodb.table_names': tables, 'db.system': 'dynamodb' }
      : { 'db.system': 'dynamodb' };
  },
  SQS: (input) =>
    input?.QueueUrl ? { 'url.full': input.QueueUrl, 'messaging.system': 'aws_sqs' } : {},
  S3: (input) => ({
    ...(input?.Bucket ? { 'aws.s3.bucket': input.Bucket } : {}),
    ...(input?.Key ? { 'aws.s3.key': input.Key } : {}),
  }),
  SNS: (input) => {
    const arn = input?.TopicArn ?? input?.TargetArn;
    return arn ? { 'aws.sns.topic.arn': arn } : {};
  },
  Kinesis: (input) => (input?.StreamName ? { 'aws.kinesis.stream.name': input.StreamName } : {}),
  Lambda: (input) => (input?.FunctionName ? { 'faas.invoked_name': input.FunctionName } : {}),
  SFN: (input) => ({
    ...(input?.stateMachineArn
      ? { 'aws.step_functions.state_machine.arn': input.stateMachineArn }
      : {}),
    ...(input?.activityArn ? { 'aws.step_functions.activity.arn': input.activityArn } : {}),
  }),
  'Secrets Manager': (input) =>
    typeof input?.SecretId === 'string' && input.SecretId.startsWith('arn:')
      ? { 'aws.secretsmanager.secret.arn': input.SecretId }
      : {},
};

const headerSetter = {
  set(carrier, key, value) {
    carrier[key] = value;
  },
};

function metadataAttributes(span, metadata) {
  if (metadata?.requestId) span.setAttribute('aws.request.id', metadata.requestId);
  if (metadata?.extendedRequestId)
    span.setAttribute('aws.request.extended_id', metadata.extendedRequestId);
  if (metadata?.httpStatusCode)
    span.setAttribute('http.response.status_code', metadata.httpStatusCode);
}

/**
 * Makes a span for every call of `client` (an AWS SDK v3 client). Idempotent;
 * returns the client. `options.tracerProvider` defaults to the global one.
 */
export function captureAWSv3Client(client, options = {}) {
  const stack = client?.middlewareStack;
  if (stack === undefined || typeof stack.add !== 'function') return client;
  // instrumentation-aws-sdk already patched this client's send() (shimmer marks
  // its wrappers): a second span per call would only duplicate the first.
  if (client.send?.__wrapped === true) return client;
  if (typeof stack.identify === 'function' && stack.identify().some((m) => m.startsWith(NAME)))
    return client;
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(
    'otel-xray/aws-sdk-v3',
  );

  stack.add(
    (next, handlerContext) => async (args) => {
      const service =
        client.config?.serviceId ??
        String(handlerContext.clientName ?? 'AWS').replace(/Client$/, '');
      const operation = String(handlerContext.commandName ?? 'Unknown').replace(/Command$/, '');
      let extra = {};
      try {
        extra = SERVICE_ATTRIBUTES[service]?.(args.input) ?? {};
      } catch {
        // attributes are best effort; the call goes on
      }
      const span = tracer.startSpan(`${service}.${operation}`, {
        kind: SpanKind.CLIENT,
        attributes: {
          'rpc.system': 'aws-api',
          'rpc.service': service,
          'rpc.method': operation,
          ...extra,
        },
      });
      try {
        const region = await client.config?.region?.();
        if (typeof region === 'string') span.setAttribute('cloud.region', region);
      } catch {
        // no region: the span goes without
      }
      try {
        const result = await context.with(trace.setSpan(context.active(), span), () => next(args));
        metadataAttributes(span, result?.output?.$metadata);
        return result;
      } catch (err) {
        metadataAttributes(span, err?.$metadata);
        if (err instanceof Error) span.recordException(err);
        span.setStatus({ code: SpanStatusCode.ERROR, message: err?.message });
        throw err;
      } finally {
        span.end();
      }
    },
    { step: 'initialize', priority: 'high', name: NAME, override: true },
  );

  stack.add(
    (next) => async (args) => {
      const headers = args.request?.headers;
      if (headers !== null && typeof headers === 'object') {
        const present = Object.keys(headers).some((h) => h.toLowerCase() === 'x-amzn-trace-id');
        if (!present) propagation.inject(context.active(), headers, headerSetter);
      }
      return next(args);
    },
    { step: 'build', priority: 'high', name: `${NAME}Header`, override: true },
  );
  return client;
}
