import * as assert from 'node:assert/strict';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { toSegmentDocuments } from '../../src/index.js';
import { sanitizeName } from '../../src/translate/names.js';
import { hrTimeToSeconds } from '../../src/translate/segment.js';
import { makeSpan, spanId, TRACE_ID } from '../helpers/spans.js';
import { assertValidDocument } from '../helpers/validate.js';

const one = (spec: Parameters<typeof makeSpan>[0]): Record<string, unknown> => {
  const docs = toSegmentDocuments([makeSpan(spec)]);
  assert.equal(docs.length, 1);
  assertValidDocument(docs[0]);
  return docs[0] as unknown as Record<string, unknown>;
};

describe('core translation', () => {
  it('turns a local root into a segment named after the service', () => {
    const doc = one({ spanId: spanId(1), name: 'GET /', kind: SpanKind.SERVER });
    assert.equal(doc.name, 'test-service');
    assert.equal(doc.id, '0000000000000002');
    assert.equal(doc.trace_id, '1-5759e988-bd862e3fe1be46a994272793');
    assert.equal(doc.parent_id, undefined);
    assert.equal(doc.type, undefined);
    assert.equal(doc.start_time, 1_700_000_000.123457);
    assert.equal(doc.end_time, 1_700_000_001.123457);
  });

  it('keeps the remote parent of a segment as parent_id', () => {
    const doc = one({ spanId: spanId(1), parentSpanId: 'abcdef0123456789', parentRemote: true });
    assert.equal(doc.type, undefined);
    assert.equal(doc.parent_id, 'abcdef0123456789');
  });

  it('sends a span whose parent is elsewhere as an independent subsegment', () => {
    const doc = one({ spanId: spanId(2), parentSpanId: spanId(1), name: 'work' });
    assert.equal(doc.type, 'subsegment');
    assert.equal(doc.parent_id, spanId(1));
    assert.equal(doc.trace_id, '1-5759e988-bd862e3fe1be46a994272793');
    assert.equal(doc.name, 'work');
  });

  const namespaces: Array<[string, SpanKind, Record<string, string>, string | undefined]> = [
    ['internal', SpanKind.INTERNAL, {}, undefined],
    ['client', SpanKind.CLIENT, {}, 'remote'],
    ['producer', SpanKind.PRODUCER, {}, 'remote'],
    ['consumer', SpanKind.CONSUMER, {}, undefined],
    ['aws sdk', SpanKind.CLIENT, { 'rpc.system': 'aws-api' }, 'aws'],
  ];
  for (const [label, kind, attributes, expected] of namespaces) {
    it(`namespace of a ${label} subsegment is ${String(expected)}`, () => {
      const doc = one({ spanId: spanId(2), parentSpanId: spanId(1), kind, attributes });
      assert.equal(doc.namespace, expected);
    });
  }

  const flags: Array<[string, Record<string, number>, number, Record<string, boolean>]> = [
    ['200', { 'http.response.status_code': 200 }, SpanStatusCode.UNSET, {}],
    ['404', { 'http.response.status_code': 404 }, SpanStatusCode.UNSET, { error: true }],
    [
      '429',
      { 'http.response.status_code': 429 },
      SpanStatusCode.UNSET,
      { error: true, throttle: true },
    ],
    ['500', { 'http.response.status_code': 500 }, SpanStatusCode.ERROR, { fault: true }],
    ['old 503', { 'http.status_code': 503 }, SpanStatusCode.UNSET, { fault: true }],
    ['ERROR without status', {}, SpanStatusCode.ERROR, { fault: true }],
    [
      '404 with ERROR status',
      { 'http.response.status_code': 404 },
      SpanStatusCode.ERROR,
      { error: true },
    ],
  ];
  for (const [label, attributes, code, expected] of flags) {
    it(`error/fault/throttle for ${label}`, () => {
      const doc = one({ spanId: spanId(1), attributes, status: { code } });
      assert.deepEqual(
        { error: doc.error, fault: doc.fault, throttle: doc.throttle },
        { error: expected.error, fault: expected.fault, throttle: expected.throttle },
      );
    });
  }

  it('keeps microseconds and never ends before the start', () => {
    assert.equal(hrTimeToSeconds([1_700_000_000, 999_999_600]), 1_700_000_001);
    assert.equal(hrTimeToSeconds([1_700_000_000, 1_500]), 1_700_000_000.000002);
    const doc = one({ spanId: spanId(1), start: [1_700_000_010, 0], end: [1_700_000_000, 0] });
    assert.equal(doc.end_time, doc.start_time);
  });

  it('marks an unended span in progress', () => {
    const doc = one({ spanId: spanId(1), ended: false });
    assert.equal(doc.in_progress, true);
    assert.equal(doc.end_time, undefined);
  });

  it('skips spans with invalid IDs and counts them', async () => {
    const { translateSpans } = await import('../../src/index.js');
    const r = translateSpans([
      makeSpan({ spanId: '0000000000000000' }),
      makeSpan({ spanId: 'xyz' }),
      makeSpan({ spanId: spanId(1), traceId: '0'.repeat(32) }),
      makeSpan({ spanId: spanId(1) }),
    ]);
    assert.equal(r.documents.length, 1);
    assert.equal(r.stats.invalidIds, 3);
  });

  it('puts attributes in metadata.default without touching any prototype', () => {
    const attributes = JSON.parse(
      '{"__proto__":"p0","constructor":"c","prototype":"p","big":1,"nan":1,"list":[1,2],"obj":{"polluted":1}}',
    ) as Record<string, unknown>;
    attributes.nan = NaN;
    attributes.big = BigInt(12345678901234567890n) as unknown;
    const doc = one({ spanId: spanId(1), attributes: attributes as never });
    const md = (doc.metadata as Record<string, Record<string, unknown>>).default as Record<
      string,
      unknown
    >;
    assert.equal(md.constructor, 'c');
    assert.equal(md.prototype, 'p');
    assert.equal(md.nan, 'NaN');
    assert.equal(md.big, '12345678901234567890');
    assert.deepEqual(md.list, [1, 2]);
    assert.equal(Object.getOwnPropertyDescriptor(md, '__proto__')?.value, 'p0');
    // SDK 3.x allows nested maps as attribute values: kept, as data only.
    assert.deepEqual(md.obj, { polluted: 1 });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('name sanitising', () => {
  const cases: Array<[string, string]> = [
    ['GET /users/:id', 'GET /users/:id'],
    ['GET /users/{id}', 'GET /users/id'],
    ['a\nb\tc', 'a b c'],
    ['  padded  ', 'padded'],
    ['émoji 😀 ok', 'émoji ok'],
    ['<<>>', 'span'],
    ['', 'span'],
    ['x'.repeat(300), 'x'.repeat(200)],
    ['ü'.repeat(250), 'ü'.repeat(200)],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input.slice(0, 20))} → ${JSON.stringify(expected.slice(0, 20))}`, () => {
      assert.equal(sanitizeName(input), expected);
    });
  }

  it('is used for every subsegment name', () => {
    const doc = one({ spanId: spanId(2), parentSpanId: spanId(1), name: 'SELECT * FROM "t"' });
    assert.equal(doc.name, 'SELECT  FROM t'.replace('  ', ' '));
  });

  it('the trace id is converted, not rewritten', () => {
    const doc = one({ spanId: spanId(1) });
    assert.equal((doc.trace_id as string).replace(/-/g, '').slice(1), TRACE_ID);
  });
});
