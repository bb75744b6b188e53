/**
 * Load: a sustained burst far beyond what the daemon can take. Memory stays
 * bounded by the send queue, drops are counted, and the exporter recovers.
 */
import * as assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { AWSXRaySpanExporter } from '../../src/index.js';
import { captureDiag } from '../helpers/diag.js';
import { assertDeliveredOrKernelDropped, udpReceiveBufferDrops } from '../helpers/kernel-drops.js';
import { RemoteListener } from '../helpers/remote-listener.js';
import { newProvider } from '../helpers/spans.js';

// A forced garbage collection, so that heap figures mean retained memory.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('hardening: load', function () {
  this.timeout(120_000);

  it('1,000,000 spans through BatchSpanProcessor at full speed: bounded memory, every span counted', async () => {
    // A listener that never reads: the worst case for the sender (UDP gives
    // no back-pressure, so the exporter must bound itself).
    const sink = dgram.createSocket('udp4');
    sink.bind(0, '127.0.0.1');
    await once(sink, 'listening');
    const diagCap = captureDiag();
    const maxQueueBytes = 4 * 1024 * 1024;
    const exporter = new AWSXRaySpanExporter({
      daemonAddress: `127.0.0.1:${sink.address().port}`,
      maxQueueBytes,
    });
    const provider = newProvider(exporter, 'batch', undefined, {
      maxQueueSize: 8192,
      maxExportBatchSize: 512,
      scheduledDelayMillis: 50,
    });
    const tracer = provider.getTracer('load');
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    let heapPeak = heapBefore;
    const total = 1_000_000;
    for (let i = 0; i < total; i += 1000) {
      for (let j = 0; j < 1000; j++) {
        const span = tracer.startSpan('work', { attributes: { i: i + j, 'app.kind': 'load' } });
        span.end();
      }
      // Let the processor and the exporter run, as an app's event loop would.
      await new Promise((r) => setImmediate(r));
      if (i % 100_000 === 0) {
        gc();
        heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
      }
    }
    await provider.forceFlush();
    await provider.shutdown();
    diagCap.restore();
    sink.close();
    const s = exporter.getStats();
    // What the exporter was given, it accounts for: sent or dropped, by reason.
    const dropped = Object.values(s.dropped).reduce((a, b) => a + b, 0);
    assert.equal(
      s.spansSent + dropped + s.spansWaiting + s.spansQueued,
      s.spansReceived,
      JSON.stringify(s),
    );
    assert.ok(s.spansReceived > 0, 'the processor exported something');
    assert.ok(s.queuedBytesHighWater <= maxQueueBytes, `queue peaked at ${s.queuedBytesHighWater}`);
    const growth = heapPeak - heapBefore;
    // Retained: the SDK's queue (8,192 spans), our send queue (4 MiB), spans in flight.
    assert.ok(
      growth < 64 * 1024 * 1024,
      `retained heap grew by ${(growth / 1048576).toFixed(0)} MiB`,
    );
    console.log(
      `      exporter received ${s.spansReceived} of ${total} (the SDK's queue dropped the rest), sent ${s.spansSent}, ` +
        `queue-full drops ${s.dropped.queueFull}, queue peak ${(s.queuedBytesHighWater / 1024).toFixed(0)} KiB, ` +
        `retained heap growth ${(growth / 1048576).toFixed(0)} MiB`,
    );
  });

  it('sustained 20,000 spans/s: the exporter sends every span, and every datagram arrives or the kernel says it dropped it', async () => {
    const listener = await RemoteListener.start();
    const exporter = new AWSXRaySpanExporter({ daemonAddress: listener.address });
    // A queue the SDK never overflows: every span made reaches the exporter.
    const provider = newProvider(exporter, 'batch', undefined, { maxQueueSize: 100_000 });
    const drops = udpReceiveBufferDrops();
    const tracer = provider.getTracer('load');
    const seconds = 2;
    // 10-span traces at 2,000 traces/s = 20,000 spans/s, caught up every timer tick.
    const t0 = performance.now();
    let made = 0;
    while (performance.now() - t0 < seconds * 1000) {
      const due = Math.floor((performance.now() - t0) * 20) - made;
      for (let t = 0; t < due / 10; t++) {
        tracer.startActiveSpan('request', (root) => {
          for (let j = 1; j < 10; j++) tracer.startSpan(`step ${j}`).end();
          root.end();
        });
      }
      made += Math.ceil(due / 10) * 10;
      await new Promise((r) => setTimeout(r, 5));
    }
    await provider.forceFlush();
    await exporter.forceFlush();
    const s = exporter.getStats();
    const report = await listener.report();
    await provider.shutdown();
    await listener.stop();
    assert.equal(s.spansReceived, made, 'the SDK dropped nothing');
    // The exporter lost nothing: every span it was given went out.
    assert.equal(s.spansSent, made, JSON.stringify(s));
    // Whatever did not arrive, the kernel dropped in the listener's full
    // buffer (the machine was too busy for it to read): not the exporter.
    const kernel = assertDeliveredOrKernelDropped(
      s.datagramsSent,
      report.datagrams,
      drops,
      assert.ok,
    );
    assert.deepEqual(report.problems, []);
    console.log(
      `      ${made} spans → ${s.datagramsSent} datagrams sent, ${report.datagrams} received` +
        (kernel > 0 ? ` (the kernel dropped ${kernel} in full receive buffers)` : ''),
    );
  });
});
