/**
 * AWSXRayTraceSpanProcessor (src/export/trace-processor.ts): whole traces,
 * exported when their local root ends, a few at a time; bounded in spans and
 * in time. Real SDK spans through a real provider, a real UDP listener; the
 * processor's exports are synchronous, so what it has handed to the exporter
 * is read from the exporter's counters at once, and what the timers send is
 * awaited as datagrams (no test reads a clock).
 */
import * as assert from 'node:assert/strict';
import { context, SpanKind, trace } from '@opentelemetry/api';
import type { Span, Tracer } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AWSXRaySpanExporter, AWSXRayTraceSpanProcessor } from '../../src/index.js';
import type { ExportResult, TraceProcessorOptions } from '../../src/index.js';
import type { ReadableSpanLike } from '../../src/shared/types.js';
import { captureDiag } from '../helpers/diag.js';
import { TestDaemon } from '../helpers/daemon.js';
import { makeSpan, spanId } from '../helpers/spans.js';

describe('AWSXRayTraceSpanProcessor: whole traces as they end', () => {
  let daemon: TestDaemon;
  let exporter: AWSXRaySpanExporter;
  let processor: AWSXRayTraceSpanProcessor;
  let provider: BasicTracerProvider;
  let tracer: Tracer;

  function setUp(options: TraceProcessorOptions): void {
    exporter = new AWSXRaySpanExporter({ daemonAddress: daemon.address });
    processor = new AWSXRayTraceSpanProcessor(exporter, options);
    provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'trace-processor' }),
      spanProcessors: [processor],
    });
    tracer = provider.getTracer('trace-processor');
  }

  /** A request: a SERVER root and its children; ends the children (not the root). */
  function openTrace(children: number): Span {
    const root = tracer.startSpan('GET /orders', { kind: SpanKind.SERVER });
    const ctx = trace.setSpan(context.active(), root);
    for (let i = 0; i < children; i++) tracer.startSpan(`step ${i}`, {}, ctx).end();
    return root;
  }

  const received = (): number => exporter.getStats().spansReceived;

  beforeEach(async () => {
    daemon = await TestDaemon.start();
  });
  afterEach(async () => {
    await provider.shutdown();
    await daemon.close();
  });

  it('keeps the spans of an open trace, and sends the whole trace in one datagram when its root ends', async () => {
    setUp({ maxTraces: 1 });
    const root = openTrace(5);
    assert.equal(processor.waitingSpans, 5);
    assert.equal(received(), 0, 'nothing is exported before the root ends');
    root.end();
    assert.equal(received(), 6, 'the trace is exported as the root ends');
    assert.equal(processor.waitingSpans, 0);
    await daemon.waitForSpans(6);
    assert.equal(daemon.datagrams.length, 1);
    const doc = daemon.documents[0] as Record<string, unknown>;
    assert.equal(doc.name, 'trace-processor');
    assert.equal((doc.subsegments as unknown[]).length, 5);
    assert.equal(exporter.getStats().spansHeld, 0);
  });

  it('exports ready traces together once maxTraces are ready', async () => {
    setUp({ maxTraces: 4, delayMillis: 600_000 });
    for (let t = 0; t < 3; t++) openTrace(2).end();
    assert.equal(received(), 0, 'three ready traces wait for a fourth');
    assert.equal(processor.waitingSpans, 9);
    openTrace(2).end();
    assert.equal(received(), 12, 'the fourth sends all four');
    await daemon.waitForSpans(12);
    assert.equal(daemon.datagrams.length, 4, 'one document per trace');
    const traces = new Set(daemon.documents.map((d) => d.trace_id));
    assert.equal(traces.size, 4);
  });

  it('sends a lone ready trace after delayMillis', async () => {
    setUp({ maxTraces: 16, delayMillis: 1 });
    openTrace(1).end();
    assert.equal(received(), 0, 'it waits for others first');
    await daemon.waitForSpans(2);
    assert.equal(received(), 2);
    assert.equal(daemon.datagrams.length, 1);
  });

  it('sends the children of a trace whose root has not ended after maxWaitMillis, and the root after them', async () => {
    setUp({ maxTraces: 1, maxWaitMillis: 1 });
    const root = openTrace(2);
    // The exporter holds nothing back behind this processor: the children arrive.
    await daemon.waitForSpans(2);
    assert.equal(processor.waitingSpans, 0);
    const rootId = root.spanContext().spanId;
    for (const s of daemon.spans) assert.equal(s.parentId ?? s.node.parent_id, rootId);
    root.end();
    await daemon.waitForSpans(3);
    // Each child without its parent is a document of its own; the root follows.
    assert.equal(daemon.datagrams.length, 3);
    assert.equal(daemon.span(rootId)?.node.name, 'trace-processor');
  });

  it('is bounded: beyond maxQueueSize spans, the oldest open trace leaves as it is', async () => {
    setUp({ maxTraces: 16, delayMillis: 600_000, maxQueueSize: 4, maxWaitMillis: 600_000 });
    const a = openTrace(3);
    assert.equal(received(), 0);
    const b = openTrace(2); // 5 spans would wait
    assert.equal(received(), 3, "the oldest trace's 3 children are exported");
    assert.equal(processor.waitingSpans, 2);
    await daemon.waitForSpans(3);
    const id = a.spanContext().traceId;
    const aTrace = `1-${id.slice(0, 8)}-${id.slice(8)}`;
    assert.deepEqual(
      daemon.spans.map((s) => s.traceId),
      [aTrace, aTrace, aTrace],
    );
    a.end();
    b.end();
    await processor.forceFlush();
    await daemon.waitForSpans(7);
    assert.equal(exporter.getStats().spansSent, 7);
  });

  it('forceFlush() sends open and ready traces; shutdown() sends what is left, and nothing after', async () => {
    setUp({ maxTraces: 16, delayMillis: 600_000, maxWaitMillis: 600_000 });
    openTrace(2).end(); // ready
    const open = openTrace(3); // open: 3 children
    await processor.forceFlush();
    assert.equal(processor.waitingSpans, 0);
    assert.equal(exporter.getStats().spansSent, 6);
    await daemon.waitForSpans(6);
    open.end();
    openTrace(1);
    await provider.shutdown();
    assert.equal(exporter.getStats().spansSent, 8);
    await daemon.waitForSpans(8);
    openTrace(1).end();
    assert.equal(received(), 8, 'nothing is exported after shutdown');
  });

  it('ignores unsampled spans, and reports a span that cannot be read without throwing; the exporter counts it', async () => {
    setUp({ maxTraces: 1 });
    const unsampled = makeSpan({ spanId: spanId(1) });
    (unsampled as { spanContext: () => unknown }).spanContext = () => ({
      traceId: '5759e988bd862e3fe1be46a994272793',
      spanId: spanId(1),
      traceFlags: 0,
    });
    processor.onEnd(unsampled);
    assert.equal(processor.waitingSpans, 0);
    assert.equal(received(), 0);
    const broken = makeSpan({ spanId: spanId(2) });
    (broken as { spanContext: () => unknown }).spanContext = () => {
      throw new Error('context gone');
    };
    assert.doesNotThrow(() => processor.onEnd(broken as ReadableSpanLike));
    await processor.forceFlush();
    const s = exporter.getStats();
    assert.equal(s.spansReceived, 1);
    assert.equal(s.dropped.unreadable, 1);
  });

  it("works with an exporter around otel-xray's (no forceFlush of its own), which passes on that traces come whole", async () => {
    setUp({});
    const inner = new AWSXRaySpanExporter({ daemonAddress: daemon.address });
    const told = Symbol.for('otel-xray.exportsWholeTraces');
    const wrapper = {
      export: (spans: ReadableSpanLike[], cb: (r: ExportResult) => void) => inner.export(spans, cb),
      shutdown: () => inner.shutdown(),
      [told]: () => (inner as unknown as Record<symbol, () => void>)[told]?.(),
    };
    const wrapped = new AWSXRayTraceSpanProcessor(wrapper, { maxTraces: 1, maxWaitMillis: 1 });
    const p = new BasicTracerProvider({ spanProcessors: [wrapped] });
    const t = p.getTracer('wrapped');
    const root = t.startSpan('request', { kind: SpanKind.SERVER });
    const ctx = trace.setSpan(context.active(), root);
    t.startSpan('child 1', {}, ctx).end();
    t.startSpan('child 2', {}, ctx).end();
    // Without their root, the children leave after maxWaitMillis, and the exporter behind the
    // wrapper holds none back (told through the wrapper; else two more exports or 10 s).
    await daemon.waitForSpans(2);
    assert.equal(inner.getStats().spansHeld, 0);
    root.end();
    await wrapped.forceFlush();
    await daemon.waitForSpans(3);
    await p.shutdown();
  });

  it('replaces bad options with the defaults, and says so once through diag', () => {
    const diag = captureDiag();
    try {
      setUp({
        maxTraces: -1,
        delayMillis: Number.NaN,
        maxQueueSize: 0,
        maxWaitMillis: 'soon' as unknown as number,
      });
    } finally {
      diag.restore();
    }
    openTrace(2).end();
    assert.equal(received(), 0, 'maxTraces 16: one ready trace waits');
    assert.equal(processor.waitingSpans, 3);
    for (const name of ['maxTraces', 'delayMillis', 'maxQueueSize', 'maxWaitMillis']) {
      assert.ok(
        diag.lines.some((l) => l.startsWith('warn') && l.includes(`option ${name}=`)),
        `${name} reported: ${diag.lines.join(' | ')}`,
      );
    }
  });
});
