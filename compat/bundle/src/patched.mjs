// Variant "patched": instrumentation-aws-sdk applied explicitly to the client
// classes the bundle contains (see ./instrument-bundled.mjs). Order does not
// matter here: the patch goes on the class, whenever it was loaded.
import { awsInstrumentation } from './instrument.mjs';
import { DynamoDBClient, makeHandler } from './handler-body.mjs';
import { instrumentBundledAwsClients } from './instrument-bundled.mjs';

instrumentBundledAwsClients(awsInstrumentation, DynamoDBClient);

export const handler = makeHandler();
