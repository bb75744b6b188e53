import * as assert from 'node:assert/strict';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AWSXRaySpanExporter } from '../../src/index.js';
import { TestDaemon } from '../helpers/daemon.js';
import { captureDiag } from '../helpers/diag.js';
import { makeSpan, newProvider, spanId } from '../helpers/spans.js';

function exportOnce(
  exporter: AWSXRaySpanExporter,
  spans: ReturnType<typeof makeSpan>[],
): Promise<{ code: number; error?: Error }> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

describe('AWSXRaySpanExporter with the real SDK', () => {
  let daemon: TestDaemon;
  beforeEach(async () => {
    daemon = await TestDaemon.start();
  });
  afterEach(async () => {
    await daemon.close();
  });

  it('sends a trace from BatchSpanProcessor as one segment with nested subsegments', async () => {
    const exporter = new AWSXRaySpanExporter({ daemonAddress: daemon.address });
    const provider = newProvider(exporter, 'batch');
    const tracer = provider.getTracer('test');
    let ids: { root: string; child: string; grandchild: string; traceId: string } | undefined;
    tracer.startActiveSpan('GET /orders', { kind: SpanKind.SERVER }, (root) => {
      tracer.startActiveSpan('load order', (child) => {
        const gc = tracer.startSpan('SELECT orders', { kind: SpanKind.CLIENT });
        gc.setStatus({ code: SpanStatusCode.ERROR });
        gc.end();
        child.end();
        ids = {
          root: root.spanContext().spanId,
          child: child.spanContext().spanId,
          grandchild: gc.spanContext().spanId,
          traceId: root.spanContext().traceId,
        };
      });
      root.end();
    });
    await provider.forceFlush();
    await daemon.waitForSpans(3);
    assert.equal(daemon.datagrams.length, 1);
    const doc = daemon.documents[0] as Record<string, unknown>;
    assert.equal(doc.name, 'test-service');
    assert.equal(doc.id, ids?.root);
    assert.equal(doc.trace_id, `1-${ids?.traceId.slice(0, 8)}-${ids?.traceId.slice(8)}`);
    const child = daemon.span(ids?.child as string);
    const gc = daemon.span(ids?.grandchild as string);
    assert.equal(child?.parentId, ids?.root);
    assert.equal(gc?.parentId, ids?.child);
    assert.equal(gc?.node.namespace, 'remote');
    assert.equal(gc?.node.fault, true);
    assert.equal(child?.node.name, 'load order');
    await provider.shutdown();
  });

  it('streams spans from SimpleSpanProcessor as independent subsegments', async () => {
    // As in Lambda: with exportCallback 'sent' no span waits for its root
    // (by default a child waits for it: test/exporter/holding.test.ts).
    const exporter = new AWSXRaySpanExporter({
      daemonAddress: daemon.address,
      exportCallback: 'sent',
    });
    const provider = newProvider(exporter, 'simple');
    const tracer = provider.getTracer('test');
    tracer.startActiveSpan('root', (root) => {
      tracer.startSpan('child').end();
      root.end();
    });
    await provider.forceFlush();
    await daemon.waitForSpans(2);
    const [first, second] = daemon.documents;
    assert.equal(first?.type, 'subsegment');
    assert.equal(first?.parent_id, second?.id);
    assert.equal(second?.type, undefined);
    await provider.shutdown();
  });

  it('calls back exactly once per export, and forceFlush waits for the datagrams', async () => {
    const exporter = new AWSXRaySpanExporter({ daemonAddress: daemon.address });
    let calls = 0;
    const result = await new Promise<{ code: number }>((resolve) => {
      exporter.export([makeSpan({ spanId: spanId(1) })], (r) => {
        calls++;
        resolve(r);
      });
    });
    await exporter.forceFlush();
    assert.equal(result.code, 0);
    await daemon.waitForSpans(1);
    assert.equal(calls, 1);
    const stats = exporter.getStats();
    assert.equal(stats.spansSent, 1);
    assert.equal(stats.datagramsSent, 1);
    await exporter.shutdown();
    assert.equal(calls, 1);
  });

  it('fails exports after shutdown without throwing', async () => {
    const exporter = new AWSXRaySpanExporter({ daemonAddress: daemon.address });
    await exporter.shutdown();
    await exporter.shutdown(); // idempotent
    const r = await exportOnce(exporter, [makeSpan({ spanId: spanId(1) })]);
    assert.equal(r.code, 1);
    assert.match(String(r.error?.message), /shut down/);
    assert.equal(exporter.getStats().dropped.shutdown, 1);
    assert.equal(daemon.datagrams.length, 0);
  });

  it('sends over IPv6 to [::1]', async () => {
    const d6 = await TestDaemon.start('udp6');
    try {
      const exporter = new AWSXRaySpanExporter({ daemonAddress: d6.address });
      assert.equal(exporter.daemonAddress, d6.address);
      await exportOnce(exporter, [makeSpan({ spanId: spanId(1) })]);
      await d6.waitForSpans(1);
      await exporter.shutdown();
    } finally {
      await d6.close();
    }
  });

  it('resolves a host name', async () => {
    const exporter = new AWSXRaySpanExporter({ daemonAddress: `localhost:${daemon.port}` });
    const d6 = await TestDaemon.start('udp6').catch(() => undefined);
    // localhost may resolve to ::1 first; listen on both so either works.
    try {
      await exportOnce(exporter, [makeSpan({ spanId: spanId(1) })]);
      await Promise.race([daemon.waitForSpans(1), d6?.waitForSpans(1) ?? new Promise(() => {})]);
      assert.equal(daemon.spans.length + (d6?.spans.length ?? 0), 1);
    } finally {
      await d6?.close();
      await exporter.shutdown();
    }
  });

  it('uses AWS_XRAY_DAEMON_ADDRESS and reports a bad value once', async () => {
    const saved = process.env.AWS_XRAY_DAEMON_ADDRESS;
    const cap = captureDiag();
    try {
      process.env.AWS_XRAY_DAEMON_ADDRESS = daemon.address;
      const good = new AWSXRaySpanExporter();
      assert.equal(good.daemonAddress, daemon.address);
      process.env.AWS_XRAY_DAEMON_ADDRESS = 'not an address';
      const bad = new AWSXRaySpanExporter();
      assert.equal(bad.daemonAddress, '127.0.0.1:2000');
      assert.equal(cap.lines.filter((l) => l.includes('is invalid')).length, 1);
      await Promise.all([good.shutdown(), bad.shutdown()]);
    } finally {
      cap.restore();
      if (saved === undefined) delete process.env.AWS_XRAY_DAEMON_ADDRESS;
      else process.env.AWS_XRAY_DAEMON_ADDRESS = saved;
    }
  });
});
