/**
 * `otel-xray/register`: tracing to X-Ray from the command line, before the app
 * loads.
 *
 *     node --import otel-xray/register app.mjs    # ES modules (Node ≥ 18.19 / 20.6)
 *     node --require otel-xray/register app.js    # CommonJS
 *     NODE_OPTIONS="--require otel-xray/register"  # AWS Lambda, containers
 *
 * Configured by the environment only (`OTEL_SERVICE_NAME`,
 * `OTEL_RESOURCE_ATTRIBUTES`, `AWS_XRAY_DAEMON_ADDRESS`, `OTEL_TRACES_SAMPLER`,
 * … see docs/setup.md). The ES module build (`--import`) also registers the
 * instrumentation loader hook, so that ES modules the app imports can be
 * instrumented.
 */
import { setupXRay } from './setup/setup.js';

const setup = setupXRay();
if (!setup.enabled && setup.reason !== undefined && !setup.reason.startsWith('OTEL_SDK_DISABLED')) {
  // The user asked for tracing on the command line: say once why there is none.
  process.stderr.write(`otel-xray/register: tracing is off: ${setup.reason}\n`);
}
