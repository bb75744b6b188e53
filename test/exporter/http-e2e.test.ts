import * as assert from 'node:assert/strict';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AWSXRaySpanExporter } from '../../src/index.js';
import { TestDaemon } from '../helpers/daemon.js';
import { instrumentedHttp } from '../helpers/instrumentations.js';
import { newProvider } from '../helpers/spans.js';

describe('end to end with instrumentation-http on loopback', () => {
  for (const mode of ['batch', 'trace'] as const) {
    const title =
      mode === 'batch'
        ? 'BatchSpanProcessor, flushed'
        : 'AWSXRayTraceSpanProcessor, sent as the requests end (no flush)';
    it(`a server span is a segment, its outgoing call a subsegment, the callee a segment below it (${title})`, async () => {
      await oneRequest(mode);
    });
  }
});

async function oneRequest(mode: 'batch' | 'trace'): Promise<void> {
  const daemon = await TestDaemon.start();
  const exporter = new AWSXRaySpanExporter({ daemonAddress: daemon.address });
  const provider = newProvider(exporter, mode, { 'service.name': 'orders' });
  const http = instrumentedHttp(provider);

  const backend = http.createServer((_req, res) => res.end('ok'));
  backend.listen(0, '127.0.0.1');
  await once(backend, 'listening');
  const backendPort = (backend.address() as AddressInfo).port;

  const front = http.createServer((_req, res) => {
    http.get(`http://127.0.0.1:${backendPort}/stock`, (r) => {
      r.resume();
      r.on('end', () => res.end('done'));
    });
  });
  front.listen(0, '127.0.0.1');
  await once(front, 'listening');
  const frontPort = (front.address() as AddressInfo).port;

  try {
    // The test's own request is made with tracing suppressed, so it is not
    // a fourth span: the front server's span is a local root.
    const { context } = await import('@opentelemetry/api');
    const { suppressTracing } = await import('@opentelemetry/core');
    await context.with(suppressTracing(context.active()), async () => {
      const res = await new Promise<IncomingMessage>((resolve) =>
        http.get(`http://127.0.0.1:${frontPort}/orders/7`, resolve),
      );
      res.resume();
      await once(res, 'end');
    });
    // The trace processor sends each trace once its root ends: nothing to flush.
    if (mode === 'batch') await provider.forceFlush();
    await daemon.waitForSpans(3);

    assert.equal(daemon.spans.length, 3);
    assert.equal(daemon.datagrams.length, 2, 'one document per segment');
    const segments = daemon.documents.filter((d) => d.type === undefined);
    assert.equal(segments.length, 2);
    const frontSeg = segments.find((d) => d.parent_id === undefined) as Record<string, unknown>;
    const backSeg = segments.find((d) => d.parent_id !== undefined) as Record<string, unknown>;
    assert.equal(frontSeg.name, 'orders');
    const client = daemon.spans.find((s) => s.parentId === frontSeg.id);
    assert.ok(client, 'the outgoing call is embedded below the front segment');
    assert.equal(client.node.namespace, 'remote');
    assert.equal(
      backSeg.parent_id,
      client.id,
      'the callee segment continues the client subsegment',
    );
    assert.equal(backSeg.trace_id, frontSeg.trace_id);
  } finally {
    front.close();
    backend.close();
    await provider.shutdown();
    await daemon.close();
  }
}
