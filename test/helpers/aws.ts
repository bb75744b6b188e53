/**
 * The real AWS SDK v3 clients, instrumented by the real
 * `@opentelemetry/instrumentation-aws-sdk`, enabled once per test process (as
 * an app does at startup). Tests point its spans at their own provider.
 */
import { createRequire } from 'node:module';
import type { TracerProvider } from '@opentelemetry/api';
import { AwsInstrumentation } from '@opentelemetry/instrumentation-aws-sdk';
import type * as DynamoDBNs from '@aws-sdk/client-dynamodb';
import type * as SQSNs from '@aws-sdk/client-sqs';

const require = createRequire(import.meta.url);

export interface InstrumentedAwsSdk {
  dynamodb: typeof DynamoDBNs;
  sqs: typeof SQSNs;
}

const CLIENTS = ['@aws-sdk/client-dynamodb', '@aws-sdk/client-sqs'];

let instrumentation: AwsInstrumentation | undefined;

/**
 * The instrumented AWS SDK clients, and a way to aim their spans. The clients
 * are required only after the instrumentation is enabled: require-in-the-middle
 * patches the SDK's modules as they load, so a client loaded earlier in the
 * process would stay unpatched (this throws instead of silently testing nothing).
 */
export function instrumentedAwsSdk(provider: TracerProvider): InstrumentedAwsSdk {
  if (instrumentation === undefined) {
    const loaded = CLIENTS.filter((m) => require.cache[require.resolve(m)] !== undefined);
    if (loaded.length > 0) {
      throw new Error(`${loaded.join(', ')} loaded before the AWS SDK instrumentation`);
    }
    // The SDK warns once per process that Node 20 support ends; it is noise here.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    // Without this, instrumentation-http (when enabled in the process) adds
    // a CLIENT span below every AWS call; the tests look at the AWS spans.
    instrumentation = new AwsInstrumentation({ suppressInternalInstrumentation: true });
  }
  instrumentation.setTracerProvider(provider);
  instrumentation.enable();
  return {
    dynamodb: require('@aws-sdk/client-dynamodb') as typeof DynamoDBNs,
    sqs: require('@aws-sdk/client-sqs') as typeof SQSNs,
  };
}
