/**
 * Packing translated spans into X-Ray documents that each fit one UDP datagram.
 *
 * Within one batch, a subsegment whose parent is in the batch is embedded in
 * the parent's `subsegments`; every other node is a document of its own (a
 * segment, or an independent subsegment with `type`, `trace_id`, `parent_id`).
 *
 * Each node's body is serialised exactly once. Documents are then assembled
 * from those strings, so sizes are known exactly before anything is built.
 * Splitting is the bottom-up greedy of Kundu & Misra (1977), which minimises
 * the number of parts of a tree under a size bound: at every node, detach the
 * largest child subtrees until what remains fits. A detached subtree becomes
 * an independent subsegment document.
 *
 * Every node ends up in exactly one document. A node too large to fit even
 * alone is shrunk (see {@link shrinkBody}) and marked, never dropped.
 */
import type { JsonValue } from '../shared/types.js';
import { block, isAscii, quote, record, resetAscii, value } from './json.js';
import type { XRayBody, XRayHttp } from './document.js';
import { DAEMON_HEADER_LINE, MAX_IPV4_DATAGRAM_BYTES } from '../protocol/limits.js';
import { toXRayTraceId } from '../protocol/trace-header.js';
import type { SpanNode } from './segment.js';

/**
 * The daemon's header line, with the `\n` that ends it.
 * @internal
 */
export const DAEMON_HEADER = `${DAEMON_HEADER_LINE}\n`;
/** @internal */
export const DAEMON_HEADER_BYTES = DAEMON_HEADER.length;
/**
 * The largest datagram sent: the largest UDP payload over IPv4 (../protocol/limits.ts).
 * @internal
 */
export const MAX_DATAGRAM_BYTES = MAX_IPV4_DATAGRAM_BYTES;
/**
 * The smallest budget that leaves room for a shrunk span.
 * @internal
 */
export const MIN_DATAGRAM_BYTES = 2_048;

// The envelope an independent subsegment adds; a segment's is shorter.
const ENVELOPE_BYTES =
  `,"type":"subsegment","trace_id":"1-12345678-123456789012345678901234","parent_id":"1234567890123456"`
    .length;
const SUBSEGMENTS_OPEN = ',"subsegments":[';

/** One document, ready to send: its JSON text and what it carries. */
export interface EncodedDocument {
  /** Compact JSON of one segment document (without the daemon header). */
  json: string;
  /** UTF-8 byte length of `json`. */
  bytes: number;
  /** Number of spans in this document. */
  spans: number;
}

/** @internal */
export interface PackResult {
  documents: EncodedDocument[];
  /** Spans whose own body had to be shrunk to fit a datagram. */
  shrunk: number;
}

/** A node with its packing state (the fields {@link SpanNode} reserves for it). */
type PackNode = Omit<SpanNode, 'open' | 'bytes' | 'children' | 'parent' | 'size'> & {
  open: string;
  bytes: number;
  children: PackNode[] | undefined;
  parent: PackNode | undefined;
  size: number;
};

/**
 * Packs nodes into documents so that each datagram (header + document) is at
 * most `maxDatagramBytes`.
 * @internal
 */
export function packNodes(
  nodes: readonly SpanNode[],
  maxDatagramBytes = MAX_DATAGRAM_BYTES,
): PackResult {
  const budget = Math.max(MIN_DATAGRAM_BYTES, Math.min(MAX_DATAGRAM_BYTES, maxDatagramBytes));
  // Every node must fit as an independent document, envelope included.
  const limit = budget - DAEMON_HEADER_BYTES - ENVELOPE_BYTES;
  let shrunk = 0;

  const all: PackNode[] = new Array<PackNode>(nodes.length);
  // Parents are found by ID: in a list for the usual small batch (one or a
  // few traces), where a scan is cheaper than building a Map; else in a Map.
  const byId = nodes.length > SCAN_MAX ? new Map<string, PackNode>() : undefined;
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i] as SpanNode;
    let open = bodyOpen(node.body, node.http, node.metadata);
    // `open` lacks the body's closing brace: one byte more.
    let bytes = (isAscii() && node.textAscii ? open.length : Buffer.byteLength(open)) + 1;
    if (bytes > limit) {
      // Shrinking works on objects: the http block back into one (metadata goes first anyway).
      if (node.http !== undefined) node.body.http = JSON.parse(node.http) as XRayHttp;
      const json = shrinkBody(node.body, bytes, limit);
      open = json.slice(0, -1);
      bytes = Buffer.byteLength(json);
      shrunk++;
    }
    const p = node as PackNode;
    p.open = open;
    p.bytes = bytes;
    p.children = undefined;
    p.parent = undefined;
    p.size = bytes;
    all[i] = p;
    byId?.set(node.id, p);
  }

  // Link subsegments to parents present in this batch.
  for (const p of all) {
    if (p.segment || p.parentId === undefined) continue;
    const parent = byId !== undefined ? byId.get(p.parentId) : findById(all, p.parentId);
    if (parent === undefined || parent === p || parent.traceId !== p.traceId) continue;
    p.parent = parent;
    (parent.children ??= []).push(p);
  }

  const roots: PackNode[] = [];
  for (const p of all) if (p.parent === undefined) roots.push(p);
  breakCycles(all, roots);

  const docRoots: PackNode[] = [];
  for (const root of roots) {
    docRoots.push(root);
    fit(root, limit, docRoots);
  }

  const documents: EncodedDocument[] = new Array<EncodedDocument>(docRoots.length);
  for (let i = 0; i < docRoots.length; i++) {
    const r = docRoots[i] as PackNode;
    const counter = { spans: 0 };
    const env = envelope(r);
    // Envelopes are ASCII, so their length is their size in bytes.
    documents[i] = {
      json: render(r, env, counter),
      bytes: r.size + env.length,
      spans: counter.spans,
    };
  }
  return { documents, shrunk };
}

/** Batches up to this many spans find parents by a scan. */
const SCAN_MAX = 24;

/**
 * The last node with this ID (as the Map keeps the last). From the end: a
 * parent ends after its children, so it usually comes later in the batch.
 */
function findById(all: PackNode[], id: string): PackNode | undefined {
  for (let i = all.length - 1; i >= 0; i--) if ((all[i] as PackNode).id === id) return all[i];
  return undefined;
}

/**
 * Nodes linked in a cycle (only possible with corrupt parent IDs) are
 * reachable from no root; cut each such cycle once so every node is sent.
 */
function breakCycles(all: PackNode[], roots: PackNode[]): void {
  // Each node has at most one parent, so a walk from the roots meets every
  // node at most once: when it meets them all, there is no cycle (the usual
  // case, checked without a set).
  let reached = 0;
  const walk: PackNode[] = [];
  for (const r of roots) {
    walk.push(r);
    while (walk.length > 0) {
      const p = walk.pop() as PackNode;
      reached++;
      if (p.children) for (const c of p.children) walk.push(c);
    }
  }
  if (reached === all.length) return;
  const seen = new Set<PackNode>();
  const visit = (start: PackNode): void => {
    const stack = [start];
    while (stack.length > 0) {
      const p = stack.pop() as PackNode;
      if (seen.has(p)) continue;
      seen.add(p);
      if (p.children) for (const c of p.children) stack.push(c);
    }
  };
  for (const r of roots) visit(r);
  if (seen.size === all.length) return;
  for (const p of all) {
    if (seen.has(p) || p.parent === undefined) continue;
    const siblings = p.parent.children as PackNode[];
    siblings.splice(siblings.indexOf(p), 1);
    p.parent = undefined;
    roots.push(p);
    visit(p);
  }
}

/**
 * Bottom-up sizing of the tree under `root`, detaching the largest child
 * subtrees wherever a node with its attached descendants exceeds `limit`.
 * Detached nodes are appended to `docRoots`. Iterative, so a deep chain of
 * spans cannot overflow the stack.
 */
function fit(root: PackNode, limit: number, docRoots: PackNode[]): void {
  const stack: Array<{ p: PackNode; next: number }> = [{ p: root, next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { p: PackNode; next: number };
    const kids = top.p.children;
    if (kids !== undefined && top.next < kids.length) {
      stack.push({ p: kids[top.next++] as PackNode, next: 0 });
      continue;
    }
    stack.pop();
    const p = top.p;
    if (kids === undefined || kids.length === 0) {
      p.size = p.bytes;
      continue;
    }
    let sum = 0;
    for (const c of kids) sum += c.size;
    // Embedded children cost their size plus a comma each (one fewer comma,
    // plus the closing bracket), inside `,"subsegments":[...]`.
    p.size = p.bytes + SUBSEGMENTS_OPEN.length + sum + kids.length;
    if (p.size <= limit) continue;
    const bySize = kids.slice().sort((a, b) => b.size - a.size);
    const detached = new Set<PackNode>();
    for (const c of bySize) {
      if (p.size <= limit) break;
      detached.add(c);
      sum -= c.size;
      const left = kids.length - detached.size;
      p.size = left === 0 ? p.bytes : p.bytes + SUBSEGMENTS_OPEN.length + sum + left;
    }
    p.children = kids.filter((c) => !detached.has(c));
    for (const c of kids) if (detached.has(c)) docRoots.push(c);
  }
}

function envelope(n: SpanNode): string {
  const traceId = toXRayTraceId(n.traceId);
  if (n.segment) {
    return n.parentId === undefined
      ? `,"trace_id":"${traceId}"`
      : `,"trace_id":"${traceId}","parent_id":"${n.parentId}"`;
  }
  return `,"type":"subsegment","trace_id":"${traceId}","parent_id":"${n.parentId as string}"`;
}

function render(p: PackNode, env: string, counter: { spans: number }): string {
  counter.spans++;
  const open = p.open;
  const kids = p.children;
  if (kids === undefined || kids.length === 0) return `${open}${env}}`;
  let out = `${open}${env}${SUBSEGMENTS_OPEN}`;
  for (let i = 0; i < kids.length; i++) {
    if (i > 0) out += ',';
    out += render(kids[i] as PackNode, '', counter);
  }
  return `${out}]}`;
}

// ---------------------------------------------------------------------------
// Serialising a body.

function metadataJson(m: Record<string, Record<string, JsonValue>>): string {
  let s = '{';
  for (const ns in m) {
    s +=
      s.length === 1
        ? `${quote(ns)}:${record(m[ns] as Record<string, JsonValue>)}`
        : `,${quote(ns)}:${record(m[ns] as Record<string, JsonValue>)}`;
  }
  return `${s}}`;
}

function httpJson(h: XRayHttp): string {
  let s = '{';
  const q = h.request;
  if (q !== undefined) {
    let r = '';
    if (q.method !== undefined) r += `,"method":${quote(q.method)}`;
    if (q.url !== undefined) r += `,"url":${quote(q.url)}`;
    if (q.user_agent !== undefined) r += `,"user_agent":${quote(q.user_agent)}`;
    if (q.client_ip !== undefined) r += `,"client_ip":${quote(q.client_ip)}`;
    if (q.x_forwarded_for !== undefined) r += `,"x_forwarded_for":${q.x_forwarded_for}`;
    if (q.traced !== undefined) r += `,"traced":${q.traced}`;
    s += r === '' ? '"request":{}' : `"request":{${r.slice(1)}}`;
  }
  const p = h.response;
  if (p !== undefined) {
    let r = '';
    if (p.status !== undefined) r += `,"status":${value(p.status)}`;
    if (p.content_length !== undefined) r += `,"content_length":${value(p.content_length)}`;
    if (q !== undefined) s += ',';
    s += r === '' ? '"response":{}' : `"response":{${r.slice(1)}}`;
  }
  return `${s}}`;
}

/**
 * The JSON of a body without its closing brace, equal to `JSON.stringify(body)`
 * (less the brace) for the fields a body has, in their fixed order, with
 * `http` and `metadata` (JSON text) in place of `b.http` and `b.metadata` when
 * given (the translation writes them as it reads the attributes). The common blocks (`service`, `http`, `metadata`) are
 * written here from their known shapes, the others by `JSON.stringify`: this is
 * the hottest code of the exporter, and building strings from known shapes is
 * about a fifth faster than stringifying the same objects (benchmarks/PROFILE.md).
 * Times are finite numbers (translation guarantees it), IDs are validated hex,
 * namespaces are constants.
 */
function bodyOpen(b: XRayBody, http?: string, metadata?: string): string {
  resetAscii();
  let s = `{"name":${quote(b.name)},"id":"${b.id}","start_time":${b.start_time}`;
  if (b.end_time !== undefined) s += `,"end_time":${b.end_time}`;
  if (b.in_progress === true) s += ',"in_progress":true';
  if (b.namespace !== undefined) s += `,"namespace":"${b.namespace}"`;
  if (b.error === true) s += ',"error":true';
  if (b.throttle === true) s += ',"throttle":true';
  if (b.fault === true) s += ',"fault":true';
  if (b.origin !== undefined) s += `,"origin":${quote(b.origin)}`;
  if (b.user !== undefined) s += `,"user":${quote(b.user)}`;
  if (b.service !== undefined) s += `,"service":${record(b.service)}`;
  if (http !== undefined) s += `,"http":${http}`;
  else if (b.http !== undefined) s += `,"http":${httpJson(b.http)}`;
  if (b.aws !== undefined) s += `,"aws":${block(b.aws)}`;
  if (b.sql !== undefined) s += `,"sql":${block(b.sql)}`;
  if (b.cause !== undefined) s += `,"cause":${block(b.cause)}`;
  if (b.annotations !== undefined) s += `,"annotations":${record(b.annotations)}`;
  if (metadata !== undefined) s += `,"metadata":${metadata}`;
  else if (b.metadata !== undefined) s += `,"metadata":${metadataJson(b.metadata)}`;
  if (b.links !== undefined) s += `,"links":${block(b.links)}`;
  if (b.precursor_ids !== undefined) s += `,"precursor_ids":${block(b.precursor_ids)}`;
  return s;
}

/**
 * The JSON of a translated node's body (without the envelope), its texts in place.
 * @internal
 */
export function nodeJson(node: SpanNode): string {
  return `${bodyOpen(node.body, node.http, node.metadata)}}`;
}

/**
 * The JSON of a body: `JSON.stringify(body)` for the fields a body has.
 * @internal
 */
export function serializeBody(b: XRayBody): string {
  return `${bodyOpen(b)}}`;
}

// ---------------------------------------------------------------------------
// Shrinking a single oversized span.

const KEEP_ALWAYS = new Set([
  'name',
  'id',
  'start_time',
  'end_time',
  'in_progress',
  'namespace',
  'error',
  'fault',
  'throttle',
  'origin',
]);

/**
 * Shrinks a body until its JSON is at most `limit` bytes, in steps that lose
 * the least first: metadata; then strings longer than 1,024, 256 and 64
 * characters; then stack frames; then every block but the identity, timing
 * and error fields. The result is marked in `metadata.otel_xray.shrunk` with
 * the original size and what was removed. Mutates `body`; returns its JSON.
 * @internal
 */
export function shrinkBody(body: XRayBody, originalBytes: number, limit: number): string {
  const removed: string[] = [];
  const mark = (): string => {
    body.metadata = {
      otel_xray: { shrunk: { original_bytes: originalBytes, removed: [...removed] } },
    };
    return JSON.stringify(body);
  };
  const fits = (json: string): boolean => Buffer.byteLength(json) <= limit;

  delete body.metadata;
  removed.push('metadata');
  let json = mark();
  if (fits(json)) return json;

  const rec = body as unknown as Record<string, JsonValue>;
  for (const max of [1024, 256, 64]) {
    for (const key of Object.keys(rec)) {
      if (key === 'metadata' || key === 'id') continue;
      rec[key] = truncateStrings(rec[key] as JsonValue, max);
    }
    removed.push(`strings>${max}`);
    json = mark();
    if (fits(json)) return json;
  }

  if (body.cause) {
    for (const e of body.cause.exceptions) {
      if (e.stack) {
        e.truncated = (e.truncated ?? 0) + e.stack.length;
        delete e.stack;
      }
    }
    removed.push('stack');
    json = mark();
    if (fits(json)) return json;
  }

  for (const key of Object.keys(rec)) {
    if (!KEEP_ALWAYS.has(key) && key !== 'metadata') {
      delete rec[key];
      removed.push(key);
    }
  }
  return mark();
}

function truncateStrings(v: JsonValue, max: number): JsonValue {
  if (typeof v === 'string') return v.length > max ? truncate(v, max) : v;
  if (Array.isArray(v)) return v.map((x) => truncateStrings(x, max));
  if (v !== null && typeof v === 'object') {
    const out = Object.create(null) as Record<string, JsonValue>;
    for (const k of Object.keys(v)) out[k] = truncateStrings(v[k] as JsonValue, max);
    return out;
  }
  return v;
}

/**
 * Cuts a string to `max` UTF-16 units without splitting a surrogate pair.
 * @internal
 */
export function truncate(s: string, max: number): string {
  let end = max;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${s.slice(0, end)}...`;
}
