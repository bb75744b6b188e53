import * as assert from 'node:assert/strict';
import { SpanKind } from '@opentelemetry/api';
import { AWSXRaySpanExporter } from '../../src/index.js';
import type { ReadableSpanLike } from '../../src/shared/types.js';
import { assertDeliveredOrKernelDropped, udpReceiveBufferDrops } from '../helpers/kernel-drops.js';
import { RemoteListener } from '../helpers/remote-listener.js';
import { makeSpan } from '../helpers/spans.js';

let traceCounter = 0;

/** A trace of `n` spans: a root, 10 children, the rest below them. */
function trace(n: number): ReadableSpanLike[] {
  const traceId = (++traceCounter).toString(16).padStart(8, '0') + 'a'.repeat(24);
  const id = (i: number): string =>
    `${traceCounter.toString(16).padStart(6, '0')}${(i + 1).toString(16).padStart(10, '0')}`;
  const spans: ReadableSpanLike[] = [];
  for (let i = n - 1; i >= 0; i--) {
    const parent = i === 0 ? undefined : i <= 10 ? 0 : 1 + (i % 10);
    spans.push(
      makeSpan({
        traceId,
        spanId: id(i),
        parentSpanId: parent === undefined ? undefined : id(parent),
        kind: i === 0 ? SpanKind.SERVER : SpanKind.CLIENT,
        name: `call ${i}`,
        attributes: {
          'url.full': `https://api.example.com/v1/items/${i}`,
          'http.response.status_code': 200,
        },
      }),
    );
  }
  return spans;
}

function exportAll(
  exporter: AWSXRaySpanExporter,
  batches: ReadableSpanLike[][],
): Promise<number[]> {
  return Promise.all(
    batches.map(
      (b) => new Promise<number>((resolve) => exporter.export(b, (r) => resolve(r.code))),
    ),
  );
}

/*
 * Under an overloaded machine the listener may not get the CPU to read, and
 * the kernel drops what its full buffer cannot hold: those drops are counted
 * by the kernel (see kernel-drops.ts) and told apart from a loss by the
 * exporter. That 100 % arrive with the default buffer is the benchmark's
 * claim (`npm run bench`, delivery), measured on a quiet machine.
 */
describe('delivery to a listener in another process with the default receive buffer', function () {
  this.timeout(60_000);
  let listener: RemoteListener;
  before(async () => {
    listener = await RemoteListener.start();
  });
  after(async () => {
    await listener.stop();
  });
  beforeEach(async () => {
    await listener.reset();
  });

  it('receives 100 % of a 1,000-span export', async () => {
    assert.ok(
      listener.rcvbuf <= 256 * 1024,
      `listener uses the default buffer (${listener.rcvbuf})`,
    );
    const exporter = new AWSXRaySpanExporter({ daemonAddress: listener.address });
    const spans = trace(1000);
    const drops = udpReceiveBufferDrops();
    assert.deepEqual(await exportAll(exporter, [spans]), [0]);
    await exporter.forceFlush();
    const report = await listener.report();
    const stats = exporter.getStats();
    assert.deepEqual(report.problems, []);
    assert.equal(stats.spansSent, 1000, JSON.stringify(stats));
    assertDeliveredOrKernelDropped(stats.datagramsSent, report.datagrams, drops, assert.ok);
    assert.equal(new Set(report.spans.map((s) => s.id)).size, report.spans.length, 'no duplicate');
    assert.ok(report.maxBytes <= 65_507);
    await exporter.shutdown();
  });

  it('receives 100 % of 20 back-to-back 512-span exports', async () => {
    const exporter = new AWSXRaySpanExporter({ daemonAddress: listener.address });
    const batches = Array.from({ length: 20 }, () => trace(512));
    const drops = udpReceiveBufferDrops();
    const codes = await exportAll(exporter, batches);
    assert.deepEqual(codes, new Array(20).fill(0));
    await exporter.forceFlush();
    const report = await listener.report();
    assert.deepEqual(report.problems, []);
    const stats = exporter.getStats();
    assert.equal(stats.spansSent, 20 * 512);
    assertDeliveredOrKernelDropped(stats.datagramsSent, report.datagrams, drops, assert.ok);
    assert.equal(new Set(report.spans.map((s) => s.id)).size, report.spans.length, 'no duplicate');
    await exporter.shutdown();
  });

  it('receives 100 % of 5,120 single-span traces exported back to back (the rate rises with the backlog)', async () => {
    const exporter = new AWSXRaySpanExporter({ daemonAddress: listener.address });
    const batches = Array.from({ length: 10 }, () =>
      Array.from({ length: 512 }, () => trace(1)[0]!),
    );
    const drops = udpReceiveBufferDrops();
    const codes = await exportAll(exporter, batches);
    assert.deepEqual(codes, new Array(10).fill(0));
    await exporter.forceFlush();
    const report = await listener.report();
    assert.deepEqual(report.problems, []);
    const stats = exporter.getStats();
    assert.equal(stats.spansSent, 10 * 512, JSON.stringify(stats));
    assert.equal(stats.datagramsSent, 10 * 512);
    assertDeliveredOrKernelDropped(stats.datagramsSent, report.datagrams, drops, assert.ok);
    assert.equal(new Set(report.spans.map((s) => s.id)).size, report.spans.length, 'no duplicate');
    await exporter.shutdown();
  });
});
