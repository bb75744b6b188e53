// One mode of the pipeline bench, in a process of its own (the X-Ray SDK
// loads cls-hooked, whose async hooks would slow every other mode down).
//
// The app makes traces in a closed loop: a chunk of ~50 spans, then one
// event-loop turn (so export completions and paced sends run, as they do
// between an app's requests), with back-pressure that keeps the
// BatchSpanProcessor's queue under its 2,048-span bound. What is measured is
// the process's CPU time (user + system, every thread) from the first span to
// the end of `forceFlush()`, divided by the spans made. CPU time, not wall
// time, because otel-xray paces its sends: the app is idle while it waits,
// and idle time costs the app nothing. Wall time is reported beside it.
//
// Config (JSON in argv[2]): { mode, udpPort, httpPort, shapes: [{ size, spans }],
//   warmReps, reps, profile }. Posts { type: 'result', ... } and waits for 'exit'.
import { setImmediate as turn } from 'node:timers/promises';
import { serve, sleep } from './lib/common.mjs';
import {
  loadXRaySdk,
  makeExporter,
  makeProvider,
  makeTrace,
  makeXRaySdkTrace,
  queuedSpans,
} from './lib/workload.mjs';

const config = JSON.parse(process.argv[2]);
const { mode } = config;
const CHUNK_SPANS = 50;
const QUEUE_LIMIT = 2048 - 2 * CHUNK_SPANS;

// ---- set up the mode -------------------------------------------------------
let makeOne; // (size) => void: makes one trace of `size` spans
let processor; // the BatchSpanProcessor, for back-pressure (OTel modes)
let flush; // () => Promise<void>: everything made so far has been exported
let details; // () => object: counters reported with the result
let backlog = () => undefined; // () => Promise | undefined: the exporter asks the app to wait
if (mode === 'xraysdk') {
  const AWSXRay = await loadXRaySdk(config.udpPort);
  makeOne = (size) => makeXRaySdkTrace(AWSXRay, size);
  // The SDK sends each segment from close(); let the sends' callbacks run.
  flush = async () => {
    await turn();
    await sleep(1);
  };
  details = () => ({});
} else {
  const exporter = await makeExporter(mode, config);
  const setup = await makeProvider(exporter);
  processor = setup.processor;
  makeOne = (size) => makeTrace(setup.tracer, size);
  flush = () => setup.provider.forceFlush();
  if (typeof exporter.getStats === 'function') {
    // otel-xray sends at a paced rate: a closed loop as fast as the CPU allows
    // makes spans faster than that, and the send queue would fill and drop
    // spans (dropped before translation, so they would cost nothing and make
    // the mode look cheaper). The app waits instead while a backlog is queued,
    // and the flush waits until every datagram is sent: every span is
    // translated and sent, and the waits are idle time, not CPU.
    backlog = () => {
      const s = exporter.getStats();
      // Waits on the exporter's own flush (one wake-up when it has drained),
      // not on a polling timer whose wake-ups would be charged to the mode.
      return s.queuedBytes > 256 * 1024 || s.spansWaiting > 1024
        ? exporter.forceFlush()
        : undefined;
    };
    flush = async () => {
      await setup.provider.forceFlush();
      await exporter.forceFlush();
    };
  }
  details = () => ({
    exported: setup.counting.counts.exported,
    exportFailed: setup.counting.counts.failed,
    exportCalls: setup.counting.counts.calls,
    maxExportMs: setup.counting.counts.maxExportMs,
    exporterStats: typeof exporter.getStats === 'function' ? exporter.getStats() : undefined,
  });
}

/** Makes `total` spans in traces of `size`, closed loop with back-pressure. */
async function makeSpans(size, total) {
  const chunkTraces = Math.max(1, Math.round(CHUNK_SPANS / size));
  let made = 0;
  const deadline = performance.now() + 60_000; // bound: never loop forever
  while (made < total && performance.now() < deadline) {
    for (let i = 0; i < chunkTraces && made < total; i++) {
      makeOne(size);
      made += size;
    }
    await turn();
    const wait = backlog();
    if (wait !== undefined) await wait;
    while (processor !== undefined && queuedSpans(processor) > QUEUE_LIMIT) {
      if (performance.now() > deadline) break;
      await sleep(1);
    }
  }
  return made;
}

/** One measured repetition: CPU (and its system part) and wall time per span. */
async function rep(size, total) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const made = await makeSpans(size, total);
  await flush();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return {
    spans: made,
    cpuPerSpan: (cpu.user + cpu.system) / made,
    sysPerSpan: cpu.system / made,
    wallPerSpan: (wallMs * 1000) / made,
  };
}

// ---- optional CPU profile (the inspector's V8 profiler, as --cpu-prof) -----
let session;
async function startProfile() {
  const { Session } = await import('node:inspector/promises');
  session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: config.profileIntervalUs ?? 200 });
  await session.post('Profiler.start');
}
async function stopProfile() {
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  return profile;
}

// ---- run -------------------------------------------------------------------
const results = {};
for (const { size } of config.shapes) results[size] = [];
let made = 0;
for (let r = 0; r < config.warmReps; r++) {
  for (const { size, spans } of config.shapes) made += (await rep(size, spans)).spans;
}
if (config.profile) await startProfile();
// With lib/time-stringify.mjs preloaded: count JSON.stringify in measured reps only.
globalThis.__benchStringify?.reset();
let measuredCpuUs = 0;
for (let r = 0; r < config.reps; r++) {
  for (const { size, spans } of config.shapes) {
    const m = await rep(size, spans);
    made += m.spans;
    measuredCpuUs += m.cpuPerSpan * m.spans;
    results[size].push(m);
  }
}
const stringify = globalThis.__benchStringify?.read();
const profile = config.profile ? await stopProfile() : undefined;
let profileFile;
if (profile !== undefined) {
  const { writeFileSync } = await import('node:fs');
  profileFile = config.profileFile;
  writeFileSync(profileFile, JSON.stringify(profile));
}

process.send({
  type: 'result',
  mode,
  results,
  made,
  measuredCpuUs,
  stringify,
  profileFile,
  ...details(),
});
serve({ exit: () => process.exit(0) });
