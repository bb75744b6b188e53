// Variant "both": instrumentation-aws-sdk active (the SDK is external, so
// require-in-the-middle patches it) and otel-xray's captureAWSv3Client called
// on the same client, as happens when a library applies the helper in an app
// that also registers the instrumentation. The helper must step aside: one
// span per call.
import './instrument.mjs';
import { captureAWSv3Client } from 'otel-xray';
import { makeHandler } from './handler-body.mjs';

export const handler = makeHandler((client) => captureAWSv3Client(client));
