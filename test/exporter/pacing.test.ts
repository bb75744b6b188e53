/**
 * How the exporter spreads its work: large batches are translated a slice per
 * event-loop turn (traces kept whole), and the send rate rises with the
 * backlog so that a sustained load above the base rate is sent, not dropped.
 */
import * as assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { SpanKind } from '@opentelemetry/api';
import { AWSXRaySpanExporter } from '../../src/index.js';
import type { ReadableSpanLike } from '../../src/shared/types.js';
import { TestDaemon } from '../helpers/daemon.js';
import { captureDiag } from '../helpers/diag.js';
import { Reporter } from '../../src/shared/diag.js';
import { SpanLedger } from '../../src/export/ledger.js';
import { DAEMON_HEADER } from '../../src/translate/pack.js';
import { receiveBufferCost, UdpTransport } from '../../src/transport/udp.js';
import { makeSpan } from '../helpers/spans.js';

let traceCounter = 0;

/** `traces` traces of `size` spans (a root and its children), interleaved as concurrent requests end. */
function interleaved(traces: number, size: number): ReadableSpanLike[][] {
  const all: ReadableSpanLike[][] = [];
  for (let t = 0; t < traces; t++) {
    const n = ++traceCounter;
    const traceId = n.toString(16).padStart(8, '0') + 'b'.repeat(24);
    const id = (i: number): string =>
      `${n.toString(16).padStart(6, '0')}${(i + 1).toString(16).padStart(10, '0')}`;
    const spans: ReadableSpanLike[] = [];
    for (let i = size - 1; i >= 0; i--) {
      spans.push(
        makeSpan({
          traceId,
          spanId: id(i),
          parentSpanId: i === 0 ? undefined : id(0),
          kind: i === 0 ? SpanKind.SERVER : SpanKind.INTERNAL,
          name: `step ${i}`,
          attributes: { 'app.step': i },
        }),
      );
    }
    all.push(spans);
  }
  return all;
}

/** Round-robin over the traces, as spans of concurrent requests end. */
function mix(traces: ReadableSpanLike[][]): ReadableSpanLike[] {
  const out: ReadableSpanLike[] = [];
  const longest = Math.max(...traces.map((t) => t.length));
  for (let i = 0; i < longest; i++) for (const t of traces) if (i < t.length) out.push(t[i]!);
  return out;
}

describe('pacing: work spread over event-loop turns', function () {
  this.timeout(30_000);
  let daemon: TestDaemon;
  beforeEach(async () => {
    daemon = await TestDaemon.start();
  });
  afterEach(async () => {
    await daemon.close();
  });

  it('translates a large batch over several turns and keeps every trace in one document', async () => {
    const exporter = new AWSXRaySpanExporter({ daemonAddress: daemon.address });
    const spans = mix(interleaved(60, 10));
    let code: number | undefined;
    exporter.export(spans, (r) => (code = r.code));
    // Accepted at once (the processor goes on), translated later.
    assert.equal(code, 0);
    assert.equal(exporter.getStats().spansWaiting, 600);
    await nextTurn();
    const after = exporter.getStats().spansWaiting;
    assert.ok(after < 600, `a turn translated some (${after} waiting)`);
    await exporter.forceFlush();
    assert.equal(exporter.getStats().spansWaiting, 0);
    await daemon.waitForSpans(600);
    assert.deepEqual(daemon.rejected, []);
    // Slices never split a trace: each 10-span trace is one document.
    assert.equal(daemon.datagrams.length, 60);
    for (const d of daemon.datagrams) assert.equal((d.doc.subsegments as unknown[]).length, 9);
    await exporter.shutdown();
  });

  it('keeps a trace larger than a slice whole', async () => {
    const exporter = new AWSXRaySpanExporter({ daemonAddress: daemon.address });
    const [big, ...small] = interleaved(21, 200).map((t, i) => (i === 0 ? t : t.slice(0, 5)));
    exporter.export(mix([big!, ...small]), () => {});
    await exporter.forceFlush();
    await daemon.waitForSpans(200 + 20 * 5);
    const bigTrace = big![0]!.spanContext().traceId;
    const xrayId = `1-${bigTrace.slice(0, 8)}-${bigTrace.slice(8)}`;
    const docs = daemon.datagrams.filter((d) => d.doc.trace_id === xrayId);
    assert.equal(docs.length, 1, 'the 200-span trace fits one datagram, and is sent as one');
    await exporter.shutdown();
  });

  it('bounds the spans waiting for translation when exports come faster than turns', async () => {
    const exporter = new AWSXRaySpanExporter({ daemonAddress: daemon.address });
    let waitingMax = 0;
    for (let i = 0; i < 8; i++) {
      exporter.export(mix(interleaved(50, 10)), () => {});
      waitingMax = Math.max(waitingMax, exporter.getStats().spansWaiting);
    }
    assert.ok(waitingMax <= 2048, `at most 2,048 spans wait (${waitingMax})`);
    assert.ok(waitingMax > 0);
    await exporter.forceFlush();
    await daemon.waitForSpans(4000);
    assert.equal(exporter.getStats().spansSent, 4000);
    await exporter.shutdown();
  });
});

describe('pacing: the send rate follows the backlog', function () {
  this.timeout(30_000);
  let daemon: TestDaemon;
  let diagCap: ReturnType<typeof captureDiag>;
  beforeEach(async () => {
    daemon = await TestDaemon.start();
    diagCap = captureDiag();
  });
  afterEach(async () => {
    diagCap.restore();
    await daemon.close();
  });

  /**
   * Sends a backlog of 2,000 equal datagrams through a transport whose clock
   * only moves when the test moves it, 2 ms at a time, and returns the
   * receive-buffer cost handed to the kernel over `steps` steps. No wall
   * clock is involved: the count depends on the simulated time only.
   */
  async function sentCost(bytesPerSecond: number, maxBytesPerSecond: number, steps: number) {
    let clock = 0;
    const reporter = new Reporter();
    const transport = new UdpTransport({
      endpoint: { host: '127.0.0.1', port: daemon.port },
      reporter,
      ledger: new SpanLedger(reporter),
      maxQueueBytes: 1 << 26,
      burstBytes: 1,
      bytesPerSecond,
      maxBytesPerSecond,
      now: () => clock,
    });
    const json = JSON.stringify({ name: 'x'.repeat(400) });
    const doc = { json, bytes: Buffer.byteLength(json), spans: 1 };
    transport.send(new Array<typeof doc>(2000).fill(doc), () => {});
    const cost = receiveBufferCost(doc.bytes + DAEMON_HEADER.length);
    /** Event-loop turns until the transport has sent more than `n` datagrams. */
    const sentMoreThan = async (n: number): Promise<void> => {
      for (let turn = 0; transport.stats.datagramsSent <= n; turn++) {
        assert.ok(turn < 1_000_000, 'the transport sends once its bucket has tokens');
        await new Promise((r) => setImmediate(r));
      }
    };
    await sentMoreThan(0); // the first datagram, on the bucket's first byte
    for (let i = 0; i < steps; i++) {
      const before = transport.stats.datagramsSent;
      clock += 2;
      await sentMoreThan(before);
    }
    // Let the last step's turn finish, then stop.
    await new Promise((r) => setImmediate(r));
    const sent = transport.stats.datagramsSent * cost;
    await transport.close(1);
    return { sent, cost };
  }

  it('rises above the base rate while a backlog waits, up to maxBytesPerSecond (injected clock)', async () => {
    const steps = 100; // 200 ms of simulated time
    const { sent, cost } = await sentCost(1_000_000, 2_500_000, steps);
    // The backlog (2.7 MB) wants far more than the highest rate: 2.5 MB/s × 0.2 s,
    // plus the first byte of the bucket, plus at most the datagram that overdraws it.
    const budget = 1 + (2_500_000 * 2 * steps) / 1000;
    assert.ok(sent >= budget && sent < budget + cost, `${sent} bytes of cost for ${budget}`);
  });

  it('stays at the base rate when maxBytesPerSecond says so (injected clock)', async () => {
    const steps = 100;
    const { sent, cost } = await sentCost(1_000_000, 1_000_000, steps);
    const budget = 1 + (1_000_000 * 2 * steps) / 1000;
    assert.ok(sent >= budget && sent < budget + cost, `${sent} bytes of cost for ${budget}`);
  });

  /**
   * Queues `count` equal datagrams on a transport whose bucket never runs
   * out (fixed clock, a 1 MiB burst) and returns how many the first turn
   * that sent any handed to the kernel, then waits until all are sent.
   */
  async function firstTurnSends(count: number, maxQueueBytes: number): Promise<number> {
    const reporter = new Reporter();
    const transport = new UdpTransport({
      endpoint: { host: '127.0.0.1', port: daemon.port },
      reporter,
      ledger: new SpanLedger(reporter),
      maxQueueBytes,
      burstBytes: 1 << 20,
      bytesPerSecond: 1 << 20,
      maxBytesPerSecond: 1 << 20,
      now: () => 0,
    });
    const json = JSON.stringify({ name: 'x'.repeat(400) });
    const doc = { json, bytes: Buffer.byteLength(json), spans: 1 };
    transport.send(new Array<typeof doc>(count).fill(doc), () => {});
    let first = 0;
    for (let turn = 0; transport.stats.datagramsSent < count; turn++) {
      assert.ok(turn < 100_000, 'every datagram is sent');
      if (first === 0) first = transport.stats.datagramsSent;
      await nextTurn();
    }
    if (first === 0) first = transport.stats.datagramsSent;
    await transport.close(1000);
    return first;
  }

  it('hands a burst to the kernel a few datagrams a turn while the queue has room', async () => {
    // 20 datagrams of ~430 bytes: far below an eighth of the 1 MiB bound.
    assert.equal(await firstTurnSends(20, 1 << 20), 8);
  });

  it('sends all the bucket allows in one turn once the queue is fuller than an eighth of its bound', async () => {
    // 40 datagrams of ~430 bytes: more than an eighth of a 64 KiB bound.
    assert.equal(await firstTurnSends(40, 1 << 16), 40);
  });
});
