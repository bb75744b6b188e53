/**
 * The shared validator: every document any test produces goes through it.
 * It checks X-Ray's rules (src/cli/validate.ts, the library's validator) plus
 * the daemon's datagram rule, in its strictest form: the canonical header,
 * compact JSON, one document.
 */
import { validateSegmentDocument } from '../../src/cli/validate.js';

export const MAX_DATAGRAM = 65_507;
const HEADER = '{"format":"json","version":1}';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface ParsedDatagram {
  header: unknown;
  json: string;
  doc: Obj;
  bytes: number;
}

/**
 * Applies the daemon's rule to a datagram: split at the first `\n`, the
 * header must be the JSON `{"format":"json","version":1}`, and what follows
 * must be exactly one JSON document. Throws with a reason otherwise.
 */
export function parseDatagram(buf: Buffer): ParsedDatagram {
  if (buf.length > MAX_DATAGRAM)
    throw new Error(`datagram of ${buf.length} bytes > ${MAX_DATAGRAM}`);
  const nl = buf.indexOf(0x0a);
  if (nl < 0) throw new Error('datagram has no header line');
  const headerText = buf.subarray(0, nl).toString('utf8');
  const header = JSON.parse(headerText) as Obj;
  if (header.format !== 'json' || header.version !== 1) throw new Error(`bad header ${headerText}`);
  if (headerText !== HEADER) throw new Error(`header not in the canonical form: ${headerText}`);
  const json = buf.subarray(nl + 1).toString('utf8');
  if (json.includes('\n')) throw new Error('document is not compact (contains a newline)');
  const doc = JSON.parse(json) as unknown; // throws on two documents in one datagram
  if (!isObj(doc)) throw new Error('document is not an object');
  return { header, json, doc, bytes: buf.length };
}

/**
 * Returns the problems of one top-level document (empty when valid): X-Ray's
 * rules as the library's own validator states them (one source of truth,
 * also used by the `otel-xray daemon` CLI), plus a privacy check of ours.
 */
export function validateDocument(doc: unknown): string[] {
  const problems = validateSegmentDocument(doc);
  if (isObj(doc)) {
    for (const { node } of walk(doc)) {
      const url = (node.http as { request?: { url?: unknown } } | undefined)?.request?.url;
      if (typeof url === 'string' && /\/\/[^/@]*@/.test(url)) {
        problems.push(`${String(node.id)}: http.request.url carries credentials`);
      }
    }
  }
  return problems;
}

/** Throws with every problem when a document is invalid. */
export function assertValidDocument(doc: unknown): void {
  const problems = validateDocument(doc);
  if (problems.length > 0) {
    throw new Error(
      `invalid X-Ray document:\n  ${problems.join('\n  ')}\n${JSON.stringify(doc).slice(0, 2000)}`,
    );
  }
}

/** Every node of a document, depth first, with its parent's id. */
export function* walk(
  doc: Obj,
  parentId?: string,
): Generator<{ node: Obj; parentId: string | undefined }> {
  yield { node: doc, parentId: parentId ?? (doc.parent_id as string | undefined) };
  const subs = doc.subsegments;
  if (Array.isArray(subs)) for (const s of subs as Obj[]) yield* walk(s, doc.id as string);
}
