import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Reporter } from '../../src/shared/diag.js';
import { SpanLedger } from '../../src/export/ledger.js';
import { AWSXRaySpanExporter } from '../../src/index.js';
import { UdpTransport } from '../../src/transport/udp.js';
import type { SendOutcome } from '../../src/transport/udp.js';
import type { ReadableSpanLike } from '../../src/shared/types.js';
import { TestDaemon } from '../helpers/daemon.js';
import { makeSpan, spanId } from '../helpers/spans.js';
import { captureDiag } from '../helpers/diag.js';

const exportOnce = (
  e: AWSXRaySpanExporter,
  spans: ReadableSpanLike[],
): Promise<{ code: number; error?: Error }> => new Promise((resolve) => e.export(spans, resolve));

/** A port with nothing listening on it: bind, read the port, close. */
async function deadPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function batch(n: number, offset = 0): ReadableSpanLike[] {
  return Array.from({ length: n }, (_, i) =>
    makeSpan({
      spanId: spanId(offset + i),
      // A remote parent: segments, sent as they come (a local parent's
      // children would wait for it, test/exporter/holding.test.ts).
      parentSpanId: spanId(9_999_999),
      parentRemote: true,
      attributes: { i },
    }),
  );
}

describe('faults', () => {
  let diagCap: ReturnType<typeof captureDiag>;
  beforeEach(() => {
    diagCap = captureDiag();
  });
  afterEach(() => diagCap.restore());

  it('a daemon that is down: every span lost is counted, and reported once with what to do', async () => {
    const port = await deadPort();
    const exporter = new AWSXRaySpanExporter({ daemonAddress: `127.0.0.1:${port}` });
    const results = [];
    for (let i = 0; i < 10; i++) results.push(await exportOnce(exporter, batch(1, i)));
    await exporter.forceFlush();
    // The "port unreachable" of the last datagram arrives on the socket's
    // read side: wait for it by event-loop turns, not by time.
    for (let turn = 0; turn < 10_000 && exporter.getStats().spansSent > 0; turn++) {
      await new Promise((r) => setImmediate(r));
    }
    await exporter.shutdown();
    const stats = exporter.getStats();
    assert.equal(stats.spansReceived, 10);
    // Counted in spans: each refused datagram moves its span from sent to sendError.
    assert.equal(stats.dropped.sendError, 10, JSON.stringify(stats));
    assert.equal(stats.spansSent, 0, JSON.stringify(stats));
    assert.ok(stats.datagramsRefused > 0, JSON.stringify(stats));
    const lines = diagCap.lines.filter((l) => l.includes('no X-Ray daemon'));
    assert.ok(lines.length >= 1, diagCap.lines.join('\n'));
    assert.match(
      lines[0] as string,
      new RegExp(
        `no X-Ray daemon at 127\\.0\\.0\\.1:${port} \\(port unreachable\\): start it or set AWS_XRAY_DAEMON_ADDRESS`,
      ),
    );
    assert.equal(
      lines.filter((l) => l.includes('further occurrences')).length,
      1,
      lines.join('\n'),
    );
  });

  it('a daemon restarted mid-stream: the datagram after the restart is retried, not lost', async () => {
    const port = await deadPort();
    const exporter = new AWSXRaySpanExporter({ daemonAddress: `127.0.0.1:${port}` });
    await exportOnce(exporter, batch(1, 0));
    await exporter.forceFlush(); // sent: it provokes an ICMP error on the socket
    const socket = dgram.createSocket('udp4');
    socket.bind(port, '127.0.0.1');
    await once(socket, 'listening');
    const got = once(socket, 'message');
    const r = await exportOnce(exporter, batch(1, 1));
    assert.equal(r.code, 0);
    const [msg] = (await got) as [Buffer];
    assert.match(msg.toString(), /"id":"0000000000000002"/);
    socket.close();
    await exporter.shutdown();
  });

  it('an unresolvable host: spans dropped and reported once, nothing thrown', async () => {
    const exporter = new AWSXRaySpanExporter({ daemonAddress: 'no-such-host.invalid:2000' });
    // Queued: the export succeeds, and the lookup fails later.
    assert.equal((await exportOnce(exporter, batch(3))).code, 0);
    await exporter.forceFlush();
    assert.equal(exporter.getStats().dropped.unresolved, 3);
    // Within the back-off, a further export does not wait on DNS again: it
    // is refused at once (the callback runs before export() returns).
    let code: number | undefined;
    exporter.export(batch(2, 3), (r) => (code = r.code));
    assert.equal(code, 1, 'refused at once during the back-off');
    assert.equal(exporter.getStats().dropped.unresolved, 5);
    const lines = diagCap.lines.filter((l) => l.includes('no-such-host.invalid'));
    assert.equal(lines.length, 1, diagCap.lines.join('\n'));
    await exporter.shutdown();
  });

  it("with exportCallback: 'sent', the export itself fails when the host does not resolve", async () => {
    const exporter = new AWSXRaySpanExporter({
      daemonAddress: 'no-such-host.invalid:2000',
      exportCallback: 'sent',
    });
    const r = await exportOnce(exporter, batch(3));
    assert.equal(r.code, 1);
    assert.match(String(r.error?.message), /3 spans could not be sent/);
    await exporter.shutdown();
  });

  it('shutdown while sends are in flight: every span is sent or counted, callbacks once', async () => {
    const daemon = await TestDaemon.start();
    const exporter = new AWSXRaySpanExporter({
      daemonAddress: daemon.address,
      bytesPerSecond: 200_000,
      flushTimeoutMillis: 300,
    });
    let calls = 0;
    const done = new Promise<void>((resolve) =>
      exporter.export(batch(2000), () => {
        calls++;
        resolve();
      }),
    );
    const flush = exporter.forceFlush();
    await exporter.shutdown();
    await Promise.all([done, flush]);
    assert.equal(calls, 1);
    const s = exporter.getStats();
    assert.equal(s.spansSent + s.dropped.shutdown, 2000, JSON.stringify(s));
    await daemon.waitForSpans(s.spansSent);
    assert.equal(daemon.spans.length, s.spansSent);
    await daemon.close();
  });

  it('forceFlush returns within its timeout even when sending cannot keep up', async () => {
    const daemon = await TestDaemon.start();
    const exporter = new AWSXRaySpanExporter({
      daemonAddress: daemon.address,
      bytesPerSecond: 10_000,
      flushTimeoutMillis: 200,
    });
    exporter.export(batch(2000), () => {});
    await exporter.forceFlush();
    // It returned because its timeout passed, not because the queue drained.
    assert.ok(diagCap.lines.some((l) => l.includes('forceFlush gave up')));
    const s = exporter.getStats();
    assert.ok(s.spansQueued > 0 && s.spansSent < 2000, JSON.stringify(s));
    await exporter.shutdown();
    await daemon.close();
  });

  it('100,000 spans as fast as possible: queue stays bounded, every span counted', async () => {
    const daemon = await TestDaemon.start();
    const maxQueueBytes = 1024 * 1024;
    // The daemon here shares the test's event loop and validates every
    // datagram, so it reads far slower than a real one: keep the send rate at
    // the base rate instead of letting it rise with the backlog.
    const exporter = new AWSXRaySpanExporter({
      daemonAddress: daemon.address,
      maxQueueBytes,
      maxBytesPerSecond: 12 * 1024 * 1024,
    });
    const exports: Array<Promise<unknown>> = [];
    for (let i = 0; i < 100; i++) exports.push(exportOnce(exporter, batch(1000, i * 1000)));
    await Promise.all(exports);
    await exporter.shutdown();
    const s = exporter.getStats();
    assert.equal(s.spansReceived, 100_000);
    assert.equal(
      s.spansSent + s.dropped.queueFull + s.dropped.shutdown,
      100_000,
      JSON.stringify(s),
    );
    assert.ok(s.dropped.queueFull > 0);
    assert.ok(s.queuedBytesHighWater <= maxQueueBytes, `${s.queuedBytesHighWater} queued`);
    const lines = diagCap.lines.filter((l) => l.includes('send queue is full'));
    assert.equal(
      lines.length,
      2,
      'the first drop is reported at once, the rest summarised at shutdown',
    );
    assert.match(lines[0] as string, /further occurrences are counted/);
    assert.match(lines[1] as string, new RegExp(`\\(${s.dropped.queueFull} in total\\)`));
    await daemon.waitForSpans(s.spansSent);
    await daemon.close();
  });

  it('never keeps the process alive', async () => {
    const app = fileURLToPath(new URL('../fixtures/unref-app.ts', import.meta.url));
    // A process kept alive would be killed by execFile's timeout (a failure).
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', app, `127.0.0.1:${await deadPort()}`],
      {
        timeout: 10_000,
      },
    );
    assert.equal(stdout.trim(), 'exported 0', 'the process exited on its own');
  });
});

describe('faults: transport edge cases', () => {
  let diagCap: ReturnType<typeof captureDiag>;
  beforeEach(() => {
    diagCap = captureDiag();
  });
  afterEach(() => diagCap.restore());

  it('EMSGSIZE: a datagram the kernel refuses is counted, the next one still goes', async () => {
    const daemon = await TestDaemon.start();
    const reporter = new Reporter();
    const ledger = new SpanLedger(reporter);
    const transport = new UdpTransport({
      endpoint: { host: '127.0.0.1', port: daemon.port },
      reporter,
      ledger,
      maxQueueBytes: 1 << 20,
      burstBytes: 1 << 20,
      bytesPerSecond: 1 << 30,
      maxBytesPerSecond: 1 << 30,
    });
    const huge = { json: `{"x":"${'a'.repeat(70_000)}"}`, bytes: 70_008, spans: 1 };
    const ok = { json: '{"name":"n"}', bytes: 12, spans: 1 };
    const outcomes = await Promise.all([
      new Promise<SendOutcome>((r) => transport.send([huge], r)),
      new Promise<SendOutcome>((r) => transport.send([ok], r)),
    ]);
    assert.deepEqual(outcomes, [
      { sentSpans: 0, droppedSpans: 1 },
      { sentSpans: 1, droppedSpans: 0 },
    ]);
    assert.equal(ledger.dropped.sendError, 1);
    assert.equal(ledger.sent, 1);
    assert.ok(
      diagCap.lines.some((l) => l.includes('EMSGSIZE')),
      diagCap.lines.join('\n'),
    );
    await transport.close(1000);
    await daemon.close();
  });

  it('a socket closed underneath the exporter is reopened and nothing is lost', async () => {
    const daemon = await TestDaemon.start();
    const exporter = new AWSXRaySpanExporter({ daemonAddress: daemon.address });
    await exportOnce(exporter, batch(1, 0));
    await exporter.forceFlush();
    // Reach in and close the socket, as a misbehaving library might.
    const transport = (exporter as unknown as { transport: { socket: dgram.Socket } }).transport;
    transport.socket.close();
    const r = await exportOnce(exporter, batch(1, 1));
    assert.equal(r.code, 0);
    await daemon.waitForSpans(2);
    assert.equal(exporter.getStats().spansSent, 2);
    await exporter.shutdown();
    await daemon.close();
  });

  it('shutdown racing export and forceFlush: no throw, callbacks once, counts add up', async () => {
    const daemon = await TestDaemon.start();
    const exporter = new AWSXRaySpanExporter({
      daemonAddress: daemon.address,
      flushTimeoutMillis: 2000,
    });
    const calls: number[] = [];
    const results: Array<Promise<unknown>> = [];
    for (let i = 0; i < 20; i++) {
      results.push(
        new Promise<void>((resolve) =>
          exporter.export(batch(50, i * 50), (res) => {
            calls.push(res.code);
            resolve();
          }),
        ),
      );
      if (i === 5) results.push(exporter.forceFlush());
      if (i === 10) results.push(exporter.shutdown());
      if (i === 12) results.push(exporter.forceFlush());
    }
    await Promise.all(results);
    assert.equal(calls.length, 20, 'each export called back exactly once');
    const s = exporter.getStats();
    assert.equal(s.spansReceived, 1000);
    assert.equal(s.spansSent + s.dropped.shutdown, 1000, JSON.stringify(s));
    assert.ok(s.dropped.shutdown >= 9 * 50, 'exports after shutdown fail');
    await daemon.waitForSpans(s.spansSent);
    await daemon.close();
  });
});
