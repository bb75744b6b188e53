// Macro bench: the SDK pipeline per span, one process per mode and round.
//
// Modes: noop (BatchSpanProcessor + an exporter that does nothing), xray
// (otel-xray to the UDP sink), otlp (OTLP/HTTP protobuf to the HTTP sink),
// zipkin (Zipkin JSON to the HTTP sink), xraysdk (aws-xray-sdk-core, manual
// segments and subsegments, to the UDP sink). Each round runs every mode once,
// in a shuffled order; a mode's numbers in a round are the median of its
// repetitions. Export cost = mode − noop in the same round; ratios are taken
// per round and the median of those paired ratios is reported.
import {
  APP_CORE,
  median,
  nextMessage,
  request,
  shuffled,
  startChild,
  stopChild,
} from './lib/common.mjs';

export const PIPELINE_MODES = ['noop', 'xray', 'otlp', 'zipkin', 'xraysdk'];

export async function runPipeline({ sinks, rounds, shapes, warmReps, reps, log }) {
  const perRound = []; // [{ mode: { size: {cpu, wall}, exported, made, sink } }]
  for (let round = 0; round < rounds; round++) {
    const row = {};
    for (const mode of shuffled(PIPELINE_MODES)) {
      row[mode] = await runMode(mode, { sinks, shapes, warmReps, reps });
      const summary = shapes
        .map(({ size }) => `${size}-span ${row[mode][size].cpu.toFixed(2)} µs`)
        .join(', ');
      log(`  pipeline round ${round + 1}/${rounds} ${mode.padEnd(7)} ${summary}`);
    }
    perRound.push(row);
  }
  return summarise(perRound, shapes);
}

/** Runs one mode in a fresh pinned process; returns its medians and counters. */
export async function runMode(mode, { sinks, shapes, warmReps, reps, profileFile, nodeArgs = [] }) {
  await request(sinks.udp, 'reset');
  await request(sinks.http, 'reset');
  const config = {
    mode,
    udpPort: sinks.udpPort,
    httpPort: sinks.httpPort,
    shapes,
    warmReps,
    reps,
    profile: profileFile !== undefined,
    profileFile,
  };
  const child = startChild('pipeline-child.mjs', [JSON.stringify(config)], {
    core: APP_CORE,
    nodeArgs,
  });
  try {
    const result = await nextMessage(child, 'result', 180_000);
    const udp = (await request(sinks.udp, 'stats')).stats;
    const http = (await request(sinks.http, 'stats')).stats;
    const out = {
      made: result.made,
      exported: result.exported,
      exportFailed: result.exportFailed,
      maxExportMs: result.maxExportMs,
      exporterStats: result.exporterStats,
      udp,
      http,
      profileFile: result.profileFile,
      measuredCpuUs: result.measuredCpuUs,
      measuredSpans: shapes.reduce((n, s) => n + s.spans * reps, 0),
      stringify: result.stringify,
    };
    for (const { size } of shapes) {
      const ms = result.results[size];
      out[size] = {
        cpu: median(ms.map((m) => m.cpuPerSpan)),
        sys: median(ms.map((m) => m.sysPerSpan)),
        wall: median(ms.map((m) => m.wallPerSpan)),
      };
    }
    return out;
  } finally {
    await stopChild(child);
  }
}

/** Medians across rounds, export costs and paired ratios. */
function summarise(perRound, shapes) {
  const sizes = shapes.map((s) => s.size);
  const out = { rounds: perRound.length, modes: {}, exportCost: {}, ratios: {}, perRound };
  for (const mode of PIPELINE_MODES) {
    const m = (out.modes[mode] = {});
    for (const size of sizes) {
      m[size] = {
        cpu: median(perRound.map((r) => r[mode][size].cpu)),
        sys: median(perRound.map((r) => r[mode][size].sys)),
        wall: median(perRound.map((r) => r[mode][size].wall)),
      };
    }
    // Delivery-side facts from the last round (every round sends the same).
    const last = perRound[perRound.length - 1][mode];
    m.made = last.made;
    m.exported = last.exported;
    m.exportFailed = last.exportFailed;
    m.maxExportMs = last.maxExportMs;
    m.udp = last.udp;
    m.http = last.http;
    m.exporterStats = last.exporterStats;
  }
  // Export cost: mode − noop, per span, per round, then the median.
  const cost = (r, mode, size) => r[mode][size].cpu - r.noop[size].cpu;
  for (const mode of ['xray', 'otlp', 'zipkin']) {
    out.exportCost[mode] = {};
    for (const size of sizes) {
      out.exportCost[mode][size] = median(perRound.map((r) => cost(r, mode, size)));
    }
  }
  const paired = (f) => median(perRound.map(f));
  for (const size of sizes) {
    out.ratios[`xray/otlp export ${size}`] = paired(
      (r) => cost(r, 'xray', size) / cost(r, 'otlp', size),
    );
    out.ratios[`xray/zipkin export ${size}`] = paired(
      (r) => cost(r, 'xray', size) / cost(r, 'zipkin', size),
    );
    out.ratios[`xray/noop pipeline ${size}`] = paired((r) => r.xray[size].cpu / r.noop[size].cpu);
  }
  // Cost of one more span in a trace (a subsegment): (C(10) − C(1)) / 9 per
  // trace, from the per-span CPU time of 10-span and 1-span traces.
  if (sizes.includes(10) && sizes.includes(1)) {
    const marginal = (r, mode) => (10 * r[mode][10].cpu - r[mode][1].cpu) / 9;
    out.perSubsegment = {};
    for (const mode of PIPELINE_MODES) {
      out.perSubsegment[mode] = median(perRound.map((r) => marginal(r, mode)));
    }
    out.perSegment = { xraysdk: median(perRound.map((r) => r.xraysdk[1].cpu)) };
    out.ratios['xray/xraysdk per subsegment'] = paired(
      (r) => marginal(r, 'xray') / marginal(r, 'xraysdk'),
    );
    out.ratios['xray/xraysdk per span (10-span)'] = paired(
      (r) => r.xray[10].cpu / r.xraysdk[10].cpu,
    );
  }
  // Bytes on the wire per span, from the sinks (last round).
  const last = perRound[perRound.length - 1];
  const spansMade = (mode) => last[mode].made;
  out.bytesPerSpan = {
    xray: last.xray.udp.bytes / Math.max(1, last.xray.udp.spans),
    xraysdk: last.xraysdk.udp.bytes / Math.max(1, last.xraysdk.udp.spans),
    otlp: (last.otlp.http.otlp?.bytes ?? 0) / spansMade('otlp'),
    zipkin: (last.zipkin.http.zipkin?.bytes ?? 0) / spansMade('zipkin'),
  };
  out.spansPerDatagram = {
    xray: last.xray.udp.spans / Math.max(1, last.xray.udp.datagrams),
  };
  return out;
}
