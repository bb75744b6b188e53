/**
 * The pure translation: finished spans → X-Ray segment documents. Usable on
 * its own, without UDP (for example to write documents with `PutTraceSegments`).
 */
import type { ReadableSpanLike } from '../types.js';
import type { XRayDocument } from './document.js';
import type { EncodedDocument } from './pack.js';
import { MAX_DATAGRAM_BYTES, packNodes } from './pack.js';
import type { SpanNode, TranslateOptions, TranslateStats } from './segment.js';
import { newTranslateStats, translateSpan } from './segment.js';

export interface TranslationOptions extends TranslateOptions {
  /** Largest datagram (daemon header + document). Default 65,507. */
  maxDatagramBytes?: number;
}

export interface TranslationResult {
  documents: EncodedDocument[];
  /** Spans shrunk to fit a datagram. */
  shrunk: number;
  stats: TranslateStats;
}

/** Translates and packs spans into encoded documents, each fitting one datagram. */
export function translateSpans(
  spans: readonly ReadableSpanLike[],
  options: TranslationOptions = {},
): TranslationResult {
  const stats = newTranslateStats();
  const nodes: SpanNode[] = [];
  for (const span of spans) {
    // A span is user-reachable data: one whose getters throw must not cost
    // the others their place in the batch.
    try {
      const node = translateSpan(span, options, stats);
      if (node !== undefined) nodes.push(node);
    } catch {
      stats.unreadable++;
    }
  }
  const { documents, shrunk } = packNodes(nodes, options.maxDatagramBytes ?? MAX_DATAGRAM_BYTES);
  return { documents, shrunk, stats };
}

/** Like {@link translateSpans}, but returns the documents as objects. */
export function toSegmentDocuments(
  spans: readonly ReadableSpanLike[],
  options: TranslationOptions = {},
): XRayDocument[] {
  return translateSpans(spans, options).documents.map((d) => JSON.parse(d.json) as XRayDocument);
}
