// The app's OpenTelemetry setup with the SDK 3.x line, done once per test
// process as an app does it at startup. SDK 3 reads no environment and has no
// register(): the global provider, context manager and propagator are set here.
//
// otel-xray comes from the packed tarball (node_modules/otel-xray), in both of
// its forms: ESM here, CJS in lambda.test.mjs.
/* global after -- mocha */
import { createRequire } from 'node:module';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { AwsInstrumentation } from '@opentelemetry/instrumentation-aws-sdk';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { AWSXRayIdGenerator, AWSXRayPropagator, AWSXRaySpanExporter } from 'otel-xray';
import { TestDaemon } from '../../lib/daemon.mjs';

const require = createRequire(import.meta.url);

export const SERVICE = 'orders-api';

export const daemon = await TestDaemon.start();

export const exporter = new AWSXRaySpanExporter({
  daemonAddress: daemon.address,
  indexedAttributes: ['order.id'],
});

export const provider = new TracerProvider({
  resource: resourceFromAttributes({ 'service.name': SERVICE, 'service.version': '3.1.1-compat' }),
  idGenerator: new AWSXRayIdGenerator(),
  spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: 100 })],
});

trace.setGlobalTracerProvider(provider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new AWSXRayPropagator());

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
registerInstrumentations({
  tracerProvider: provider,
  instrumentations: [
    new HttpInstrumentation(),
    // Without this, the http instrumentation adds a CLIENT span below every AWS call.
    new AwsInstrumentation({ suppressInternalInstrumentation: true }),
  ],
});

// Required after the instrumentations are enabled: require-in-the-middle
// patches modules as they load.
export const http = require('node:http');
export const dynamodb = require('@aws-sdk/client-dynamodb');

export const tracer = provider.getTracer('otel-xray-compat', '1.0.0');

/** The packed otel-xray, as a CommonJS consumer gets it. */
export const otelXrayCjs = require('otel-xray');

// Once every test file has run: flush, stop the SDK and close the listener, so
// that the process exits on its own (mocha runs without --exit).
after(async function () {
  await provider.shutdown();
  await daemon.close();
});
