import assert from 'node:assert/strict';
import {
  createContextKey,
  defaultTextMapGetter,
  defaultTextMapSetter,
  isSpanContextValid,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
} from '@opentelemetry/api';
import type { Context, SpanContext } from '@opentelemetry/api';
import fc from 'fast-check';
import { AWSXRayPropagator } from '../../src/propagation/propagator.js';
import {
  AWSXRAY_TRACE_ID_HEADER,
  getLineage,
  isRootOnlyParent,
  isSamplingDeferred,
  MAX_HEADER_LENGTH,
  parseTraceHeader,
} from '../../src/protocol/trace-header.js';

const propagator = new AWSXRayPropagator();
const INPUT = ROOT_CONTEXT.setValue(createContextKey('property input'), true);

function extract(header: unknown, ctx: Context = INPUT): Context {
  return propagator.extract(ctx, { [AWSXRAY_TRACE_ID_HEADER]: header }, defaultTextMapGetter);
}

function inject(ctx: Context): string | undefined {
  const carrier: Record<string, string> = {};
  propagator.inject(ctx, carrier, defaultTextMapSetter);
  return carrier[AWSXRAY_TRACE_ID_HEADER];
}

/** The strict form inject must write. */
const STRICT =
  /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}(;Parent=[0-9a-f]{16})?(;Sampled=[01])?(;Lineage=[!-+\--:<>-~]+)?$/;

// ---- generators -------------------------------------------------------------------------

const hex = (n: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n });
const nonZeroHex = (n: number) => hex(n).filter((s) => !/^0+$/.test(s));
const randomCase = (s: string) =>
  fc
    .array(fc.boolean(), { minLength: s.length, maxLength: s.length })
    .map((flags) => [...s].map((c, i) => (flags[i] ? c.toUpperCase() : c)).join(''));
const ws = fc.constantFrom('', '', ' ', '  ', '\t');
const lineageValue = fc.string({
  unit: fc.constantFrom(...'abcdef0123456789:|-_.'),
  minLength: 1,
  maxLength: 40,
});

/** A well-formed header in any accepted spelling, with what it means. */
const validHeader = fc
  .record({
    traceId: nonZeroHex(32),
    parentId: fc.option(nonZeroHex(16), { nil: undefined }),
    sampled: fc.constantFrom('1', '0', '?', undefined),
    lineage: fc.option(lineageValue, { nil: undefined }),
    order: fc.integer({ min: 0, max: 5 }),
  })
  .chain((m) =>
    fc
      .record({
        rootKey: randomCase('Root'),
        parentKey: randomCase('Parent'),
        sampledKey: randomCase('Sampled'),
        lineageKey: randomCase('Lineage'),
        rootHex: randomCase(`1-${m.traceId.slice(0, 8)}-${m.traceId.slice(8)}`),
        parentHex: randomCase(m.parentId ?? ''),
        pad: fc.array(ws, { minLength: 16, maxLength: 16 }),
        extra: fc.option(fc.constantFrom('Self=1-67891233-12456789abcdef012345678', 'Foo=bar'), {
          nil: undefined,
        }),
      })
      .map((s) => {
        const p = s.pad;
        const pairs: string[] = [`${p[0]}${s.rootKey}${p[1]}=${p[2]}${s.rootHex}${p[3]}`];
        if (m.parentId !== undefined) pairs.push(`${p[4]}${s.parentKey}=${p[5]}${s.parentHex}`);
        if (m.sampled !== undefined) pairs.push(`${s.sampledKey}${p[6]}=${m.sampled}${p[7]}`);
        if (m.lineage !== undefined) pairs.push(`${p[8]}${s.lineageKey}=${m.lineage}`);
        if (s.extra !== undefined) pairs.push(s.extra);
        // Rotate: the order of the pairs does not matter.
        const k = m.order % pairs.length;
        const header = [...pairs.slice(k), ...pairs.slice(0, k)].join(';');
        return { header, meaning: m };
      }),
  );

/** Strings made of header-like fragments: much likelier to reach deep paths than noise. */
const fragment = fc.oneof(
  fc.constantFrom(
    'Root',
    'root',
    'ROOT',
    'RootX',
    'Parent',
    'Sampled',
    'Lineage',
    'Self',
    '=',
    ';',
    ',',
    ' ',
    '1-',
    '-',
    '?',
    '0',
    '1',
    '5759e988',
    'bd862e3fe1be46a994272793',
    '53995c3f42cd8ad8',
    '0000000000000000',
  ),
  fc.string({ maxLength: 6 }),
);
const headerLike = fc.array(fragment, { maxLength: 40 }).map((parts) => parts.join(''));

/** A valid span context as an SDK would hold it. */
const spanContext = fc
  .record({
    traceId: nonZeroHex(32),
    spanId: nonZeroHex(16),
    traceFlags: fc.integer({ min: 0, max: 255 }),
  })
  .map((sc): SpanContext => ({ ...sc, isRemote: false }));

// ---- properties -------------------------------------------------------------------------

function assertSaneResult(ctx: Context): void {
  if (ctx === INPUT) return;
  const sc = trace.getSpanContext(ctx);
  assert.ok(sc, 'a changed context must carry a span context');
  assert.ok(isSpanContextValid(sc), 'never an invalid span context');
  assert.match(sc.traceId, /^[0-9a-f]{32}$/);
  assert.match(sc.spanId, /^[0-9a-f]{16}$/);
  assert.equal(sc.isRemote, true);
  assert.ok(
    sc.traceFlags === TraceFlags.NONE || sc.traceFlags === TraceFlags.SAMPLED,
    `flags ${sc.traceFlags}`,
  );
  assert.equal(ctx.getValue(createContextKey('property input')), true, 'other values kept');
  const out = inject(ctx);
  assert.ok(out !== undefined && STRICT.test(out), `strict inject, got ${out}`);
}

describe('AWSXRayPropagator properties (fast-check)', () => {
  it('extract never throws and never yields an invalid span context: header-like strings', () => {
    fc.assert(
      fc.property(headerLike, (h) => assertSaneResult(extract(h))),
      { numRuns: 3000 },
    );
  });

  it('extract never throws and never yields an invalid span context: any value', () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        assertSaneResult(extract(v));
        assertSaneResult(extract([v, 'Root=1-5759e988-bd862e3fe1be46a994272793']));
      }),
      { numRuns: 1000 },
    );
  });

  it('extract never throws: arbitrary unicode strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (h) =>
        assertSaneResult(extract(h)),
      ),
      { numRuns: 2000 },
    );
  });

  it('every well-formed spelling is read, with its meaning', () => {
    fc.assert(
      fc.property(validHeader, ({ header, meaning }) => {
        const ctx = extract(header);
        const sc = trace.getSpanContext(ctx);
        assert.ok(sc, header);
        assert.equal(sc.traceId, meaning.traceId);
        if (meaning.parentId === undefined) assert.ok(isRootOnlyParent(sc), `Root-only: ${header}`);
        else assert.equal(sc.spanId, meaning.parentId);
        assert.equal(
          isSamplingDeferred(sc),
          meaning.sampled === '?' || meaning.sampled === undefined,
        );
        assert.equal(sc.traceFlags, meaning.sampled === '1' ? 1 : 0);
        assert.equal(getLineage(sc), meaning.lineage);
      }),
      { numRuns: 2000 },
    );
  });

  it('inject ∘ extract round-trips: what was read is written back in canonical form', () => {
    fc.assert(
      fc.property(validHeader, ({ header, meaning }) => {
        const out = inject(extract(header));
        assert.ok(out !== undefined && STRICT.test(out), out);
        let expected = `Root=1-${meaning.traceId.slice(0, 8)}-${meaning.traceId.slice(8)}`;
        if (meaning.parentId !== undefined) expected += `;Parent=${meaning.parentId}`;
        if (meaning.sampled === '1' || meaning.sampled === '0')
          expected += `;Sampled=${meaning.sampled}`;
        if (meaning.lineage !== undefined) expected += `;Lineage=${meaning.lineage}`;
        assert.equal(out, expected);
        // And reading the canonical form again is a fixed point.
        assert.equal(inject(extract(out)), out);
      }),
      { numRuns: 2000 },
    );
  });

  it('extract ∘ inject round-trips any valid span context', () => {
    fc.assert(
      fc.property(spanContext, (sc) => {
        const out = inject(trace.setSpanContext(ROOT_CONTEXT, sc));
        assert.ok(out !== undefined && STRICT.test(out), out);
        const back = trace.getSpanContext(extract(out));
        assert.ok(back, `read back ${out}`);
        assert.equal(back.traceId, sc.traceId);
        assert.equal(back.spanId, sc.spanId);
        assert.equal(back.traceFlags, sc.traceFlags & TraceFlags.SAMPLED);
      }),
      { numRuns: 2000 },
    );
  });

  it('duplicated keys: the first occurrence always wins', () => {
    fc.assert(
      fc.property(validHeader, validHeader, ({ header: a, meaning }, { header: b }) => {
        const sc = trace.getSpanContext(extract(`${a};${b}`));
        assert.ok(sc, `${a};${b}`);
        assert.equal(sc.traceId, meaning.traceId);
      }),
      { numRuns: 1000 },
    );
  });

  // Bounded work, checked without a clock: what is parsed is bounded by the
  // header length limit. The parse's speed is measured by the benchmark.
  describe('bounded work on hostile input', () => {
    const ROOT = 'Root=1-5759e988-bd862e3fe1be46a994272793';

    it('a 1 MB header is rejected without being parsed', () => {
      const huge = `${ROOT};Parent=53995c3f42cd8ad8;Sampled=1;${'x=y;'.repeat(262_144)}`;
      assert.ok(huge.length > 1_000_000, 'input is over 1 MB');
      // It starts with a valid Root: only the length check can reject it.
      const result: Context = extract(huge);
      assert.equal(result, INPUT);
      assert.ok(parseTraceHeader(huge.slice(0, 200)) !== undefined, 'its start is valid');
    });

    it('thousands of pairs, duplicated keys, and one late "=" parse in bounded time', () => {
      const max = MAX_HEADER_LENGTH;
      const inputs = [
        // ~1000 duplicated Root keys after a valid one (first wins; the rest are scanned).
        `${ROOT};${'Root=x;'.repeat(Math.floor((max - ROOT.length - 1) / 7))}`,
        // ~4000 empty pairs and a single `=` at the very end (the worst case for a parser
        // that searches for `=` from every `;`).
        `${';'.repeat(max - ROOT.length)}${ROOT}`,
        // ~1000 tiny unknown pairs.
        `${'a=b;'.repeat(Math.floor((max - ROOT.length) / 4))}${ROOT}`,
        // 4 KiB of one key with no `=`.
        'R'.repeat(max),
      ];
      for (const h of inputs) assert.ok(h.length <= max, `${h.length}`);
      assert.ok(parseTraceHeader(inputs[0]) !== undefined, 'input 0 is valid');
      assert.ok(parseTraceHeader(inputs[1]) !== undefined, 'input 1 is valid');
      // Each is parsed to the same answer every time (no state carried over).
      for (const h of inputs) assert.deepEqual(parseTraceHeader(h), parseTraceHeader(h));
      assert.equal(
        trace.getSpanContext(extract(inputs[1] as string))?.traceId,
        '5759e988bd862e3fe1be46a994272793',
      );
    });
  });
});
