/**
 * The shared validator: every document any test produces goes through it.
 * It checks the daemon's datagram rule and X-Ray's document rules with the
 * library's own checks (src/cli/datagram.ts, src/cli/validate.ts), in their
 * strictest form, plus a privacy check of ours.
 */
import { checkDaemonDatagram } from '../../src/cli/datagram.js';
import { validateSegmentDocument } from '../../src/cli/validate.js';

export const MAX_DATAGRAM = 65_507;

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface ParsedDatagram {
  header: unknown;
  json: string;
  doc: Obj;
  bytes: number;
}

/**
 * Applies the daemon's rule to a datagram (the library's `checkDaemonDatagram`,
 * the same code the `otel-xray daemon` CLI runs), in its strictest form: any
 * problem or note (a non-canonical header, a document X-Ray would reject) and
 * a document that is not compact JSON fail. Throws with a reason.
 */
export function parseDatagram(buf: Buffer): ParsedDatagram {
  const v = checkDaemonDatagram(buf);
  if (!v.accepted) throw new Error(v.reason);
  const reasons = [...v.problems, ...v.notes];
  if (v.document === undefined) reasons.push('the document is not one JSON object');
  if (v.body.includes('\n')) reasons.push('the document is not compact (contains a newline)');
  if (reasons.length > 0) throw new Error(reasons.join('; '));
  return { header: v.header, json: v.body, doc: v.document as Obj, bytes: buf.length };
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
