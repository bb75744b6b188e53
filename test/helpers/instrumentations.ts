/**
 * Real OpenTelemetry instrumentations, enabled once per test process (as an
 * app does at startup). Tests point them at their own provider.
 */
import { createRequire } from 'node:module';
import type * as HttpNs from 'node:http';
import type { TracerProvider } from '@opentelemetry/api';

type HttpModule = typeof HttpNs;
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';

const require = createRequire(import.meta.url);

let http: HttpInstrumentation | undefined;

/** The instrumented `node:http` module, and a way to aim its spans. */
export function instrumentedHttp(provider: TracerProvider): HttpModule {
  http ??= new HttpInstrumentation();
  http.setTracerProvider(provider);
  http.enable();
  // Required after enable(): require-in-the-middle patches the module object.
  return require('node:http') as HttpModule;
}
