// How many traces reach the daemon whole (issue 15, item 3): 6-span traces
// (a SERVER root ending after its 5 children, as a request does; the 10
// requests of each 10 ms tick overlap) made at a steady rate through the SDK's default BatchSpanProcessor (512-span
// batches) and two builds of otel-xray, in alternating rounds in one
// process, each to a UDP listener of its own. Per build: traces split over
// more than one document, spans per datagram, spans delivered, and the
// process's CPU time per span (the round's whole pipeline).
//
//   node benchmarks/levers/whole-traces.mjs <distA/esm> <distB/esm> [rounds] [traces/s] [seconds]
import { context, SpanKind, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { CLIENT_ATTRS, INTERNAL_ATTRS, SERVER_ATTRS, SERVICE } from '../lib/workload.mjs';

const [dirA, dirB, roundsArg, rateArg, secondsArg] = process.argv.slice(2);
const ROUNDS = Number(roundsArg ?? 4);
const RATE = Number(rateArg ?? 1000); // traces per second
const SECONDS = Number(secondsArg ?? 2);
const SIZE = 6;
const libs = {
  A: await import(pathToFileURL(resolve(dirA, 'index.js')).href),
  B: await import(pathToFileURL(resolve(dirB, 'index.js')).href),
};

async function listener() {
  const socket = dgram.createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const docsByTrace = new Map();
  const stats = { datagrams: 0, spans: 0 };
  socket.on('message', (msg) => {
    const doc = JSON.parse(msg.toString('utf8', msg.indexOf(10) + 1));
    stats.datagrams++;
    let n = 0;
    const walk = (d) => {
      n++;
      for (const s of d.subsegments ?? []) walk(s);
    };
    walk(doc);
    stats.spans += n;
    docsByTrace.set(doc.trace_id, (docsByTrace.get(doc.trace_id) ?? 0) + 1);
  });
  return { socket, docsByTrace, stats };
}

async function round(label) {
  const sink = await listener();
  const exporter = new libs[label].AWSXRaySpanExporter({
    daemonAddress: `127.0.0.1:${sink.socket.address().port}`,
  });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': SERVICE }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('whole');
  const total = RATE * SECONDS;
  const perTick = Math.max(1, Math.round(RATE / 100)); // every 10 ms
  const cpu0 = process.cpuUsage();
  let made = 0;
  const t0 = performance.now();
  while (made < total) {
    // The tick's requests overlap, as concurrent requests do: every child
    // ends before any of their roots.
    const roots = [];
    for (let i = 0; i < perTick && made < total; i++, made++) {
      const root = tracer.startSpan('GET /api/orders/:id', {
        kind: SpanKind.SERVER,
        attributes: SERVER_ATTRS,
      });
      roots.push(root);
      const parent = trace.setSpan(context.active(), root);
      for (let c = 1; c < SIZE; c++) {
        const client = c % 2 === 0;
        tracer
          .startSpan(
            client ? 'GET' : `step-${c}`,
            {
              kind: client ? SpanKind.CLIENT : SpanKind.INTERNAL,
              attributes: client ? CLIENT_ATTRS : INTERNAL_ATTRS,
            },
            parent,
          )
          .end();
      }
    }
    for (const root of roots) root.end();
    const due = t0 + (made / RATE) * 1000;
    const wait = due - performance.now();
    await sleep(Math.max(0, wait));
  }
  await provider.forceFlush();
  await exporter.forceFlush();
  const cpu = process.cpuUsage(cpu0);
  for (let i = 0; i < 100 && sink.stats.spans < total * SIZE; i++) await sleep(10);
  await provider.shutdown();
  sink.socket.close();
  let split = 0;
  for (const n of sink.docsByTrace.values()) if (n > 1) split++;
  return {
    traces: total,
    splitPct: (100 * split) / sink.docsByTrace.size,
    spansPerDatagram: sink.stats.spans / sink.stats.datagrams,
    deliveredPct: (100 * sink.stats.spans) / (total * SIZE),
    cpuUsPerSpan: (cpu.user + cpu.system) / (total * SIZE),
  };
}

const median = (xs) => {
  const s = xs.slice().sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
await round('A'); // warm-up
await round('B');
const res = { A: [], B: [] };
const cpuRatios = [];
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? ['A', 'B'] : ['B', 'A'];
  const got = {};
  for (const l of order) got[l] = await round(l);
  res.A.push(got.A);
  res.B.push(got.B);
  cpuRatios.push(got.B.cpuUsPerSpan / got.A.cpuUsPerSpan);
}
for (const l of ['A', 'B']) {
  const rs = res[l];
  console.log(
    `${l}: split traces ${median(rs.map((x) => x.splitPct)).toFixed(1)} %, ` +
      `${median(rs.map((x) => x.spansPerDatagram)).toFixed(2)} spans/datagram, ` +
      `delivered min ${Math.min(...rs.map((x) => x.deliveredPct)).toFixed(2)} %, ` +
      `CPU ${median(rs.map((x) => x.cpuUsPerSpan)).toFixed(2)} µs/span`,
  );
}
console.log(
  `CPU per span B/A: median ${median(cpuRatios).toFixed(3)} (${cpuRatios.map((x) => x.toFixed(2)).join(', ')})`,
);
