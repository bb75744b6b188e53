/**
 * X-Ray's rules for a segment document, one message per problem. The rules
 * are those of the segment document reference (field types, ID and name
 * formats, required fields of segments, independent and embedded
 * subsegments), checked the way the X-Ray service would reject a document.
 *
 * `validateSegmentDocument(doc)` returns the problems (empty when valid);
 * each message starts with the path of the field, e.g.
 * `subsegments[0].id: "xyz" is not 16 lower-case hex digits`.
 */

import {
  ANNOTATION_KEY_CHARS,
  DOCUMENT_ID_PATTERN,
  DOCUMENT_TRACE_ID_PATTERN,
  MAX_ANNOTATION_KEY_LENGTH,
  MAX_ANNOTATIONS_PER_TRACE,
  MAX_NAME_LENGTH,
  NAME_CHARS,
} from '../protocol/limits.js';

/** A JSON object as parsed. */
export type JsonObject = Record<string, unknown>;

export interface ValidateOptions {
  /**
   * Epoch seconds "now". When given, the trace ID's time part is checked
   * against X-Ray's window (at most 30 days old, at most 5 minutes ahead).
   */
  now?: number;
}

const HEX16 = DOCUMENT_ID_PATTERN;
const TRACE_ID = DOCUMENT_TRACE_ID_PATTERN;
/** Letters, digits, whitespace and `_ . : / % & # = + \ - @`, 1 to 200 characters. */
const NAME = new RegExp(`^[${NAME_CHARS}\\s]{1,${MAX_NAME_LENGTH}}$`, 'u');
const NAME_CHAR = new RegExp(`[${NAME_CHARS}\\s]`, 'u');
const ANNOTATION_KEY = new RegExp(`^[${ANNOTATION_KEY_CHARS}]{1,${MAX_ANNOTATION_KEY_LENGTH}}$`);
const MAX_ANNOTATIONS = MAX_ANNOTATIONS_PER_TRACE;
const DAY = 86_400;
/** Fields checked by their own rule (a null among them gets that rule's message). */
const CHECKED = new Set([
  'name',
  'id',
  'start_time',
  'end_time',
  'namespace',
  'trace_id',
  'parent_id',
  'type',
  'error',
  'fault',
  'throttle',
  'in_progress',
]);

const isObj = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => {
  if (v === undefined) return 'missing';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
};

interface Ctx {
  problems: string[];
  annotations: number;
}

/** Returns the problems of one top-level document (a segment or an independent subsegment). */
export function validateSegmentDocument(doc: unknown, options: ValidateOptions = {}): string[] {
  const ctx: Ctx = { problems: [], annotations: 0 };
  if (!isObj(doc))
    return [`the document is ${Array.isArray(doc) ? 'an array' : show(doc)}, not an object`];
  const p = ctx.problems;
  const independent = doc.type === 'subsegment';
  if (doc.type !== undefined && !independent) {
    p.push(`type: ${show(doc.type)} is not "subsegment" (segments have no type field)`);
  }
  if (typeof doc.trace_id !== 'string') {
    p.push(
      `trace_id: ${show(doc.trace_id)}; a ${independent ? 'subsegment sent on its own' : 'segment'} needs one`,
    );
  } else {
    const m = TRACE_ID.exec(doc.trace_id);
    if (m === null) {
      p.push(`trace_id: ${show(doc.trace_id)} is not 1-<8 hex>-<24 hex> (lower-case)`);
    } else if (options.now !== undefined) {
      const age = options.now - parseInt(m[1] as string, 16);
      if (age > 30 * DAY)
        p.push(
          `trace_id: its time is ${Math.round(age / DAY)} days old; X-Ray drops traces over 30 days old`,
        );
      if (age < -300)
        p.push(
          `trace_id: its time is ${Math.round(-age)} s in the future; X-Ray drops traces over 5 minutes ahead`,
        );
    }
  }
  if (independent && doc.parent_id === undefined) {
    p.push("parent_id: missing; a subsegment sent on its own needs its parent's id");
  }
  if (
    doc.parent_id !== undefined &&
    (typeof doc.parent_id !== 'string' || !HEX16.test(doc.parent_id))
  ) {
    p.push(`parent_id: ${show(doc.parent_id)} is not 16 lower-case hex digits`);
  }
  checkNode(doc, '', ctx, true);
  if (ctx.annotations > MAX_ANNOTATIONS) {
    p.push(
      `annotations: ${ctx.annotations} in one document; X-Ray indexes at most ${MAX_ANNOTATIONS} per trace`,
    );
  }
  return p;
}

function nameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return `${show(name)}; a name is required`;
  if (name.length === 0) return 'is empty';
  if (name.length > 200) return `is ${name.length} characters; at most 200`;
  if (name.trim() !== name) return `${show(name)} has leading or trailing whitespace`;
  if (!NAME.test(name)) {
    const bad = [...new Set([...name].filter((ch) => !NAME_CHAR.test(ch)))].slice(0, 5);
    return `${show(name)} contains ${bad.map((c) => JSON.stringify(c)).join(' ')}; allowed: letters, digits, whitespace and _ . : / % & # = + \\ - @`;
  }
  return undefined;
}

function checkTime(v: unknown): string | undefined {
  if (typeof v !== 'number' || !Number.isFinite(v)) return `${show(v)} is not a number`;
  if (v <= 0) return `${v} is not a positive epoch time`;
  if (v > 1e11) return `${v} looks like milliseconds; X-Ray wants epoch seconds (with a fraction)`;
  return undefined;
}

function checkNode(n: JsonObject, path: string, ctx: Ctx, top: boolean): void {
  const p = ctx.problems;
  const at = (f: string): string => `${path}${f}`;
  const nameIssue = nameProblem(n.name);
  if (nameIssue !== undefined) p.push(`${at('name')}: ${nameIssue}`);
  if (typeof n.id !== 'string' || !HEX16.test(n.id)) {
    p.push(`${at('id')}: ${show(n.id)} is not 16 lower-case hex digits`);
  }
  const start = checkTime(n.start_time);
  if (start !== undefined) p.push(`${at('start_time')}: ${start}`);
  if (n.in_progress === true) {
    if (n.end_time !== undefined) p.push(`${at('end_time')}: set on a node that is in_progress`);
  } else {
    const end =
      n.end_time === undefined
        ? 'missing; needed unless in_progress is true'
        : checkTime(n.end_time);
    if (end !== undefined) p.push(`${at('end_time')}: ${end}`);
    else if (typeof n.start_time === 'number' && (n.end_time as number) < n.start_time) {
      p.push(`${at('end_time')}: before start_time`);
    }
  }
  if (!top && n.trace_id !== undefined && typeof n.trace_id !== 'string') {
    p.push(`${at('trace_id')}: ${show(n.trace_id)} is not a string`);
  }
  if (n.namespace !== undefined && n.namespace !== 'aws' && n.namespace !== 'remote') {
    p.push(`${at('namespace')}: ${show(n.namespace)} is not "aws" or "remote"`);
  }
  for (const flag of ['error', 'fault', 'throttle', 'in_progress']) {
    if (n[flag] !== undefined && typeof n[flag] !== 'boolean') {
      p.push(`${at(flag)}: ${show(n[flag])} is not true or false`);
    }
  }
  for (const [k, v] of Object.entries(n)) {
    if (v === null && !CHECKED.has(k)) p.push(`${at(k)}: null; leave the field out instead`);
  }
  if (n.annotations !== undefined && n.annotations !== null) {
    if (!isObj(n.annotations)) p.push(`${at('annotations')}: not an object`);
    else {
      for (const [k, v] of Object.entries(n.annotations)) {
        ctx.annotations++;
        if (!ANNOTATION_KEY.test(k)) {
          p.push(`${at('annotations')}: key ${show(k)} has characters other than A-Z a-z 0-9 _`);
        }
        if (
          !['string', 'number', 'boolean'].includes(typeof v) ||
          (typeof v === 'number' && !Number.isFinite(v))
        ) {
          p.push(
            `${at(`annotations.${k}`)}: ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}; annotation values are strings, numbers or booleans`,
          );
        }
      }
    }
  }
  if (n.metadata !== undefined && n.metadata !== null) {
    if (!isObj(n.metadata)) p.push(`${at('metadata')}: not an object`);
    else {
      for (const [k, v] of Object.entries(n.metadata)) {
        if (!isObj(v)) p.push(`${at(`metadata.${k}`)}: a metadata namespace must be an object`);
      }
    }
  }
  if (n.http !== undefined && n.http !== null) checkHttp(n.http, at('http'), p);
  if (n.aws !== undefined && n.aws !== null) {
    if (!isObj(n.aws)) p.push(`${at('aws')}: not an object`);
    else noNulls(n.aws, at('aws'), p);
  }
  if (n.sql !== undefined && n.sql !== null) {
    if (!isObj(n.sql)) p.push(`${at('sql')}: not an object`);
    else {
      for (const [k, v] of Object.entries(n.sql)) {
        if (v !== null && typeof v !== 'string')
          p.push(`${at(`sql.${k}`)}: ${show(v)} is not a string`);
      }
      noNulls(n.sql, at('sql'), p);
    }
  }
  if (n.cause !== undefined && n.cause !== null) checkCause(n.cause, at('cause'), p);
  if (n.links !== undefined && n.links !== null) {
    if (!Array.isArray(n.links)) p.push(`${at('links')}: not an array`);
    else {
      (n.links as unknown[]).forEach((l, i) => {
        if (!isObj(l)) p.push(`${at(`links[${i}]`)}: not an object`);
        else {
          if (typeof l.trace_id !== 'string' || !TRACE_ID.test(l.trace_id)) {
            p.push(`${at(`links[${i}].trace_id`)}: ${show(l.trace_id)} is not an X-Ray trace ID`);
          }
          if (typeof l.id !== 'string' || !HEX16.test(l.id)) {
            p.push(`${at(`links[${i}].id`)}: ${show(l.id)} is not 16 lower-case hex digits`);
          }
        }
      });
    }
  }
  if (n.subsegments !== undefined && n.subsegments !== null) {
    if (!Array.isArray(n.subsegments)) p.push(`${at('subsegments')}: not an array`);
    else if (n.subsegments.length === 0)
      p.push(`${at('subsegments')}: empty; leave the field out instead`);
    else {
      (n.subsegments as unknown[]).forEach((s, i) => {
        const sp = `${at(`subsegments[${i}]`)}`;
        if (!isObj(s)) p.push(`${sp}: not an object`);
        else checkNode(s, `${sp}.`, ctx, false);
      });
    }
  }
}

function checkHttp(h: unknown, at: string, p: string[]): void {
  if (!isObj(h)) {
    p.push(`${at}: not an object`);
    return;
  }
  noNulls(h, at, p);
  if (h.request !== undefined) {
    if (!isObj(h.request)) p.push(`${at}.request: not an object`);
    else {
      for (const k of ['method', 'url', 'user_agent', 'client_ip']) {
        const v = h.request[k];
        if (v !== undefined && v !== null && typeof v !== 'string')
          p.push(`${at}.request.${k}: ${show(v)} is not a string`);
      }
      if (typeof h.request.url === 'string' && /\/\/[^/@]*:[^/@]*@/.test(h.request.url)) {
        p.push(`${at}.request.url: carries a user name and password`);
      }
    }
  }
  if (h.response !== undefined) {
    if (!isObj(h.response)) p.push(`${at}.response: not an object`);
    else {
      const s = h.response.status;
      if (s !== undefined && s !== null && !Number.isInteger(s))
        p.push(`${at}.response.status: ${show(s)} is not an integer`);
      const c = h.response.content_length;
      if (c !== undefined && c !== null && (!Number.isInteger(c) || (c as number) < 0)) {
        p.push(`${at}.response.content_length: ${show(c)} is not a non-negative integer`);
      }
    }
  }
}

function checkCause(c: unknown, at: string, p: string[]): void {
  if (typeof c === 'string') {
    if (!HEX16.test(c)) p.push(`${at}: ${show(c)} is neither an object nor a 16-hex exception ID`);
    return;
  }
  if (!isObj(c)) {
    p.push(`${at}: not an object`);
    return;
  }
  if (!Array.isArray(c.exceptions)) {
    p.push(`${at}.exceptions: ${show(c.exceptions)} is not an array`);
    return;
  }
  (c.exceptions as unknown[]).forEach((e, i) => {
    const ep = `${at}.exceptions[${i}]`;
    if (!isObj(e)) {
      p.push(`${ep}: not an object`);
      return;
    }
    if (typeof e.id !== 'string' || !HEX16.test(e.id))
      p.push(`${ep}.id: ${show(e.id)} is not 16 lower-case hex digits`);
    noNulls(e, ep, p);
    if (e.stack !== undefined) {
      if (!Array.isArray(e.stack)) p.push(`${ep}.stack: not an array`);
      else {
        (e.stack as unknown[]).forEach((f, j) => {
          if (!isObj(f)) p.push(`${ep}.stack[${j}]: not an object`);
          else if (f.line !== undefined && (!Number.isInteger(f.line) || (f.line as number) < 0)) {
            p.push(`${ep}.stack[${j}].line: ${show(f.line)} is not a non-negative integer`);
          }
        });
      }
    }
  });
}

function noNulls(o: JsonObject, at: string, p: string[]): void {
  for (const [k, v] of Object.entries(o)) {
    if (v === null) p.push(`${at}.${k}: null; leave the field out instead`);
    else if (isObj(v)) noNulls(v, `${at}.${k}`, p);
  }
}
