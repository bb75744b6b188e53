/**
 * Every cut the translation makes keeps surrogate pairs whole (issue 17,
 * part 5): `http.request.url` and `user_agent` (250), `sql.sanitized_query`
 * (16,384), annotation strings from span and resource attributes (1,000),
 * and the shared `cut` itself. An astral character (two UTF-16 units) is put
 * across every cut point, then random mixes of 1-, 2- and 3-unit text.
 */
import * as assert from 'node:assert/strict';
import { SpanKind } from '@opentelemetry/api';
import fc from 'fast-check';
import type { Attributes } from '@opentelemetry/api';
import type { TranslationOptions } from '../../src/index.js';
import { toSegmentDocuments } from '../../src/index.js';
import { cut } from '../../src/translate/values.js';
import { makeSpan, spanId } from '../helpers/spans.js';
import { assertValidDocument } from '../helpers/validate.js';
import { assertSchemaValid } from './schema.js';

/** True when no surrogate is unpaired. */
const wellFormed = (s: string): boolean =>
  !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

interface Site {
  name: string;
  limit: number;
  /** Text before the generated part (the cut counts it). */
  prefix: string;
  /** The emitted string for a generated `text`. */
  emit(text: string): string | undefined;
}

function first(attributes: Attributes, kind: SpanKind, options?: TranslationOptions) {
  const span = makeSpan({ spanId: spanId(1), kind, attributes, resource: { 'service.name': 's' } });
  const [doc] = toSegmentDocuments([span], options);
  assertValidDocument(doc);
  assertSchemaValid(doc);
  return doc;
}

const SITES: Site[] = [
  {
    name: 'http.request.url (url.full)',
    limit: 250,
    prefix: 'https://h.example/',
    emit: (text) =>
      first(
        { 'http.request.method': 'GET', 'url.full': `https://h.example/${text}` },
        SpanKind.CLIENT,
      )?.http?.request?.url,
  },
  {
    name: 'http.request.url (rebuilt from url.path)',
    limit: 250,
    prefix: 'http://h/',
    emit: (text) =>
      first(
        { 'http.request.method': 'GET', 'server.address': 'h', 'url.path': `/${text}` },
        SpanKind.SERVER,
      )?.http?.request?.url,
  },
  {
    name: 'http.request.user_agent',
    limit: 250,
    prefix: '',
    emit: (text) =>
      first({ 'http.request.method': 'GET', 'user_agent.original': text }, SpanKind.SERVER)?.http
        ?.request?.user_agent,
  },
  {
    name: 'sql.sanitized_query',
    limit: 16_384,
    prefix: '',
    emit: (text) =>
      first({ 'db.system.name': 'postgresql', 'db.query.text': text }, SpanKind.CLIENT)?.sql
        ?.sanitized_query,
  },
  {
    name: 'annotation from a span attribute',
    limit: 1000,
    prefix: '',
    emit: (text) =>
      first({ note: text }, SpanKind.INTERNAL, { indexedAttributes: ['note'] })?.annotations
        ?.note as string | undefined,
  },
  {
    name: 'annotation from a resource attribute',
    limit: 1000,
    prefix: '',
    emit: (text) => {
      const span = makeSpan({ spanId: spanId(1), resource: { 'service.name': 's', note: text } });
      const [doc] = toSegmentDocuments([span], { indexedAttributes: ['otel.resource.note'] });
      assertSchemaValid(doc);
      return doc?.annotations?.otel_resource_note as string | undefined;
    },
  },
  { name: 'cut', limit: 300, prefix: '', emit: (text) => cut(text, 300) },
];

function check(site: Site, text: string): void {
  const full = site.prefix + text;
  const out = site.emit(text);
  assert.ok(out !== undefined, `${site.name}: emitted`);
  assert.ok(wellFormed(out), `${site.name}: a lone surrogate at length ${out.length}`);
  assert.ok(full.startsWith(out), `${site.name}: a prefix of the input`);
  assert.ok(out.length <= site.limit, `${site.name}: ${out.length} > ${site.limit}`);
  // Never more than the one unit of a split pair is given up.
  assert.ok(out.length >= Math.min(full.length, site.limit - 1), `${site.name}: cut too short`);
}

describe('surrogate-safe truncation', () => {
  for (const site of SITES) {
    it(`${site.name}: an astral character across every cut point`, () => {
      // Shift a run of astral characters one unit at a time across the limit.
      for (let shift = 0; shift < 4; shift++) {
        const pad = site.limit - site.prefix.length - 2 + shift;
        check(site, `${'a'.repeat(pad)}${'😀'.repeat(4)}`);
        check(site, `${'a'.repeat(pad)}${'𝒜'.repeat(4)}`);
      }
      // And an all-astral text, which puts a pair boundary on either side of any cut.
      check(site, '😀'.repeat(site.limit));
      check(site, `a${'😀'.repeat(site.limit)}`);
    });

    it(`${site.name}: random mixes of 1-, 2- and 3-unit characters (property)`, () => {
      const unit = fc.constantFrom('a', 'é', '中', '😀', '𝒜', '👍🏽');
      const lengths = { minLength: site.limit - site.prefix.length - 4, maxLength: site.limit + 4 };
      fc.assert(
        fc.property(fc.array(unit, lengths), (units) => check(site, units.join(''))),
        // Shrinking 16,000-element arrays takes minutes: report the first failure as found.
        site.limit > 1000 ? { numRuns: 20, endOnFailure: true } : { numRuns: 100 },
      );
    });
  }
});
