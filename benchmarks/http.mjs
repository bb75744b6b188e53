// Macro bench: an HTTP server under autocannon, per mode and variant.
//
// Every app server (5 modes × 2 variants) is started once, pinned to the app
// core, and stays up; autocannon runs in its own process on the other core,
// with the sinks and the stub. Each round measures every server once (modes
// shuffled); after each measurement the server flushes its spans, so no export
// work spills into the next server's measurement. Ratios are taken per round
// (paired) and the median is reported.
import {
  APP_CORE,
  AUX_CORE,
  median,
  nextMessage,
  request,
  shuffled,
  sleep,
  startChild,
  stopChild,
} from './lib/common.mjs';

export const HTTP_MODES = ['plain', 'noop', 'xray', 'otlp', 'xraysdk'];
export const HTTP_VARIANTS = [1, 6];

export async function runHttp({ sinks, rounds, connections, warmupSec, durationSec, log }) {
  const loadgen = startChild('loadgen.mjs', [], { core: AUX_CORE });
  await nextMessage(loadgen, 'ready');
  const servers = {};
  try {
    for (const spans of HTTP_VARIANTS) {
      for (const mode of HTTP_MODES) {
        const config = { mode, spans, udpPort: sinks.udpPort, httpPort: sinks.httpPort };
        const child = startChild('http-app.mjs', [JSON.stringify(config)], { core: APP_CORE });
        const { port } = await nextMessage(child, 'ready');
        servers[`${mode}/${spans}`] = { child, port };
      }
    }
    // Warm-up pass, not recorded: every server's JIT warms up under load
    // before any round, so the first round is not penalised.
    for (const [key, { child, port }] of Object.entries(servers)) {
      await request(
        loadgen,
        'run',
        {
          url: `http://127.0.0.1:${port}/api/orders/12345`,
          connections,
          warmupSec: 0,
          durationSec: warmupSec,
        },
        60_000,
      );
      await request(child, 'flush', {}, 30_000);
      log(`  http warm-up ${key}`);
    }
    const perRound = [];
    for (let round = 0; round < rounds; round++) {
      const row = {};
      for (const spans of HTTP_VARIANTS) {
        for (const mode of shuffled(HTTP_MODES)) {
          const { child, port } = servers[`${mode}/${spans}`];
          const url = `http://127.0.0.1:${port}/api/orders/12345`;
          await request(sinks.udp, 'reset');
          // Servers are warm; this short run only re-opens connections.
          await request(loadgen, 'run', { url, connections, warmupSec: 0, durationSec: 0.5 });
          const cpu0 = await request(child, 'cpu', { reset: true });
          const r = await request(
            loadgen,
            'run',
            { url, connections, warmupSec: 0, durationSec },
            60_000,
          );
          const cpu1 = await request(child, 'cpu');
          const flushed = await request(child, 'flush', {}, 30_000);
          await sleep(100); // the last datagrams reach the sink before it is read
          const udp = (await request(sinks.udp, 'stats')).stats;
          // The app's CPU time per request is what limits a CPU-bound server,
          // and unlike req/s it hardly moves when other processes take CPU.
          const cpuPerReq = (cpu1.cpuUs - cpu0.cpuUs) / Math.max(1, cpu1.handled - cpu0.handled);
          row[`${mode}/${spans}`] = {
            ...r,
            ...flushed,
            type: undefined,
            udp,
            cpuPerReq,
            loopDelayP99: cpu1.loopDelayP99,
            loopDelayMax: cpu1.loopDelayMax,
          };
          log(
            `  http round ${round + 1}/${rounds} ${`${mode}/${spans}`.padEnd(10)} ` +
              `${r.rps.toFixed(0)} req/s, p99 ${r.p99.toFixed(2)} ms, ` +
              `app ${cpuPerReq.toFixed(0)} µs CPU/req, loadgen CPU ${r.loadgenCpuPct.toFixed(0)} %`,
          );
        }
      }
      perRound.push(row);
    }
    return summarise(perRound);
  } finally {
    await Promise.all([
      stopChild(loadgen),
      ...Object.values(servers).map(({ child }) => stopChild(child)),
    ]);
  }
}

function summarise(perRound) {
  const out = { rounds: perRound.length, modes: {}, ratios: {}, perRound };
  for (const spans of HTTP_VARIANTS) {
    for (const mode of HTTP_MODES) {
      const key = `${mode}/${spans}`;
      const rs = perRound.map((r) => r[key]);
      const last = rs[rs.length - 1];
      out.modes[key] = {
        rps: median(rs.map((r) => r.rps)),
        cpuPerReq: median(rs.map((r) => r.cpuPerReq)),
        p50: median(rs.map((r) => r.p50)),
        p99: median(rs.map((r) => r.p99)),
        loopDelayP99: median(rs.map((r) => r.loopDelayP99)),
        loopDelayMax: median(rs.map((r) => r.loopDelayMax)),
        loadgenCpuPct: median(rs.map((r) => r.loadgenCpuPct)),
        errors: rs.reduce((n, r) => n + r.errors + r.non2xx + r.timeouts, 0),
        // Delivery counters of the last round (spans the processor dropped
        // are `ended − exported`; the UDP sink counts what arrived).
        ended: last.ended,
        exported: last.exported,
        maxExportMs: last.maxExportMs,
        p50ExportMs: last.p50ExportMs,
        exporterStats: last.exporterStats,
        udp: last.udp,
      };
    }
    const paired = (f) => median(perRound.map(f));
    const rps = (r, mode) => r[`${mode}/${spans}`].rps;
    const p99 = (r, mode) => r[`${mode}/${spans}`].p99;
    for (const mode of HTTP_MODES) {
      out.ratios[`${mode}/plain rps ${spans}`] = paired((r) => rps(r, mode) / rps(r, 'plain'));
    }
    for (const base of ['noop', 'otlp', 'xraysdk']) {
      out.ratios[`xray/${base} rps ${spans}`] = paired((r) => rps(r, 'xray') / rps(r, base));
    }
    // Capacity from CPU per request: base CPU/req over otel-xray's (> 1: otel-xray serves more).
    const cpu = (r, mode) => r[`${mode}/${spans}`].cpuPerReq;
    for (const base of ['noop', 'otlp', 'xraysdk']) {
      out.ratios[`xray/${base} cpu capacity ${spans}`] = paired(
        (r) => cpu(r, base) / cpu(r, 'xray'),
      );
    }
    out.ratios[`xray/noop p99 ${spans}`] = paired((r) => p99(r, 'xray') / p99(r, 'noop'));
    out.ratios[`xray/otlp p99 ${spans}`] = paired((r) => p99(r, 'xray') / p99(r, 'otlp'));
  }
  return out;
}
