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
 * … see docs/setup.md). With `--import` (the ES module entry point, which
 * scripts/build.mjs writes) it also registers the instrumentation loader hook,
 * so that ES modules the app imports can be instrumented.
 */
import { registerFromCommandLine } from './setup/command-line.js';

registerFromCommandLine(false);
