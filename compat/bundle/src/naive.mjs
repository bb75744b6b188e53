// Variant "naive": instrumentation-aws-sdk registered before the AWS SDK is
// imported (./instrument.mjs), as for an unbundled app. Built twice by the
// tests: all in one file, where the AWS calls get no spans (the SDK is never
// loaded through require(), so require-in-the-middle never sees @smithy/*),
// and with `external: ['@aws-sdk/*']`, where the SDK is required at run time
// from node_modules (e.g. the one the Lambda runtime ships) and is patched.
import './instrument.mjs';
import { makeHandler } from './handler-body.mjs';

export const handler = makeHandler();
