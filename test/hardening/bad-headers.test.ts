/**
 * Bad X-Amzn-Trace-Id headers: random bytes, huge headers, thousands of
 * pairs, duplicated keys. Extract never throws, stays fast, and yields
 * either the input context unchanged or a valid span context.
 */
import * as assert from 'node:assert/strict';
import { ROOT_CONTEXT, defaultTextMapGetter, isSpanContextValid, trace } from '@opentelemetry/api';
import fc from 'fast-check';
import { AWSXRayLambdaPropagator, AWSXRayPropagator } from '../../src/index.js';

const propagators = [new AWSXRayPropagator(), new AWSXRayLambdaPropagator()];

function extract(value: unknown): ReturnType<AWSXRayPropagator['extract']> {
  const carrier = { 'x-amzn-trace-id': value } as Record<string, string>;
  let ctx = ROOT_CONTEXT;
  for (const p of propagators) ctx = p.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
  return ctx;
}

function assertSane(ctx: ReturnType<typeof extract>): void {
  const sc = trace.getSpanContext(ctx);
  assert.ok(
    sc === undefined || isSpanContextValid(sc),
    `invalid span context ${JSON.stringify(sc)}`,
  );
}

describe('hardening: bad X-Amzn-Trace-Id headers', () => {
  it('random bytes, as latin1 and as UTF-8', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        assertSane(extract(Buffer.from(bytes).toString('latin1')));
        assertSane(extract(Buffer.from(bytes).toString('utf8')));
      }),
      { numRuns: 2000 },
    );
  });

  it('structured garbage around a valid root', () => {
    const part = fc.oneof(
      fc.constantFrom('Root', 'root', 'ROOT', 'Parent', 'Sampled', 'Lineage', 'Self', 'RootX', ''),
      fc.string({ unit: 'binary', maxLength: 40 }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(part, part), { maxLength: 30 }),
        fc.constantFrom(';', ',', ' ; '),
        (pairs, sep) => {
          const header = [
            'Root=1-5759e988-bd862e3fe1be46a994272793',
            ...pairs.map(([k, v]) => `${k}=${v}`),
          ].join(sep);
          assertSane(extract(header));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('a 1 MB header, thousands of pairs and duplicated keys: a sane answer, no throw', () => {
    const cases = [
      'Root=1-5759e988-bd862e3fe1be46a994272793;' + 'x'.repeat(1024 * 1024),
      Array.from({ length: 50_000 }, (_, i) => `k${i}=v`).join(';'),
      'Root=1-5759e988-bd862e3fe1be46a994272793;' + ';'.repeat(200_000),
      Array.from({ length: 10_000 }, () => 'Root=1-5759e988-bd862e3fe1be46a994272793').join(';'),
      '='.repeat(1_000_000),
      ['Root=1-5759e988-bd862e3fe1be46a994272793', 42, null],
      { toString: () => 'Root=1-5759e988-bd862e3fe1be46a994272793' },
    ];
    for (const header of cases) assertSane(extract(header));
  });

  it('a carrier whose getter throws leaves the context unchanged', () => {
    const getter = {
      get: () => {
        throw new Error('boom');
      },
      keys: () => [],
    };
    for (const p of propagators) {
      assert.doesNotThrow(() => p.extract(ROOT_CONTEXT, {}, getter));
      assert.equal(trace.getSpanContext(p.extract(ROOT_CONTEXT, {}, getter)), undefined);
    }
  });
});
