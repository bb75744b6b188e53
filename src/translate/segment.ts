/**
 * One span → one X-Ray node (the document body without its envelope).
 * Pure: reads only the span and the options it is given (no clock, no
 * environment, no I/O). docs/attribute-mapping.md is the specification.
 */
import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpanLike, SpanContextLike, HrTime, JsonValue } from '../shared/types.js';
import {
  isLambdaInvocationParent,
  isRootOnlyParent,
  isValidSpanId,
  isValidTraceId,
  toXRayTraceId,
} from '../protocol/trace-header.js';
import { MAX_ANNOTATIONS_PER_TRACE, MAX_STRING_LENGTH } from '../protocol/limits.js';
import { AttrReader, urlHost } from './attrs.js';
import { buildAws } from './aws.js';
import { buildCause } from './cause.js';
import type { XRayBody, XRayLink } from './document.js';
import { buildHttp, HTTP_CLIENT, HTTP_OTHER, HTTP_SERVER, httpStatus } from './http.js';
import { sanitizeAnnotationKey, sanitizeName } from './names.js';
import type { ResourceInfo } from './resource.js';
import { MAX_ANNOTATION_STRING, resourceInfo } from './resource.js';
import { buildSql, SQL_SYSTEMS } from './sql.js';
import { cut, dict, isAnnotationValue, setOwn, toJsonValue } from './values.js';
import {
  block,
  isAscii,
  keyPart,
  markNotAscii,
  record,
  resetAscii,
  value as jsonValue,
} from './json.js';

// SpanKind values, inlined to keep this module free of runtime imports.
/** @internal */
export const KIND_INTERNAL = 0;
/** @internal */
export const KIND_SERVER = 1;
/** @internal */
export const KIND_CLIENT = 2;
/** @internal */
export const KIND_PRODUCER = 3;
/** @internal */
export const KIND_CONSUMER = 4;
const STATUS_ERROR = 2;
const TRACE_FLAG_SAMPLED = 1;

/** The prefix under which resource attributes appear (metadata keys, `indexedAttributes` names). */
const RESOURCE_PREFIX = 'otel.resource.';
/** X-Ray's limit for segment strings unless noted (`user`, `aws.xray.rule_name`). */
const MAX_USER = MAX_STRING_LENGTH;
const MAX_RULE_NAME = MAX_STRING_LENGTH;
const MAX_EVENTS = 32;
const MAX_LINKS = 128;

export interface TranslateOptions {
  /**
   * Attribute keys whose values become annotations (keys sanitised to
   * `[A-Za-z0-9_]`). Resource attributes are named `otel.resource.<key>`
   * and become annotations of segments.
   */
  indexedAttributes?: readonly string[];
  /**
   * Make every span attribute with a string, number or boolean value an
   * annotation (and, on segments, every such resource attribute).
   */
  indexAllAttributes?: boolean;
  /** Write SQL query text into `sql.sanitized_query`. Default true. */
  sqlQueries?: boolean;
  /**
   * Attributes never to send: exact keys, or prefixes ending in `*`
   * (`http.request.header.*`). Credential-bearing headers are always left out.
   */
  dropAttributes?: readonly string[];
  /** `cause.working_directory`; the exporter passes `process.cwd()` read at construction. */
  workingDirectory?: string;
  /**
   * Annotations already used per trace (OTel trace ID → count), shared across
   * calls so the 50-per-trace limit holds across exports. Updated in place.
   * Without it, the limit holds within one call.
   */
  annotationCounts?: Map<string, number>;
}

/** Counters the translation adds to; the exporter turns them into reports. */
export interface TranslateStats {
  /** Spans skipped because their IDs are invalid. */
  invalidIds: number;
  /** Spans skipped because neither their start nor their end time is valid. */
  invalidTimes: number;
  /** Attribute values that could not be represented in JSON and were dropped. */
  droppedValues: number;
  /** Annotations past the per-trace limit or with invalid values, moved to metadata. */
  annotationsToMetadata: number;
  /** Span events beyond the per-span limit, dropped. */
  droppedEvents: number;
  /** Spans that could not be read at all (a getter or method threw), skipped. */
  unreadable: number;
}

/** @internal */
export function newTranslateStats(): TranslateStats {
  return {
    invalidIds: 0,
    invalidTimes: 0,
    droppedValues: 0,
    annotationsToMetadata: 0,
    droppedEvents: 0,
    unreadable: 0,
  };
}

/** @internal */
export interface SpanNode {
  /** OpenTelemetry form (32 hex). */
  traceId: string;
  id: string;
  /** Parent span ID: the remote parent for segments, the local parent for subsegments. */
  parentId: string | undefined;
  /** True for a segment (a local root), false for a subsegment. */
  segment: boolean;
  body: XRayBody;
  /**
   * The JSON text of `http` (written as the attributes are read), in place
   * of `body.http`; undefined when the span has none.
   */
  http: string | undefined;
  /** The JSON text of `metadata`, in place of `body.metadata`, as {@link http}. */
  metadata: string | undefined;
  /** Whether {@link http} and {@link metadata} are all ASCII. */
  textAscii: boolean;
  // Packing state, set by pack.ts; declared here so that every node has one shape.
  open?: string;
  bytes?: number;
  children?: SpanNode[] | undefined;
  parent?: SpanNode | undefined;
  size?: number;
}

/**
 * Epoch seconds with microseconds, from an OTel HrTime.
 * @internal
 */
export function hrTimeToSeconds(t: HrTime): number {
  return t[0] + Math.round(t[1] / 1000) / 1e6;
}

function isHrTime(t: unknown): t is HrTime {
  return (
    Array.isArray(t) &&
    t.length === 2 &&
    Number.isFinite(t[0]) &&
    Number.isFinite(t[1]) &&
    (t[0] as number) > 0
  );
}

interface Placement {
  segment: boolean;
  parentId: string | undefined;
}

/**
 * Segment or subsegment, and the parent to write:
 * - no parent: a segment;
 * - a remote parent: a segment below it, except a Root-only `X-Amzn-Trace-Id`
 *   parent (no `parent_id`: none exists) and the Lambda invocation's parent
 *   (a subsegment of the function segment that Lambda records itself);
 * - a local parent: a subsegment.
 */
function place(span: ReadableSpanLike): Placement {
  const p: SpanContextLike | undefined = span.parentSpanContext;
  if (p !== undefined && p !== null) {
    if (!isValidSpanId(p.spanId)) return { segment: true, parentId: undefined };
    if (p.isRemote !== true) return { segment: false, parentId: p.spanId };
    if (isRootOnlyParent(p)) return { segment: true, parentId: undefined };
    if (isLambdaInvocationParent(p)) return { segment: false, parentId: p.spanId };
    return { segment: true, parentId: p.spanId };
  }
  // SDK 1.x: only the ID is known. A SERVER or CONSUMER span with a parent
  // is taken to continue a remote trace, as it almost always does.
  const id = span.parentSpanId;
  if (!isValidSpanId(id)) return { segment: true, parentId: undefined };
  return { segment: span.kind === KIND_SERVER || span.kind === KIND_CONSUMER, parentId: id };
}

/** The name of a subsegment: the remote service it called where known. */
function subsegmentName(
  r: AttrReader,
  span: ReadableSpanLike,
  name: string,
  awsSdk: boolean,
  dbSystem: string | undefined,
  http: boolean,
): string {
  const remote = r.peek('aws.remote.service');
  if (remote !== undefined) return remote.replace(/^(AWS::|AWS\.SDK\.)/, '');
  const peer = r.peek('peer.service');
  if (peer !== undefined) return peer;
  if (awsSdk) return r.peek('rpc.service') ?? r.peek('aws.service') ?? name;
  if (r.peek('aws.service') !== undefined) return r.peek('aws.service') as string;
  if (dbSystem !== undefined && !dbSystem.includes('dynamodb')) {
    const db = r.peek('db.namespace') ?? r.peek('db.name');
    const host = r.peek('server.address') ?? r.peek('net.peer.name');
    if (db !== undefined && host !== undefined) return `${db}@${host}`;
    return db ?? host ?? name;
  }
  // Another RPC system (gRPC, …): the service called, as X-Ray's naming order has it.
  if (span.kind === KIND_CLIENT && r.peek('rpc.system') !== undefined) {
    const service = r.peek('rpc.service');
    if (service !== undefined) return service;
  }
  if (http && span.kind === KIND_CLIENT) {
    const hostHeader = r.peek('http.host');
    const url = r.peek('url.full') ?? r.peek('http.url');
    return (
      r.peek('server.address') ??
      r.peek('net.peer.name') ??
      (hostHeader !== undefined ? hostHeader.replace(/:\d+$/, '') : undefined) ??
      (url !== undefined ? urlHost(url) : undefined) ??
      r.peek('network.peer.address') ??
      r.peek('net.peer.ip') ??
      name
    );
  }
  return name;
}

/**
 * Translates one span. Returns `undefined` (and counts it) for a span whose
 * IDs make it impossible to place in a trace.
 * @internal
 */
export function translateSpan(
  span: ReadableSpanLike,
  options: TranslateOptions,
  stats: TranslateStats,
  context?: SpanContextLike,
): SpanNode | undefined {
  const sc = context ?? span.spanContext();
  if (!isValidTraceId(sc.traceId) || !isValidSpanId(sc.spanId)) {
    stats.invalidIds++;
    return undefined;
  }
  const attrs: Attributes =
    span.attributes !== null && typeof span.attributes === 'object' ? span.attributes : {};
  const r = new AttrReader(attrs);
  const { segment, parentId } = place(span);
  const resource = resourceInfo(span.resource);
  const name = typeof span.name === 'string' ? span.name : '';

  const awsSdk = attrs['rpc.system'] === 'aws-api';
  const dbSystem = r.str('db.system.name') ?? r.str('db.system');
  const isHttp =
    typeof attrs['http.request.method'] === 'string' || typeof attrs['http.method'] === 'string';
  // One pass over the keys tells which blocks can apply, so a span does not
  // pay for dozens of lookups of attributes it cannot have.
  let hasHttp = false;
  let hasAws = awsSdk;
  for (const key in attrs) {
    const c = key.charCodeAt(0);
    if (c === 0x68 /* h */ || c === 0x75 /* u */) {
      if (
        !hasHttp &&
        (key.startsWith('http.') || key.startsWith('url.') || key.startsWith('user_agent.'))
      ) {
        hasHttp = true;
      }
    } else if (
      c === 0x61 /* a */ ||
      c === 0x63 /* c */ ||
      c === 0x66 /* f */ ||
      c === 0x6d /* m */ ||
      c === 0x67 /* g */ ||
      c === 0x64 /* d */
    ) {
      if (
        !hasAws &&
        (key.startsWith('aws.') ||
          key === 'cloud.region' ||
          key === 'faas.invoked_name' ||
          key === 'messaging.url' ||
          key === 'gen_ai.system' ||
          key === 'db.namespace')
      ) {
        hasAws = true;
      }
    }
  }

  // A missing or broken time is replaced by the other one; without either,
  // the span cannot be placed on a timeline and is skipped.
  const startOk = isHrTime(span.startTime);
  const endOk = span.ended !== false && isHrTime(span.endTime);
  if (!startOk && !endOk) {
    stats.invalidTimes++;
    return undefined;
  }
  const start = hrTimeToSeconds(startOk ? span.startTime : span.endTime);
  const body: XRayBody = {
    name: segment
      ? sanitizeName(resource.serviceName ?? name, 'service')
      : sanitizeName(subsegmentName(r, span, name, awsSdk, dbSystem, isHttp), name),
    id: sc.spanId,
    start_time: start,
  };
  if (span.ended === false) {
    body.in_progress = true;
  } else {
    // A clock step can end a span before it started; X-Ray wants end ≥ start.
    body.end_time = endOk ? Math.max(start, hrTimeToSeconds(span.endTime)) : start;
  }

  if (!segment) {
    if (awsSdk || r.peek('aws.service') !== undefined) body.namespace = 'aws';
    else if (span.kind === KIND_CLIENT || span.kind === KIND_PRODUCER) body.namespace = 'remote';
  }

  const server = span.kind === KIND_SERVER || (segment && span.kind !== KIND_CLIENT);
  // The texts written here (http, metadata) say whether they are all ASCII.
  resetAscii();
  const status = hasHttp ? httpStatus(r) : undefined;
  const http = hasHttp
    ? buildHttp(
        r,
        status,
        server ? HTTP_SERVER : span.kind === KIND_CLIENT ? HTTP_CLIENT : HTTP_OTHER,
        segment,
        !awsSdk,
      )
    : undefined;
  if (status !== undefined && status >= 400 && status < 500) {
    body.error = true;
    if (status === 429) body.throttle = true;
  } else if ((status !== undefined && status >= 500) || span.status?.code === STATUS_ERROR) {
    body.fault = true;
  }

  if (segment) {
    if (resource.origin !== undefined) body.origin = resource.origin;
    const user = r.strMax('enduser.id', MAX_USER);
    if (user !== undefined) body.user = user;
    if (resource.serviceVersion !== undefined) body.service = { version: resource.serviceVersion };
  }

  const spanAws = hasAws ? buildAws(r, awsSdk, dbSystem) : undefined;
  // The X-Ray sampler's rule for this trace, as the X-Ray SDK records it.
  const rule =
    segment && (sc.traceFlags & TRACE_FLAG_SAMPLED) === TRACE_FLAG_SAMPLED
      ? r.strMax('aws.xray.sampling_rule', MAX_RULE_NAME)
      : undefined;
  if (segment && resource.aws !== undefined) {
    body.aws = spanAws === undefined ? resource.aws : { ...resource.aws, ...spanAws };
  } else if (spanAws !== undefined) {
    body.aws = spanAws;
  }
  if (rule !== undefined) {
    // `resource.aws` is shared by every span of the resource: copy, never write into it.
    const aws: Record<string, JsonValue> = { ...body.aws };
    const xray = aws.xray;
    aws.xray =
      xray !== null && typeof xray === 'object' && !Array.isArray(xray)
        ? { ...xray, rule_name: rule }
        : { rule_name: rule };
    body.aws = aws;
  }
  if (dbSystem !== undefined && SQL_SYSTEMS.has(dbSystem)) {
    body.sql = buildSql(r, dbSystem, options.sqlQueries !== false);
  }

  const cause = buildCause(span, {
    spanId: sc.spanId,
    workingDirectory: options.workingDirectory,
    remote: span.kind === KIND_CLIENT || span.kind === KIND_PRODUCER,
  });
  if (cause !== undefined) body.cause = cause;

  const metadata = annotateAndDescribe(
    span,
    sc.traceId,
    r,
    segment ? resource : undefined,
    options,
    stats,
    body,
  );
  const textAscii = isAscii();

  const links = translateLinks(span, stats);
  if (links !== undefined) body.links = links;
  return {
    traceId: sc.traceId,
    id: sc.spanId,
    parentId,
    segment,
    body,
    http,
    metadata,
    textAscii,
    open: '',
    bytes: 0,
    children: undefined,
    parent: undefined,
    size: 0,
  };
}

/** Captured headers that carry credentials: never sent, whatever the options. */
const SENSITIVE_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-amz-security-token',
]);

function isSensitive(key: string): boolean {
  if (!key.startsWith('http.')) return false;
  const i = key.indexOf('.header.');
  return i > 0 && SENSITIVE_HEADERS.has(key.slice(i + 8).toLowerCase());
}

interface DropMatcher {
  exact: Set<string>;
  prefixes: string[];
}

const dropMatchers = new WeakMap<readonly string[], DropMatcher>();

function dropMatcher(keys: readonly string[] | undefined): DropMatcher | undefined {
  if (keys === undefined || keys.length === 0) return undefined;
  let m = dropMatchers.get(keys);
  if (m === undefined) {
    m = { exact: new Set(), prefixes: [] };
    for (const k of keys) {
      if (typeof k !== 'string') continue;
      if (k.endsWith('*')) m.prefixes.push(k.slice(0, -1));
      else m.exact.add(k);
    }
    dropMatchers.set(keys, m);
  }
  return m;
}

function isDropped(key: string, m: DropMatcher | undefined): boolean {
  if (isSensitive(key)) return true;
  if (m === undefined) return false;
  if (m.exact.has(key)) return true;
  for (const p of m.prefixes) if (key.startsWith(p)) return true;
  return false;
}

interface IndexedKeys {
  keys: Set<string>;
  /** True when some key names a resource attribute (`otel.resource.<key>`). */
  resource: boolean;
}

const indexedSets = new WeakMap<readonly string[], IndexedKeys>();

function indexedKeys(keys: readonly string[] | undefined): IndexedKeys | undefined {
  if (keys === undefined || keys.length === 0) return undefined;
  let set = indexedSets.get(keys);
  if (set === undefined) {
    set = {
      keys: new Set(keys),
      resource: keys.some((k) => typeof k === 'string' && k.startsWith(RESOURCE_PREFIX)),
    };
    indexedSets.set(keys, set);
  }
  return set;
}

/**
 * Annotations (into `body`), and the JSON text of `metadata` (span attributes,
 * resource, events), written as the attributes are read: the metadata object
 * is never built, except in the rare span whose attribute keys could clash
 * with the resource's or the events' (`otel.*`).
 */
function annotateAndDescribe(
  span: ReadableSpanLike,
  traceId: string,
  r: AttrReader,
  resource: ResourceInfo | undefined,
  options: TranslateOptions,
  stats: TranslateStats,
  body: XRayBody,
): string | undefined {
  const attrs = r.attrs;
  const indexedOption = indexedKeys(options.indexedAttributes);
  const indexed = indexedOption?.keys;
  const fromSpan = r.strs('aws.xray.annotations');
  const all = options.indexAllAttributes === true;
  const counts = options.annotationCounts;
  let used = counts?.get(traceId) ?? 0;
  const drop = dropMatcher(options.dropAttributes);

  let annotations: Record<string, string | number | boolean> | undefined;
  // `metadata.default`'s members, as JSON text without braces.
  let md = '';
  // Whether a span attribute key starts with `otel.` (see below).
  let otelKey = false;
  for (const key in attrs) {
    if (!Object.prototype.hasOwnProperty.call(attrs, key)) continue;
    // Mapped attributes (already in an X-Ray field) may still be annotations
    // when asked for by name, as with the collector; never metadata too.
    const mapped = r.isUsed(key);
    const named = indexed?.has(key) === true || fromSpan?.includes(key) === true;
    if (mapped && !named) continue;
    if (isDropped(key, drop)) continue;
    const value = attrs[key];
    if (named || (all && !mapped)) {
      if (isAnnotationValue(value) && used < MAX_ANNOTATIONS_PER_TRACE) {
        setOwn(
          (annotations ??= {}),
          sanitizeAnnotationKey(key),
          typeof value === 'string' ? cut(value, MAX_ANNOTATION_STRING) : value,
        );
        used++;
        continue;
      }
      if (named || isAnnotationValue(value)) stats.annotationsToMetadata++;
    }
    if (mapped) continue;
    const v = toJsonValue(value);
    if (v === undefined) {
      if (value !== undefined) stats.droppedValues++;
      continue;
    }
    if (key.charCodeAt(0) === 0x6f /* o */ && key.startsWith('otel.')) otelKey = true;
    md += md === '' ? keyPart(key) + jsonValue(v) : `,${keyPart(key)}${jsonValue(v)}`;
  }
  // Resource attributes (segments only): annotations when the options name
  // them or index everything, else metadata. Only then is the list walked.
  let annotatedResource: Set<string> | undefined;
  if (resource !== undefined && (all || indexedOption?.resource === true)) {
    for (const a of resource.annotations) {
      const named = indexed?.has(a.key) === true;
      if (!named && (!all || a.mapped)) continue;
      if (used >= MAX_ANNOTATIONS_PER_TRACE) {
        stats.annotationsToMetadata++;
        continue;
      }
      setOwn((annotations ??= {}), a.annotationKey, a.value);
      used++;
      if (!a.mapped) (annotatedResource ??= new Set()).add(a.key);
    }
  }
  if (counts !== undefined && annotations !== undefined) counts.set(traceId, used);
  if (annotations !== undefined) body.annotations = annotations;

  const events = describeEvents(span, stats);
  const later = (resource !== undefined && resource.metadata.length > 0) || events !== undefined;
  if (otelKey && later) {
    // A span attribute named like a resource entry (`otel.resource.<key>`) or
    // `otel.events` is replaced by it, in its place, as in an object.
    const metadata = JSON.parse(`{${md}}`) as Record<string, JsonValue>;
    if (resource !== undefined) {
      for (const [k, v] of resource.metadata) {
        if (annotatedResource?.has(k) !== true) setOwn(metadata, k, v);
      }
    }
    if (events !== undefined) setOwn(metadata, 'otel.events', events);
    return `{"default":${record(metadata)}}`;
  }
  if (resource !== undefined && resource.metadata.length > 0) {
    if (annotatedResource === undefined) {
      const text = resourceMetadataText(resource);
      md += md === '' ? text : `,${text}`;
    } else {
      for (const [k, v] of resource.metadata) {
        if (annotatedResource.has(k)) continue;
        md += md === '' ? keyPart(k) + jsonValue(v) : `,${keyPart(k)}${jsonValue(v)}`;
      }
    }
  }
  if (events !== undefined)
    md += md === '' ? `"otel.events":${block(events)}` : `,"otel.events":${block(events)}`;
  return md === '' ? undefined : `{"default":{${md}}}`;
}

/** A resource's metadata members as JSON text, written once per resource (spans share it). */
const resourceTexts = new WeakMap<ResourceInfo, { text: string; ascii: boolean }>();

function resourceMetadataText(resource: ResourceInfo): string {
  let t = resourceTexts.get(resource);
  if (t === undefined) {
    const wasAscii = isAscii();
    resetAscii();
    let text = '';
    for (const [k, v] of resource.metadata) {
      text += text === '' ? keyPart(k) + jsonValue(v) : `,${keyPart(k)}${jsonValue(v)}`;
    }
    t = { text, ascii: isAscii() };
    resetAscii();
    if (!wasAscii) markNotAscii();
    resourceTexts.set(resource, t);
  }
  if (!t.ascii) markNotAscii();
  return t.text;
}

/** Span events other than exceptions, for metadata. */
function describeEvents(span: ReadableSpanLike, stats: TranslateStats): JsonValue[] | undefined {
  const events = span.events;
  if (!Array.isArray(events) || events.length === 0) return undefined;
  let out: JsonValue[] | undefined;
  for (const e of events) {
    if (e === null || typeof e !== 'object' || e.name === 'exception') continue;
    if ((out?.length ?? 0) >= MAX_EVENTS) {
      stats.droppedEvents++;
      continue;
    }
    const item: Record<string, JsonValue> = dict();
    item.name = typeof e.name === 'string' ? e.name : String(e.name);
    if (isHrTime(e.time)) item.time = hrTimeToSeconds(e.time);
    const attributes = e.attributes ? toJsonValue(e.attributes) : undefined;
    if (attributes !== undefined && Object.keys(attributes as object).length > 0) {
      item.attributes = attributes;
    }
    (out ??= []).push(item);
  }
  return out;
}

function translateLinks(span: ReadableSpanLike, stats: TranslateStats): XRayLink[] | undefined {
  const links = span.links;
  if (!Array.isArray(links) || links.length === 0) return undefined;
  let out: XRayLink[] | undefined;
  for (const link of links.slice(0, MAX_LINKS)) {
    const c = link?.context;
    if (!c || !isValidTraceId(c.traceId) || !isValidSpanId(c.spanId)) {
      stats.droppedValues++;
      continue;
    }
    const l: XRayLink = { trace_id: toXRayTraceId(c.traceId), id: c.spanId };
    const attributes = link.attributes ? toJsonValue(link.attributes) : undefined;
    if (attributes !== undefined && Object.keys(attributes as object).length > 0) {
      l.attributes = attributes as Record<string, JsonValue>;
    }
    (out ??= []).push(l);
  }
  return out;
}
