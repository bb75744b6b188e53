// The daemon's datagram rule and X-Ray's document rules, in plain JavaScript
// for the compat passes (a copy of what test/helpers/validate.ts checks; the
// compat packages run the packed tarball and must not load the repo's TS).

export const MAX_DATAGRAM = 65_507;
export const HEADER = '{"format":"json","version":1}';
const HEX16 = /^[0-9a-f]{16}$/;
const TRACE_ID = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;
const NAME = /^[\p{L}\p{N}\s_.:/%&#=+\\\-@]{1,200}$/u;
const ANNOTATION_KEY = /^[A-Za-z0-9_]{1,500}$/;

const isObj = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const isTime = (v) => typeof v === 'number' && Number.isFinite(v) && v > 0 && v < 1e11;

/**
 * Applies the daemon's rule to a datagram: split at the first `\n`, the header
 * must be `{"format":"json","version":1}`, and what follows must be exactly one
 * JSON document. Throws with a reason otherwise.
 */
export function parseDatagram(buf) {
  if (buf.length > MAX_DATAGRAM)
    throw new Error(`datagram of ${buf.length} bytes > ${MAX_DATAGRAM}`);
  const nl = buf.indexOf(0x0a);
  if (nl < 0) throw new Error('datagram has no header line');
  const headerText = buf.subarray(0, nl).toString('utf8');
  const header = JSON.parse(headerText);
  if (header.format !== 'json' || header.version !== 1) throw new Error(`bad header ${headerText}`);
  if (headerText !== HEADER) throw new Error(`header not in the canonical form: ${headerText}`);
  const json = buf.subarray(nl + 1).toString('utf8');
  if (json.includes('\n')) throw new Error('document is not compact (contains a newline)');
  const doc = JSON.parse(json); // throws on two documents in one datagram
  if (!isObj(doc)) throw new Error('document is not an object');
  return { header, json, doc, bytes: buf.length };
}

/** The problems of one top-level document (empty when valid). */
export function validateDocument(doc) {
  const problems = [];
  if (!isObj(doc)) return ['document is not an object'];
  if (typeof doc.trace_id !== 'string' || !TRACE_ID.test(doc.trace_id)) {
    problems.push(`trace_id ${JSON.stringify(doc.trace_id)} is invalid`);
  }
  if (doc.type !== undefined && doc.type !== 'subsegment')
    problems.push(`type ${String(doc.type)}`);
  if (doc.type === 'subsegment' && doc.parent_id === undefined) {
    problems.push('independent subsegment without parent_id');
  }
  if (
    doc.parent_id !== undefined &&
    (typeof doc.parent_id !== 'string' || !HEX16.test(doc.parent_id))
  ) {
    problems.push(`parent_id ${JSON.stringify(doc.parent_id)} is invalid`);
  }
  checkNode(doc, '', problems, { annotations: 0 });
  return problems;
}

function checkNode(n, path, problems, counts) {
  const at = (f) => `${path}${f}`;
  if (typeof n.name !== 'string' || !NAME.test(n.name) || n.name.trim() !== n.name) {
    problems.push(`${at('name')} ${JSON.stringify(n.name)} breaks the name rules`);
  }
  if (typeof n.id !== 'string' || !HEX16.test(n.id))
    problems.push(`${at('id')} ${JSON.stringify(n.id)} is invalid`);
  if (!isTime(n.start_time))
    problems.push(`${at('start_time')} ${String(n.start_time)} is invalid`);
  if (n.in_progress === true) {
    if (n.end_time !== undefined) problems.push(`${at('end_time')} set on an in-progress node`);
  } else if (!isTime(n.end_time)) {
    problems.push(`${at('end_time')} ${String(n.end_time)} is invalid`);
  } else if (isTime(n.start_time) && n.end_time < n.start_time) {
    problems.push(`${at('end_time')} is before start_time`);
  }
  if (n.namespace !== undefined && n.namespace !== 'aws' && n.namespace !== 'remote') {
    problems.push(`${at('namespace')} ${String(n.namespace)}`);
  }
  for (const flag of ['error', 'fault', 'throttle', 'in_progress']) {
    if (n[flag] !== undefined && typeof n[flag] !== 'boolean')
      problems.push(`${at(flag)} is not boolean`);
  }
  for (const [k, v] of Object.entries(n)) if (v === null) problems.push(`${at(k)} is null`);
  if (n.annotations !== undefined) {
    if (!isObj(n.annotations)) problems.push(`${at('annotations')} is not an object`);
    else {
      for (const [k, v] of Object.entries(n.annotations)) {
        counts.annotations++;
        if (!ANNOTATION_KEY.test(k)) problems.push(`${at('annotations')} key ${JSON.stringify(k)}`);
        if (!['string', 'number', 'boolean'].includes(typeof v)) {
          problems.push(`${at('annotations.' + k)} has a ${v === null ? 'null' : typeof v} value`);
        }
      }
      if (counts.annotations > 50) problems.push('more than 50 annotations in one document');
    }
  }
  if (n.metadata !== undefined) {
    if (!isObj(n.metadata)) problems.push(`${at('metadata')} is not an object`);
    else {
      for (const [k, v] of Object.entries(n.metadata)) {
        if (!isObj(v)) problems.push(`${at('metadata.' + k)} is not an object`);
      }
    }
  }
  if (n.http !== undefined) checkHttp(n.http, at('http'), problems);
  if (n.aws !== undefined && !isObj(n.aws)) problems.push(`${at('aws')} is not an object`);
  if (isObj(n.aws)) noNulls(n.aws, at('aws'), problems);
  if (n.sql !== undefined) {
    if (!isObj(n.sql)) problems.push(`${at('sql')} is not an object`);
    else {
      noNulls(n.sql, at('sql'), problems);
      for (const [k, v] of Object.entries(n.sql)) {
        if (typeof v !== 'string') problems.push(`${at('sql.' + k)} is not a string`);
      }
    }
  }
  if (n.cause !== undefined) checkCause(n.cause, at('cause'), problems);
  if (n.links !== undefined) {
    if (!Array.isArray(n.links)) problems.push(`${at('links')} is not an array`);
    else {
      for (const l of n.links) {
        if (!isObj(l) || typeof l.trace_id !== 'string' || !TRACE_ID.test(l.trace_id)) {
          problems.push(`${at('links')} entry with invalid trace_id`);
        } else if (typeof l.id !== 'string' || !HEX16.test(l.id)) {
          problems.push(`${at('links')} entry with invalid id`);
        }
      }
    }
  }
  if (n.subsegments !== undefined) {
    if (!Array.isArray(n.subsegments) || n.subsegments.length === 0) {
      problems.push(`${at('subsegments')} is not a non-empty array`);
    } else {
      n.subsegments.forEach((s, i) => {
        if (!isObj(s)) problems.push(`${at(`subsegments[${i}]`)} is not an object`);
        else checkNode(s, `${at(`subsegments[${i}]`)}.`, problems, counts);
      });
    }
  }
}

function checkHttp(h, at, problems) {
  if (!isObj(h)) return void problems.push(`${at} is not an object`);
  noNulls(h, at, problems);
  if (h.request !== undefined) {
    if (!isObj(h.request)) problems.push(`${at}.request is not an object`);
    else {
      for (const k of ['method', 'url', 'user_agent', 'client_ip']) {
        const v = h.request[k];
        if (v !== undefined && typeof v !== 'string')
          problems.push(`${at}.request.${k} is not a string`);
      }
      if (typeof h.request.url === 'string' && /\/\/[^/@]*:[^/@]*@/.test(h.request.url)) {
        problems.push(`${at}.request.url carries credentials`);
      }
    }
  }
  if (h.response !== undefined) {
    if (!isObj(h.response)) problems.push(`${at}.response is not an object`);
    else {
      const s = h.response.status;
      if (s !== undefined && !Number.isInteger(s))
        problems.push(`${at}.response.status is not an integer`);
      const c = h.response.content_length;
      if (c !== undefined && (!Number.isInteger(c) || c < 0)) {
        problems.push(`${at}.response.content_length is not a non-negative integer`);
      }
    }
  }
}

function checkCause(c, at, problems) {
  if (typeof c === 'string') {
    if (!HEX16.test(c)) problems.push(`${at} string is not an exception id`);
    return;
  }
  if (!isObj(c) || !Array.isArray(c.exceptions))
    return void problems.push(`${at} has no exceptions[]`);
  for (const [i, e] of c.exceptions.entries()) {
    if (!isObj(e)) {
      problems.push(`${at}.exceptions[${i}] is not an object`);
      continue;
    }
    if (typeof e.id !== 'string' || !HEX16.test(e.id))
      problems.push(`${at}.exceptions[${i}].id is invalid`);
    noNulls(e, `${at}.exceptions[${i}]`, problems);
    if (e.stack !== undefined) {
      if (!Array.isArray(e.stack)) problems.push(`${at}.exceptions[${i}].stack is not an array`);
      else {
        for (const f of e.stack) {
          if (!isObj(f)) problems.push(`${at}.exceptions[${i}].stack frame is not an object`);
          else if (f.line !== undefined && (!Number.isInteger(f.line) || f.line < 0)) {
            problems.push(`${at}.exceptions[${i}].stack line ${String(f.line)}`);
          }
        }
      }
    }
  }
}

function noNulls(o, at, problems) {
  for (const [k, v] of Object.entries(o)) {
    if (v === null) problems.push(`${at}.${k} is null`);
    else if (isObj(v)) noNulls(v, `${at}.${k}`, problems);
  }
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
