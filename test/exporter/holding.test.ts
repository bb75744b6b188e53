/**
 * Traces kept whole across export batches (src/export/holder.ts): the spans
 * of a trace whose root span has not been exported yet wait for it, bounded
 * in exports, time and memory, and are sent on forceFlush() and shutdown().
 * Real SDK spans, a real UDP listener; no test reads a clock.
 */
import * as assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AWSXRaySpanExporter } from '../../src/index.js';
import type { ExporterStats } from '../../src/index.js';
import { HOLD_EXPORTS, MAX_HELD_SPANS } from '../../src/export/holder.js';
import type { ReadableSpanLike } from '../../src/shared/types.js';
import { Collector } from '../helpers/collector.js';
import { TestDaemon } from '../helpers/daemon.js';
import { newProvider } from '../helpers/spans.js';

/** Real SDK spans of `traces` traces of `size` spans each: children first, the root last. */
function recordTraces(traces: number, size: number): ReadableSpan[][] {
  const collector = new Collector();
  const spans = collector.spans;
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'holding' }),
    spanProcessors: [collector],
  });
  const tracer = provider.getTracer('holding');
  const out: ReadableSpan[][] = [];
  for (let t = 0; t < traces; t++) {
    const from = spans.length;
    tracer.startActiveSpan(`request ${t}`, { kind: SpanKind.SERVER }, (root) => {
      for (let i = 1; i < size; i++) tracer.startSpan(`step ${i}`).end();
      root.end();
    });
    out.push(spans.slice(from));
  }
  return out;
}

const asLike = (spans: ReadableSpan[]): ReadableSpanLike[] =>
  spans as unknown as ReadableSpanLike[];

function exportBatch(exporter: AWSXRaySpanExporter, spans: ReadableSpan[]): Promise<number> {
  return new Promise((resolve) => exporter.export(asLike(spans), (r) => resolve(r.code)));
}

function identity(s: ExporterStats): number {
  let dropped = 0;
  for (const v of Object.values(s.dropped)) dropped += v;
  return s.spansReceived - (s.spansSent + dropped + s.spansWaiting + s.spansQueued);
}

/** The send queue's drain, which the pacing reaches on timers rather than on turns. */
interface WithTransport {
  transport: { flush(timeoutMs: number): Promise<boolean> };
}

/**
 * Event-loop turns until nothing is waiting but held spans and nothing is
 * queued (bounded), checking the identity at every turn; every 100 turns it
 * waits for the send queue to drain (an event), since the pacing sends on
 * timers and turns alone can outrun them.
 */
async function settle(exporter: AWSXRaySpanExporter): Promise<ExporterStats> {
  for (let turn = 0; turn < 10_000; turn++) {
    const s = exporter.getStats();
    assert.equal(identity(s), 0, JSON.stringify(s));
    if (s.spansWaiting === s.spansHeld && s.spansQueued === 0) return s;
    if (turn % 100 === 99) await (exporter as unknown as WithTransport).transport.flush(5_000);
    else await nextTurn();
  }
  throw new Error('the exporter did not settle');
}

describe('exporter: traces kept whole across export batches', () => {
  let daemon: TestDaemon;
  beforeEach(async () => {
    daemon = await TestDaemon.start();
  });
  afterEach(async () => {
    await daemon.close();
  });

  it('holds the children of an open root and sends them with it, in one document', async () => {
    const [trace] = recordTraces(1, 6) as [ReadableSpan[]];
    const exporter = new AWSXRaySpanExporter({ daemonAddress: daemon.address });
    // The processor's batch boundary falls between the children and the root.
    assert.equal(await exportBatch(exporter, trace.slice(0, 5)), 0);
    let s = await settle(exporter);
    assert.equal(s.spansHeld, 5);
    assert.equal(s.spansWaiting, 5);
    assert.equal(s.spansSent, 0);
    await exportBatch(exporter, trace.slice(5));
    s = await settle(exporter);
    assert.equal(s.spansHeld, 0);
    await daemon.waitForSpans(6);
    assert.equal(daemon.datagrams.length, 1, 'one document for the whole trace');
    await exporter.shutdown();
    assert.equal(exporter.getStats().spansSent, 6);
  });

  it(`gives held spans back after ${HOLD_EXPORTS} more exports without their root`, async () => {
    const traces = recordTraces(1 + HOLD_EXPORTS, 4);
    const exporter = new AWSXRaySpanExporter({ daemonAddress: daemon.address });
    const orphans = (traces[0] as ReadableSpan[]).slice(0, 3); // the root never comes
    await exportBatch(exporter, orphans);
    for (let i = 1; i <= HOLD_EXPORTS; i++) {
      const s = await settle(exporter);
      assert.equal(s.spansHeld, 3, `still held before export ${i}`);
      await exportBatch(exporter, traces[i] as ReadableSpan[]); // other, whole traces
    }
    const s = await settle(exporter);
    assert.equal(s.spansHeld, 0);
    await daemon.waitForSpans(3 + 4 * HOLD_EXPORTS);
    // The orphans went as independent subsegments, each whole trace as one document.
    assert.equal(daemon.datagrams.length, 3 + HOLD_EXPORTS);
    await exporter.shutdown();
  });

  it('forceFlush() and shutdown() send held spans', async () => {
    const [a, b] = recordTraces(2, 3) as [ReadableSpan[], ReadableSpan[]];
    const exporter = new AWSXRaySpanExporter({ daemonAddress: daemon.address });
    await exportBatch(exporter, a.slice(0, 2));
    assert.equal(exporter.getStats().spansHeld, 2);
    await exporter.forceFlush();
    let s = exporter.getStats();
    assert.equal(s.spansHeld, 0);
    assert.equal(s.spansSent, 2);
    await exportBatch(exporter, b.slice(0, 2));
    assert.equal(exporter.getStats().spansHeld, 2);
    await exporter.shutdown();
    s = exporter.getStats();
    assert.equal(s.spansHeld, 0);
    assert.equal(s.spansSent, 4);
    assert.equal(identity(s), 0);
  });

  it('does not hold a child that ends after its trace root was exported', async () => {
    const [trace] = recordTraces(1, 3) as [ReadableSpan[]];
    const exporter = new AWSXRaySpanExporter({ daemonAddress: daemon.address });
    await exportBatch(exporter, [trace[0] as ReadableSpan, trace[2] as ReadableSpan]);
    await exportBatch(exporter, [trace[1] as ReadableSpan]); // its root has gone
    const s = await settle(exporter);
    assert.equal(s.spansHeld, 0);
    await daemon.waitForSpans(3);
    await exporter.shutdown();
  });

  it(`holds at most ${MAX_HELD_SPANS} spans, giving back the oldest traces first`, async () => {
    const traces = recordTraces(300, 10);
    const exporter = new AWSXRaySpanExporter({ daemonAddress: daemon.address });
    const children = traces.flatMap((t) => t.slice(0, 9)); // 2,700 spans, no root
    // Two exports: the first's traces are still within their hold at the second.
    await exportBatch(exporter, children.slice(0, 1350));
    await exportBatch(exporter, children.slice(1350));
    const s = await settle(exporter);
    assert.ok(s.spansHeld <= MAX_HELD_SPANS, `${s.spansHeld} held`);
    assert.ok(s.spansHeld >= MAX_HELD_SPANS - 9, `${s.spansHeld} held`);
    await exporter.forceFlush();
    const end = exporter.getStats();
    assert.equal(end.spansSent, children.length);
    assert.equal(identity(end), 0);
    await exporter.shutdown();
  });

  it("holds nothing with exportCallback: 'sent' (the callback waits for the send)", async () => {
    const [trace] = recordTraces(1, 3) as [ReadableSpan[]];
    const exporter = new AWSXRaySpanExporter({
      daemonAddress: daemon.address,
      exportCallback: 'sent',
    });
    assert.equal(await exportBatch(exporter, trace.slice(0, 2)), 0);
    assert.equal(exporter.getStats().spansHeld, 0);
    assert.equal(exporter.getStats().spansSent, 2);
    await exporter.shutdown();
  });

  it('through a BatchSpanProcessor whose batches split traces, every trace is one document', async () => {
    const exporter = new AWSXRaySpanExporter({ daemonAddress: daemon.address });
    // Batches of 4 spans: nearly every 6-span trace straddles a boundary.
    const provider = newProvider(
      exporter,
      'batch',
      { 'service.name': 'holding' },
      {
        maxExportBatchSize: 4,
        scheduledDelayMillis: 60_000,
      },
    );
    const tracer = provider.getTracer('holding');
    const TRACES = 40;
    for (let t = 0; t < TRACES; t++) {
      tracer.startActiveSpan(`request ${t}`, { kind: SpanKind.SERVER }, (root) => {
        for (let i = 1; i < 6; i++) tracer.startSpan(`step ${i}`).end();
        root.end();
      });
      await nextTurn();
    }
    await provider.forceFlush();
    await daemon.waitForSpans(TRACES * 6);
    assert.equal(daemon.datagrams.length, TRACES, 'one datagram per trace');
    await provider.shutdown();
    assert.equal(exporter.getStats().spansSent, TRACES * 6);
  });
});
