import * as assert from 'node:assert/strict';
import { SpanKind } from '@opentelemetry/api';
import { translateSpans } from '../../src/index.js';
import type { EncodedDocument } from '../../src/index.js';
import fc from 'fast-check';
import type { XRayBody } from '../../src/index.js';
import {
  DAEMON_HEADER_BYTES,
  packNodes,
  serializeBody,
  shrinkBody,
} from '../../src/translate/pack.js';
import type { JsonValue } from '../../src/shared/types.js';

const ENVELOPE =
  ',"type":"subsegment","trace_id":"1-5759e988-bd862e3fe1be46a994272793","parent_id":"0000000000000001"'
    .length;
import type { ReadableSpanLike } from '../../src/shared/types.js';
import { makeSpan, spanId } from '../helpers/spans.js';
import { assertValidDocument, walk } from '../helpers/validate.js';

/** Checks every document and returns span id → parent id as received. */
function check(docs: EncodedDocument[], budget = 65_507): Map<string, string | undefined> {
  const seen = new Map<string, string | undefined>();
  for (const d of docs) {
    assert.equal(d.bytes, Buffer.byteLength(d.json), 'bytes is the exact UTF-8 length');
    assert.ok(
      DAEMON_HEADER_BYTES + d.bytes <= budget,
      `datagram of ${DAEMON_HEADER_BYTES + d.bytes} > ${budget}`,
    );
    const doc = JSON.parse(d.json) as Record<string, unknown>;
    assertValidDocument(doc);
    let n = 0;
    for (const { node, parentId } of walk(doc)) {
      assert.ok(!seen.has(node.id as string), `span ${String(node.id)} sent twice`);
      seen.set(node.id as string, parentId);
      n++;
    }
    assert.equal(d.spans, n);
  }
  return seen;
}

function attrs(i: number): Record<string, string | number> {
  return {
    'http.request.method': 'GET',
    'url.full': `https://example.com/items/${i}?q=${'x'.repeat(i % 50)}`,
    'server.address': 'example.com',
    'app.counter': i,
  };
}

/** A trace of `n` spans shaped like a real one: root → 10 → 10 → the rest. */
function treeTrace(n: number): {
  spans: ReadableSpanLike[];
  parents: Map<string, string | undefined>;
} {
  const spans: ReadableSpanLike[] = [];
  const parents = new Map<string, string | undefined>();
  for (let i = 0; i < n; i++) {
    const parent =
      i === 0 ? undefined : i <= 10 ? 0 : i <= 110 ? 1 + ((i - 11) % 10) : 11 + ((i - 111) % 100);
    const id = spanId(i);
    parents.set(id, parent === undefined ? undefined : spanId(parent));
    spans.push(
      makeSpan({
        spanId: id,
        parentSpanId: parent === undefined ? undefined : spanId(parent),
        name: `op ${i}`,
        kind: i === 0 ? SpanKind.SERVER : SpanKind.INTERNAL,
        attributes: attrs(i),
      }),
    );
  }
  // The SDK hands spans over in end order: children before parents.
  spans.reverse();
  return { spans, parents };
}

describe('packing', () => {
  it('embeds a small trace in one document', () => {
    const { spans, parents } = treeTrace(20);
    const r = translateSpans(spans);
    assert.equal(r.documents.length, 1);
    assert.deepEqual(check(r.documents), parents);
  });

  it('sends a 1,000-span trace complete, in no more datagrams than its bytes need', () => {
    // A request that makes 100 nested calls, each doing 9 pieces of leaf work.
    const spans: ReadableSpanLike[] = [];
    const parents = new Map<string, string | undefined>();
    for (let i = 0; i < 1000; i++) {
      const p = i === 0 ? undefined : i % 10 === 0 ? i - 10 : i - (i % 10);
      parents.set(spanId(i), p === undefined ? undefined : spanId(p));
      spans.push(
        makeSpan({
          spanId: spanId(i),
          parentSpanId: p === undefined ? undefined : spanId(p),
          attributes: attrs(i),
        }),
      );
    }
    const r = translateSpans(spans.reverse());
    const received = check(r.documents);
    assert.equal(received.size, 1000);
    assert.deepEqual(received, parents, 'every parent link is recoverable');
    const bytes = r.documents.reduce((s, d) => s + d.bytes, 0);
    const needed = Math.ceil(bytes / (65_507 - DAEMON_HEADER_BYTES));
    assert.ok(
      r.documents.length <= needed + 1,
      `${r.documents.length} datagrams for ${needed} datagrams of bytes`,
    );
    assert.equal(r.shrunk, 0);
  });

  it('sends a 1,000-span tree-shaped trace complete, with every parent link', () => {
    const { spans, parents } = treeTrace(1000);
    const r = translateSpans(spans);
    // Siblings cannot share a document (one top-level node each), so a bushy
    // tree needs more documents than its bytes alone; the optimality of the
    // split is proven on small trees below.
    assert.deepEqual(check(r.documents), parents);
  });

  it('holds a small datagram budget too', () => {
    const { spans, parents } = treeTrace(300);
    const r = translateSpans(spans, { maxDatagramBytes: 4096 });
    assert.deepEqual(check(r.documents, 4096), parents);
  });

  it('splits a flat fan-out: one document per sibling that does not fit beside the others', () => {
    const spans = [makeSpan({ spanId: spanId(0), kind: SpanKind.SERVER })];
    for (let i = 1; i <= 1000; i++) {
      spans.push(makeSpan({ spanId: spanId(i), parentSpanId: spanId(0), attributes: attrs(i) }));
    }
    const r = translateSpans(spans);
    const received = check(r.documents);
    assert.equal(received.size, 1001);
    const first = r.documents[0] as EncodedDocument;
    assert.ok(first.bytes > 60_000, 'the segment document is filled before siblings are detached');
    // X-Ray allows one top-level node per document, so every detached sibling
    // is a document: the count is 1 + the siblings that do not fit.
    assert.equal(r.documents.length, 1 + 1001 - first.spans);
  });

  it('handles a 5,000-deep chain without recursion limits', () => {
    const spans: ReadableSpanLike[] = [];
    for (let i = 0; i < 5000; i++) {
      spans.push(
        makeSpan({ spanId: spanId(i), parentSpanId: i === 0 ? undefined : spanId(i - 1) }),
      );
    }
    const r = translateSpans(spans);
    assert.equal(check(r.documents).size, 5000);
  });

  it('shrinks a span with a 1 MB attribute, marks it, and still sends it', () => {
    const big = 'x'.repeat(1024 * 1024);
    const spans = [
      makeSpan({ spanId: spanId(0) }),
      makeSpan({ spanId: spanId(1), parentSpanId: spanId(0), attributes: { big, small: 's' } }),
    ];
    const r = translateSpans(spans);
    assert.equal(r.shrunk, 1);
    const received = check(r.documents);
    assert.equal(received.size, 2);
    const all = r.documents.map((d) => d.json).join('');
    assert.match(all, /"otel_xray":\{"shrunk":\{"original_bytes":\d+,"removed":\["metadata"\]\}\}/);
  });

  it('counts the bytes of non-ASCII resource metadata exactly, also when it is reused', () => {
    const resource = { 'service.name': 'orders', 'deployment.environment.name': 'prüfung-東京-😀' };
    for (let i = 0; i < 3; i++) {
      const r = translateSpans([
        makeSpan({ spanId: spanId(i + 1), kind: SpanKind.SERVER, resource }),
      ]);
      check(r.documents);
      assert.match(r.documents[0]?.json ?? '', /prüfung-東京-😀/);
    }
  });

  it('counts the bytes of non-ASCII attribute keys exactly, also once their quoted form is known', () => {
    for (let i = 0; i < 3; i++) {
      const attributes = { clé: 1, '\u00ad': true, ключ: 'v' };
      const r = translateSpans([makeSpan({ spanId: spanId(i + 1), attributes })]);
      check(r.documents);
    }
  });

  it('a shrunk span keeps its http block (written as text by the translation)', () => {
    const span = makeSpan({
      spanId: spanId(0),
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': 'POST',
        'url.full': 'https://api.example.com/orders',
        'http.response.status_code': 503,
        big: 'x'.repeat(100_000),
      },
    });
    const r = translateSpans([span]);
    assert.equal(r.shrunk, 1);
    check(r.documents);
    const doc = JSON.parse(r.documents[0]?.json as string) as Record<string, unknown>;
    assert.deepEqual(doc.http, {
      request: { method: 'POST', url: 'https://api.example.com/orders' },
      response: { status: 503 },
    });
    assert.equal(doc.fault, true);
  });

  it('shrinks long strings, then stacks, then blocks, when dropping metadata is not enough', () => {
    const long = 'y'.repeat(200_000);
    const body: XRayBody = {
      name: 'n',
      id: spanId(0),
      start_time: 1,
      end_time: 2,
      fault: true,
      aws: { operation: long, region: 'eu-west-1' },
      cause: {
        exceptions: [{ id: spanId(9), message: long, stack: [{ label: 'f', path: 'p', line: 1 }] }],
      },
      metadata: { default: { k: long } },
    };
    const json = shrinkBody(body, 600_000, 3000);
    assert.ok(Buffer.byteLength(json) <= 3000);
    const doc = JSON.parse(json) as XRayBody & {
      metadata: { otel_xray: { shrunk: { removed: string[] } } };
    };
    assert.equal(doc.fault, true);
    assert.equal(doc.aws?.region, 'eu-west-1');
    assert.equal((doc.aws?.operation as string).length, 1024 + 3);
    assert.deepEqual(doc.metadata.otel_xray.shrunk.removed, ['metadata', 'strings>1024']);
  });

  it('packs optimally: never more documents than an exhaustive search needs', () => {
    // Random small trees with random sizes and a small budget, compared with
    // the best partition found by trying every set of cut edges.
    fc.assert(
      fc.property(
        fc.array(fc.nat(), { minLength: 1, maxLength: 10 }),
        fc.array(fc.integer({ min: 0, max: 700 }), { minLength: 10, maxLength: 10 }),
        (parentPicks, pads) => {
          const n = parentPicks.length;
          const parent = parentPicks.map((p, i) => (i === 0 ? -1 : p % i));
          const spans = parent.map((p, i) =>
            makeSpan({
              spanId: spanId(i),
              parentSpanId: p < 0 ? undefined : spanId(p),
              attributes: { pad: 'p'.repeat(pads[i] as number) },
            }),
          );
          const budget = 2048;
          const r = translateSpans(spans, { maxDatagramBytes: budget });
          check(r.documents, budget);
          // Exhaustive: node sizes as the packer measures them, via one-node batches.
          const own = spans.map((s, i) => {
            const solo = translateSpans([s]).documents[0] as EncodedDocument;
            // Strip this node's envelope: a root segment carries only trace_id.
            return (
              solo.bytes -
              (i === 0 ? ',"trace_id":"1-5759e988-bd862e3fe1be46a994272793"'.length : ENVELOPE)
            );
          });
          let best = Infinity;
          for (let mask = 0; mask < 1 << (n - 1); mask++) {
            const cut = (i: number): boolean => i > 0 && ((mask >> (i - 1)) & 1) === 1;
            const size = new Array<number>(n).fill(0);
            const kids = new Array<number>(n).fill(0);
            for (let i = n - 1; i >= 0; i--) {
              size[i] =
                (size[i] as number) +
                (own[i] as number) +
                ((kids[i] as number) > 0 ? 16 + (kids[i] as number) : 0);
              const p = parent[i] as number;
              if (p >= 0 && !cut(i)) {
                size[p] = (size[p] as number) + (size[i] as number);
                kids[p] = (kids[p] as number) + 1;
              }
            }
            let ok = true;
            let docs = 0;
            for (let i = 0; i < n; i++) {
              if (i === 0 || cut(i)) {
                docs++;
                if ((size[i] as number) + ENVELOPE + DAEMON_HEADER_BYTES > budget) ok = false;
              }
            }
            if (ok) best = Math.min(best, docs);
          }
          if (best !== Infinity)
            assert.ok(r.documents.length <= best, `${r.documents.length} > ${best}`);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('sends every span exactly once even when parent IDs form a cycle', () => {
    const spans = [
      makeSpan({ spanId: spanId(1), parentSpanId: spanId(2) }),
      makeSpan({ spanId: spanId(2), parentSpanId: spanId(1) }),
      makeSpan({ spanId: spanId(3), parentSpanId: spanId(3) }),
    ];
    const r = translateSpans(spans);
    assert.equal(check(r.documents).size, 3);
  });

  it('never embeds a segment, even when its remote parent is in the batch', () => {
    const spans = [
      makeSpan({ spanId: spanId(0), kind: SpanKind.SERVER }),
      makeSpan({ spanId: spanId(1), parentSpanId: spanId(0), kind: SpanKind.CLIENT }),
      makeSpan({
        spanId: spanId(2),
        parentSpanId: spanId(1),
        parentRemote: true,
        kind: SpanKind.SERVER,
      }),
    ];
    const r = translateSpans(spans);
    assert.equal(r.documents.length, 2);
    const docs = r.documents.map((d) => JSON.parse(d.json) as Record<string, unknown>);
    assert.equal(docs[1]?.id, spanId(2));
    assert.equal(docs[1]?.parent_id, spanId(1));
    assert.equal(docs[1]?.type, undefined);
  });

  it('keeps spans of different traces apart', () => {
    const spans = [
      makeSpan({ spanId: spanId(0), traceId: 'a'.repeat(32) }),
      makeSpan({ spanId: spanId(1), traceId: 'b'.repeat(32), parentSpanId: spanId(0) }),
    ];
    const r = translateSpans(spans);
    assert.equal(r.documents.length, 2);
    assert.equal(
      (JSON.parse(r.documents[1]?.json as string) as { type: string }).type,
      'subsegment',
    );
  });
});

describe('serializeBody', () => {
  const str = fc.string({ unit: 'binary', maxLength: 30 });
  const json: fc.Arbitrary<JsonValue> = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<JsonValue>;
  const opt = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
    fc.option(a, { nil: undefined });
  const request = fc.record(
    {
      method: str,
      url: str,
      user_agent: str,
      client_ip: str,
      x_forwarded_for: fc.boolean(),
      traced: fc.boolean(),
    },
    { requiredKeys: [] },
  );
  const response = fc.record(
    { status: fc.integer({ min: 100, max: 999 }), content_length: fc.nat() },
    { requiredKeys: [] },
  );

  it('writes exactly what JSON.stringify writes, for every block and any strings and values (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          name: str,
          start: fc.double({ min: 1, max: 2e9, noNaN: true }),
          end: opt(fc.double({ min: 1, max: 2e9, noNaN: true })),
          flags: fc.record({ error: fc.boolean(), throttle: fc.boolean(), fault: fc.boolean() }),
          origin: opt(str),
          user: opt(str),
          version: opt(str),
          http: opt(fc.record({ request, response }, { requiredKeys: [] })),
          aws: opt(fc.dictionary(str, json, { maxKeys: 4 })),
          annotations: opt(fc.dictionary(str, fc.oneof(str, fc.integer(), fc.boolean()))),
          metadata: opt(
            fc.dictionary(str, fc.dictionary(str, json, { maxKeys: 5 }), { maxKeys: 2 }),
          ),
        }),
        (v) => {
          // Keys in the order serializeBody writes them.
          const body: XRayBody = { name: v.name, id: '0123456789abcdef', start_time: v.start };
          if (v.end !== undefined) body.end_time = v.end;
          else body.in_progress = true;
          body.namespace = 'remote';
          if (v.flags.error) body.error = true;
          if (v.flags.throttle) body.throttle = true;
          if (v.flags.fault) body.fault = true;
          if (v.origin !== undefined) body.origin = v.origin;
          if (v.user !== undefined) body.user = v.user;
          if (v.version !== undefined) body.service = { version: v.version };
          if (v.http !== undefined) body.http = v.http;
          if (v.aws !== undefined) body.aws = v.aws;
          if (v.annotations !== undefined) body.annotations = v.annotations;
          if (v.metadata !== undefined) body.metadata = v.metadata;
          const out = serializeBody(body);
          assert.equal(out, JSON.stringify(body));
          // Packed alone, the document's byte count is exact (ASCII or not),
          // whether http and metadata come as objects or as the translation's JSON text.
          const node = {
            traceId: '5759e988bd862e3fe1be46a994272793',
            id: body.id,
            parentId: undefined,
            segment: true,
            body,
            http: undefined,
            metadata: undefined,
            textAscii: true,
          };
          const [a] = packNodes([node]).documents;
          const http = body.http === undefined ? undefined : JSON.stringify(body.http);
          const metadata = body.metadata === undefined ? undefined : JSON.stringify(body.metadata);
          const texts = `${http ?? ''}${metadata ?? ''}`;
          const [b] = packNodes([
            {
              ...node,
              body: { ...body, http: undefined, metadata: undefined },
              http,
              metadata,
              textAscii: Buffer.byteLength(texts) === texts.length,
            },
          ]).documents;
          assert.ok(a !== undefined && b !== undefined);
          assert.equal(b.json, a.json);
          assert.equal(a.bytes, Buffer.byteLength(a.json));
          assert.equal(b.bytes, a.bytes);
        },
      ),
      { numRuns: 500 },
    );
  });
});
