/**
 * Spans with every kind of bad data: each yields a valid document or a
 * counted skip; nothing is thrown; no object prototype is touched.
 */
import * as assert from 'node:assert/strict';
import { SpanKind } from '@opentelemetry/api';
import fc from 'fast-check';
import { toSegmentDocuments, translateSpans } from '../../src/index.js';
import type { ReadableSpanLike } from '../../src/shared/types.js';
import { makeSpan, spanId } from '../helpers/spans.js';
import { assertValidDocument, walk } from '../helpers/validate.js';

function translateAll(spans: ReadableSpanLike[], options = {}): Array<Record<string, unknown>> {
  const r = translateSpans(spans, options);
  const docs = r.documents.map((d) => JSON.parse(d.json) as Record<string, unknown>);
  for (const d of docs) assertValidDocument(d);
  return docs;
}

const child = (attributes: Record<string, unknown>, extra: object = {}): ReadableSpanLike =>
  makeSpan({
    spanId: spanId(2),
    parentSpanId: spanId(1),
    attributes: attributes as never,
    ...extra,
  });

function metadataOf(doc: Record<string, unknown>): Record<string, unknown> {
  return ((doc.metadata as Record<string, unknown>)?.default ?? {}) as Record<string, unknown>;
}

describe('hardening: bad span data', () => {
  afterEach(() => {
    for (const k of ['polluted', 'x', 'evil']) {
      assert.equal(k in Object.prototype, false, `Object.prototype.${k} was set`);
    }
  });

  it('non-finite numbers, -0 and BigInt become valid JSON', () => {
    const [doc] = translateAll([
      child({ nan: NaN, inf: Infinity, ninf: -Infinity, nz: -0, big: 10n ** 30n }),
    ]);
    const md = metadataOf(doc as Record<string, unknown>);
    assert.deepEqual(md, {
      nan: 'NaN',
      inf: 'Infinity',
      ninf: '-Infinity',
      nz: 0,
      big: '1000000000000000000000000000000',
    });
  });

  it('array holes, undefined elements and nested arrays', () => {
    // eslint-disable-next-line no-sparse-arrays
    const holey = [1, , 3];
    const [doc] = translateAll([
      child({ holey, undef: [undefined, 'a'], nested: [[1, [2, [3]]]] }),
    ]);
    const md = metadataOf(doc as Record<string, unknown>);
    assert.deepEqual(md.holey, [1, null, 3]);
    assert.deepEqual(md.undef, [null, 'a']);
    assert.deepEqual(md.nested, [[1, [2, [3]]]]);
  });

  it('lone surrogates and control characters stay valid JSON, names stay valid', () => {
    const weird = 'a\ud800b\udc00c\u0000\u0007\u001b[31m\n';
    const docs = translateAll([child({ weird }, { name: weird })]);
    assert.equal(metadataOf(docs[0] as Record<string, unknown>).weird, weird);
  });

  it('very long strings and 10,000 attributes: shrunk to fit, still sent', () => {
    const attributes: Record<string, string> = {};
    for (let i = 0; i < 10_000; i++) attributes[`key.${i}`] = `value ${i} ${'x'.repeat(20)}`;
    attributes.long = 'y'.repeat(5_000_000);
    const r = translateSpans([child(attributes)]);
    assert.equal(r.documents.length, 1);
    assert.equal(r.shrunk, 1);
    assertValidDocument(JSON.parse(r.documents[0]?.json as string));
  });

  it('keys that are empty, huge, or name prototype properties', () => {
    const attributes = JSON.parse(
      '{"":"empty","__proto__":{"polluted":true},"constructor":{"prototype":{"evil":1}},"prototype":"p"}',
    ) as Record<string, unknown>;
    attributes['k'.repeat(20_000)] = 'huge key';
    const docs = translateAll([child(attributes)], {
      indexedAttributes: ['', '__proto__', 'constructor', 'prototype'],
    });
    const doc = docs[0] as Record<string, unknown>;
    const md = metadataOf(doc);
    assert.equal('' in md, false, 'the indexed empty key became the annotation "_"');
    assert.equal(md['k'.repeat(20_000)], 'huge key');
    assert.deepEqual(Object.getOwnPropertyDescriptor(md, '__proto__')?.value, { polluted: true });
    assert.deepEqual(md.constructor, { prototype: { evil: 1 } });
    assert.deepEqual(doc.annotations, { _: 'empty', prototype: 'p' });
  });

  it('an indexed `__proto__` attribute becomes an ordinary annotation', () => {
    const attributes = JSON.parse('{"__proto__":"x","constructor":1}') as Record<string, unknown>;
    const [doc] = translateAll([child(attributes)], {
      indexedAttributes: ['__proto__', 'constructor'],
    });
    const annotations = (doc as Record<string, unknown>).annotations as Record<string, unknown>;
    assert.equal(Object.getOwnPropertyDescriptor(annotations, '__proto__')?.value, 'x');
    assert.equal(annotations.constructor, 1);
  });

  it('invalid or all-zero IDs are skipped and counted; the rest of the batch is sent', () => {
    const r = translateSpans([
      makeSpan({ spanId: '0000000000000000' }),
      makeSpan({ spanId: spanId(1), traceId: '0'.repeat(32) }),
      makeSpan({ spanId: 'ABCDEF0123456789' }),
      makeSpan({ spanId: spanId(1), traceId: 'not hex' }),
      makeSpan({ spanId: spanId(2), parentSpanId: '0000000000000000' }),
      makeSpan({ spanId: spanId(3) }),
    ]);
    assert.equal(r.stats.invalidIds, 4);
    const ids = r.documents.flatMap((d) => [...walk(JSON.parse(d.json))].map((n) => n.node.id));
    assert.deepEqual(ids.sort(), [spanId(2), spanId(3)]);
  });

  it('end before start, unended spans, broken times', () => {
    const docs = translateAll([
      makeSpan({ spanId: spanId(1), start: [1_700_000_010, 0], end: [1_700_000_000, 0] }),
      makeSpan({ spanId: spanId(2), ended: false }),
      makeSpan({ spanId: spanId(3), end: [NaN, 0] }),
      makeSpan({ spanId: spanId(4), start: 'soon' as never }),
    ]);
    assert.equal(docs.length, 4);
  });

  it('a span missing its resource, scope, attributes, events, links or status', () => {
    const bare = {
      name: 'bare',
      kind: SpanKind.INTERNAL,
      spanContext: () => ({ traceId: 'a'.repeat(32), spanId: spanId(1), traceFlags: 1 }),
      startTime: [1_700_000_000, 0],
      endTime: [1_700_000_001, 0],
    } as unknown as ReadableSpanLike;
    const docs = translateAll([bare]);
    assert.equal(docs[0]?.name, 'bare');
  });

  it('a span whose getters throw is skipped and counted, the others are sent', () => {
    const hostile = makeSpan({ spanId: spanId(1) });
    Object.defineProperty(hostile, 'attributes', {
      get() {
        throw new Error('boom');
      },
    });
    const r = translateSpans([hostile, makeSpan({ spanId: spanId(2) })]);
    assert.equal(r.stats.unreadable, 1);
    assert.equal(r.documents.length, 1);
  });

  it('SDK 3.x values: nested maps, null-prototype maps, bytes, null, cycles', () => {
    const map = Object.create(null) as Record<string, unknown>;
    map.inner = { deep: [1, { x: 'y' }] };
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const [doc] = translateAll([
      child({
        map,
        bytes: new Uint8Array([1, 2, 3]),
        nothing: null,
        cyclic,
        fn: () => 1,
        sym: Symbol('s'),
      }),
    ]);
    const md = metadataOf(doc as Record<string, unknown>);
    assert.deepEqual(md.map, { inner: { deep: [1, { x: 'y' }] } });
    assert.equal(md.bytes, 'AQID');
    assert.equal(md.nothing, null);
    assert.equal((md.cyclic as Record<string, unknown>).a, 1, 'cycles are cut at a bounded depth');
    assert.equal('fn' in md, false);
  });

  it('any generated span yields valid documents or a counted skip (property)', () => {
    const hex = (n: number) =>
      fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`)).filter((s) => !/^0+$/.test(s));
    const anyValue = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.double(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.bigInt(),
      fc.array(fc.oneof(fc.string(), fc.double(), fc.constant(undefined))),
      fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.double())),
    );
    const spanArb = fc.record({
      traceId: fc.oneof(hex(32), fc.constant('0'.repeat(32)), fc.string()),
      spanId: fc.oneof(hex(16), fc.constant('0'.repeat(16)), fc.string()),
      parent: fc.option(fc.record({ id: hex(16), remote: fc.boolean() })),
      name: fc.string({ unit: 'binary' }),
      kind: fc.integer({ min: -1, max: 6 }),
      start: fc.tuple(fc.integer({ min: 0, max: 2e9 }), fc.integer({ min: 0, max: 999_999_999 })),
      dur: fc.integer({ min: -1e9, max: 1e10 }),
      status: fc.integer({ min: 0, max: 3 }),
      attributes: fc.dictionary(fc.string({ unit: 'binary' }), anyValue, { maxKeys: 30 }),
      events: fc.array(
        fc.record({
          name: fc.constantFrom('exception', 'other'),
          attributes: fc.dictionary(fc.string(), anyValue),
        }),
        { maxLength: 3 },
      ),
    });
    fc.assert(
      fc.property(
        fc.array(spanArb, { maxLength: 8 }),
        fc.array(fc.string(), { maxLength: 4 }),
        (specs, indexed) => {
          const spans = specs.map((s) => {
            const endNs = s.start[0] * 1e9 + s.start[1] + s.dur;
            return {
              ...makeSpan({
                spanId: s.spanId,
                traceId: s.traceId,
                name: s.name,
                attributes: s.attributes as never,
              }),
              kind: s.kind,
              parentSpanContext: s.parent
                ? {
                    traceId: s.traceId,
                    spanId: s.parent.id,
                    traceFlags: 1,
                    isRemote: s.parent.remote,
                  }
                : undefined,
              startTime: s.start,
              endTime: [Math.floor(endNs / 1e9), Math.max(0, endNs % 1e9)],
              status: { code: s.status },
              events: s.events.map((e) => ({ ...e, time: s.start })),
            } as ReadableSpanLike;
          });
          const r = translateSpans(spans, { indexedAttributes: indexed, maxDatagramBytes: 8192 });
          let sent = 0;
          for (const d of r.documents) {
            assert.ok(d.bytes + 30 <= 8192, 'datagram within budget');
            const doc = JSON.parse(d.json) as Record<string, unknown>;
            assertValidDocument(doc);
            sent += [...walk(doc)].length;
          }
          const skipped = r.stats.invalidIds + r.stats.invalidTimes + r.stats.unreadable;
          assert.equal(sent + skipped, spans.length, 'every span accounted for');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('toSegmentDocuments never throws on garbage input', () => {
    assert.doesNotThrow(() =>
      toSegmentDocuments([null, undefined, 42, {}, { spanContext: 1 }] as never),
    );
  });
});
