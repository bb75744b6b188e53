// A CommonJS app that consumes otel-xray (from the packed tarball) with the
// OpenTelemetry SDK 2.x line, in the CommonJS-only `import x = require()` form.
// Type-checked with moduleResolution node16, nodenext and node10; compiled
// (nodenext) and run on Node 20 by test/consumers.test.cjs.
/* eslint-disable @typescript-eslint/no-require-imports -- the CommonJS-only import form is the point */
import api = require('@opentelemetry/api');
import resources = require('@opentelemetry/resources');
import sdk = require('@opentelemetry/sdk-trace-base');
import otelXray = require('otel-xray');

type Options = otelXray.AWSXRaySpanExporterOptions;

async function main(): Promise<void> {
  const daemonAddress = process.env.COMPAT_DAEMON;
  if (daemonAddress === undefined) throw new Error('set COMPAT_DAEMON to the listener address');

  const options: Options = { daemonAddress, indexedAttributes: ['tenant'] };
  // @ts-expect-error flushTimeoutMillis is a number: the options are typed, not `any`
  const wrong: Options = { flushTimeoutMillis: 'soon' };
  void wrong;

  const exporter: sdk.SpanExporter = new otelXray.AWSXRaySpanExporter(options);
  const propagator: api.TextMapPropagator = new otelXray.AWSXRayPropagator();
  const memory = new sdk.InMemorySpanExporter();
  const provider = new sdk.BasicTracerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': 'cjs-consumer' }),
    idGenerator: new otelXray.AWSXRayIdGenerator(),
    spanProcessors: [new sdk.BatchSpanProcessor(exporter), new sdk.SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('cjs-consumer');

  const root = tracer.startSpan('checkout', { attributes: { tenant: 'acme' } });
  const ctx = api.trace.setSpan(api.ROOT_CONTEXT, root);
  tracer.startSpan('price', {}, ctx).end();
  const carrier: Record<string, string> = {};
  propagator.inject(ctx, carrier, api.defaultTextMapSetter);
  root.end();

  const docs: otelXray.XRayDocument[] = otelXray.toSegmentDocuments(memory.getFinishedSpans(), {
    indexedAttributes: ['tenant'],
  });
  await provider.shutdown();
  const stats: otelXray.ExporterStats = (exporter as otelXray.AWSXRaySpanExporter).getStats();

  process.stdout.write(
    JSON.stringify({
      module: 'cjs',
      resolved: require.resolve('otel-xray'),
      header: carrier['x-amzn-trace-id'],
      names: docs.map((d) => d.name),
      subsegments: docs[0]?.subsegments?.map((s) => s.name) ?? [],
      annotations: docs[0]?.annotations ?? {},
      spansSent: stats.spansSent,
    }) + '\n',
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
