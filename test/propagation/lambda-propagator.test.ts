import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
} from '@opentelemetry/api';
import type { Context, SpanContext } from '@opentelemetry/api';
import {
  AWSXRAY_TRACE_ID_ENV_VAR,
  AWSXRayLambdaPropagator,
  getLambdaTraceHeader,
} from '../../src/propagation/lambda-propagator.js';
import { AWSXRayPropagator } from '../../src/propagation/propagator.js';
import {
  getLineage,
  isInLambdaInvocationTrace,
  isLambdaInvocationParent,
  isRootOnlyParent,
  isSamplingDeferred,
} from '../../src/protocol/trace-header.js';

const ENV = AWSXRAY_TRACE_ID_ENV_VAR;

// Three distinct traces: the Lambda environment, the InvokeStore, the carrier.
const ENV_HEADER = 'Root=1-8a3c60f7-d188f8fa79d48a391a778fa6;Parent=53995c3f42cd8ad8;Sampled=1';
const ENV_TRACE = '8a3c60f7d188f8fa79d48a391a778fa6';
const STORE_HEADER =
  'Root=1-6a3c60f7-0188f8fa79d48a391a778fa6;Parent=1111111111111111;Sampled=1;Lineage=1:abcd0123:0';
const STORE_TRACE = '6a3c60f70188f8fa79d48a391a778fa6';
const CARRIER_HEADER = 'Root=1-48165d1a-d6255f4cb1ddf9999ef6d536;Parent=4635c8688f46eb5d;Sampled=1';
const CARRIER_TRACE = '48165d1ad6255f4cb1ddf9999ef6d536';

type Global = { awslambda?: unknown };
const g = globalThis as Global;

/** Installs a stand-in for the Lambda runtime's InvokeStore. */
function installStore(store: unknown): void {
  g.awslambda = { InvokeStore: store };
}

const propagator = new AWSXRayLambdaPropagator();

function extract(carrier: Record<string, unknown> = {}, ctx: Context = ROOT_CONTEXT): Context {
  return propagator.extract(ctx, carrier, defaultTextMapGetter);
}
const traceIdOf = (ctx: Context) => trace.getSpanContext(ctx)?.traceId;

describe('AWSXRayLambdaPropagator', () => {
  // Save and restore everything these tests change.
  const hadEnv = Object.prototype.hasOwnProperty.call(process.env, ENV);
  const savedEnv = process.env[ENV];
  const hadGlobal = Object.prototype.hasOwnProperty.call(globalThis, 'awslambda');
  const savedGlobal = g.awslambda;

  beforeEach(() => {
    delete process.env[ENV];
    delete g.awslambda;
  });

  afterEach(() => {
    if (hadEnv) process.env[ENV] = savedEnv;
    else delete process.env[ENV];
    if (hadGlobal) g.awslambda = savedGlobal;
    else delete g.awslambda;
  });

  describe('getLambdaTraceHeader', () => {
    it('undefined outside Lambda', () => {
      assert.equal(getLambdaTraceHeader(), undefined);
    });

    it('reads _X_AMZN_TRACE_ID', () => {
      process.env[ENV] = ENV_HEADER;
      assert.equal(getLambdaTraceHeader(), ENV_HEADER);
    });

    it('blank values count as unset', () => {
      process.env[ENV] = '   ';
      assert.equal(getLambdaTraceHeader(), undefined);
      installStore({ getXRayTraceId: () => '' });
      process.env[ENV] = ENV_HEADER;
      assert.equal(getLambdaTraceHeader(), ENV_HEADER);
    });

    it('prefers the InvokeStore over the environment', () => {
      process.env[ENV] = ENV_HEADER;
      installStore({ getXRayTraceId: () => STORE_HEADER });
      assert.equal(getLambdaTraceHeader(), STORE_HEADER);
    });

    it('calls getXRayTraceId on the store (it may use `this`)', () => {
      installStore({
        header: STORE_HEADER,
        getXRayTraceId(this: { header: string }) {
          return this.header;
        },
      });
      assert.equal(getLambdaTraceHeader(), STORE_HEADER);
    });

    it('falls back to the environment when the store has nothing, throws, or is malformed', () => {
      process.env[ENV] = ENV_HEADER;
      const stores: unknown[] = [
        { getXRayTraceId: () => undefined },
        { getXRayTraceId: () => 42 },
        {
          getXRayTraceId: () => {
            throw new Error('boom');
          },
        },
        { getXRayTraceId: 'not a function' },
        {},
        null,
        'store',
      ];
      for (const store of stores) {
        installStore(store);
        assert.equal(getLambdaTraceHeader(), ENV_HEADER, String(store));
      }
      for (const awslambda of [null, 42, 'x']) {
        g.awslambda = awslambda;
        assert.equal(getLambdaTraceHeader(), ENV_HEADER);
      }
      // A throwing property getter on the global itself.
      g.awslambda = Object.defineProperty({}, 'InvokeStore', {
        get() {
          throw new Error('boom');
        },
      });
      assert.equal(getLambdaTraceHeader(), ENV_HEADER);
    });
  });

  describe('extract', () => {
    it('uses the environment when the carrier has no header, marked as the invocation', () => {
      process.env[ENV] = ENV_HEADER;
      const sc = trace.getSpanContext(extract());
      assert.deepEqual(sc && { ...sc, traceState: sc.traceState?.serialize() }, {
        traceId: ENV_TRACE,
        spanId: '53995c3f42cd8ad8',
        traceFlags: TraceFlags.SAMPLED,
        isRemote: true,
        traceState: 'xray=i:53995c3f42cd8ad8',
      });
      assert.equal(isLambdaInvocationParent(sc), true);
      assert.equal(isLambdaInvocationParent(sc && { ...sc, spanId: '1111111111111111' }), false);
    });

    it('uses the InvokeStore before the environment, Lineage included', () => {
      process.env[ENV] = ENV_HEADER;
      installStore({ getXRayTraceId: () => STORE_HEADER });
      const sc = trace.getSpanContext(extract());
      assert.equal(sc?.traceId, STORE_TRACE);
      assert.equal(getLineage(sc), '1:abcd0123:0');
    });

    it('a sampled invocation header wins over the carrier (the function segment is the parent)', () => {
      process.env[ENV] = ENV_HEADER;
      assert.equal(traceIdOf(extract({ 'x-amzn-trace-id': CARRIER_HEADER })), ENV_TRACE);
    });

    it('a sampled invocation header wins over a span context already in the context', () => {
      process.env[ENV] = ENV_HEADER;
      const existing: SpanContext = {
        traceId: CARRIER_TRACE,
        spanId: '4635c8688f46eb5d',
        traceFlags: TraceFlags.SAMPLED,
        isRemote: true,
      };
      assert.equal(traceIdOf(extract({}, trace.setSpanContext(ROOT_CONTEXT, existing))), ENV_TRACE);
    });

    it('an unsampled invocation header wins over the carrier: Lambda decided (API Gateway sent its own header)', () => {
      process.env[ENV] = ENV_HEADER.replace('Sampled=1', 'Sampled=0');
      // API Gateway's Root-only header, and a sampled one: neither is this function's decision.
      for (const header of [CARRIER_HEADER, 'Root=1-48165d1a-d6255f4cb1ddf9999ef6d536']) {
        const sc = trace.getSpanContext(extract({ 'X-Amzn-Trace-Id': header }));
        assert.equal(sc?.traceId, ENV_TRACE, header);
        assert.equal(sc?.spanId, '53995c3f42cd8ad8');
        assert.equal(sc?.traceFlags, TraceFlags.NONE);
        assert.equal(isSamplingDeferred(sc), false, 'no local sampler may decide again');
        assert.equal(isLambdaInvocationParent(sc), true);
      }
    });

    it('an unsampled invocation header is used when nothing else is there', () => {
      process.env[ENV] = ENV_HEADER.replace('Sampled=1', 'Sampled=0');
      const sc = trace.getSpanContext(extract({ 'x-amzn-trace-id': 'garbage' }));
      assert.equal(sc?.traceId, ENV_TRACE);
      assert.equal(sc?.traceFlags, TraceFlags.NONE);
    });

    it('an invocation header without a decision (Sampled=?, none) is not sampled, not deferred', () => {
      for (const sampled of [';Sampled=?', '', ';Sampled=yes']) {
        process.env[ENV] =
          `Root=1-8a3c60f7-d188f8fa79d48a391a778fa6;Parent=53995c3f42cd8ad8${sampled}`;
        const sc = trace.getSpanContext(extract({ 'x-amzn-trace-id': CARRIER_HEADER }));
        assert.equal(sc?.traceId, ENV_TRACE, sampled);
        assert.equal(sc?.traceFlags, TraceFlags.NONE, sampled);
        assert.equal(isSamplingDeferred(sc), false, sampled);
      }
    });

    it('a Root-only (pass-through) invocation header: not sampled, and only the Root (and Lineage) goes downstream', () => {
      process.env[ENV] = `Root=1-8a3c60f7-d188f8fa79d48a391a778fa6;Lineage=1:fe460cdd:0`;
      const ctx = extract({ 'x-amzn-trace-id': CARRIER_HEADER });
      const sc = trace.getSpanContext(ctx);
      assert.equal(sc?.traceId, ENV_TRACE);
      assert.equal(sc?.traceFlags, TraceFlags.NONE);
      assert.equal(isRootOnlyParent(sc), true);
      assert.equal(isSamplingDeferred(sc), false);
      assert.equal(getLineage(sc), '1:fe460cdd:0');
      assert.equal(isLambdaInvocationParent(sc), true, 'both markers; Root-only takes precedence');
      const expected = 'Root=1-8a3c60f7-d188f8fa79d48a391a778fa6;Lineage=1:fe460cdd:0';
      const out: Record<string, string> = {};
      propagator.inject(ctx, out, defaultTextMapSetter);
      assert.equal(out['x-amzn-trace-id'], expected);
      // A span below it that was not recorded (the SDK gives it a span ID of its own and
      // the same trace state): still the Root alone, as the X-Ray SDK passes it on.
      const child = { ...sc!, spanId: '00f067aa0ba902b7', isRemote: false };
      propagator.inject(trace.setSpanContext(ROOT_CONTEXT, child), out, defaultTextMapSetter);
      assert.equal(out['x-amzn-trace-id'], expected);
      // Recorded after all (a custom sampler): a normal header.
      const sampledChild = { ...child, traceFlags: TraceFlags.SAMPLED };
      propagator.inject(
        trace.setSpanContext(ROOT_CONTEXT, sampledChild),
        out,
        defaultTextMapSetter,
      );
      assert.equal(
        out['x-amzn-trace-id'],
        'Root=1-8a3c60f7-d188f8fa79d48a391a778fa6;Parent=00f067aa0ba902b7;Sampled=1;Lineage=1:fe460cdd:0',
      );
    });

    it('an invocation header replaces a span context already in the context, sampled or not', () => {
      for (const sampled of ['1', '0']) {
        process.env[ENV] = ENV_HEADER.replace('Sampled=1', `Sampled=${sampled}`);
        // What a W3C propagator earlier in a composite extracted from the event's traceparent.
        const existing = trace.setSpanContext(ROOT_CONTEXT, {
          traceId: CARRIER_TRACE,
          spanId: '4635c8688f46eb5d',
          traceFlags: TraceFlags.SAMPLED,
        });
        const sc = trace.getSpanContext(extract({}, existing));
        assert.equal(sc?.traceId, ENV_TRACE, sampled);
        assert.equal(sc?.traceFlags, sampled === '1' ? TraceFlags.SAMPLED : TraceFlags.NONE);
      }
    });

    it('spans of an invocation are told from spans started outside any (isInLambdaInvocationTrace)', () => {
      process.env[ENV] = ENV_HEADER.replace('Sampled=1', 'Sampled=0');
      const invocation = trace.getSpanContext(extract());
      assert.equal(isInLambdaInvocationTrace(invocation), true);
      // A local descendant inherits the trace state, and with it the marker.
      const child = { ...invocation!, spanId: '00f067aa0ba902b7', isRemote: false };
      assert.equal(isInLambdaInvocationTrace(child), true);
      // The init phase: no header; a carrier's context is not an invocation's.
      delete process.env[ENV];
      assert.equal(isInLambdaInvocationTrace(trace.getSpanContext(extract())), false);
      const fromCarrier = trace.getSpanContext(extract({ 'x-amzn-trace-id': CARRIER_HEADER }));
      assert.equal(fromCarrier?.traceId, CARRIER_TRACE);
      assert.equal(isInLambdaInvocationTrace(fromCarrier), false);
      assert.equal(isInLambdaInvocationTrace(undefined), false);
      assert.equal(
        isInLambdaInvocationTrace({
          traceState: {
            get: () => {
              throw new Error('boom');
            },
          },
        } as never),
        false,
      );
    });

    it('an invalid invocation header is ignored', () => {
      process.env[ENV] = 'Root=garbage;Sampled=1';
      assert.equal(traceIdOf(extract({ 'x-amzn-trace-id': CARRIER_HEADER })), CARRIER_TRACE);
      assert.equal(extract(), ROOT_CONTEXT);
    });

    it('outside Lambda it behaves as AWSXRayPropagator', () => {
      const plain = new AWSXRayPropagator();
      for (const header of [CARRIER_HEADER, 'Root=1-48165d1a-d6255f4cb1ddf9999ef6d536', 'junk']) {
        const carrier = { 'x-amzn-trace-id': header };
        const a = trace.getSpanContext(extract(carrier));
        const b = trace.getSpanContext(plain.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter));
        assert.deepEqual(
          a && { ...a, traceState: a.traceState?.serialize() },
          b && { ...b, traceState: b.traceState?.serialize() },
        );
      }
      assert.equal(extract({}), ROOT_CONTEXT);
    });

    it('never throws', () => {
      process.env[ENV] = ENV_HEADER.replace('Sampled=1', 'Sampled=0');
      const throwing = {
        get: () => {
          throw new Error('boom');
        },
        keys: () => {
          throw new Error('boom');
        },
      };
      // The carrier cannot be read; the invocation header is still there.
      assert.equal(traceIdOf(propagator.extract(ROOT_CONTEXT, {}, throwing)), ENV_TRACE);
    });
  });

  describe('concurrent invocations (Lambda Managed Instances)', () => {
    it('each async flow sees its own invocation, whatever the environment says', async () => {
      const als = new AsyncLocalStorage<string>();
      installStore({ getXRayTraceId: () => als.getStore() });
      // A process-wide value that belongs to neither invocation.
      process.env[ENV] = ENV_HEADER;

      const headerA = 'Root=1-aaaaaaaa-aaaaaaaaaaaaaaaaaaaaaaaa;Parent=aaaaaaaaaaaaaaaa;Sampled=1';
      const headerB = 'Root=1-bbbbbbbb-bbbbbbbbbbbbbbbbbbbbbbbb;Parent=bbbbbbbbbbbbbbbb;Sampled=1';

      // Barriers force the interleaving A1, B1, A2, B2 without timers.
      let releaseA!: () => void;
      let releaseB!: () => void;
      const aMayContinue = new Promise<void>((r) => (releaseA = r));
      const bMayContinue = new Promise<void>((r) => (releaseB = r));
      const seen: string[] = [];

      const flow = (name: string, wait: Promise<void>, release: () => void) => async () => {
        seen.push(`${name}1:${traceIdOf(extract())}`);
        release();
        await wait;
        seen.push(`${name}2:${traceIdOf(extract())}`);
        const out: Record<string, string> = {};
        propagator.inject(extract(), out, defaultTextMapSetter);
        return out['x-amzn-trace-id'];
      };

      const [outA, outB] = await Promise.all([
        als.run(headerA, flow('A', aMayContinue, releaseB)),
        als.run(headerB, flow('B', bMayContinue, releaseA)),
      ]);
      assert.deepEqual(seen, [
        `A1:${'a'.repeat(32)}`,
        `B1:${'b'.repeat(32)}`,
        `A2:${'a'.repeat(32)}`,
        `B2:${'b'.repeat(32)}`,
      ]);
      assert.equal(outA, headerA);
      assert.equal(outB, headerB);
      // Outside both flows the store is empty and the environment applies.
      assert.equal(traceIdOf(extract()), ENV_TRACE);
    });
  });

  describe('inject and fields', () => {
    it('inject is AWSXRayPropagator.inject (the Lambda header is never written by itself)', () => {
      process.env[ENV] = ENV_HEADER;
      const out: Record<string, string> = {};
      propagator.inject(ROOT_CONTEXT, out, defaultTextMapSetter);
      assert.deepEqual(out, {}, 'no span in the context: nothing to write');
      const ctx = extract({ 'x-amzn-trace-id': CARRIER_HEADER.replace('Sampled=1', 'Sampled=0') });
      propagator.inject(ctx, out, defaultTextMapSetter);
      assert.equal(out['x-amzn-trace-id'], ENV_HEADER);
    });

    it('fields() names the X-Ray header', () => {
      assert.deepEqual(propagator.fields(), ['x-amzn-trace-id']);
    });
  });
});
