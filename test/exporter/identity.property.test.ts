/**
 * The counting identity of docs/guarantees.md, as a property of the exporter:
 * at every reading of `getStats()`,
 *
 *     spansReceived = spansSent + Σ dropped + spansWaiting + spansQueued
 *
 * for batches of random sizes (slices included) holding real SDK spans, spans
 * whose accessors throw (any accessor, at random positions) and invalid
 * spans, with the daemon up (a real UDP listener on 127.0.0.1) or down (a
 * closed port), in both callback modes, with spans held for their trace's
 * root (children whose root is not in the batch). Readings are taken after every
 * `export()`, in every result callback, in every diag report and on every
 * event-loop turn until the exporter is shut down.
 */
import * as assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import type { DiagLogger } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import fc from 'fast-check';
import { AWSXRaySpanExporter } from '../../src/index.js';
import type { ExporterStats } from '../../src/index.js';
import type { ReadableSpanLike } from '../../src/shared/types.js';
import { Collector } from '../helpers/collector.js';
import { TestDaemon } from '../helpers/daemon.js';
import { makeSpan, spanId } from '../helpers/spans.js';

/** Every accessor the exporter may touch. */
const ACCESSORS = [
  'spanContext',
  'name',
  'kind',
  'parentSpanContext',
  'startTime',
  'endTime',
  'ended',
  'status',
  'attributes',
  'links',
  'events',
  'resource',
  'instrumentationScope',
] as const;

function identity(s: ExporterStats): number {
  let dropped = 0;
  for (const v of Object.values(s.dropped)) dropped += v;
  return s.spansReceived - (s.spansSent + dropped + s.spansWaiting + s.spansQueued);
}

/** Real SDK spans: `traces` traces of 1–12 spans each, recorded once for all runs. */
function recordSpans(): ReadableSpan[] {
  const collector = new Collector();
  const spans = collector.spans;
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'identity' }),
    spanProcessors: [collector],
  });
  const tracer = provider.getTracer('identity');
  for (let t = 0; t < 60; t++) {
    tracer.startActiveSpan(`request ${t}`, (root) => {
      for (let i = 0; i < (t % 12) + 1; i++) {
        tracer.startSpan(`step ${i}`, { attributes: { i, 'http.request.method': 'GET' } }).end();
      }
      root.end();
    });
  }
  return spans;
}

/** `span`, whose `accessor` throws when read (or, for a method, when called). */
function throwing(span: ReadableSpanLike, accessor: string, onCall: boolean): ReadableSpanLike {
  return new Proxy(span, {
    get(target, prop, receiver) {
      if (prop !== accessor) return Reflect.get(target, prop, receiver) as unknown;
      if (!onCall) throw new Error(`${accessor} getter throws`);
      return () => {
        throw new Error(`${accessor}() throws`);
      };
    },
  });
}

type SpanPlan =
  | { kind: 'real'; index: number }
  | { kind: 'throws'; index: number; accessor: string; onCall: boolean }
  | { kind: 'invalidId'; n: number }
  | { kind: 'invalidTimes'; n: number };

const spanPlan: fc.Arbitrary<SpanPlan> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('real' as const), index: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('throws' as const),
      index: fc.nat(),
      accessor: fc.constantFrom(...ACCESSORS),
      onCall: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('invalidId' as const), n: fc.nat(999) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('invalidTimes' as const), n: fc.nat(999) }),
  },
);

describe('exporter: received = sent + Σ dropped + waiting + queued, at every reading', function () {
  this.timeout(120_000);
  const pool = recordSpans();
  let daemon: TestDaemon;
  let deadPort: number;
  let current: AWSXRaySpanExporter | undefined;
  let readings = 0;
  /** Readings that found spans held for their trace's root. */
  let heldReadings = 0;
  let broken: string | undefined;

  /** Reads the stats and records the first reading that breaks the identity. */
  const read = (where: string): ExporterStats | undefined => {
    if (current === undefined) return undefined;
    const s = current.getStats();
    readings++;
    if (s.spansHeld > 0) heldReadings++;
    const off = identity(s);
    if (off !== 0 && broken === undefined) broken = `${where}: off by ${off}: ${JSON.stringify(s)}`;
    return s;
  };

  before(async () => {
    daemon = await TestDaemon.start();
    const s = dgram.createSocket('udp4');
    s.bind(0, '127.0.0.1');
    await once(s, 'listening');
    deadPort = s.address().port;
    await new Promise<void>((r) => s.close(() => r()));
    // Every diag report is a reading too: a logger may look at the stats.
    const reading = (msg: string): void => void read(`diag "${msg.slice(0, 60)}"`);
    const logger: DiagLogger = {
      error: reading,
      warn: reading,
      info: reading,
      debug: reading,
      verbose: reading,
    };
    diag.setLogger(logger, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });
  });
  after(async () => {
    diag.disable();
    await daemon.close();
  });

  function build(plan: SpanPlan): ReadableSpanLike {
    switch (plan.kind) {
      case 'real':
        return pool[plan.index % pool.length] as unknown as ReadableSpanLike;
      case 'throws':
        return throwing(
          pool[plan.index % pool.length] as unknown as ReadableSpanLike,
          plan.accessor,
          plan.onCall,
        );
      case 'invalidId':
        return makeSpan({ spanId: `zz${plan.n}` });
      case 'invalidTimes':
        return makeSpan({
          spanId: spanId(plan.n),
          start: [Number.NaN, 0],
          end: [-1, 0],
        });
    }
  }

  it('holds for random batches, daemon up and down, both callback modes', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.constantFrom('queued' as const, 'sent' as const),
        fc.array(fc.array(spanPlan, { maxLength: 160, size: 'max' }), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.boolean(),
        async (daemonUp, exportCallback, batches, flushBetween) => {
          runs++;
          broken = undefined;
          const exporter = new AWSXRaySpanExporter({
            daemonAddress: daemonUp ? daemon.address : `127.0.0.1:${deadPort}`,
            exportCallback,
            flushTimeoutMillis: 10_000,
          });
          current = exporter;
          const callbacks: Array<Promise<number>> = [];
          let total = 0;
          for (const plans of batches) {
            const spans = plans.map(build);
            total += spans.length;
            callbacks.push(
              new Promise<number>((resolve) =>
                exporter.export(spans, (r) => {
                  read('callback');
                  resolve(r.code);
                }),
              ),
            );
            read('after export()');
            if (flushBetween) {
              await exporter.forceFlush();
              read('after forceFlush()');
            }
          }
          // Every event-loop turn until everything has left but held spans.
          for (let turn = 0; turn < 10_000; turn++) {
            const s = read('turn');
            if (s !== undefined && s.spansWaiting === s.spansHeld && s.spansQueued === 0) break;
            await nextTurn();
          }
          await exporter.forceFlush();
          const flushed = read('after forceFlush()') as ExporterStats;
          assert.equal(flushed.spansHeld, 0, 'forceFlush() sends held spans');
          await exporter.shutdown();
          const s = read('after shutdown()') as ExporterStats;
          await Promise.all(callbacks);
          current = undefined;
          assert.equal(broken, undefined, broken);
          assert.equal(s.spansReceived, total);
          assert.equal(s.spansWaiting, 0);
          assert.equal(s.spansQueued, 0);
          if (daemonUp) {
            // Nothing the transport could lose: every span is sent or skipped.
            assert.equal(s.dropped.queueFull + s.dropped.sendError + s.dropped.shutdown, 0);
            assert.equal(s.spansSent + s.dropped.invalid + s.dropped.unreadable, total);
          }
          const invalidPlanned = batches.flat().filter((p) => p.kind.startsWith('invalid')).length;
          assert.equal(s.dropped.invalid, invalidPlanned, JSON.stringify(s));
          const throwing = batches.flat().filter((p) => p.kind === 'throws').length;
          assert.ok(s.dropped.unreadable <= throwing, JSON.stringify(s));
        },
      ),
      { numRuns: 60 },
    );
    assert.equal(runs, 60);
    assert.ok(readings > 60 * 4, `${readings} readings`);
    assert.ok(heldReadings > 0, 'some readings found spans held');
    console.log(`      ${runs} runs, ${readings} readings (${heldReadings} with spans held)`);
  });

  it('a batch whose first span throws from spanContext() loses only that span', async () => {
    const exporter = new AWSXRaySpanExporter({ daemonAddress: daemon.address });
    current = exporter;
    broken = undefined;
    const first = throwing(pool[0] as unknown as ReadableSpanLike, 'spanContext', true);
    const others = pool.slice(1, 3) as unknown as ReadableSpanLike[];
    const code = await new Promise<number>((r) =>
      exporter.export([first, ...others], (res) => r(res.code)),
    );
    assert.equal(code, 0);
    await exporter.shutdown();
    const s = read('end') as ExporterStats;
    current = undefined;
    assert.equal(broken, undefined, broken);
    assert.equal(s.spansReceived, 3);
    assert.equal(s.dropped.unreadable, 1, JSON.stringify(s));
    assert.equal(s.spansSent, 2, JSON.stringify(s));
  });
});
