// Variant "middleware": no instrumentation-aws-sdk at all; each client gets a
// small middleware that makes the span (see ./capture-aws-v3.mjs, the API this
// folder proposes for otel-xray as `captureAWSv3Client`).
import { makeHandler } from './handler-body.mjs';
import { captureAWSv3Client } from './capture-aws-v3.mjs';
import './otel.mjs';

export const handler = makeHandler((client) => captureAWSv3Client(client));
