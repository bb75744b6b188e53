/**
 * `captureAWSv3Client(client)`: a span for every call of one AWS SDK v3 client,
 * the OpenTelemetry counterpart of the X-Ray SDK's `captureAWSv3Client`.
 *
 *     const ddb = captureAWSv3Client(new DynamoDBClient({}));
 *
 * `@opentelemetry/instrumentation-aws-sdk` patches the AWS SDK's modules as
 * `require()` loads them. Inside a bundle (esbuild, webpack), in an ES module
 * app without the loader hook, or when the SDK was loaded before the
 * instrumentation was registered, nothing is patched and AWS calls silently get
 * no spans (docs/compatibility.md, "Bundling"). This helper does not depend on
 * how the SDK was loaded: it adds two middlewares to the given client.
 *
 * - `otelXrayCaptureAWSv3`, step `initialize`, priority `high`: wraps the whole
 *   call (retries included) in one CLIENT span named `<Service>.<Operation>`
 *   ("DynamoDB.GetItem"), with the attributes instrumentation-aws-sdk sets for
 *   what X-Ray shows: `rpc.system: "aws-api"`, `rpc.service`, `rpc.method`,
 *   `cloud.region`, `aws.request.id`, `aws.request.extended_id`,
 *   `http.response.status_code`, and per service the resource (DynamoDB table
 *   names, SQS queue URL, S3 bucket, SNS topic, ...; see SERVICES below). The
 *   exporter turns it into the usual AWS subsegment: `name: "DynamoDB"`,
 *   `namespace: "aws"`, `aws.operation`, `aws.region`, `aws.request_id`,
 *   `aws.table_name`, ... A failed call is recorded as an exception with status
 *   ERROR, and keeps its request ID (read from `err.$metadata.requestId`, where
 *   AWS SDK v3 errors carry it).
 * - `otelXrayCaptureAWSv3Header`, step `build`, priority `high`: injects the
 *   current context into the request's headers through the global propagator
 *   (with AWSXRayPropagator: `X-Amzn-Trace-Id`, whose `Parent` is the call's
 *   span). A header the request already has is never replaced. The AWS SDK's
 *   own recursion-detection middleware (also `build`, priority `low`) runs
 *   later and then leaves the header alone, as it does for the X-Ray SDK.
 *
 * Rules:
 * - Never throws into the app. A client that is not an AWS SDK v3 client is
 *   returned untouched; a failure inside a middleware is reported once through
 *   `diag` and the call goes on (without the span, or without the header,
 *   whichever failed).
 * - Idempotent: a client that already has the middlewares is returned as is
 *   (checked through the middleware stack, so it holds across copies of this
 *   package, e.g. its ESM and CommonJS builds in one process).
 * - Steps aside for instrumentation-aws-sdk: when it has wrapped the client's
 *   `send()` (or its middleware stack), nothing is added, and a call made once
 *   it has wrapped them later gets no second span.
 * - Suppressed tracing (`suppressTracing` of `@opentelemetry/core`): no span and
 *   no header.
 *
 * Structural types only: this module imports no `@aws-sdk/*` or `@smithy/*`
 * package, not even their types.
 */
import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import type { Attributes, Span, TracerProvider } from '@opentelemetry/api';
import { reporter } from '../shared/diag.js';
import { isTracingSuppressed } from '../shared/suppress.js';

export interface CaptureAWSv3ClientOptions {
  /**
   * The provider of the spans. Default: the global tracer provider, looked up
   * at each call (so a provider registered after the capture is used).
   */
  tracerProvider?: TracerProvider;
}

/** Name of the span middleware; `identify()` lists it as `<name> - initialize`. */
const SPAN_MIDDLEWARE = 'otelXrayCaptureAWSv3';
const HEADER_MIDDLEWARE = 'otelXrayCaptureAWSv3Header';
const TRACER_NAME = 'otel-xray/aws-sdk-v3';

// The parts of the AWS SDK v3 (smithy) client and middleware stack used here.

/** What a middleware receives: the command's input, and from `build` on the HTTP request. */
interface HandlerArgs {
  input?: unknown;
  request?: unknown;
}

/** What the rest of the stack resolves to: the deserialised output (with `$metadata`). */
interface HandlerOutput {
  output?: unknown;
}

type Handler = (args: HandlerArgs) => Promise<HandlerOutput>;

/** Set by the command for each call: `{ clientName: "DynamoDBClient", commandName: "GetItemCommand" }`. */
interface HandlerContext {
  clientName?: unknown;
  commandName?: unknown;
}

type Middleware = (next: Handler, handlerContext: HandlerContext) => Handler;

interface MiddlewareStack {
  add(
    middleware: Middleware,
    options: { step: string; priority: string; name: string; override: boolean },
  ): void;
  /** Names and steps of the middlewares, e.g. `"otelXrayCaptureAWSv3 - initialize"`. */
  identify?: () => unknown;
  resolve?: unknown;
}

interface Client {
  middlewareStack: MiddlewareStack;
  send?: unknown;
  config?: {
    /** The service's ID, e.g. "DynamoDB", "Secrets Manager". */
    serviceId?: unknown;
    /** After the client's construction: a function resolving to the region. */
    region?: unknown;
  };
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null;
const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.length > 0 ? v : undefined;

function report(kind: string, err: unknown): void {
  reporter.warn(
    `aws-v3 ${kind}`,
    `captureAWSv3Client: ${kind} failed and was skipped; AWS calls go on (${String(err)})`,
  );
}

/**
 * Per service (keyed by `serviceId` without spaces, as instrumentation-aws-sdk
 * keys its extensions): attributes read from the command's input before the
 * call and, for some, from its output after it. Only what the exporter writes
 * to the X-Ray document, plus the attributes that identify the system
 * (`db.system.name`, `messaging.system`), under instrumentation-aws-sdk's names.
 */
interface ServiceAttributes {
  request: (input: Obj, operation: string) => Attributes;
  response?: (output: Obj) => Attributes;
}

const SERVICES: Record<string, ServiceAttributes> = {
  DynamoDB: {
    request(input, operation) {
      const attributes: Attributes = {
        'db.system.name': 'dynamodb',
        'db.operation.name': operation,
      };
      const table = str(input.TableName);
      if (table !== undefined) attributes['db.namespace'] = table;
      const tables = table !== undefined ? [table] : dynamoDbTables(input);
      if (tables.length > 0) attributes['aws.dynamodb.table_names'] = tables;
      return attributes;
    },
  },
  SQS: {
    request(input) {
      const url = str(input.QueueUrl);
      return {
        'messaging.system': 'aws_sqs',
        ...(url !== undefined
          ? { 'url.full': url, 'messaging.destination.name': url.slice(url.lastIndexOf('/') + 1) }
          : {}),
      };
    },
  },
  S3: {
    request: (input) => pick({ 'aws.s3.bucket': input.Bucket, 'aws.s3.key': input.Key }),
  },
  SNS: {
    request: (input) => ({
      'messaging.system': 'aws.sns',
      ...pick({ 'aws.sns.topic.arn': input.TopicArn }),
    }),
    response: (output) => pick({ 'aws.sns.topic.arn': output.TopicArn }),
  },
  Kinesis: {
    request: (input) => pick({ 'aws.kinesis.stream.name': input.StreamName }),
  },
  Lambda: {
    request: (input, operation) =>
      operation.startsWith('Invoke')
        ? { ...pick({ 'faas.invoked_name': input.FunctionName }), 'faas.invoked_provider': 'aws' }
        : {},
  },
  SecretsManager: {
    // A secret named by ARN only: a bare name is not an ARN, and may be sensitive.
    request: (input) =>
      typeof input.SecretId === 'string' && input.SecretId.startsWith('arn:')
        ? { 'aws.secretsmanager.secret.arn': input.SecretId }
        : {},
    response: (output) => pick({ 'aws.secretsmanager.secret.arn': output.ARN }),
  },
  SFN: {
    request: (input) =>
      pick({
        'aws.step_functions.state_machine.arn': input.stateMachineArn,
        'aws.step_functions.activity.arn': input.activityArn,
      }),
  },
};

/** The entry of SERVICES for a service (own keys only: "constructor" is no service). */
function serviceAttributes(service: string): ServiceAttributes | undefined {
  return Object.hasOwn(SERVICES, service) ? SERVICES[service] : undefined;
}

/** The non-empty string values of `candidates`. */
function pick(candidates: Record<string, unknown>): Attributes {
  const attributes: Attributes = {};
  for (const [key, value] of Object.entries(candidates)) {
    const s = str(value);
    if (s !== undefined) attributes[key] = s;
  }
  return attributes;
}

/**
 * Tables of a multi-table DynamoDB call: the keys of `RequestItems`
 * (BatchGetItem, BatchWriteItem), or the `TableName` inside each of
 * `TransactItems` (`[{ Put: { TableName } }, { Get: { TableName } }, ...]`).
 */
function dynamoDbTables(input: Obj): string[] {
  if (isObj(input.RequestItems)) return Object.keys(input.RequestItems);
  const tables = new Set<string>();
  if (Array.isArray(input.TransactItems)) {
    for (const item of input.TransactItems as unknown[]) {
      if (!isObj(item)) continue;
      for (const action of Object.values(item)) {
        const table = isObj(action) ? str(action.TableName) : undefined;
        if (table !== undefined) tables.add(table);
      }
    }
  }
  return [...tables];
}

/** The request ID, extended request ID and HTTP status in an output's or error's `$metadata`. */
function metadataAttributes(carrier: unknown): Attributes {
  const metadata = isObj(carrier) && isObj(carrier.$metadata) ? carrier.$metadata : {};
  const attributes: Attributes = pick({
    'aws.request.id': metadata.requestId ?? (isObj(carrier) ? carrier.RequestId : undefined),
    'aws.request.extended_id': metadata.extendedRequestId,
  });
  if (typeof metadata.httpStatusCode === 'number') {
    attributes['http.response.status_code'] = metadata.httpStatusCode;
  }
  return attributes;
}

/** An AWS SDK v3 client (anything with a middleware stack that can `add`), or undefined. */
function asClient(value: unknown): Client | undefined {
  if (!isObj(value)) return undefined;
  const stack = value.middlewareStack;
  return isObj(stack) && typeof stack.add === 'function' ? (value as unknown as Client) : undefined;
}

/**
 * Whether instrumentation-aws-sdk has wrapped this client: it wraps the
 * smithy `Client.prototype.send` and each client's `middlewareStack.resolve`
 * with shimmer, which marks its wrappers with `__wrapped: true`.
 */
function instrumentedElsewhere(client: Client): boolean {
  const wrapped = (fn: unknown): boolean =>
    typeof fn === 'function' && (fn as { __wrapped?: unknown }).__wrapped === true;
  return wrapped(client.send) || wrapped(client.middlewareStack.resolve);
}

function alreadyCaptured(stack: MiddlewareStack): boolean {
  if (typeof stack.identify !== 'function') return false;
  const names = stack.identify();
  return (
    Array.isArray(names) &&
    names.some((n) => typeof n === 'string' && n.startsWith(`${SPAN_MIDDLEWARE} `))
  );
}

/**
 * Gives every call of an AWS SDK v3 client a CLIENT span `<Service>.<Operation>`
 * with the attributes instrumentation-aws-sdk uses (so the exporter writes the
 * usual AWS subsegment), and injects the trace header into its requests.
 * Returns the client. Idempotent; a no-op for a client instrumentation-aws-sdk
 * already wrapped. Never throws: anything that is not such a client is
 * returned untouched.
 *
 *     const ddb = captureAWSv3Client(new DynamoDBClient({}));
 */
export function captureAWSv3Client<T>(client: T, options?: CaptureAWSv3ClientOptions): T {
  try {
    const c = asClient(client);
    if (c === undefined || instrumentedElsewhere(c) || alreadyCaptured(c.middlewareStack)) {
      return client;
    }
    const tracerProvider = options?.tracerProvider;
    // `override: true`: a second add under the same name (another copy of this
    // package, a stack without identify()) replaces the first instead of throwing.
    c.middlewareStack.add(spanMiddleware(c, tracerProvider), {
      step: 'initialize',
      priority: 'high',
      name: SPAN_MIDDLEWARE,
      override: true,
    });
    c.middlewareStack.add(headerMiddleware, {
      step: 'build',
      priority: 'high',
      name: HEADER_MIDDLEWARE,
      override: true,
    });
  } catch (err) {
    report('capture', err);
  }
  return client;
}

/** The span middleware of one client. */
function spanMiddleware(client: Client, tracerProvider: TracerProvider | undefined): Middleware {
  return (next, handlerContext) => async (args) => {
    const started = startSpan(client, tracerProvider, handlerContext, args);
    if (started === undefined) return next(args);
    const { span, service } = started;
    await setRegion(span, client);
    let result: HandlerOutput;
    try {
      result = await context.with(trace.setSpan(context.active(), span), next, undefined, args);
    } catch (err) {
      endFailed(span, err);
      throw err; // the app's error, unchanged
    }
    endSucceeded(span, service, result);
    return result;
  };
}

/** Starts the call's span; undefined when there must be none (or starting it failed). */
function startSpan(
  client: Client,
  tracerProvider: TracerProvider | undefined,
  handlerContext: HandlerContext,
  args: HandlerArgs,
): { span: Span; service: string } | undefined {
  try {
    const active = context.active();
    if (isTracingSuppressed(active) || instrumentedElsewhere(client)) return undefined;
    const service = serviceName(client, handlerContext);
    const operation = stripSuffix(str(handlerContext.commandName) ?? 'Unknown', 'Command');
    let extra: Attributes = {};
    try {
      const input = args.input;
      if (isObj(input)) extra = serviceAttributes(service)?.request(input, operation) ?? {};
    } catch (err) {
      report('reading the request', err); // the span goes without them
    }
    const tracer = (tracerProvider ?? trace.getTracerProvider()).getTracer(TRACER_NAME);
    const span = tracer.startSpan(
      `${service}.${operation}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'rpc.system': 'aws-api',
          'rpc.service': service,
          'rpc.method': operation,
          ...extra,
        },
      },
      active,
    );
    return { span, service };
  } catch (err) {
    report('starting the span', err);
    return undefined;
  }
}

/** "DynamoDB", "SecretsManager": the client's `serviceId` without spaces, else its class name. */
function serviceName(client: Client, handlerContext: HandlerContext): string {
  const id = str(client.config?.serviceId);
  if (id !== undefined) return id.replace(/\s+/g, '');
  return stripSuffix(str(handlerContext.clientName) ?? 'AWS', 'Client');
}

function stripSuffix(s: string, suffix: string): string {
  return s.endsWith(suffix) && s.length > suffix.length ? s.slice(0, -suffix.length) : s;
}

/** `cloud.region` from the client's region provider (the SDK awaits the same one). */
async function setRegion(span: Span, client: Client): Promise<void> {
  try {
    const provider = client.config?.region;
    const region: unknown = typeof provider === 'function' ? await provider() : provider;
    if (typeof region === 'string' && region.length > 0) span.setAttribute('cloud.region', region);
  } catch {
    // No region: the span goes without, as the SDK's own error will tell the app.
  }
}

function endSucceeded(span: Span, service: string, result: unknown): void {
  try {
    const output = isObj(result) ? result.output : undefined;
    span.setAttributes(metadataAttributes(output));
    const response = serviceAttributes(service)?.response;
    if (response !== undefined && isObj(output)) span.setAttributes(response(output));
  } catch (err) {
    report('reading the response', err);
  }
  end(span);
}

function endFailed(span: Span, err: unknown): void {
  try {
    span.setAttributes(metadataAttributes(err));
    if (err instanceof Error) span.recordException(err);
    else span.recordException(String(err));
    const message = isObj(err) ? str(err.message) : undefined;
    span.setStatus({ code: SpanStatusCode.ERROR, ...(message !== undefined ? { message } : {}) });
  } catch (e) {
    report('recording the error', e);
  }
  end(span);
}

function end(span: Span): void {
  try {
    span.end();
  } catch (err) {
    report('ending the span', err);
  }
}

/** The header middleware: the current context into the request's headers, none replaced. */
const headerMiddleware: Middleware = (next) => (args) => {
  try {
    const active = context.active();
    const headers = isObj(args.request) ? args.request.headers : undefined;
    if (!isTracingSuppressed(active) && isObj(headers)) {
      const fresh: Record<string, string> = {};
      propagation.inject(active, fresh);
      const present = new Set(Object.keys(headers).map((h) => h.toLowerCase()));
      for (const [name, value] of Object.entries(fresh)) {
        if (!present.has(name.toLowerCase())) headers[name] = value;
      }
    }
  } catch (err) {
    report('injecting the trace header', err);
  }
  return next(args);
};
