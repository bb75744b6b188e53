// The daemon's datagram rule and X-Ray's document rules for the compat passes:
// the library's own public checks (`checkDaemonDatagram`, `validateSegmentDocument`),
// taken from the packed tarball installed in the compat package that runs the
// test (mocha runs with that package as its working directory), so the passes
// also prove those exports work from the published package.
import { createRequire } from 'node:module';
import * as path from 'node:path';

const { checkDaemonDatagram, validateSegmentDocument } = createRequire(
  path.join(process.cwd(), 'package.json'),
)('otel-xray/validate');

export const MAX_DATAGRAM = 65_507;

/**
 * Applies the daemon's rule to a datagram in its strictest form: any problem or
 * note (a non-canonical header, a document X-Ray would reject) and a document
 * that is not compact JSON fail. Throws with a reason.
 */
export function parseDatagram(buf) {
  const v = checkDaemonDatagram(buf);
  if (!v.accepted) throw new Error(v.reason);
  const reasons = [...v.problems, ...v.notes];
  if (v.document === undefined) reasons.push('the document is not one JSON object');
  if (v.body.includes('\n')) reasons.push('the document is not compact (contains a newline)');
  if (reasons.length > 0) throw new Error(reasons.join('; '));
  return { header: v.header, json: v.body, doc: v.document, bytes: buf.length };
}

/** The problems of one top-level document (empty when valid). */
export function validateDocument(doc) {
  return validateSegmentDocument(doc);
}

/** Throws with every problem when a document is invalid. */
export function assertValidDocument(doc) {
  const problems = validateDocument(doc);
  if (problems.length > 0) {
    throw new Error(
      `invalid X-Ray document:\n  ${problems.join('\n  ')}\n${JSON.stringify(doc).slice(0, 2000)}`,
    );
  }
}

/** Every node of a document, depth first, with its parent's id. */
export function* walk(doc, parentId) {
  yield { node: doc, parentId: parentId ?? doc.parent_id };
  if (Array.isArray(doc.subsegments)) for (const s of doc.subsegments) yield* walk(s, doc.id);
}
