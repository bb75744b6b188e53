/**
 * The pure translation: finished spans → X-Ray segment documents. Usable on
 * its own, without UDP (for example to write documents with `PutTraceSegments`).
 */
import type { ReadableSpanLike, SpanContextLike } from '../shared/types.js';
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
  /** The trace ID of the first span translated (OpenTelemetry form), if any. */
  firstTraceId: string | undefined;
}

/**
 * Translates and packs spans into encoded documents, each fitting one
 * datagram. `contexts`, when given, holds each span's context already read
 * (`null`: reading it threw), so that it is read once per span.
 */
export function translateSpans(
  spans: readonly ReadableSpanLike[],
  options: TranslationOptions = {},
  contexts?: ReadonlyArray<SpanContextLike | null>,
): TranslationResult {
  const stats = newTranslateStats();
  const nodes: SpanNode[] = [];
  for (let i = 0; i < spans.length; i++) {
    const sc = contexts?.[i];
    if (sc === null) {
      stats.unreadable++;
      continue;
    }
    // A span is user-reachable data: one whose getters throw must not cost
    // the others their place in the batch.
    try {
      const node = translateSpan(spans[i] as ReadableSpanLike, options, stats, sc);
      if (node !== undefined) nodes.push(node);
    } catch {
      stats.unreadable++;
    }
  }
  const { documents, shrunk } = packNodes(nodes, options.maxDatagramBytes ?? MAX_DATAGRAM_BYTES);
  return { documents, shrunk, stats, firstTraceId: nodes[0]?.traceId };
}

/** Like {@link translateSpans}, but returns the documents as objects. */
export function toSegmentDocuments(
  spans: readonly ReadableSpanLike[],
  options: TranslationOptions = {},
): XRayDocument[] {
  return translateSpans(spans, options).documents.map((d) => JSON.parse(d.json) as XRayDocument);
}
