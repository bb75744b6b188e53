// otel-xray demo: an instrumented HTTP service on loopback sends its spans to
// a local UDP listener standing in for the X-Ray daemon, which prints each
// datagram as X-Ray would receive it. Needs nothing outside this machine.
import { createRequire } from 'node:module';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { context, propagation, trace, SpanKind } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { AWSXRaySpanExporter } from '../dist/esm/index.js';

// 1. A stand-in daemon: the real daemon's rule is "header line, then one document".
const daemon = dgram.createSocket('udp4');
daemon.bind(0, '127.0.0.1');
await once(daemon, 'listening');
const received = [];
daemon.on('message', (msg) => {
  const nl = msg.indexOf(10);
  received.push({
    header: msg.subarray(0, nl).toString(),
    doc: JSON.parse(msg.subarray(nl + 1)),
    bytes: msg.length,
  });
});

// 2. The app's tracing setup: the exporter next to a standard instrumentation.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
const exporter = new AWSXRaySpanExporter({ daemonAddress: `127.0.0.1:${daemon.address().port}` });
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'checkout' }),
  spanProcessors: [new BatchSpanProcessor(exporter)],
});
trace.setGlobalTracerProvider(provider);
const httpInstrumentation = new HttpInstrumentation();
httpInstrumentation.setTracerProvider(provider);
const http = createRequire(import.meta.url)('node:http');

// 3. The app: a service that calls a second one, which sometimes fails.
const inventory = http.createServer((req, res) => {
  res.statusCode = req.url.includes('missing') ? 404 : 200;
  res.end('{}');
});
inventory.listen(0, '127.0.0.1');
await once(inventory, 'listening');
const tracer = provider.getTracer('demo');
const checkout = http.createServer((req, res) => {
  tracer.startActiveSpan('price basket', { kind: SpanKind.INTERNAL }, (span) => {
    http.get(`http://127.0.0.1:${inventory.address().port}${req.url}`, (r) => {
      r.resume();
      r.on('end', () => {
        span.end();
        res.statusCode = r.statusCode;
        res.end('ok');
      });
    });
  });
});
checkout.listen(0, '127.0.0.1');
await once(checkout, 'listening');

// The demo's own requests play the part of outside callers: not traced here.
const { suppressTracing } = await import('@opentelemetry/core');
for (const path of ['/items/42', '/items/missing']) {
  await context.with(
    suppressTracing(context.active()),
    () =>
      new Promise((resolve) =>
        http.get(`http://127.0.0.1:${checkout.address().port}${path}`, (r) =>
          r.resume().on('end', resolve),
        ),
      ),
  );
}
await provider.forceFlush();
await exporter.forceFlush();
await new Promise((r) => setImmediate(r));

// 4. What the daemon got.
const show = (node, depth) => {
  const ms = ((node.end_time - node.start_time) * 1000).toFixed(1).padStart(7);
  const flags = ['error', 'fault', 'throttle'].filter((f) => node[f]).join(',');
  console.log(
    `${'  '.repeat(depth)}${node.name}${node.namespace ? ` [${node.namespace}]` : ''} ${ms} ms ${flags}`,
  );
  for (const s of node.subsegments ?? []) show(s, depth + 1);
};
console.log(`The stand-in daemon received ${received.length} datagrams:\n`);
for (const { doc, bytes } of received) {
  console.log(
    `${doc.type === 'subsegment' ? 'subsegment' : 'segment'} of trace ${doc.trace_id}${doc.parent_id ? `, parent ${doc.parent_id}` : ''} (${bytes} bytes)`,
  );
  show(doc, 1);
}
console.log('\nOne datagram, as sent:\n');
console.log(`${received[0].header}\n${JSON.stringify(received[0].doc, null, 2)}`);
console.log('\nexporter stats:', JSON.stringify(exporter.getStats()));

checkout.close();
inventory.close();
await provider.shutdown();
daemon.close();
