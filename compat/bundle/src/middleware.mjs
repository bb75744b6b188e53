// Variant "middleware": no instrumentation-aws-sdk at all; each client gets
// otel-xray's captureAWSv3Client, two middlewares on that client that make the
// span and inject X-Amzn-Trace-Id (src/instrument/aws-v3.ts in the repo).
import { captureAWSv3Client } from 'otel-xray';
import { makeHandler } from './handler-body.mjs';
import './otel.mjs';

export const handler = makeHandler((client) => captureAWSv3Client(client));
