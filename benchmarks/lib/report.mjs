// Renders benchmarks/RESULTS.md from the suite's results: machine, versions,
// the targets with ✓/✗, one table per bench, the profile, and the raw data.

// ---- formatting helpers -------------------------------------------------------

const num = (x, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
const int = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
const pct = (x, digits = 1) => (Number.isFinite(x) ? `${x.toFixed(digits)} %` : '–');
const times = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–');
/** A nanosecond figure in the most readable unit. */
const ns = (x) =>
  !Number.isFinite(x)
    ? '–'
    : x >= 1e6
      ? `${(x / 1e6).toFixed(2)} ms`
      : x >= 1e3
        ? `${(x / 1e3).toFixed(2)} µs`
        : `${x.toFixed(0)} ns`;
const mark = (ok) => (ok === undefined ? '–' : ok ? '✓' : '✗');

function table(headers, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

const MODE_NAMES = {
  plain: 'plain (no tracing)',
  noop: 'OTel SDK + no-op exporter',
  xray: 'OTel SDK + **otel-xray**',
  otlp: 'OTel SDK + OTLP/proto',
  zipkin: 'OTel SDK + Zipkin',
  xraysdk: 'aws-xray-sdk-core (manual)',
};

// ---- targets ------------------------------------------------------------------

/** Every target of the brief, with the measured value and whether it holds. */
export function evaluateTargets(r) {
  const rows = [];
  const add = (group, target, measured, holds, note = '') =>
    rows.push({ group, target, measured, holds, note });

  const sm = r.sampling?.benches;
  if (sm) {
    const ours = sm['sampling otel-xray'].p50;
    const contrib = sm['sampling contrib'].p50;
    const note = `otel-xray ${ns(ours)}, contrib ${ns(contrib)}, AlwaysOn ${ns(sm['sampling AlwaysOn'].p50)} (p50)`;
    add('Sampling', 'shouldSample, 25 rules: ≤ 1 µs median', ns(ours), ours <= 1000, note);
    add(
      'Sampling',
      'shouldSample, 25 rules: ≤ 0.5× @opentelemetry/sampler-aws-xray',
      times(ours / contrib),
      ours / contrib <= 0.5,
      '',
    );
  }

  const p = r.pipeline;
  if (p) {
    const x10o = p.ratios['xray/otlp export 10'];
    const x10z = p.ratios['xray/zipkin export 10'];
    const x1o = p.ratios['xray/otlp export 1'];
    const costs = (size) =>
      `otel-xray +${num(p.exportCost.xray[size])} µs, OTLP +${num(p.exportCost.otlp[size])} µs, Zipkin +${num(p.exportCost.zipkin[size])} µs per span`;
    add('Export cost', '10-span traces: ≤ 0.4× OTLP/proto', times(x10o), x10o <= 0.4, costs(10));
    add('Export cost', '10-span traces: ≤ 0.6× Zipkin', times(x10z), x10z <= 0.6, '');
    add('Export cost', '1-span traces: ≤ 1.0× OTLP/proto', times(x1o), x1o <= 1.0, costs(1));
    const sub = p.ratios['xray/xraysdk per subsegment'];
    add(
      'Pipeline',
      'per subsegment ≤ 0.15× aws-xray-sdk-core',
      times(sub),
      sub <= 0.15,
      `otel-xray ${num(p.perSubsegment.xray)} µs, X-Ray SDK ${num(p.perSubsegment.xraysdk)} µs per extra span in a trace (SDK + BatchSpanProcessor + export)`,
    );
  }

  const h = r.http;
  if (h) {
    const dropNote = (spans) => {
      const m = h.modes[`xray/${spans}`];
      if (!Number.isFinite(m?.ended) || m.ended === 0) return '';
      const lost = 1 - m.exported / m.ended;
      if (lost > 0.001) {
        return `the BatchSpanProcessor dropped ${pct(100 * lost)} of otel-xray's spans (export callbacks too slow), which inflates its req/s`;
      }
      const notSent = 1 - sentFraction(m);
      return notSent > 0.001
        ? `otel-xray's send queue dropped ${pct(100 * notSent)} of the spans (dropped.queueFull), which inflates its req/s`
        : '';
    };
    const delivered = (spans) => {
      const m = h.modes[`xray/${spans}`];
      return !Number.isFinite(m?.ended) || m.ended === 0 || sentFraction(m) >= 0.999;
    };
    const rps = (key) => h.ratios[key];
    for (const [target, base, min, spans] of [
      ['1 span/request: req/s ≥ 0.85× no-op exporter', 'noop', 0.85, 1],
      ['1 span/request: req/s ≥ 1.0× OTLP/proto', 'otlp', 1.0, 1],
      ['1 span/request: req/s ≥ 2× X-Ray SDK (manual)', 'xraysdk', 2.0, 1],
      ['6 spans/request: req/s ≥ 0.9× no-op exporter', 'noop', 0.9, 6],
      ['6 spans/request: req/s ≥ 1.2× OTLP/proto', 'otlp', 1.2, 6],
    ]) {
      // Held only if the measured req/s and the capacity from CPU per request
      // (robust to other load on the machine) both reach it, with every span delivered.
      const measured = rps(`xray/${base} rps ${spans}`);
      const capacity = rps(`xray/${base} cpu capacity ${spans}`);
      const notes = [
        `from app CPU per request: ${times(capacity)} (${capacity >= min ? 'holds' : 'does not hold'})`,
        dropNote(spans),
      ].filter((x) => x !== '');
      add(
        'HTTP server',
        target,
        times(measured),
        measured >= min && capacity >= min && delivered(spans),
        notes.join('; '),
      );
    }
    const p99 = h.ratios['xray/noop p99 1'];
    add(
      'HTTP server',
      '1 span/request: p99 ≤ 1.3× no-op exporter',
      times(p99),
      p99 <= 1.3,
      `p99 ${num(h.modes['xray/1'].p99)} ms vs ${num(h.modes['noop/1'].p99)} ms`,
    );
  }

  const d = r.delivery;
  if (d) {
    for (const s of d.scenarios.filter((x) => x.size === 10)) {
      add(
        'Spans per datagram',
        `≥ 9 for 10-span traces (${s.kind})`,
        num(s.spansPerDatagram),
        s.spansPerDatagram >= 9,
        `${int(s.datagrams)} datagrams for ${int(s.received)} spans`,
      );
    }
    for (const s of d.scenarios) {
      const bspLost = s.ended - s.exported;
      const kernelLost = s.sent - s.received;
      const why = [];
      if (bspLost > 0) why.push(`${int(bspLost)} dropped by the BatchSpanProcessor queue`);
      if (kernelLost > 0) why.push(`${int(kernelLost)} lost in the receive buffer`);
      add(
        'Delivery',
        `100 % received: ${s.name}`,
        pct(s.receivedPct, 2),
        s.received === s.ended,
        why.join('; '),
      );
    }
  }
  return rows;
}

// ---- sections -------------------------------------------------------------------

function header(r) {
  const m = r.machine;
  const versions = Object.entries(r.versions).map(([k, v]) => [`\`${k}\``, v]);
  return `# otel-xray benchmark results

Written by \`npm run bench\` (\`benchmarks/run.mjs\`) on ${r.date.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}; the whole suite took **${num(r.totalSeconds / 60, 1)} minutes**${r.plan.quick ? ' (`--quick`: fewer, shorter rounds; numbers are rough)' : ''}.
otel-xray: \`dist/esm\` built ${r.distBuiltAt?.replace('T', ' ').replace(/\.\d+Z$/, ' UTC') ?? '?'}, copied when the run started and benched from that copy.

## Machine

${table(
  ['', ''],
  [
    ['CPU', m.cpuModel],
    ['cores / memory', `${m.cores} / ${m.memoryGiB} GiB`],
    ['Node.js', m.node],
    ['OS', m.platform],
    ['load average at start (1, 5, 15 min)', m.loadavg.join(', ')],
    [
      '1-min load average during the run (sampled every 5 s)',
      r.load
        ? `median ${num(r.load.median)}, max ${num(r.load.max)}, at the end ${num(r.load.end)}`
        : '–',
    ],
    [
      'pinning',
      m.pinned
        ? 'measured app on core 0; sinks, stub and load generator on core 1 (`taskset`)'
        : 'none (no `taskset` or a single core)',
    ],
  ],
)}

The machine is shared: other work can run during the suite, so absolute numbers move by
10–30 % from run to run (more when the load average is well above the ~1.5 the suite itself
makes). Ratios are taken between modes measured in the same round (paired) and the median of
those ratios is reported, which cancels most of that drift.${
    r.load && r.load.max > 3
      ? ` **In this run the load average reached ${num(r.load.max)}: other processes competed for both cores for part of the run, so treat the numbers, the HTTP ones above all, with care.**`
      : ''
  }

## Package versions

${table(['package', 'version'], versions)}
`;
}

function targetsSection(r) {
  const rows = evaluateTargets(r);
  if (rows.length === 0) return '';
  const held = rows.filter((x) => x.holds).length;
  return `## Targets

${held} of ${rows.length} hold in this run. Export costs are CPU time per span over the no-op exporter's,
paired per round. An HTTP throughput target counts as held only when the measured req/s ratio
and the ratio from the app's CPU time per request both reach it and no span was dropped.

${table(
  ['area', 'target', 'measured', 'holds', 'note'],
  rows.map((x) => [x.group, x.target, x.measured, mark(x.holds), x.note]),
)}
`;
}

/** A few data-driven lines for the reader in a hurry (no judgement beyond the numbers). */
function findingsSection(r) {
  const lines = [];
  const p = r.pipeline;
  if (p) {
    lines.push(
      `Export cost per span (CPU, on top of the SDK's ${num(p.modes.noop[10].cpu)} µs): 10-span traces ` +
        `otel-xray +${num(p.exportCost.xray[10])} µs, OTLP/proto +${num(p.exportCost.otlp[10])} µs, ` +
        `Zipkin +${num(p.exportCost.zipkin[10])} µs; 1-span traces otel-xray +${num(p.exportCost.xray[1])} µs, ` +
        `OTLP/proto +${num(p.exportCost.otlp[1])} µs, Zipkin +${num(p.exportCost.zipkin[1])} µs.`,
    );
    lines.push(
      `Per extra span in a trace: otel-xray pipeline ${num(p.perSubsegment.xray)} µs, ` +
        `aws-xray-sdk-core ${num(p.perSubsegment.xraysdk)} µs (bare X-Ray SDK segment ${num(p.perSegment.xraysdk)} µs).`,
    );
  }
  const d = r.delivery;
  if (d) {
    const lossy = d.scenarios.filter((s) => s.received < s.ended);
    const kernel = d.scenarios.reduce((n, s) => n + (s.sent - s.received), 0);
    lines.push(
      `Delivery: ${kernel === 0 ? 'no datagram was lost in the receive buffer in any scenario' : `${int(kernel)} spans lost in the receive buffer`}` +
        (lossy.length > 0
          ? `; spans were not sent in ${lossy.map((s) => `"${s.name}" (${pct(100 - s.receivedPct, 1)})`).join(', ')}: ` +
            `see the table (handed to exporter: the BatchSpanProcessor's queue; sent: otel-xray's queue, dropped and ` +
            `counted as dropped.queueFull; received: the listener's receive buffer).`
          : '.'),
    );
  }
  const h = r.http;
  if (h) {
    for (const spans of [1, 6]) {
      const m = h.modes[`xray/${spans}`];
      if (Number.isFinite(m?.ended) && m.ended > 0 && m.exported / m.ended < 0.999) {
        lines.push(
          `HTTP ${spans} span/request: the BatchSpanProcessor dropped ${pct(100 * (1 - m.exported / m.ended))} of ` +
            `otel-xray's spans at ${int(m.rps)} req/s (export callback p50 ${num(m.p50ExportMs, 1)} ms), so its req/s is not comparable.`,
        );
      }
    }
  }
  const prof = r.profile?.[10];
  if (prof) {
    const top = prof.hotspots.filter((x) => x.own).slice(0, 4);
    lines.push(
      `Hottest otel-xray code (10-span traces, self time of busy CPU): ` +
        top
          .map(
            (x) =>
              `\`${x.name}\` ${pct(x.selfPct)}${x.hotLine ? ` (\`${x.hotLine.text.slice(0, 50)}\`)` : ''}`,
          )
          .join('; ') +
        '.',
    );
  }
  if (lines.length === 0) return '';
  return `## Findings\n\n${lines.map((l) => `- ${l}`).join('\n')}\n`;
}

function microSection(m) {
  const b = m.benches;
  const perSpan = (name, spans) => ns(b[name]?.p50 / spans);
  const rows = [];
  for (const [shape, spans] of [
    ['10-span trace', 10],
    ['1-span trace', 1],
    ['512-span batch', 512],
  ]) {
    const s = m.sizes[shape];
    rows.push([
      shape,
      `${ns(b[`xray ${shape}`].p50)} (${perSpan(`xray ${shape}`, spans)}/span)`,
      `${ns(b[`otlp ${shape}`].p50)} (${perSpan(`otlp ${shape}`, spans)}/span)`,
      `${ns(b[`zipkin ${shape}`].p50)} (${perSpan(`zipkin ${shape}`, spans)}/span)`,
      times(b[`xray ${shape}`].p50 / b[`otlp ${shape}`].p50),
      times(b[`xray ${shape}`].p50 / b[`zipkin ${shape}`].p50),
      `${num(s.xrayBytesPerSpan, 0)} / ${num(s.otlpBytesPerSpan, 0)} / ${num(s.zipkinBytesPerSpan, 0)}`,
    ]);
  }
  let stages = '';
  if (m.stages) {
    const t = b['stage translateSpan x512'].p50;
    const p = b['stage packNodes x512'].p50;
    const j = b['stage JSON.stringify bodies x512'].p50;
    const mbps = (bytes, nanos) => `${num(bytes / (nanos / 1e9) / 1e6, 0)} MB/s`;
    stages = `
otel-xray's two stages on the same 512-span batch (internal modules of \`dist/\`):

${table(
  ['stage', 'p50 per batch', 'per span', 'note'],
  [
    ['`translateSpan` (span → object)', ns(t), ns(t / 512), ''],
    [
      '`packNodes` (stringify + pack + split)',
      ns(p),
      ns(p / 512),
      `${mbps(m.sizes.bodiesJsonBytes, p)} of JSON`,
    ],
    [
      '`JSON.stringify` of the same 512 bodies',
      ns(j),
      ns(j / 512),
      `${mbps(m.sizes.bodiesJsonBytes, j)} (yardstick; known: 200–330 MB/s)`,
    ],
  ],
)}
`;
  }
  const pair = (a, c) => [ns(b[a].p50), ns(b[c].p50), times(b[a].p50 / b[c].p50)];
  return `## 1. Micro benches (mitata, p50${m.runs > 1 ? `, the lower of ${m.runs} runs in fresh processes` : ''})

Translation and serialisation of prebuilt SDK spans (the workload's spans: a SERVER span with
11 HTTP attributes, INTERNAL spans with 2, CLIENT spans with 6; resource with 3 attributes plus
the SDK's). otel-xray: \`translateSpans\` (documents as JSON strings, packed and split);
OTLP: \`ProtobufTraceSerializer.serializeRequest\`; Zipkin: \`toZipkinSpan\` + \`JSON.stringify\`
(what each exporter does before its I/O). These run on the same objects over and over (hot
caches, stable inline caches), so they are lower bounds: the pipeline bench below is the
realistic cost.

${table(
  [
    'input',
    'otel-xray',
    'OTLP/proto',
    'Zipkin',
    'xray / OTLP',
    'xray / Zipkin',
    'bytes/span xray / OTLP / Zipkin',
  ],
  rows,
)}
${stages}
Propagation (\`X-Amzn-Trace-Id\` with Root, Parent, Sampled, Lineage) and ID generation:

${table(
  ['operation', 'otel-xray', 'contrib', 'ours / contrib'],
  [
    ['extract', ...pair('prop extract ours', 'prop extract contrib')],
    ['inject', ...pair('prop inject ours', 'prop inject contrib')],
    ['extract + inject (one hop)', ...pair('prop hop ours', 'prop hop contrib')],
    ['trace ID', ...pair('id traceId ours', 'id traceId contrib')],
    ['span ID', ...pair('id spanId ours', 'id spanId contrib')],
  ],
)}

The contrib propagator is \`@opentelemetry/propagator-aws-xray\`, the contrib ID generator
\`@opentelemetry/id-generator-aws-xray\` (which uses \`Math.random\`; otel-xray uses \`node:crypto\`).
`;
}

function samplingSection(sm) {
  const b = sm.benches;
  const row = (label, name) => [
    label,
    ns(b[name].p50),
    ns(b[name].p99),
    times(b[name].p50 / b['sampling contrib'].p50),
  ];
  return `## Sampling: \`shouldSample\` for a root span, 25 rules

A root SERVER span with HTTP attributes against 24 rules that do not match it and \`Default\`
(every rule is tried), both X-Ray samplers holding the same rules from a loopback stand-in of the
daemon's sampling API (benchmarks/sampling.mjs, mitata, one process).

${table(
  ['sampler', 'p50', 'p99', 'vs contrib (p50)'],
  [
    row('otel-xray `AWSXRayRemoteSampler`', 'sampling otel-xray'),
    row('`@opentelemetry/sampler-aws-xray`', 'sampling contrib'),
    row('SDK `AlwaysOnSampler` (floor)', 'sampling AlwaysOn'),
  ],
)}
`;
}

function pipelineSection(p, plan) {
  const modes = ['noop', 'xray', 'otlp', 'zipkin', 'xraysdk'];
  const cost = (mode, size) =>
    mode === 'noop' || mode === 'xraysdk' ? '' : `+${num(p.exportCost[mode][size])}`;
  const cpu = (mode, size) => `${num(p.modes[mode][size].cpu)} (${num(p.modes[mode][size].sys)})`;
  const exported = (mode) => {
    const m = p.modes[mode];
    if (mode === 'xraysdk') return `${int(m.udp.spans)} of ${int(m.made)} reached the sink`;
    const lost = m.made - m.exported;
    if (lost > 0) return `${int(lost)} dropped by the processor`;
    const sent = m.exporterStats?.spansSent;
    if (sent !== undefined && sent < m.made)
      return `${int(m.made - sent)} not sent by the exporter`;
    return sent !== undefined ? 'all (sent)' : 'all';
  };
  const rows = modes.map((mode) => [
    MODE_NAMES[mode],
    cpu(mode, 10),
    cost(mode, 10),
    num(p.modes[mode][10].wall),
    cpu(mode, 1),
    cost(mode, 1),
    num(p.modes[mode][1].wall),
    exported(mode),
  ]);
  const ratioRows = Object.entries(p.ratios).map(([k, v]) => [k, times(v)]);
  const b = p.bytesPerSpan;
  return `## 2. Pipeline per span (SDK + BatchSpanProcessor + exporter)

The same tracer workload in every mode, in a process of its own per mode and round: traces of
10 spans (1 SERVER, 5 INTERNAL, 4 CLIENT) or of 1 span, made in a closed loop (chunks of ~50
spans, one event-loop turn between chunks, back-pressure that keeps the BatchSpanProcessor
queue under its 2,048 bound so no span is dropped), default BatchSpanProcessor, then
\`forceFlush()\`. OTLP and Zipkin post to a local HTTP sink, otel-xray and the X-Ray SDK send to
a local UDP sink, each sink in its own process on the other core.

**Measured: CPU time of the app process (user + system, all threads) per span**, from the first
span to the end of the flush; the system (kernel) part is in parentheses. CPU time rather than
wall time because otel-xray paces its sends (32 KiB burst, 12 MiB/s rising with the backlog
to 30 MiB/s, counted in receive-buffer bytes): while it waits the app is idle, and idle time
costs the app nothing. Wall time per
span is shown too: for otel-xray it is the pacing's limit, not CPU. ${plan.rounds} rounds × ${plan.reps}
repetitions of ${int(plan.shapes?.[0]?.spans)} spans (10-span traces) and ${int(plan.shapes?.[1]?.spans)} spans
(1-span traces) after ${plan.warmReps} warm-up repetitions; medians across rounds. Export cost = mode −
no-op, per span, in the same round.

${table(
  [
    'mode',
    '10-span: CPU µs/span (sys)',
    'export cost',
    'wall µs/span',
    '1-span: CPU µs/span (sys)',
    'export cost',
    'wall µs/span',
    'spans exported',
  ],
  rows,
)}

Paired ratios (median over rounds of each round's ratio):

${table(['ratio', 'value'], ratioRows)}

- Cost of one more span in a trace (an X-Ray subsegment), (10 × C₁₀ − C₁) / 9: otel-xray
  **${num(p.perSubsegment.xray)} µs**, X-Ray SDK **${num(p.perSubsegment.xraysdk)} µs**, no-op ${num(p.perSubsegment.noop)} µs,
  OTLP ${num(p.perSubsegment.otlp)} µs, Zipkin ${num(p.perSubsegment.zipkin)} µs.
- X-Ray SDK, bare segment (1-span trace): **${num(p.perSegment.xraysdk)} µs**.
- Known on this kind of machine, for comparison: no-op pipeline ~2.7 µs/span; OTLP/proto
  +6.7 µs/span (354 B/span); Zipkin +4.6 µs/span; X-Ray SDK ~57 µs per bare segment, 19–30 µs
  per extra subsegment.
- Bytes on the wire per span, both trace shapes of the last round together: otel-xray ${num(b.xray, 0)} B
  and X-Ray SDK ${num(b.xraysdk, 0)} B (datagrams with the daemon header, at the UDP sink), OTLP/proto
  ${num(b.otlp, 0)} B and Zipkin ${num(b.zipkin, 0)} B (HTTP bodies). Per shape: see the micro benches.
`;
}

/** Servers whose load generator was near a full core: their req/s is a lower bound. */
function saturationNote(h) {
  const hot = Object.entries(h.modes).filter(([, m]) => m.loadgenCpuPct >= 85);
  if (hot.length === 0) return '';
  return (
    `The load generator used ≥ 85 % of its core for ${hot.map(([k]) => `\`${k}\``).join(', ')}: ` +
    `those req/s are bounded by autocannon, not by the server (so ratios against them are too high).\n\n`
  );
}

/** Spans ended that were handed to the kernel (otel-xray), or exported (other modes). */
function sentFraction(m) {
  const sent = m.exporterStats?.spansSent;
  return (sent ?? m.exported) / m.ended;
}

function httpSection(h, plan) {
  const out = [];
  for (const spans of [1, 6]) {
    const rows = ['plain', 'noop', 'xray', 'otlp', 'xraysdk'].map((mode) => {
      const m = h.modes[`${mode}/${spans}`];
      const delivered =
        Number.isFinite(m.ended) && m.ended > 0
          ? `${pct((100 * m.exported) / m.ended)} exported` +
            (m.exporterStats ? `, ${pct(100 * sentFraction(m))} sent` : '')
          : mode === 'xraysdk'
            ? `${int(m.udp.spans)} spans at sink`
            : '';
      return [
        MODE_NAMES[mode],
        int(m.rps),
        times(h.ratios[`${mode}/plain rps ${spans}`]),
        num(m.cpuPerReq, 0),
        pct((m.rps * m.cpuPerReq) / 1e4, 0),
        num(m.p50),
        num(m.p99),
        `${num(m.loopDelayP99)} / ${num(m.loopDelayMax)}`,
        delivered,
        Number.isFinite(m.maxExportMs) ? `${num(m.p50ExportMs, 1)} / ${num(m.maxExportMs, 1)}` : '',
        `${num(m.loadgenCpuPct, 0)} %`,
        String(m.errors),
      ];
    });
    out.push(`### ${spans === 1 ? '1 span per request (server span)' : '6 spans per request (server span, 3 internal, 2 outgoing calls to a local stub)'}

${table(
  [
    'mode',
    'req/s',
    '× plain',
    'app CPU µs/request',
    'app core busy',
    'p50 ms',
    'p99 ms',
    'event-loop delay p99 / max, ms',
    'spans delivered (last round)',
    'export callback p50 / max, ms',
    'load generator CPU',
    'errors',
  ],
  rows,
)}

${table(
  ['paired ratio', 'value'],
  ['noop', 'otlp', 'xraysdk']
    .map((base) => [`otel-xray / ${base} req/s`, times(h.ratios[`xray/${base} rps ${spans}`])])
    .concat(
      ['noop', 'otlp', 'xraysdk'].map((base) => [
        `otel-xray / ${base} capacity from app CPU per request (${base} CPU/req ÷ otel-xray's)`,
        times(h.ratios[`xray/${base} cpu capacity ${spans}`]),
      ]),
    )
    .concat([
      ['otel-xray / noop p99', times(h.ratios[`xray/noop p99 ${spans}`])],
      ['otel-xray / otlp p99', times(h.ratios[`xray/otlp p99 ${spans}`])],
    ]),
)}
`);
  }
  return `## 3. HTTP server (autocannon)

A Node \`http\` server answering a small JSON body, one process per mode (pinned to core 0),
OpenTelemetry modes with \`@opentelemetry/instrumentation-http\` and the default
BatchSpanProcessor; X-Ray SDK mode with \`AWSXRay.middleware.traceRequestResponseCycle\`,
subsegments and \`captureHTTPs\` in manual mode with 100 % sampling. autocannon runs in its own
process on core 1 (${plan.connections} connections, no pipelining); every server first gets ${plan.warmupSec} s of
unrecorded warm-up load, then ${plan.rounds} rounds measure each for ${plan.durationSec} s (after 0.5 s re-opening
connections), modes shuffled in each round; medians.
Besides req/s, the app's own CPU time per request is measured (\`process.cpuUsage()\` around
each measurement, divided by the requests it handled): a CPU-bound server's capacity is its
inverse, and unlike req/s it hardly moves when other processes take CPU from the app's core.
Latency percentiles are computed from every response time (autocannon's own histogram keeps
whole milliseconds only). The app's event-loop delay (\`monitorEventLoopDelay\`, 1 ms
resolution, over each measurement) shows how long its loop was blocked at a time: what a
request arriving meanwhile waits, whoever blocked it. Known on this kind of machine (1 span/request, wrk): plain 1.00,
OTel+no-op 0.44, OTel+OTLP/proto 0.34, X-Ray SDK manual 0.24.

${out.join('\n')}
${saturationNote(h)}"Spans delivered" is spans the exporter was handed / spans ended: the BatchSpanProcessor drops
spans when its 2,048-span queue is full, which happens when the exporter calls back slower than
the app ends spans (it runs one export at a time). A mode that drops spans does less work and
looks faster than it is. "App core busy" is req/s × CPU per request: well under 100 % means the
server was not CPU-bound in that measurement (other processes had its core, or it waited on
the load generator or, with 6 spans, on the stub), so its req/s understates its capacity.
`;
}

/** Spans/s that one-export-at-a-time allows at the median callback time, per scenario. */
function capacity(d) {
  return d.scenarios
    .filter((s) => s.kind === 'sustained' && Number.isFinite(s.p50ExportMs))
    .map(
      (s) =>
        `${s.size}-span traces: ~${int((512 / s.p50ExportMs) * 1000)} spans/s at ${num(s.p50ExportMs, 1)} ms`,
    )
    .join('; ');
}

function deliverySection(d) {
  const rows = d.scenarios.map((s) => [
    s.name,
    int(s.ended),
    int(s.exported),
    int(s.sent),
    int(s.received),
    pct(s.receivedPct, 2),
    int(s.datagrams),
    num(s.spansPerDatagram),
    int(s.maxBytes),
    `${num(s.p50ExportMs, 1)} / ${num(s.maxExportMs, 1)}`,
    s.problems === 0 && s.duplicates === 0 ? 'none' : `${s.problems} bad, ${s.duplicates} dup`,
    s.warmup ? `${int(s.warmup.received)} / ${int(s.warmup.ended)}` : '',
  ]);
  return `## 4. Delivery to a daemon-like listener

otel-xray with its defaults under the default BatchSpanProcessor, sending to a UDP listener in
another process with the kernel's default receive buffer (${int(d.rcvbuf)} bytes, as the X-Ray
daemon has). Burst: the spans end in one synchronous loop, then \`forceFlush()\`. Sustained:
traces made on 1 ms timer ticks at the given rate, then \`forceFlush()\`. After each scenario a
marker datagram is sent behind the data and acknowledged by the listener, so everything sent
has been received or lost before counting. Every span ID is counted once.

${table(
  [
    'scenario',
    'spans ended',
    'handed to exporter',
    'sent',
    'received',
    'received %',
    'datagrams',
    'spans/datagram',
    'largest datagram, B',
    'export callback p50 / max, ms',
    'problems',
    'warm-up: received / ended',
  ],
  rows,
)}

Sustained scenarios start with 1 s of the same load as a warm-up (a fresh process runs cold
code for its first few hundred ms, with event-loop stalls of tens of ms); the warm-up is
flushed, drained and counted apart (last column), and the listener starts afresh for the
measured seconds.
"Handed to exporter" below "spans ended" means the BatchSpanProcessor's queue (2,048 spans)
overflowed: the processor runs one export at a time. otel-xray accepts an export at once
(it translates large batches over event-loop turns), so its callback time is small
(${capacity(d)}). "Sent" below "handed to exporter" means otel-xray's send queue was full
(counted as \`dropped.queueFull\`); "received" below "sent" means loss in the receive buffer.
`;
}

/** How the profiler's share for the JSON.stringify line compares with the direct timing. */
function stringifyComparison(p) {
  const hs = p.hotspots.find((x) => x.hotLine?.text.includes('JSON.stringify'));
  if (hs === undefined) return '';
  const profiled = hs.selfPct * hs.hotLine.share;
  const ratio = profiled / p.stringify.sharePct;
  const verdict =
    ratio > 1.3 || ratio < 0.77
      ? "so read the profile's percentages as a ranking rather than as exact shares."
      : 'which agrees.';
  return `The profile put ${pct(profiled)} of busy samples on that line (\`${hs.name}\`, ${hs.hotLine.loc}), ${verdict}`;
}

function profileSection(pr) {
  const parts = [];
  for (const [size, p] of Object.entries(pr).sort((a, b) => b[0] - a[0])) {
    const rows = p.hotspots.map((hs, i) => [
      String(i + 1),
      `\`${hs.name}\``,
      hs.loc,
      pct(hs.selfPct),
      pct(hs.ofXrayPct),
      hs.hotLine
        ? `${hs.hotLine.loc.replace(/^.*:/, 'l.')} (${pct(100 * hs.hotLine.share, 0)}): \`${hs.hotLine.text.slice(0, 70).replace(/\|/g, '\\|')}\``
        : '',
    ]);
    parts.push(`### ${size}-span traces

${int(p.samples)} samples of ~${num(p.intervalUs, 0)} µs while busy (idle excluded); ${num(p.cpuPerSpan)} µs CPU/span
under the profiler. Code of otel-xray on the stack: **${pct(p.otelXrayPct)}** of busy samples; GC ${pct(p.gcPct)}.

${table(['#', 'function', 'src location', 'self % of busy CPU', '% of otel-xray', 'hottest line (share of the function)'], rows)}

Self time by source file (including natives called from that file):

${table(
  ['file', '% of busy CPU', '% of otel-xray'],
  p.files.map((f) => [f.file, pct(f.pct), pct(f.ofXrayPct)]),
)}

Outside otel-xray: ${p.outside.map((o) => `${o.where} ${pct(o.pct)}`).join(', ')}.
${
  p.stringify
    ? `
Cross-check without the profiler (same mode, \`JSON.stringify\` wrapped and timed on every call):
${int(p.stringify.calls)} calls, ${num(p.stringify.usPerSpan)} µs per span, ${num((p.stringify.chars / p.stringify.ms) * 1e-3, 0)} MB/s,
**${pct(p.stringify.sharePct)} of the process's CPU time** (${num(p.stringify.cpuPerSpan)} µs CPU/span in that run).
${stringifyComparison(p)}
`
    : ''
}`);
  }
  return `## Profile

The pipeline bench's otel-xray mode under the V8 CPU profiler (\`Profiler.start\` through
\`node:inspector\` around the measured repetitions only, the same sampler and \`.cpuprofile\`
format as \`node --cpu-prof\`, 200 µs interval requested; the profiler slows the process, so its CPU per span is higher than in section 2). Self time per function, mapped from
\`dist/\` to \`src/\` through the source maps. V8 builtins called from JavaScript
(\`JSON.stringify\`, \`RegExp.prototype.test\`, \`BigInt\`) count as their caller's self time, which
is why the hottest line is shown (lines of functions V8 inlined into a function count for it,
and the text is from \`src/\` as copied when the run started); native functions and dependencies called from otel-xray code
are listed as "<name> (from <caller>)". Percentages are of busy (non-idle) samples of the whole
process, which also makes the spans.

${parts.join('\n')}`;
}

/**
 * What this machine allows: for each CPU target, the extra cost it leaves
 * otel-xray, beside a lower bound for otel-xray's own cost made of parts
 * measured in this run (translation on hot caches from the micro benches,
 * and the calibrated cost of one datagram sent in a burst).
 */
function floorsSection(r) {
  const cal = r.calibration;
  const b = r.micro?.benches;
  if (cal === undefined || b === undefined) return '';
  const t1 = b['xray 1-span trace'].p50 / 1000;
  const t10 = b['xray 10-span trace'].p50 / 1000 / 10;
  const dgram = cal.datagramInBurstUs;
  const floor1 = t1 + dgram;
  const floor10 = t10 + dgram / 9.8;
  const floor6 = 6 * t10 + dgram; // a 6-span trace: one datagram
  const rows = [];
  const p = r.pipeline;
  if (p) {
    rows.push(
      ['Export cost, 10-span: ≤ 0.4× OTLP/proto', 0.4 * p.exportCost.otlp[10], floor10, 'per span'],
      ['Export cost, 10-span: ≤ 0.6× Zipkin', 0.6 * p.exportCost.zipkin[10], floor10, 'per span'],
      ['Export cost, 1-span: ≤ 1.0× OTLP/proto', p.exportCost.otlp[1], floor1, 'per span'],
      [
        'Per subsegment ≤ 0.15× aws-xray-sdk-core',
        0.15 * p.perSubsegment.xraysdk,
        p.perSubsegment.noop + t10,
        'per extra span, whole pipeline (the OTel SDK alone costs ' +
          `${num(p.perSubsegment.noop)} µs)`,
      ],
    );
  }
  const h = r.http;
  if (h) {
    const cpu = (k) => h.modes[k]?.cpuPerReq;
    const noop1 = cpu('noop/1');
    const noop6 = cpu('noop/6');
    rows.push(
      ['HTTP 1 span: ≥ 0.85× no-op', noop1 / 0.85 - noop1, floor1, 'per request'],
      ['HTTP 1 span: ≥ 1.0× OTLP/proto', cpu('otlp/1') - noop1, floor1, 'per request'],
      ['HTTP 1 span: ≥ 2× aws-xray-sdk-core', cpu('xraysdk/1') / 2 - noop1, floor1, 'per request'],
      ['HTTP 6 spans: ≥ 0.9× no-op', noop6 / 0.9 - noop6, floor6, 'per request'],
      ['HTTP 6 spans: ≥ 1.2× OTLP/proto', cpu('otlp/6') / 1.2 - noop6, floor6, 'per request'],
    );
  }
  return `## What this machine allows

Machine calibration (a process pinned to the app core, medians of 5 rounds): an idle process
woken by a 1 ms timer is charged **${num(cal.wakeUs, 1)} µs** of CPU per wake-up; one 568-byte
datagram to a receiver in another process costs **${num(cal.datagramAloneUs, 1)} µs** when the
receiver is asleep (${num(cal.datagramAloneSysUs, 1)} µs of it in the kernel, which wakes it) and
**${num(dgram, 1)} µs** in a burst of 20 (${num(cal.datagramInBurstSysUs, 1)} µs kernel). This is a
virtual machine with tick-based CPU accounting; UDP's cost here is mostly the kernel's, and an
exporter that sends datagrams cannot go below one send per document (X-Ray takes one document
per datagram, and one trace per document).

For each CPU target: the extra CPU over the no-op exporter that the target leaves otel-xray, and
a lower bound for otel-xray's own cost from parts measured in this run: translation and packing
on hot caches (micro benches: ${num(t1)} µs for a 1-span trace, ${num(t10)} µs per span of a
10-span trace) plus ${num(dgram, 1)} µs per datagram (1 per single-span trace, 1 per ~9.8 spans of
10-span traces, 1 per 6-span request). A target whose allowance is below the floor cannot hold
on this machine, whatever the exporter does (a negative allowance asks for less CPU than the
OpenTelemetry SDK uses with a no-op exporter). The HTTP allowances move with each run's
baselines: the 6-span ones by tens of µs between runs on this shared machine.

${table(
  ['target', 'allows otel-xray, µs', 'floor, µs', 'can hold here', 'unit'],
  rows.map(([target, allows, floor, unit]) => [
    target,
    num(allows),
    num(floor),
    allows >= floor ? 'yes' : 'no',
    unit,
  ]),
)}
`;
}

export function renderReport(r) {
  const sections = [header(r), targetsSection(r), floorsSection(r), findingsSection(r)];
  if (r.micro) sections.push(microSection(r.micro));
  if (r.sampling) sections.push(samplingSection(r.sampling));
  if (r.pipeline)
    sections.push(pipelineSection(r.pipeline, { ...r.plan.pipeline, shapes: r.plan.shapes }));
  if (r.http) sections.push(httpSection(r.http, r.plan.http));
  if (r.delivery) sections.push(deliverySection(r.delivery));
  if (r.profile) sections.push(profileSection(r.profile));
  const raw = JSON.stringify(r, (k, v) =>
    k === 'perRound' || k === 'file'
      ? undefined
      : typeof v === 'number'
        ? Number(v.toPrecision(6))
        : v,
  );
  sections.push(`## Raw data

<details><summary>results (JSON; per-round numbers left out)</summary>

\`\`\`json
${raw}
\`\`\`

</details>
`);
  return sections.join('\n');
}
