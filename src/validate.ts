/**
 * `otel-xray/validate`: the checks of `otel-xray daemon` as functions, for
 * tests of your own pipeline (docs/cli.md, "The checks").
 *
 * @example
 * ```ts
 * import { checkDaemonDatagram, validateSegmentDocument } from 'otel-xray/validate';
 *
 * const verdict = checkDaemonDatagram(datagram); // a Uint8Array received on UDP
 * if (!verdict.accepted) console.log('the daemon drops it:', verdict.reason);
 * else console.log(verdict.problems); // empty: X-Ray would accept the document
 *
 * validateSegmentDocument(JSON.parse(body), { now: Date.now() / 1000 }); // string[]
 * ```
 * @packageDocumentation
 */
export { validateSegmentDocument } from './cli/validate.js';
export type { JsonObject, ValidateOptions } from './cli/validate.js';
export { checkDaemonDatagram } from './cli/datagram.js';
export type { DatagramVerdict } from './cli/datagram.js';
