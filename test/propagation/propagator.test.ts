import assert from 'node:assert/strict';
import {
  createContextKey,
  createTraceState,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
} from '@opentelemetry/api';
import type { Context, SpanContext, TextMapGetter } from '@opentelemetry/api';
import { suppressTracing, W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  ParentBasedSampler,
  SamplingDecision,
} from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan, Sampler, SamplingResult } from '@opentelemetry/sdk-trace-base';
import { AWSXRayPropagator } from '../../src/propagation/propagator.js';
import {
  AWSXRAY_TRACE_ID_HEADER,
  getLineage,
  isLambdaInvocationParent,
  isRootOnlyParent,
  isSamplingDeferred,
  MAX_HEADER_LENGTH,
  MAX_LINEAGE_LENGTH,
  parseTraceHeader,
  rootOnlySpanId,
} from '../../src/protocol/trace-header.js';

const propagator = new AWSXRayPropagator();

const TRACE = '5759e988bd862e3fe1be46a994272793';
const ROOT = '1-5759e988-bd862e3fe1be46a994272793';
const PARENT = '53995c3f42cd8ad8';

function extract(header: unknown, ctx: Context = ROOT_CONTEXT): Context {
  return propagator.extract(ctx, { [AWSXRAY_TRACE_ID_HEADER]: header }, defaultTextMapGetter);
}

function injected(ctx: Context): string | undefined {
  const carrier: Record<string, string> = {};
  propagator.inject(ctx, carrier, defaultTextMapSetter);
  assert.ok(Object.keys(carrier).length <= 1, 'one header at most');
  return carrier[AWSXRAY_TRACE_ID_HEADER];
}

/** What extract should produce; `undefined` = header rejected, context unchanged. */
interface Expected {
  traceId: string;
  /** `null`: Root-only (a stand-in span ID, no `Parent` on the wire). */
  parentId: string | null;
  sampled: boolean | 'deferred';
  lineage?: string;
  self?: string;
  /** Exactly what inject writes from the extracted context (pass-through). */
  inject: string;
}

interface Case {
  name: string;
  header: unknown;
  expect: Expected | undefined;
}

const full = (sampled: '0' | '1') => `Root=${ROOT};Parent=${PARENT};Sampled=${sampled}` as const;

const corpus: Case[] = [
  // --- what AWS services and SDKs really send ---
  {
    name: 'X-Ray SDK / API Gateway with tracing, sampled',
    header: full('1'),
    expect: { traceId: TRACE, parentId: PARENT, sampled: true, inject: full('1') },
  },
  {
    name: 'not sampled',
    header: full('0'),
    expect: { traceId: TRACE, parentId: PARENT, sampled: false, inject: full('0') },
  },
  {
    name: 'ALB, Root only',
    header: 'Root=1-67891233-abcdef012345678912345678',
    expect: {
      traceId: '67891233abcdef012345678912345678',
      parentId: null,
      sampled: 'deferred',
      inject: 'Root=1-67891233-abcdef012345678912345678',
    },
  },
  {
    name: 'ALB, Self first, then Root, then an unknown key',
    header:
      'Self=1-67891233-12456789abcdef012345678;Root=1-67891233-abcdef012345678912345678;CalledFrom=app',
    expect: {
      traceId: '67891233abcdef012345678912345678',
      parentId: null,
      sampled: 'deferred',
      self: '1-67891233-12456789abcdef012345678',
      inject: 'Root=1-67891233-abcdef012345678912345678',
    },
  },
  {
    name: 'Lambda, with Lineage (current form)',
    header:
      'Root=1-b5a9daed-357f662c2c285cf280b61d38;Parent=6654c0335342e1d2;Sampled=1;Lineage=1:fe460cdd:0',
    expect: {
      traceId: 'b5a9daed357f662c2c285cf280b61d38',
      parentId: '6654c0335342e1d2',
      sampled: true,
      lineage: '1:fe460cdd:0',
      inject:
        'Root=1-b5a9daed-357f662c2c285cf280b61d38;Parent=6654c0335342e1d2;Sampled=1;Lineage=1:fe460cdd:0',
    },
  },
  {
    name: 'SQS AWSTraceHeader, not sampled, with Lineage',
    header:
      'Root=1-64d38018-6a56d23a731e0cbe6ed85687;Parent=1e4dbd311c45e826;Sampled=0;Lineage=037bed70:0',
    expect: {
      traceId: '64d380186a56d23a731e0cbe6ed85687',
      parentId: '1e4dbd311c45e826',
      sampled: false,
      lineage: '037bed70:0',
      inject:
        'Root=1-64d38018-6a56d23a731e0cbe6ed85687;Parent=1e4dbd311c45e826;Sampled=0;Lineage=037bed70:0',
    },
  },
  {
    name: 'Lineage with several functions (older form)',
    header: `Root=${ROOT};Sampled=1;Lineage=a87bd80c:1|68fd508a:5|c512fbe3:2`,
    expect: {
      traceId: TRACE,
      parentId: null,
      sampled: true,
      lineage: 'a87bd80c:1|68fd508a:5|c512fbe3:2',
      inject: `Root=${ROOT};Sampled=1;Lineage=a87bd80c:1|68fd508a:5|c512fbe3:2`,
    },
  },
  {
    name: 'Lambda pass-through: Root and Lineage only',
    header: `Root=${ROOT};Lineage=1:fe460cdd:0`,
    expect: {
      traceId: TRACE,
      parentId: null,
      sampled: 'deferred',
      lineage: '1:fe460cdd:0',
      inject: `Root=${ROOT};Lineage=1:fe460cdd:0`,
    },
  },
  // --- lenient extract ---
  {
    name: 'lower-case keys',
    header: `root=${ROOT};parent=${PARENT};sampled=1`,
    expect: { traceId: TRACE, parentId: PARENT, sampled: true, inject: full('1') },
  },
  {
    name: 'upper-case keys, fields reordered',
    header: `SAMPLED=1;PARENT=${PARENT};ROOT=${ROOT}`,
    expect: { traceId: TRACE, parentId: PARENT, sampled: true, inject: full('1') },
  },
  {
    name: 'spaces and tabs around keys, values and the header',
    header: `  Root = ${ROOT} ;\tParent=\t${PARENT}  ; Sampled = 1 ;  `,
    expect: { traceId: TRACE, parentId: PARENT, sampled: true, inject: full('1') },
  },
  {
    name: 'upper-case hex is lower-cased',
    header: `Root=1-5759E988-BD862E3FE1BE46A994272793;Parent=53995C3F42CD8AD8;Sampled=1`,
    expect: { traceId: TRACE, parentId: PARENT, sampled: true, inject: full('1') },
  },
  {
    name: 'Sampled=? with Parent: decision deferred, passed on',
    header: `Root=${ROOT};Parent=${PARENT};Sampled=?`,
    expect: {
      traceId: TRACE,
      parentId: PARENT,
      sampled: 'deferred',
      inject: `Root=${ROOT};Parent=${PARENT}`,
    },
  },
  {
    name: 'no Sampled with Parent: decision deferred',
    header: `Root=${ROOT};Parent=${PARENT}`,
    expect: {
      traceId: TRACE,
      parentId: PARENT,
      sampled: 'deferred',
      inject: `Root=${ROOT};Parent=${PARENT}`,
    },
  },
  {
    name: 'Sampled=? Root-only',
    header: `Root=${ROOT};Sampled=?`,
    expect: { traceId: TRACE, parentId: null, sampled: 'deferred', inject: `Root=${ROOT}` },
  },
  {
    name: 'unknown Sampled value counts as deferred',
    header: `Root=${ROOT};Parent=${PARENT};Sampled=true`,
    expect: {
      traceId: TRACE,
      parentId: PARENT,
      sampled: 'deferred',
      inject: `Root=${ROOT};Parent=${PARENT}`,
    },
  },
  {
    name: 'Root and Sampled=1 (X-Ray SDK response form)',
    header: `Root=${ROOT};Sampled=1`,
    expect: { traceId: TRACE, parentId: null, sampled: true, inject: `Root=${ROOT};Sampled=1` },
  },
  {
    name: 'empty values: Parent, Sampled and Lineage count as absent',
    header: `Root=${ROOT};Parent=;Sampled=;Lineage=`,
    expect: { traceId: TRACE, parentId: null, sampled: 'deferred', inject: `Root=${ROOT}` },
  },
  {
    name: 'malformed Parent (15 hex) keeps the trace, Root-only',
    header: `Root=${ROOT};Parent=53995c3f42cd8ad;Sampled=1`,
    expect: { traceId: TRACE, parentId: null, sampled: true, inject: `Root=${ROOT};Sampled=1` },
  },
  {
    name: 'non-hex Parent keeps the trace, Root-only',
    header: `Root=${ROOT};Parent=53995c3f42cd8adz;Sampled=0`,
    expect: { traceId: TRACE, parentId: null, sampled: false, inject: `Root=${ROOT};Sampled=0` },
  },
  {
    name: 'all-zero Parent keeps the trace, Root-only',
    header: `Root=${ROOT};Parent=0000000000000000;Sampled=1`,
    expect: { traceId: TRACE, parentId: null, sampled: true, inject: `Root=${ROOT};Sampled=1` },
  },
  {
    name: 'pairs without "=" are ignored',
    header: `Root=${ROOT};Sampled;Parent=${PARENT};junk;Sampled=1`,
    expect: { traceId: TRACE, parentId: PARENT, sampled: true, inject: full('1') },
  },
  {
    name: 'duplicated keys: the first occurrence wins',
    header: `Root=${ROOT};Parent=${PARENT};Sampled=0;Root=1-11111111-222222222222222222222222;Parent=1111111111111111;Sampled=1`,
    expect: { traceId: TRACE, parentId: PARENT, sampled: false, inject: full('0') },
  },
  {
    name: 'duplicated keys: an invalid first Parent is not replaced by a later one',
    header: `Root=${ROOT};Parent=xyz;Parent=${PARENT};Sampled=1`,
    expect: { traceId: TRACE, parentId: null, sampled: true, inject: `Root=${ROOT};Sampled=1` },
  },
  {
    name: 'RootX is not Root, but a later Root is',
    header: `RootX=1-11111111-222222222222222222222222;Root=${ROOT};Parent=${PARENT};Sampled=1`,
    expect: { traceId: TRACE, parentId: PARENT, sampled: true, inject: full('1') },
  },
  {
    name: 'array value (repeated header): first element',
    header: [full('1'), 'Root=1-11111111-222222222222222222222222;Sampled=0'],
    expect: { traceId: TRACE, parentId: PARENT, sampled: true, inject: full('1') },
  },
  {
    name: 'comma-joined repeated header: first value',
    header: `${full('1')}, Root=1-11111111-222222222222222222222222;Sampled=0`,
    expect: { traceId: TRACE, parentId: PARENT, sampled: true, inject: full('1') },
  },
  {
    name: `Lineage longer than ${MAX_LINEAGE_LENGTH} characters is dropped, the trace kept`,
    header: `${full('1')};Lineage=${'a'.repeat(MAX_LINEAGE_LENGTH + 1)}`,
    expect: { traceId: TRACE, parentId: PARENT, sampled: true, inject: full('1') },
  },
  {
    name: `Lineage of exactly ${MAX_LINEAGE_LENGTH} characters is kept`,
    header: `${full('1')};Lineage=${'a'.repeat(MAX_LINEAGE_LENGTH)}`,
    expect: {
      traceId: TRACE,
      parentId: PARENT,
      sampled: true,
      lineage: 'a'.repeat(MAX_LINEAGE_LENGTH),
      inject: `${full('1')};Lineage=${'a'.repeat(MAX_LINEAGE_LENGTH)}`,
    },
  },
  {
    name: 'Lineage with an inner space or "=" is dropped',
    header: `${full('1')};Lineage=a b=c`,
    expect: { traceId: TRACE, parentId: PARENT, sampled: true, inject: full('1') },
  },
  {
    name: `header of exactly ${MAX_HEADER_LENGTH} characters is read`,
    header: `${full('1')};X=${'y'.repeat(MAX_HEADER_LENGTH - full('1').length - 3)}`,
    expect: { traceId: TRACE, parentId: PARENT, sampled: true, inject: full('1') },
  },
  // --- rejected: the input context comes back unchanged ---
  {
    name: `header one character longer than ${MAX_HEADER_LENGTH}`,
    header: `${full('1')};X=${'y'.repeat(MAX_HEADER_LENGTH - full('1').length - 2)}`,
    expect: undefined,
  },
  { name: 'garbage', header: 'garbage', expect: undefined },
  { name: 'only separators', header: ';;;==;', expect: undefined },
  { name: 'empty string', header: '', expect: undefined },
  { name: 'whitespace only', header: ' \t ', expect: undefined },
  { name: 'empty Root', header: `Root=;Parent=${PARENT};Sampled=1`, expect: undefined },
  {
    name: 'key "Root" without value',
    header: `Root;Parent=${PARENT};Sampled=1`,
    expect: undefined,
  },
  { name: 'no Root at all', header: `Parent=${PARENT};Sampled=1`, expect: undefined },
  {
    name: 'RootX alone',
    header: `RootX=${ROOT};Parent=${PARENT};Sampled=1`,
    expect: undefined,
  },
  {
    name: 'duplicated Root, invalid first',
    header: `Root=garbage;Root=${ROOT};Parent=${PARENT};Sampled=1`,
    expect: undefined,
  },
  {
    name: 'Root version 2',
    header: `Root=2-5759e988-bd862e3fe1be46a994272793;Parent=${PARENT};Sampled=1`,
    expect: undefined,
  },
  {
    name: 'Root version 01',
    header: `Root=01-5759e988-bd862e3fe1be46a994272793;Parent=${PARENT};Sampled=1`,
    expect: undefined,
  },
  {
    name: 'Root epoch part 7 hex (short)',
    header: `Root=1-759e988-bd862e3fe1be46a994272793;Parent=${PARENT};Sampled=1`,
    expect: undefined,
  },
  {
    name: 'Root random part 23 hex',
    header: `Root=1-5759e988-bd862e3fe1be46a99427279;Parent=${PARENT};Sampled=1`,
    expect: undefined,
  },
  {
    name: 'Root random part 25 hex',
    header: `Root=1-5759e988-bd862e3fe1be46a9942727930;Parent=${PARENT};Sampled=1`,
    expect: undefined,
  },
  {
    name: 'Root without dashes (W3C form)',
    header: `Root=${TRACE};Parent=${PARENT};Sampled=1`,
    expect: undefined,
  },
  {
    name: 'Root with non-hex',
    header: `Root=1-5759e988-bd862e3fe1be46a99427279g;Parent=${PARENT};Sampled=1`,
    expect: undefined,
  },
  {
    name: 'Root with an inner space',
    header: `Root=1-5759e988- bd862e3fe1be46a99427279;Parent=${PARENT};Sampled=1`,
    expect: undefined,
  },
  {
    name: 'all-zero Root',
    header: `Root=1-00000000-000000000000000000000000;Parent=${PARENT};Sampled=1`,
    expect: undefined,
  },
  {
    name: 'Root value starting with "="',
    header: `Root==${ROOT};Parent=${PARENT};Sampled=1`,
    expect: undefined,
  },
  {
    name: 'non-ASCII look-alike digits',
    header: `Root=1-５759e988-bd862e3fe1be46a994272793;Parent=${PARENT};Sampled=1`,
    expect: undefined,
  },
  {
    name: 'array with an invalid first element',
    header: ['garbage', full('1')],
    expect: undefined,
  },
  { name: 'empty array', header: [], expect: undefined },
  { name: 'number', header: 42, expect: undefined },
  { name: 'object', header: { Root: ROOT }, expect: undefined },
  { name: 'undefined (no header)', header: undefined, expect: undefined },
];

describe('AWSXRayPropagator', () => {
  describe('extract and inject: real-world header corpus', () => {
    for (const { name, header, expect } of corpus) {
      it(name, () => {
        const input = ROOT_CONTEXT.setValue(createContextKey('test marker'), 'kept');
        const ctx = extract(header, input);
        if (expect === undefined) {
          assert.equal(ctx, input, 'rejected header must return the input context itself');
          assert.equal(parseTraceHeader(header), undefined);
          return;
        }
        const sc = trace.getSpanContext(ctx);
        assert.ok(sc, 'a span context was extracted');
        assert.equal(sc.traceId, expect.traceId);
        assert.equal(sc.isRemote, true);
        if (expect.parentId === null) {
          assert.equal(sc.spanId, rootOnlySpanId(expect.traceId));
          assert.equal(isRootOnlyParent(sc), true, 'Root-only marker');
        } else {
          assert.equal(sc.spanId, expect.parentId);
          assert.equal(isRootOnlyParent(sc), false);
        }
        assert.equal(sc.traceFlags, expect.sampled === true ? TraceFlags.SAMPLED : TraceFlags.NONE);
        assert.equal(isSamplingDeferred(sc), expect.sampled === 'deferred');
        assert.equal(getLineage(sc), expect.lineage);
        assert.equal(isLambdaInvocationParent(sc), false, 'only the Lambda propagator marks it');
        assert.equal(parseTraceHeader(header)?.self, expect.self);
        assert.equal(ctx.getValue(createContextKey('test marker')), 'kept');
        assert.equal(injected(ctx), expect.inject);
      });
    }
  });

  describe('extract', () => {
    it('finds the header under any spelling of its name', () => {
      for (const name of ['X-Amzn-Trace-Id', 'X-AMZN-TRACE-ID', 'x-amzn-trace-id']) {
        const ctx = propagator.extract(ROOT_CONTEXT, { [name]: full('1') }, defaultTextMapGetter);
        assert.equal(trace.getSpanContext(ctx)?.spanId, PARENT, name);
      }
    });

    it('does not read other headers', () => {
      const carrier = { 'x-amzn-trace-id-2': full('1'), traceparent: full('1') };
      assert.equal(propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter), ROOT_CONTEXT);
    });

    it('never throws: throwing getters, null carriers, hostile values', () => {
      const throwing: TextMapGetter = {
        get: () => {
          throw new Error('boom');
        },
        keys: () => {
          throw new Error('boom');
        },
      };
      assert.equal(propagator.extract(ROOT_CONTEXT, {}, throwing), ROOT_CONTEXT);
      assert.equal(propagator.extract(ROOT_CONTEXT, null, defaultTextMapGetter), ROOT_CONTEXT);
      assert.equal(propagator.extract(ROOT_CONTEXT, undefined, defaultTextMapGetter), ROOT_CONTEXT);
      const hostile = {
        toString() {
          throw new Error('boom');
        },
      };
      assert.equal(extract(hostile), ROOT_CONTEXT);
      assert.equal(extract([hostile]), ROOT_CONTEXT);
      const keysNotStrings: TextMapGetter = {
        get: () => undefined,
        keys: () => [1, null] as never,
      };
      assert.equal(propagator.extract(ROOT_CONTEXT, {}, keysNotStrings), ROOT_CONTEXT);
    });

    it('replaces a span context already in the context', () => {
      const other: SpanContext = {
        traceId: '11111111222222223333333344444444',
        spanId: '5555555566666666',
        traceFlags: TraceFlags.SAMPLED,
      };
      const ctx = extract(full('0'), trace.setSpanContext(ROOT_CONTEXT, other));
      assert.equal(trace.getSpanContext(ctx)?.traceId, TRACE);
      assert.equal(trace.getSpanContext(ctx)?.traceFlags, TraceFlags.NONE);
    });

    it("keeps an earlier propagator's trace state for the same trace, minus its xray entry", () => {
      const earlier: SpanContext = {
        traceId: TRACE,
        spanId: '5555555566666666',
        traceFlags: TraceFlags.SAMPLED,
        traceState: createTraceState('vendor=abc,xray=l:stale'),
      };
      const ctx = extract(
        `${full('1')};Lineage=1:fe460cdd:0`,
        trace.setSpanContext(ROOT_CONTEXT, earlier),
      );
      const ts = trace.getSpanContext(ctx)?.traceState;
      assert.equal(ts?.get('vendor'), 'abc');
      assert.equal(ts?.get('xray'), 'l:1:fe460cdd:0');
      // Without X-Ray-only facts in the header, the stale entry is removed, not kept.
      const plain = trace.getSpanContext(
        extract(full('1'), trace.setSpanContext(ROOT_CONTEXT, earlier)),
      );
      assert.equal(plain?.traceState?.get('vendor'), 'abc');
      assert.equal(plain?.traceState?.get('xray'), undefined);
    });

    it("drops an earlier propagator's trace state when the trace differs", () => {
      const earlier: SpanContext = {
        traceId: '11111111222222223333333344444444',
        spanId: '5555555566666666',
        traceFlags: TraceFlags.SAMPLED,
        traceState: createTraceState('vendor=abc'),
      };
      const sc = trace.getSpanContext(
        extract(full('1'), trace.setSpanContext(ROOT_CONTEXT, earlier)),
      );
      assert.equal(sc?.traceState, undefined);
    });

    it('is deterministic: the same header gives the same span context', () => {
      const a = trace.getSpanContext(extract(`Root=${ROOT};Lineage=1:x:0`));
      const b = trace.getSpanContext(extract(`Root=${ROOT};Lineage=1:x:0`));
      assert.deepEqual(
        { ...a, traceState: a?.traceState?.serialize() },
        { ...b, traceState: b?.traceState?.serialize() },
      );
    });

    it('keeps the xray trace state entry within the W3C value limit (Self dropped first)', () => {
      const lineage = 'l'.repeat(MAX_LINEAGE_LENGTH);
      const self = `1-67891233-12456789abcdef012345678`;
      const sc = trace.getSpanContext(extract(`Root=${ROOT};Lineage=${lineage};Self=${self}`));
      const value = sc?.traceState?.get('xray') ?? '';
      assert.ok(value.length <= 256, `length ${value.length}`);
      assert.equal(getLineage(sc), lineage);
      assert.ok(!value.includes('s:'), 'Self did not fit and was dropped');
      // With a short Lineage, Self fits and is kept.
      const sc2 = trace.getSpanContext(extract(`Root=${ROOT};Lineage=1:x:0;Self=${self}`));
      assert.ok(sc2?.traceState?.get('xray')?.endsWith(`s:${self}`), 'Self kept');
      // The entry is a valid W3C tracestate member: it survives a serialize/parse round trip.
      const reparsed = createTraceState(sc?.traceState?.serialize());
      assert.equal(reparsed.get('xray'), value);
    });
  });

  describe('inject', () => {
    const valid: SpanContext = { traceId: TRACE, spanId: PARENT, traceFlags: TraceFlags.SAMPLED };

    it('writes Root, Parent and Sampled from a span context', () => {
      assert.equal(injected(trace.setSpanContext(ROOT_CONTEXT, valid)), full('1'));
      const unsampled = { ...valid, traceFlags: TraceFlags.NONE };
      assert.equal(injected(trace.setSpanContext(ROOT_CONTEXT, unsampled)), full('0'));
    });

    it('reads only the sampled bit of the trace flags', () => {
      assert.equal(
        injected(trace.setSpanContext(ROOT_CONTEXT, { ...valid, traceFlags: 0x03 })),
        full('1'),
      );
      assert.equal(
        injected(trace.setSpanContext(ROOT_CONTEXT, { ...valid, traceFlags: 0x02 })),
        full('0'),
      );
    });

    it('lower-cases a span context built with upper-case hex', () => {
      const upper = { ...valid, traceId: TRACE.toUpperCase(), spanId: PARENT.toUpperCase() };
      assert.equal(injected(trace.setSpanContext(ROOT_CONTEXT, upper)), full('1'));
    });

    it('writes nothing without a valid span context', () => {
      assert.equal(injected(ROOT_CONTEXT), undefined);
      const invalid: SpanContext[] = [
        { ...valid, traceId: '0'.repeat(32) },
        { ...valid, spanId: '0'.repeat(16) },
        { ...valid, traceId: 'xyz' },
        { ...valid, spanId: `${PARENT}0` },
      ];
      for (const sc of invalid)
        assert.equal(injected(trace.setSpanContext(ROOT_CONTEXT, sc)), undefined);
    });

    it('writes nothing while tracing is suppressed (the key @opentelemetry/core uses)', () => {
      const ctx = trace.setSpanContext(ROOT_CONTEXT, valid);
      assert.equal(injected(suppressTracing(ctx)), undefined);
      assert.equal(injected(ctx), full('1'));
    });

    it('re-injects a Lineage carried in trace state, but not one that is unsafe', () => {
      const withLineage = { ...valid, traceState: createTraceState('xray=l:1:abc:2') };
      assert.equal(
        injected(trace.setSpanContext(ROOT_CONTEXT, withLineage)),
        `${full('1')};Lineage=1:abc:2`,
      );
      const unsafe = { ...valid, traceState: createTraceState().set('xray', 'l:a b') };
      assert.equal(injected(trace.setSpanContext(ROOT_CONTEXT, unsafe)), full('1'));
    });

    it('never throws: throwing setter, hostile span context', () => {
      const ctx = trace.setSpanContext(ROOT_CONTEXT, valid);
      propagator.inject(
        ctx,
        {},
        {
          set: () => {
            throw new Error('boom');
          },
        },
      );
      const hostileState = {
        ...valid,
        traceState: {
          get: () => {
            throw new Error('boom');
          },
        } as never,
      };
      propagator.inject(trace.setSpanContext(ROOT_CONTEXT, hostileState), {}, defaultTextMapSetter);
    });

    it('fields() names the header, lower-case', () => {
      assert.deepEqual(propagator.fields(), ['x-amzn-trace-id']);
    });
  });

  describe('helpers', () => {
    it('rootOnlySpanId is a valid, deterministic span ID and not the low half of the trace ID', () => {
      const id = rootOnlySpanId(TRACE);
      assert.match(id, /^[0-9a-f]{16}$/);
      assert.notEqual(id, '0'.repeat(16));
      assert.equal(rootOnlySpanId(TRACE), id);
      assert.notEqual(id, TRACE.slice(16));
      assert.notEqual(rootOnlySpanId('5759e988bd862e3fe1be46a994272794'), id);
      // A trace ID that folds to zero still yields a valid span ID.
      assert.equal(rootOnlySpanId('58524159524f4f540000000000000000'), '0000000000000001');
    });

    it('isRootOnlyParent needs both the derived span ID and the marker', () => {
      const stand = trace.getSpanContext(extract(`Root=${ROOT}`));
      assert.ok(stand, 'stand-in extracted');
      assert.equal(isRootOnlyParent(stand), true);
      // The marker inherited by a descendant (different span ID) means nothing.
      assert.equal(isRootOnlyParent({ ...stand, spanId: PARENT }), false);
      // The derived span ID without the marker is a real parent.
      assert.equal(isRootOnlyParent({ ...stand, traceState: undefined }), false);
      // A marker naming another span ID does not count.
      const spoofed = createTraceState().set('xray', `r:${PARENT}`);
      assert.equal(
        isRootOnlyParent({ traceId: TRACE, spanId: PARENT, traceState: spoofed }),
        false,
      );
      for (const junk of [undefined, null, {}, { traceId: 1, spanId: 2 }, 'x']) {
        assert.equal(isRootOnlyParent(junk as never), false);
        assert.equal(isSamplingDeferred(junk as never), false);
        assert.equal(isLambdaInvocationParent(junk as never), false);
        assert.equal(getLineage(junk as never), undefined);
      }
    });

    it('isSamplingDeferred is bound to the span ID it was extracted for', () => {
      const sc = trace.getSpanContext(extract(`Root=${ROOT};Parent=${PARENT};Sampled=?`));
      assert.ok(sc, 'deferred context extracted');
      assert.equal(isSamplingDeferred(sc), true);
      assert.equal(isSamplingDeferred({ ...sc, spanId: '1111111111111111' }), false);
    });
  });

  describe('with the OpenTelemetry SDK (sdk-trace-base 2.x)', () => {
    /** Defers to `root` for remote parents whose header carried no decision. */
    class DeferredDecisionSampler implements Sampler {
      constructor(private readonly root: Sampler) {}
      shouldSample(...args: Parameters<Sampler['shouldSample']>): SamplingResult {
        const parent = trace.getSpanContext(args[0]);
        if (isSamplingDeferred(parent)) return this.root.shouldSample(...args);
        return { decision: SamplingDecision.NOT_RECORD };
      }
      toString(): string {
        return 'DeferredDecisionSampler';
      }
    }

    function run(sampler: Sampler, header: string) {
      const provider = new BasicTracerProvider({ sampler });
      const tracer = provider.getTracer('test');
      const parentCtx = extract(header);
      const root = tracer.startSpan('root', {}, parentCtx);
      const rootCtx = trace.setSpan(parentCtx, root);
      const child = tracer.startSpan('child', {}, rootCtx);
      const childCtx = trace.setSpan(rootCtx, child);
      return { root, child, outgoing: injected(childCtx) };
    }

    it('Root-only: the local root keeps the trace and can tell that it has no real parent', () => {
      const { root, child, outgoing } = run(new AlwaysOnSampler(), `Root=${ROOT};Lineage=1:fe:0`);
      const r = root as unknown as ReadableSpan;
      const c = child as unknown as ReadableSpan;
      assert.equal(r.spanContext().traceId, TRACE);
      assert.equal(isRootOnlyParent(r.parentSpanContext), true);
      assert.equal(isRootOnlyParent(c.parentSpanContext), false, 'a local parent is real');
      assert.equal(isRootOnlyParent(r.spanContext()), false);
      // The stand-in never reaches the wire; Lineage does.
      assert.equal(
        outgoing,
        `Root=${ROOT};Parent=${c.spanContext().spanId};Sampled=1;Lineage=1:fe:0`,
      );
    });

    it('Sampled=?: the root sampler decides when the sampler defers, nothing is recorded otherwise', () => {
      const header = `Root=${ROOT};Parent=${PARENT};Sampled=?`;
      const deferring = (root: Sampler) =>
        new ParentBasedSampler({
          root,
          remoteParentNotSampled: new DeferredDecisionSampler(root),
        });
      assert.equal(run(deferring(new AlwaysOnSampler()), header).root.isRecording(), true);
      assert.equal(run(deferring(new AlwaysOffSampler()), header).root.isRecording(), false);
      // Stock ParentBased: "not sampled" (safe default).
      const stock = run(new ParentBasedSampler({ root: new AlwaysOnSampler() }), header);
      assert.equal(stock.root.isRecording(), false);
      assert.match(stock.outgoing ?? '', /;Sampled=0$/);
      // An explicit Sampled=0 is never re-decided, even by the deferring sampler.
      const explicit = run(deferring(new AlwaysOnSampler()), full('0'));
      assert.equal(explicit.root.isRecording(), false);
    });

    it('deferred decisions do not leak to peers through W3C tracestate', () => {
      const { child } = run(new AlwaysOffSampler(), `Root=${ROOT};Parent=${PARENT}`);
      // Send the (unsampled) child to a peer over W3C and read it back there.
      const w3c = new W3CTraceContextPropagator();
      const carrier: Record<string, string> = {};
      w3c.inject(trace.setSpan(ROOT_CONTEXT, child), carrier, defaultTextMapSetter);
      assert.ok(carrier['tracestate']?.includes('xray=d:'), 'the entry travels…');
      const peer = trace.getSpanContext(w3c.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter));
      assert.equal(isSamplingDeferred(peer), false, '…but names another span, so it is inert');
      assert.equal(isRootOnlyParent(peer), false);
    });
  });
});
