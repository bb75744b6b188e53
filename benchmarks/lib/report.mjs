// Renders benchmarks/RESULTS.md from the suite's results: machine, versions,
// the targets with ✓/✗, one table per bench, the profile, and the raw data.

// ---- formatting helpers -------------------------------------------------------

const num = (x, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
const int = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
const pct = (x, digits = 1) => (Number.isFinite(x) ? `${x.toFixed(digits)} %` : '–');
const times = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–');
/** An interval's end: ∞ for an unbounded one. */
const bound = (x) => (x === Infinity ? '∞' : x === -Infinity ? '−∞' : num(x));
/** A nanosecond figure in the most readable unit. */
const ns = (x) =>
  !Number.isFinite(x)
    ? '–'
    : x >= 1e6
      ? `${(x / 1e6).toFixed(2)} ms`
      : x >= 1e3
        ? `${(x / 1e3).toFixed(2)} µs`
        : `${x.toFixed(0)} ns`;
/** "+1.2" / "−3.4": a signed difference. */
const signed = (x, digits = 1) =>
  !Number.isFinite(x) ? '–' : x < 0 ? `−${num(-x, digits)}` : `+${num(x, digits)}`;
/** ✓ held, ✗ not held, ? not resolved (the interval straddles the target), – not measured. */
const mark = (ok) => (ok === undefined ? '–' : ok === 'unresolved' ? '?' : ok ? '✓' : '✗');

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

/**
 * Lower bounds for otel-xray's own cost, from parts measured in the same run:
 * translation and packing on hot caches (micro benches) and the calibrated
 * cost of one datagram sent in a burst. Undefined without those benches.
 */
export function costFloors(r) {
  const cal = r.calibration;
  const b = r.micro?.benches;
  if (cal === undefined || b === undefined) return undefined;
  const t1 = b['xray 1-span trace'].p50 / 1000;
  const t10 = b['xray 10-span trace'].p50 / 1000 / 10;
  const dgram = cal.datagramInBurstUs;
  return {
    t1,
    t10,
    dgram,
    perSpan1: t1 + dgram, // a 1-span trace: one document, one datagram
    perSpan10: t10 + dgram / 9.8, // 10-span traces: ~9.8 spans per datagram
    perRequest: { 1: t1 + dgram, 6: 6 * t10 + dgram }, // one trace, one datagram per request
  };
}

/** "0.91× [0.84, 1.02]" for a median with its bootstrap interval. */
const withCI = (ci) =>
  ci === undefined || !Number.isFinite(ci.median)
    ? '–'
    : `${times(ci.median)}${Number.isFinite(ci.lo) ? ` [${bound(ci.lo)}, ${bound(ci.hi)}]` : ''}`;

/**
 * Every target of issue 15 (and the holds before it), with the measured
 * value, the floor measured in the same run, and whether it holds. A "≤"
 * target whose limit is below its floor (or a "≥" target above its ceiling)
 * cannot hold on this machine whatever otel-xray does: `belowFloor` is set
 * and the note says so with the numbers.
 */
export function evaluateTargets(r) {
  const rows = [];
  const add = (group, target, measured, holds, note = '', floor = {}) =>
    rows.push({
      group,
      target,
      measured,
      holds,
      floor: floor.text ?? '',
      belowFloor: floor.blocks === true,
      note: [floor.blocks ? `**target below its floor** (${floor.why})` : '', note]
        .filter((x) => x !== '')
        .join('; '),
    });
  const floors = costFloors(r);
  /** A ≤ target against a floor ratio. */
  const atMost = (limit, floorRatio, why) =>
    Number.isFinite(floorRatio)
      ? { text: times(floorRatio), blocks: floorRatio > limit, why }
      : { text: '–' };
  /**
   * The p99 floor against OTLP/proto: the no-op exporter's p99 over OTLP's.
   * It blocks only when its whole interval is above the limit, over 5 rounds
   * or more (p99 ratios are noisy; a median above it alone is not a floor).
   */
  const p99Floor = (ci, limit) =>
    Number.isFinite(ci?.median)
      ? {
          text: withCI(ci),
          // …and only with enough rounds for the interval to mean something.
          blocks: ci.n >= 5 && ci.lo > limit,
          why: `the no-op exporter's p99 is ${withCI(ci)} OTLP/proto's`,
        }
      : { text: '–' };
  /** A ≥ target against a ceiling ratio. */
  const atLeast = (limit, ceiling, why) =>
    Number.isFinite(ceiling)
      ? { text: `ceiling ${times(ceiling)}`, blocks: ceiling < limit, why }
      : { text: '–' };

  const sm = r.sampling?.benches;
  if (sm) {
    const ours = sm['sampling otel-xray'].p50;
    const contrib = sm['sampling contrib'].p50;
    const always = sm['sampling AlwaysOn'].p50;
    const note = `otel-xray ${ns(ours)}, contrib ${ns(contrib)}, AlwaysOn ${ns(always)} (p50)`;
    add('Sampling', 'shouldSample, 25 rules: ≤ 1 µs median', ns(ours), ours <= 1000, note, {
      text: ns(always),
      blocks: always > 1000,
      why: `AlwaysOn alone takes ${ns(always)}`,
    });
    add(
      'Sampling',
      'shouldSample, 25 rules: ≤ 0.5× @opentelemetry/sampler-aws-xray',
      times(ours / contrib),
      ours / contrib <= 0.5,
      '',
      atMost(0.5, always / contrib, 'AlwaysOn ÷ contrib'),
    );
  }

  const p = r.pipeline;
  if (p) {
    const x10o = p.ratios['xray/otlp export 10'];
    const x1o = p.ratios['xray/otlp export 1'];
    const costs = (size) =>
      `otel-xray +${num(p.exportCost.xray[size])} µs, OTLP/proto +${num(p.exportCost.otlp[size])} µs per span`;
    const f10 = floors && floors.perSpan10 / p.exportCost.otlp[10];
    const f1 = floors && floors.perSpan1 / p.exportCost.otlp[1];
    add(
      'Export pipeline',
      '10-span traces: ≤ 0.8× OTLP/proto per span',
      times(x10o),
      x10o <= 0.8,
      costs(10),
      atMost(
        0.8,
        f10,
        `floor ${num(floors?.perSpan10)} µs ÷ OTLP's ${num(p.exportCost.otlp[10])} µs`,
      ),
    );
    add(
      'Export pipeline',
      '1-span traces: ≤ 1.3× OTLP/proto per span',
      times(x1o),
      x1o <= 1.3,
      costs(1),
      atMost(1.3, f1, `floor ${num(floors?.perSpan1)} µs ÷ OTLP's ${num(p.exportCost.otlp[1])} µs`),
    );
    const sub = p.ratios['xray/xraysdk per subsegment'];
    const subFloor = floors && (p.perSubsegment.noop + floors.t10) / p.perSubsegment.xraysdk;
    add(
      'Export pipeline',
      'per extra span in a trace: ≤ 0.4× aws-xray-sdk-core',
      times(sub),
      sub <= 0.4,
      `otel-xray ${num(p.perSubsegment.xray)} µs, X-Ray SDK ${num(p.perSubsegment.xraysdk)} µs per extra span (SDK + span processor + export)`,
      atMost(
        0.4,
        subFloor,
        `the OTel SDK's ${num(p.perSubsegment.noop)} µs + translation ${num(floors?.t10)} µs ÷ the X-Ray SDK's ${num(p.perSubsegment.xraysdk)} µs`,
      ),
    );
  }

  const m = r.micro;
  if (m) {
    const perSpan = m.benches['xray 10-span trace'].p50 / 10;
    const yard = m.benches['stage JSON.stringify bodies x512']?.p50 / 512;
    add(
      'Translation',
      'translation + packing, 10-span trace, hot caches: ≤ 1.0 µs per span',
      ns(perSpan),
      perSpan <= 1000,
      Number.isFinite(yard)
        ? `JSON.stringify alone of finished bodies (512-span batch): ${ns(yard)} per span`
        : '',
      Number.isFinite(yard)
        ? {
            text: ns(yard),
            blocks: yard > 1000,
            why: 'JSON.stringify of the finished bodies alone',
          }
        : {},
    );
    const a = m.allocation;
    if (a) {
      const ratio = a.xrayBytesPerSpan / a.jsonBytesPerSpan;
      add(
        'Translation',
        "bytes allocated per span (V8 heap, long run): ≤ 2× the span's share of the final JSON",
        times(ratio),
        ratio <= 2,
        `${int(a.xrayBytesPerSpan)} B allocated per span for ${int(a.jsonBytesPerSpan)} B of JSON (10-span traces, ${int(a.spans)} spans, ${a.xrayGcs} GCs); ` +
          `JSON.stringify of the finished bodies alone allocates ${times(a.yardstickBytesPerSpan / a.jsonBytesPerSpan)}`,
        // A writer into a reused buffer makes no heap string: no floor above 0.
        { text: 'none (0×: JSON written into a reused buffer needs no heap string)' },
      );
    }
  }

  const f = r.fixed;
  if (f) {
    for (const w of Object.values(f.workloads)) {
      const label = `${w.spans} span${w.spans > 1 ? 's' : ''}/request at ${int(w.rate)} req/s`;
      const rt = w.ratios;
      // No ratio (OTLP/proto's median extra not above zero) is not resolved either.
      const cpuHolds = (ci, limit) =>
        Number.isNaN(ci.median)
          ? 'unresolved'
          : ci.median > limit
            ? false
            : !Number.isFinite(ci.lo) || ci.hi <= limit
              ? true
              : 'unresolved';
      const resolved = (ci, limit) =>
        Number.isFinite(ci.lo) && (ci.hi <= limit || ci.lo > limit)
          ? ''
          : `the interval straddles ${times(limit)}: not resolved at ${ci.n} rounds`;
      const p99o = rt['p99 xray/otlp'];
      add(
        'Fixed rate',
        `${label}: p99 ≤ 1.0× OTLP/proto's`,
        withCI(p99o),
        p99o.median <= 1.0,
        [`p99 ${num(w.modes.xray.p99)} ms vs ${num(w.modes.otlp.p99)} ms`, resolved(p99o, 1.0)]
          .filter((x) => x)
          .join('; '),
        p99Floor(rt['p99 noop/otlp'], 1.0),
      );
      const p99n = rt['p99 xray/noop'];
      add(
        'Fixed rate',
        `${label}: p99 ≤ 1.25× the no-op exporter's`,
        withCI(p99n),
        p99n.median <= 1.25,
        [`p99 ${num(w.modes.xray.p99)} ms vs ${num(w.modes.noop.p99)} ms`, resolved(p99n, 1.25)]
          .filter((x) => x)
          .join('; '),
        { text: times(1) },
      );
      const limit = w.spans === 6 ? 1.0 : 1.3;
      const cpu = rt['cpu extra xray/otlp'];
      const otlpExtra = rt['extra µs otlp'].median;
      // No floor when OTLP/proto's extra CPU did not come out positive (noise).
      const fr = floors && otlpExtra > 0 ? floors.perRequest[w.spans] / otlpExtra : NaN;
      add(
        'Fixed rate',
        `${label}: extra CPU per request over no-op ≤ ${times(limit)} OTLP/proto's`,
        withCI(cpu),
        // The issue asks for intervals narrow enough to decide: a median on
        // the right side of the limit whose interval straddles it is not a hold.
        cpuHolds(cpu, limit),
        [
          `${signed(rt['extra µs xray'].median)} µs vs ${signed(otlpExtra)} µs per request (schedstat), ${cpu.n} rounds, ±${bound(cpu.halfWidth)}`,
          resolved(cpu, limit),
        ]
          .filter((x) => x)
          .join('; '),
        atMost(
          limit,
          fr,
          `floor ${num(floors?.perRequest[w.spans])} µs ÷ OTLP's +${num(otlpExtra, 1)} µs`,
        ),
      );
    }
  }

  const h = r.http;
  if (h) {
    const delivered = (spans) => {
      const mm = h.modes[`xray/${spans}`];
      return !Number.isFinite(mm?.ended) || mm.ended === 0 || sentFraction(mm) >= 0.999;
    };
    for (const spans of [1, 6]) {
      const measured = h.ratios[`xray/otlp rps ${spans}`];
      const capacity = h.ratios[`xray/otlp cpu capacity ${spans}`];
      const cpu = (k) => h.modes[`${k}/${spans}`].cpuPerReq;
      // The best otel-xray can do: the no-op's CPU per request plus the floor.
      const ceiling = floors && cpu('otlp') / (cpu('noop') + floors.perRequest[spans]);
      add(
        'Saturated',
        `${spans} span${spans > 1 ? 's' : ''}/request: throughput ≥ 1.0× OTLP/proto`,
        times(measured),
        measured >= 1.0 && capacity >= 1.0 && delivered(spans),
        [
          `from app CPU per request: ${times(capacity)} (${capacity >= 1.0 ? 'holds' : 'does not hold'})`,
          delivered(spans) ? '' : `not every span was sent${lossReasons(h.modes[`xray/${spans}`])}`,
        ]
          .filter((x) => x)
          .join('; '),
        atLeast(
          1.0,
          ceiling,
          `OTLP's ${num(cpu('otlp'), 1)} µs ÷ (no-op's ${num(cpu('noop'), 1)} µs + floor ${num(floors?.perRequest[spans])} µs)`,
        ),
      );
    }
  }

  const d = r.delivery;
  if (d) {
    for (const sc of d.scenarios.filter((x) => x.size === 10)) {
      add(
        'Spans per datagram',
        `≥ 9 for 10-span traces (${sc.kind})`,
        num(sc.spansPerDatagram),
        sc.spansPerDatagram >= 9,
        `${int(sc.datagrams)} datagrams for ${int(sc.received)} spans`,
      );
    }
    for (const sc of d.scenarios) {
      const bspLost = sc.ended - sc.exported;
      const kernelLost = sc.sent - sc.received;
      const why = [];
      if (bspLost > 0) why.push(`${int(bspLost)} dropped by the span processor's queue`);
      if (kernelLost > 0) why.push(`${int(kernelLost)} lost in the receive buffer`);
      add(
        'Delivery',
        `100 % received: ${sc.name}`,
        pct(sc.receivedPct, 2),
        sc.received === sc.ended,
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
  const held = rows.filter((x) => x.holds === true).length;
  const blocked = rows.filter((x) => x.belowFloor && x.holds !== true).length;
  const unresolved = rows.filter((x) => x.holds === 'unresolved').length;
  return `## Targets

${held} of ${rows.length} hold in this run${blocked + unresolved > 0 ? `; of the other ${rows.length - held}` : ''}${blocked > 0 ? `, ${blocked} sit below the floor measured in this run (they cannot hold on this machine, whatever otel-xray does)` : ''}${unresolved > 0 ? `${blocked > 0 ? ' and' : ','} ${unresolved} ${unresolved === 1 ? 'is' : 'are'} not resolved (marked ?: the median is within the target but its 95 % interval straddles it, or no ratio could be formed, so the run cannot say that it holds)` : ''}.
Ratios are paired (taken within a round, median over rounds); fixed-rate ratios show their
bootstrap 95 % interval in brackets. The floor is the best ratio this machine allows, measured
in the same run: for CPU targets, otel-xray's lower bound (translation on hot caches + one
datagram, see "What this machine allows") over the competitor's measured cost; for p99 against
OTLP/proto, the no-op exporter's p99 over OTLP/proto's; for saturated throughput, the ceiling
OTLP/proto's CPU per request over the no-op's plus that lower bound. Export costs are CPU time
per span over the no-op exporter's. A saturated throughput target counts as held only when the
measured req/s ratio and the ratio from the app's CPU time per request both reach it and every
span was sent.

${table(
  ['area', 'target', 'measured', 'floor (this run)', 'holds', 'note'],
  rows.map((x) => [x.group, x.target, x.measured, x.floor, mark(x.holds), x.note]),
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
            `see the table (handed to exporter: the span processor's queue; sent: otel-xray's queue, dropped and ` +
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
          `HTTP ${spans} span/request: the span processor dropped ${pct(100 * (1 - m.exported / m.ended))} of ` +
            `otel-xray's spans at ${int(m.rps)} req/s (export callback p50 ${num(m.p50ExportMs, 1)} ms), so its req/s is not comparable.`,
        );
      }
    }
  }
  const f = r.fixed;
  if (f) {
    for (const w of Object.values(f.workloads)) {
      const rt = w.ratios;
      lines.push(
        `Fixed rate, ${w.spans} span${w.spans > 1 ? 's' : ''}/request at ${int(w.rate)} req/s (${w.rounds} rounds): extra CPU per request ` +
          `otel-xray ${signed(rt['extra µs xray'].median)} µs, OTLP/proto ${signed(rt['extra µs otlp'].median)} µs, ` +
          `aws-xray-sdk-core ${signed(rt['extra µs xraysdk'].median)} µs over the no-op exporter's ${num(w.modes.noop.cpuPerReq, 1)} µs ` +
          `(otel-xray ÷ OTLP ${withCI(rt['cpu extra xray/otlp'])}); p99 otel-xray ÷ OTLP ${withCI(rt['p99 xray/otlp'])}, ÷ no-op ${withCI(rt['p99 xray/noop'])}.`,
      );
    }
  }
  const g = r.gcprofile;
  if (g) {
    const l = g.latency;
    lines.push(
      `GC and latency profile (otel-xray, ${g.spans} spans/request at ${int(g.rate)} req/s): while the slowest 1 % of requests waited the core was ` +
        `${pct(l.duringSlow.busyPct, 0)} busy (${pct(l.all.busyPct, 0)} over the window): ` +
        `${l.duringSlow.groups
          .slice(0, 4)
          .map((x) => `${x.group} ${pct(x.pct)}`)
          .join(', ')}; ` +
        `${pct(l.slowOverlappingGcPct, 0)} of them overlapped a GC pause (${pct(l.allOverlappingGcPct, 1)} of all requests)` +
        (g.baseline
          ? `; p99 ${num(g.p99)} ms against the no-op exporter's ${num(g.baseline.p99)} ms under the same profiler.`
          : '.'),
    );
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
  const a = m.allocation;
  const alloc = a
    ? `
Bytes allocated on V8's heap per span, translating 10-span traces over a long run
(${int(a.spans)} spans after a warm-up; the heap's growth between GCs summed from the GC profiler's
before/after statistics, so the datagrams' memory outside the heap is not in it): otel-xray
**${int(a.xrayBytesPerSpan)} B per span**, ${times(a.xrayBytesPerSpan / a.jsonBytesPerSpan)} the span's share of the final JSON
(${int(a.jsonBytesPerSpan)} B); \`JSON.stringify\` of the finished documents' bodies alone allocates
${int(a.yardstickBytesPerSpan)} B per span (${times(a.yardstickBytesPerSpan / a.jsonBytesPerSpan)}).
`
    : '';
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
${alloc}`;
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
  return `## 2. Pipeline per span (SDK + span processor + exporter)

The same tracer workload in every mode, in a process of its own per mode and round: traces of
10 spans (1 SERVER, 5 INTERNAL, 4 CLIENT) or of 1 span, made in a closed loop (chunks of ~50
spans, one event-loop turn between chunks, back-pressure that keeps the span processor's
queue under its 2,048 bound so no span is dropped), the default BatchSpanProcessor (otel-xray:
\`AWSXRayTraceSpanProcessor\`, as \`setupXRay()\` sets it up), then \`forceFlush()\`. OTLP and Zipkin post to a local HTTP sink, otel-xray and the X-Ray SDK send to
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

/**
 * Why otel-xray did not send spans it was handed, from its stats: the reasons
 * with their share of the spans ended (queueFull under a saturating load means
 * the offered datagram rate was above the send pacing's ceiling).
 */
function lossReasons(m) {
  const dropped = m?.exporterStats?.dropped;
  if (!dropped || !(m.ended > 0)) return '';
  const parts = Object.entries(dropped)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `dropped.${k} ${pct((100 * n) / m.ended)}`);
  if (parts.length === 0) return '';
  const pacing =
    dropped.queueFull > 0
      ? ": the app offered more datagrams per second than the send pacing's ceiling (`maxBytesPerSecond`, ~23,000 single-span datagrams/s by default)"
      : '';
  return ` (${parts.join(', ')}${pacing})`;
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
BatchSpanProcessor, except otel-xray, which runs behind \`AWSXRayTraceSpanProcessor\` as
\`setupXRay()\` sets it up (whole traces as their root spans end, up to 16 at a time within
20 ms); X-Ray SDK mode with \`AWSXRay.middleware.traceRequestResponseCycle\`,
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
the app ends spans (it runs one export at a time); \`AWSXRayTraceSpanProcessor\` drops none. A mode that drops spans does less work and
looks faster than it is. "App core busy" is req/s × CPU per request: well under 100 % means the
server was not CPU-bound in that measurement (other processes had its core, or it waited on
the load generator or, with 6 spans, on the stub), so its req/s understates its capacity.
`;
}

const FIXED_RATIOS = [
  [
    'cpu extra xray/otlp',
    "otel-xray's extra CPU/request over no-op ÷ OTLP/proto's (ratio of medians)",
  ],
  [
    'cpu extra xray/xraysdk',
    "otel-xray's extra CPU/request over no-op ÷ aws-xray-sdk-core's (ratio of medians)",
  ],
  ['cpu xray/noop', 'CPU/request, otel-xray ÷ no-op'],
  ['cpu otlp/noop', 'CPU/request, OTLP/proto ÷ no-op'],
  ['p99 xray/otlp', 'p99, otel-xray ÷ OTLP/proto'],
  ['p99 xray/noop', 'p99, otel-xray ÷ no-op'],
  ['p99 noop/otlp', 'p99, no-op ÷ OTLP/proto (the floor of the first p99 target)'],
  ['p99 xray/xraysdk', 'p99, otel-xray ÷ aws-xray-sdk-core'],
  ['p99.9 xray/otlp', 'p99.9, otel-xray ÷ OTLP/proto'],
  ['p99.9 xray/noop', 'p99.9, otel-xray ÷ no-op'],
];

/** What a workload's CPU-ratio interval says, and the rounds ±h would need. */
function cpuIntervalText(cpu, w, h) {
  if (!Number.isFinite(cpu.halfWidth)) {
    return (
      `The CPU ratio's interval is **unbounded** after ${cpu.n} rounds: in more than 2.5 % of the ` +
      "resampled runs OTLP/proto's median extra CPU over the no-op exporter was not above zero " +
      "(it is within the rounds' noise). The ratio has no upper bound at this many rounds, and more " +
      "rounds narrow it only once OTLP/proto's extra stands clear of that noise."
    );
  }
  const within = cpu.halfWidth <= h;
  return (
    `The CPU ratio's interval is ±${num(cpu.halfWidth)} after ${cpu.n} rounds` +
    (within
      ? ` (within ±${h}).`
      : ` (**wider than ±${h}**: the run's budget or round limit ended it first). The half-width ` +
        `shrinks as 1/√n: ±${h} would need about **${int(w.cpuRoundsNeeded)} rounds**.`)
  );
}

function fixedSection(f) {
  const parts = [];
  for (const w of Object.values(f.workloads)) {
    const noop = w.modes.noop.cpuPerReq;
    const rows = f.modes.map((mode) => {
      const m = w.modes[mode];
      return [
        MODE_NAMES[mode],
        int(m.rps),
        num(m.cpuPerReq, 1),
        mode === 'noop' ? '' : signed(m.cpuPerReq - noop),
        num(m.p50),
        num(m.p99),
        num(m.p999),
        num(m.max),
        `${pct((100 * m.delivered) / Math.max(1, m.expected), 2)} (worst round ${pct(m.deliveredMinPct, 2)})` +
          (Number.isFinite(m.spansPerDatagram)
            ? `, ${num(m.spansPerDatagram, 1)} spans/datagram`
            : ''),
        num(m.loopDelayMax, 1),
        `${pct(m.othersPct, 1)} / ${pct(m.waitPct, 1)}`,
        `${num(m.loadgenCpuPct, 0)} %`,
        String(m.errors),
      ];
    });
    const ratioRows = FIXED_RATIOS.map(([k, label]) => {
      const ci = w.ratios[k];
      return [
        label,
        times(ci.median),
        `${bound(ci.lo)} – ${bound(ci.hi)}`,
        `±${bound(ci.halfWidth)}`,
      ];
    });
    const cpu = w.ratios['cpu extra xray/otlp'];
    const contention =
      w.contendedRounds === 0
        ? 'no round was contended'
        : w.contendedKept > 0
          ? `**${w.contendedKept} contended round(s) kept** (too few uncontended ones)`
          : `${w.contendedRounds} contended round(s) measured again and left out`;
    parts.push(`### ${w.spans} span${w.spans > 1 ? 's' : ''} per request at ${int(w.rate)} req/s (${w.rounds} rounds; ${contention})

${table(
  [
    'mode',
    'req/s',
    'app CPU µs/request',
    'over no-op',
    'p50 ms',
    'p99 ms',
    'p99.9 ms',
    'max ms',
    'spans delivered (all rounds)',
    'event-loop delay max, ms',
    'core 0 used by others / app waiting for it',
    'load generator CPU',
    'errors',
  ],
  rows,
)}

${table(['paired ratio (median of per-round ratios, or ratio of medians)', 'median', 'bootstrap 95 % interval', 'half-width'], ratioRows)}

${cpuIntervalText(cpu, w, f.targetHalfWidth)}
`);
  }
  const roundsUsed = Object.values(f.workloads)
    .map(
      (w) =>
        `${w.spans}@${int(w.rate)}: ${w.rounds}` +
        (w.measuredRounds > w.rounds ? ` (of ${w.measuredRounds} measured)` : ''),
    )
    .join(', ');
  return `## Fixed request rate (servers not saturated)

The HTTP bench's app (section 3) at fixed rates: 1 span/request at 1,000 and 4,000 req/s,
6 spans/request at 400 and 1,000 req/s, in the no-op exporter, otel-xray, OTLP/proto and
aws-xray-sdk-core modes (one server per mode and span count, pinned to core 0, warmed up for
${f.warmupSec} s at its highest rate before any round). The load is autocannon's \`overallRate\`,
which enforces a rate as a quota per second and connection (requests back to back, one in
flight, until the second's quota is used): ${f.streams} instances of one connection each run side by
side, each at rate ÷ ${f.streams}, their starts spread over one second, so the requests arrive in
${f.streams} bursts a second rather than one. Each measurement is ${f.durationSec} s of load (plus up to
1 s of stagger); the window ends when the app has exported every span of it.

- **CPU per request**: the app's CPU time from the kernel's scheduler accounting
  (\`/proc/<pid>/task/*/schedstat\`, first field, ns, summed over its threads: exact, unlike the
  tick-sampled \`cpuUsage()\`), read before the load and after the flush, ÷ requests handled.
  The export work of the window is in it (a flush ends the window), and idle time is not.
- **Latency**: every response time (p50, p99, p99.9, max) as autocannon measures it, from
  writing the request to the end of the response.
- **Spans delivered**: what reached the sinks (UDP sink: otel-xray's and the X-Ray SDK's
  spans; HTTP sink: the spans in the OTLP/proto bodies; no-op: spans handed to the exporter),
  ÷ requests × spans per request.

Paired rounds: a round measures every mode of a workload once, in a shuffled order, and
ratios are taken within the round; the median over rounds is reported with a percentile
bootstrap 95 % interval (4,000 resamples, fixed seed). The extra-CPU ratios are the exception:
each mode's extra CPU per request over the no-op exporter is a difference of two noisy figures,
and a per-round ratio of two such differences explodes or flips sign whenever a round's
denominator comes out near zero, so they are the ratio of the two extras' medians over the
rounds, with an interval from resampling whole rounds (unbounded when OTLP/proto's median extra
is not above zero in more than 2.5 % of the resamples). Each workload gets rounds until the
interval of its CPU ratio (otel-xray's extra CPU over the no-op exporter ÷ OTLP/proto's) is
within ±${f.targetHalfWidth}, between ${f.minRounds} and ${f.maxRounds} rounds, with no new round after ${int(f.budgetSec ?? NaN)} s.
A round is **contended** when, during any mode's window, other processes (or the hypervisor's
steal) used more than ${f.contentionPct} % of core 0: its busy time in \`/proc/stat\` beyond the app's own
schedstat time. Sharing the core inflates CPU per request unevenly (caches, context switches),
so contended rounds are measured again and left out while at least ${f.minRounds} uncontended rounds
remain. The table also shows the app's run-queue wait (schedstat's second field: runnable but
not running, which its own GC and libuv threads on the same core cause too).
Rounds used: ${roundsUsed} (${num(f.seconds / 60, 1)} minutes).

${parts.join('\n')}`;
}

function gcProfileSection(g) {
  const l = g.latency;
  const b = g.baseline;
  const groups = (b) => b.groups.map((x) => `${x.group} ${pct(x.pct)}`).join(', ');
  const gcRows = Object.entries(g.traceGc.kinds).map(([kind, k]) => [
    kind,
    int(k.count),
    num(k.pauseMs, 1),
    num(k.maxPauseMs, 2),
    `${num(k.beforeMB, 1)} → ${num(k.afterMB, 1)}`,
  ]);
  const perfRows = Object.entries(l.gcByKind).map(([kind, k]) => [
    kind,
    int(k.count),
    num(k.ms, 1),
    num(k.maxMs, 2),
  ]);
  const hot = g.hot.hotspots
    .filter((x) => x.own)
    .slice(0, 6)
    .map((x) => `\`${x.name}\` ${pct(x.selfPct)} (${x.loc})`)
    .join('; ');
  // The group whose share grows most from all samples to the slow requests' samples.
  const share = (b, group) => b.groups.find((x) => x.group === group)?.pct ?? 0;
  const lift = l.duringSlow.groups
    .map((x) => ({ group: x.group, slow: x.pct, all: share(l.all, x.group) }))
    .sort((a, b) => b.slow - b.all - (a.slow - a.all));
  return `## GC and latency profile: otel-xray, ${g.spans} spans/request at ${int(g.rate)} req/s

One otel-xray app, then one with the no-op exporter as the baseline, under
\`node --cpu-prof --cpu-prof-interval 250 --trace-gc\` (plus their GC pauses from the performance timeline), driven as in the fixed-rate section for ${g.durationSec} s after a
warm-up; every response's end time and latency kept on the system's monotonic clock, the
clock of the CPU profile. ${int(g.requests)} requests: p50 ${num(g.p50)} ms, p99 ${num(g.p99)} ms, p99.9 ${num(g.p999)} ms,
max ${num(g.max)} ms; ${num(g.cpuPerReq, 0)} µs of CPU per request (the profiler slows the app, so these are
above the fixed-rate table's). Other processes used ${pct(g.othersPct, 0)} of core 0 during the window${g.othersPct > 5 ? ' (**contended**: part of the latency is theirs)' : ''}.

What the app's core did (CPU profile samples of ~${num(l.intervalUs, 0)} µs, grouped by the nearest
known frame: otel-xray anywhere on the stack counts for otel-xray; ${pct(l.unsampledPct, 0)} of the window fell in
gaps of more than 4 intervals between samples, when the app was off the CPU or the sampler late):

${table(
  ['', 'core busy', 'by group (share of samples)'],
  [
    ['otel-xray: whole window', pct(l.all.busyPct), groups(l.all)],
    [
      `otel-xray: while the slowest 1 % waited (${int(l.slowRequests)} requests ≥ ${num(l.p99Ms)} ms)`,
      pct(l.duringSlow.busyPct),
      groups(l.duringSlow),
    ],
    ...(b
      ? [
          ['no-op exporter: whole window', pct(b.latency.all.busyPct), groups(b.latency.all)],
          [
            `no-op exporter: while the slowest 1 % waited (${int(b.latency.slowRequests)} requests ≥ ${num(b.latency.p99Ms)} ms)`,
            pct(b.latency.duringSlow.busyPct),
            groups(b.latency.duringSlow),
          ],
        ]
      : []),
  ],
)}
${
  b
    ? `
The no-op exporter, profiled the same way right after: p50 ${num(b.p50)} ms, p99 ${num(b.p99)} ms, p99.9 ${num(b.p999)} ms,
${num(b.cpuPerReq, 0)} µs of CPU per request, other processes on core 0 ${pct(b.othersPct, 0)}; ${int(b.traceGc.collections)} collections
(${Object.entries(b.traceGc.kinds)
        .map(([k, x]) => `${x.count} ${k}, ${num(x.pauseMs, 1)} ms`)
        .join(
          '; ',
        )}); ${pct(b.latency.slowOverlappingGcPct, 0)} of its slowest 1 % overlapped a GC pause.
`
    : ''
}

- Requests overlapping a GC pause: **${pct(l.slowOverlappingGcPct, 0)} of the slowest 1 %**, ${pct(l.allOverlappingGcPct, 1)} of all.
- Requests overlapping a busy stretch of ≥ 1 ms (the core busy without an idle sample):
  ${pct(l.slowOverlappingLongBusyPct, 0)} of the slowest 1 %, ${pct(l.allOverlappingLongBusyPct, 0)} of all (${int(l.longBusyStretches)} such stretches, median ${num(l.longBusyP50Ms, 1)} ms;
  the bursts of the load make the core busy for a while by themselves).
- Longest busy stretches: ${l.longest.map((x) => `${num(x.ms, 1)} ms (${x.groups.map((y) => `${y.group} ${pct(y.pct, 0)}`).join(', ')})`).join('; ')}.
- Grew most from the whole window to the slow requests: ${lift
    .slice(0, 3)
    .map((x) => `${x.group} ${pct(x.all)} → ${pct(x.slow)}`)
    .join('; ')}.
- Hottest otel-xray functions over the whole run (self time of busy samples): ${hot || '–'}.

GC in the measured window, from \`--trace-gc\` (${int(g.traceGc.collections)} collections):

${table(['kind', 'count', 'pause total, ms', 'largest pause, ms', 'heap before → after, MB (mean)'], gcRows)}

and from the performance timeline (the pauses the slow requests are matched against):

${table(['kind', 'count', 'total, ms', 'largest, ms'], perfRows)}

The profile is kept at the path in the raw results (\`gcprofile.file\`, left out of this
file): open it in Chrome DevTools or VS Code to see the slow stretches.
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

otel-xray with its defaults behind \`AWSXRayTraceSpanProcessor\`, sending to a UDP listener in
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
"Handed to exporter" below "spans ended" means spans were still waiting in the span processor
when the count was taken (it drops none). otel-xray accepts an export at once
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
  const fl = costFloors(r);
  if (cal === undefined || fl === undefined) return '';
  const { t1, t10, dgram } = fl;
  const rows = [];
  const p = r.pipeline;
  if (p) {
    rows.push(
      [
        'Export pipeline, 10-span: ≤ 0.8× OTLP/proto',
        0.8 * p.exportCost.otlp[10],
        fl.perSpan10,
        'per span',
      ],
      [
        'Export pipeline, 1-span: ≤ 1.3× OTLP/proto',
        1.3 * p.exportCost.otlp[1],
        fl.perSpan1,
        'per span',
      ],
      [
        'Per extra span ≤ 0.4× aws-xray-sdk-core',
        0.4 * p.perSubsegment.xraysdk,
        p.perSubsegment.noop + t10,
        'per extra span, whole pipeline (the OTel SDK alone costs ' +
          `${num(p.perSubsegment.noop)} µs)`,
      ],
    );
  }
  const f = r.fixed;
  if (f) {
    for (const w of Object.values(f.workloads)) {
      const limit = w.spans === 6 ? 1.0 : 1.3;
      rows.push([
        `Fixed rate ${w.spans} span${w.spans > 1 ? 's' : ''} at ${int(w.rate)} req/s: extra CPU ≤ ${times(limit)} OTLP/proto`,
        limit * w.ratios['extra µs otlp'].median,
        fl.perRequest[w.spans],
        'per request, over the no-op exporter',
      ]);
    }
  }
  const h = r.http;
  if (h) {
    const cpu = (k) => h.modes[k]?.cpuPerReq;
    for (const spans of [1, 6]) {
      rows.push([
        `Saturated ${spans} span${spans > 1 ? 's' : ''}: throughput ≥ 1.0× OTLP/proto`,
        cpu(`otlp/${spans}`) - cpu(`noop/${spans}`),
        fl.perRequest[spans],
        'per request, over the no-op exporter',
      ]);
    }
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
10-span traces, 1 per request of the HTTP workloads, whose trace is one document). A target
whose allowance is below the floor cannot hold on this machine, whatever the exporter does (a
negative allowance asks for less CPU than the OpenTelemetry SDK uses with a no-op exporter).
The allowances move with each run's baselines.

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
  if (r.fixed) sections.push(fixedSection(r.fixed));
  if (r.delivery) sections.push(deliverySection(r.delivery));
  if (r.profile) sections.push(profileSection(r.profile));
  if (r.gcprofile) sections.push(gcProfileSection(r.gcprofile));
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
