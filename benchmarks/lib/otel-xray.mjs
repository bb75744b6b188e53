// Where the benches load otel-xray from: the repository's build,
// `../dist/esm/index.js`. run.mjs sets OTEL_XRAY_DIST to a copy of dist/
// taken when the run starts (with the root's node_modules linked beside it,
// so `@opentelemetry/api` resolves as from dist/), so that a rebuild of dist/
// during the run cannot crash a bench or mix two builds in one report.
import { pathToFileURL } from 'node:url';

/** URL of the dist/ directory in use (ends with a slash). */
export function distUrl() {
  const dir = process.env.OTEL_XRAY_DIST;
  return dir
    ? pathToFileURL(`${dir.replace(/\/$/, '')}/`)
    : new URL('../../dist/', import.meta.url);
}

/** Imports a module of the build, `esm/index.js` (the package's entry point) by default. */
export function loadOtelXray(path = 'esm/index.js') {
  return import(new URL(path, distUrl()).href);
}
