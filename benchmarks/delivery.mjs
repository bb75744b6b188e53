// Delivery bench: do all spans reach a daemon-like listener (default receive
// buffer, another process)? Scenarios: a 1,000-span burst and a sustained
// 20,000 spans/s, each with 10-span traces (the target) and 1-span traces.
import * as dgram from 'node:dgram';
import { APP_CORE, AUX_CORE, nextMessage, request, startChild, stopChild } from './lib/common.mjs';

export function deliveryScenarios({ seconds }) {
  return [
    { name: '1,000-span burst, 10-span traces', kind: 'burst', size: 10, spans: 1000 },
    { name: '1,000-span burst, 1-span traces', kind: 'burst', size: 1, spans: 1000 },
    {
      name: `20,000 spans/s for ${seconds} s, 10-span traces`,
      kind: 'sustained',
      size: 10,
      rate: 20_000,
      seconds,
      warmupSeconds: 1,
    },
    {
      name: `20,000 spans/s for ${seconds} s, 1-span traces`,
      kind: 'sustained',
      size: 1,
      rate: 20_000,
      seconds,
      warmupSeconds: 1,
    },
  ];
}

export async function runDelivery({ seconds, log }) {
  const listener = startChild('sinks/listener.mjs', [], { core: AUX_CORE });
  const { port, rcvbuf } = await nextMessage(listener, 'ready');
  let markers = 0;
  /** Waits until everything sent before now has been received or lost. */
  const drain = async () => {
    const id = String(++markers);
    const socket = dgram.createSocket('udp4');
    try {
      for (let attempt = 0; attempt < 50; attempt++) {
        const acked = nextMessage(listener, 'marker', 100).then(
          (m) => m.id === id,
          () => false,
        );
        socket.send(`MARKER ${id}`, port, '127.0.0.1');
        if (await acked) return;
      }
      throw new Error('the listener never acknowledged the marker');
    } finally {
      socket.close();
    }
  };
  const results = [];
  try {
    for (const scenario of deliveryScenarios({ seconds })) {
      await request(listener, 'reset');
      const child = startChild(
        'delivery-child.mjs',
        [JSON.stringify({ ...scenario, udpPort: port })],
        {
          core: APP_CORE,
        },
      );
      let r;
      let warmup;
      try {
        if (scenario.warmupSeconds > 0) {
          // The warm-up's spans: counted apart, then the listener starts afresh.
          const w = await nextMessage(child, 'warm', 60_000);
          await drain();
          const got = await request(listener, 'report');
          await request(listener, 'reset');
          warmup = {
            ended: w.ended,
            sent: w.exporterStats.spansSent,
            received: got.unique,
            receivedPct: (100 * got.unique) / Math.max(1, w.ended),
          };
          child.send({ type: 'go' });
        }
        r = await nextMessage(child, 'result', 60_000);
      } finally {
        await stopChild(child);
      }
      await drain();
      const got = await request(listener, 'report');
      const row = {
        ...scenario,
        ended: r.ended,
        exported: r.exported,
        maxExportMs: r.maxExportMs,
        p50ExportMs: r.p50ExportMs,
        sent: r.exporterStats.spansSent,
        dropped: r.exporterStats.dropped,
        datagramsSent: r.exporterStats.datagramsSent,
        received: got.unique,
        duplicates: got.spans - got.unique,
        datagrams: got.datagrams,
        problems: got.problems,
        maxBytes: got.maxBytes,
        receivedPct: (100 * got.unique) / r.ended,
        spansPerDatagram: got.spans / Math.max(1, got.datagrams),
        wallMs: r.wallMs,
        warmup,
      };
      results.push(row);
      log(
        `  delivery ${scenario.name}: ${row.received}/${row.ended} spans ` +
          `(${row.receivedPct.toFixed(2)} %), ${row.datagrams} datagrams, ` +
          `${row.spansPerDatagram.toFixed(2)} spans/datagram` +
          (warmup ? ` (warm-up: ${warmup.received}/${warmup.ended})` : ''),
      );
    }
  } finally {
    await stopChild(listener);
  }
  return { rcvbuf, scenarios: results };
}
