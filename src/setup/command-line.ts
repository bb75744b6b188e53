/**
 * What `otel-xray/register` runs (../register.ts for `--require`; the ES
 * module entry point `dist/esm/register.js` that scripts/build.mjs writes, for
 * `--import`).
 */
import { setupXRay, setupXRayFromEsm } from './setup.js';

/**
 * Sets up tracing from the environment and, when it stays off for a reason
 * other than `OTEL_SDK_DISABLED`, says once why on stderr: the user asked for
 * tracing on the command line. `esModule`: loaded with `--import`, so the ES
 * module loader hook is registered too (unless `esmHook` says otherwise).
 *
 * @internal
 */
export function registerFromCommandLine(esModule: boolean): void {
  const setup = esModule ? setupXRayFromEsm() : setupXRay();
  if (
    !setup.enabled &&
    setup.reason !== undefined &&
    !setup.reason.startsWith('OTEL_SDK_DISABLED')
  ) {
    process.stderr.write(`otel-xray/register: tracing is off: ${setup.reason}\n`);
  }
}
