// instrumentation-aws-sdk registered as its README shows, in a module of its
// own that the entry imports first: ES imports run before the importing
// module's body, so registering in the entry's body would come after the AWS
// SDK was loaded by a sibling import, and nothing would be patched even
// without a bundler.
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { AwsInstrumentation } from '@opentelemetry/instrumentation-aws-sdk';
import { provider } from './otel.mjs';

export const awsInstrumentation = new AwsInstrumentation({ suppressInternalInstrumentation: true });
registerInstrumentations({ tracerProvider: provider, instrumentations: [awsInstrumentation] });
