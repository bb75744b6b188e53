/**
 * Privacy: what leaves the process. No credentials from URLs, connection
 * strings or captured headers; SQL only from attributes instrumentations
 * sanitise, and none with `sqlQueries: false`; `dropAttributes` removes more.
 */
import * as assert from 'node:assert/strict';
import { SpanKind } from '@opentelemetry/api';
import { toSegmentDocuments } from '../../src/index.js';
import { makeSpan, spanId } from '../helpers/spans.js';
import { assertValidDocument } from '../helpers/validate.js';

const SECRET = 's3cr3t-value';

function sent(attributes: Record<string, unknown>, kind = SpanKind.CLIENT, options = {}): string {
  const docs = toSegmentDocuments(
    [
      makeSpan({
        spanId: spanId(2),
        parentSpanId: spanId(1),
        kind,
        attributes: attributes as never,
      }),
    ],
    options,
  );
  for (const d of docs) assertValidDocument(d);
  return JSON.stringify(docs);
}

describe('hardening: privacy', () => {
  const urls = [
    `https://user:${SECRET}@api.example.com/v1`,
    `https://${SECRET}@api.example.com/v1`,
    `http://REDACTED:REDACTED@api.example.com:8080/x?y=1`,
    `https://user:${SECRET}@[::1]:8443/v1`,
  ];
  for (const url of urls) {
    it(`strips credentials from ${url.replace(SECRET, '…')}`, () => {
      const json = sent({ 'http.request.method': 'GET', 'url.full': url });
      assert.ok(!json.includes(SECRET), json);
      assert.ok(!json.includes('REDACTED'), json);
      assert.match(json, /"url":"https?:\/\/(api\.example\.com|\[::1\])/);
    });
  }

  it('strips credentials from server URLs, old conventions', () => {
    const json = sent(
      { 'http.method': 'GET', 'http.url': `http://a:${SECRET}@h/p` },
      SpanKind.SERVER,
    );
    assert.ok(!json.includes(SECRET), json);
  });

  it('strips credentials from database connection strings and queue URLs', () => {
    const db = sent({
      'db.system': 'postgresql',
      'db.connection_string': `postgresql://app:${SECRET}@db:5432/shop`,
    });
    assert.ok(!db.includes(SECRET), db);
    const q = sent({ 'aws.queue_url': `https://u:${SECRET}@sqs.example.com/1/q` });
    assert.ok(!q.includes(SECRET), q);
  });

  it('never sends captured credential headers', () => {
    const json = sent({
      'http.request.method': 'GET',
      'http.request.header.authorization': [`Bearer ${SECRET}`],
      'http.request.header.cookie': [`sid=${SECRET}`],
      'http.response.header.set-cookie': [`sid=${SECRET}`],
      'http.request.header.x-api-key': [SECRET],
      'http.request.header.x-amz-security-token': [SECRET],
      'http.request.header.Proxy-Authorization': [SECRET],
      'http.request.header.accept': ['application/json'],
    });
    assert.ok(!json.includes(SECRET), json);
    assert.match(json, /application\/json/, 'harmless headers stay');
  });

  it('sends no query text with sqlQueries: false', () => {
    const attributes = { 'db.system.name': 'postgresql', 'db.query.text': `SELECT '${SECRET}'` };
    assert.ok(sent(attributes).includes(SECRET), 'sent by default (instrumentations sanitise it)');
    assert.ok(!sent(attributes, SpanKind.CLIENT, { sqlQueries: false }).includes(SECRET));
  });

  it('dropAttributes removes exact keys and prefixes, from metadata and annotations', () => {
    const json = sent(
      { 'app.user.email': SECRET, 'http.request.header.x-custom': [SECRET], 'app.keep': 'ok' },
      SpanKind.INTERNAL,
      {
        dropAttributes: ['app.user.email', 'http.request.header.*'],
        indexedAttributes: ['app.user.email'],
      },
    );
    assert.ok(!json.includes(SECRET), json);
    assert.match(json, /"app.keep":"ok"/);
  });

  it('reads nothing from request or response bodies: only attributes reach a document', () => {
    // The translation's whole input is the span; a span has no body. Any
    // attribute an app chose to record is sent unless dropped:
    const json = sent({ 'http.request.body': SECRET }, SpanKind.SERVER, {
      dropAttributes: ['http.request.body'],
    });
    assert.ok(!json.includes(SECRET), json);
  });
});
