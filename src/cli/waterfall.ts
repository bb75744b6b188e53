/**
 * A trace as a waterfall in the terminal, like the X-Ray console's timeline:
 * one line per segment and subsegment, nested under its parent, with its
 * HTTP status, duration, a bar placed and scaled on the trace's time axis,
 * and its error / fault / throttle flags.
 *
 * A trace reaches the daemon as several documents (a segment, independent
 * subsegments, other services' segments); `assembleTrace` puts them back
 * into one tree by IDs. A node whose parent was not received (for example
 * the Lambda function segment, which Lambda sends itself) is drawn at the
 * top level under a line that says so.
 */
import type { JsonObject } from './validate.js';

export interface TraceNode {
  id: string;
  name: string;
  /** Epoch seconds. */
  start: number;
  /** Epoch seconds; undefined while in progress. */
  end: number | undefined;
  segment: boolean;
  namespace: string | undefined;
  origin: string | undefined;
  status: number | undefined;
  error: boolean;
  fault: boolean;
  throttle: boolean;
  /** `aws.operation` and the table / queue / bucket, for AWS calls. */
  detail: string | undefined;
  /** `http.request.method`, as the X-Ray console shows it. */
  method: string | undefined;
  /** The path of `http.request.url` (the whole value when it is not a URL). */
  path: string | undefined;
  parentId: string | undefined;
  children: TraceNode[];
}

export interface AssembledTrace {
  traceId: string;
  /** Top-level nodes: nodes without a parent, or whose parent was not received. */
  roots: TraceNode[];
  /** Parent IDs referenced but not received, by root node ID. */
  missingParents: Map<string, string>;
  nodes: number;
  documents: number;
  start: number;
  end: number;
}

const isObj = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function awsDetail(aws: unknown): string | undefined {
  if (!isObj(aws)) return undefined;
  const op = str(aws.operation);
  const tables = Array.isArray(aws.table_names)
    ? (aws.table_names as unknown[]).filter((t) => typeof t === 'string')
    : [];
  const resource =
    str(aws.table_name) ??
    (tables.length > 0 ? tables.join(',') : undefined) ??
    str(aws.queue_url)?.replace(/^.*\//, '') ??
    str(aws.bucket_name) ??
    str(aws.function_name);
  return [op, resource].filter((s) => s !== undefined).join(' ') || undefined;
}

/** The path of a request URL, without the query; the value itself when it is not a URL. */
function urlPath(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).pathname;
  } catch {
    return url.replace(/[?#].*$/, '') || undefined;
  }
}

function toNode(n: JsonObject, parentId: string | undefined, segment: boolean): TraceNode {
  const http = isObj(n.http) ? n.http : undefined;
  const request = http !== undefined && isObj(http.request) ? http.request : undefined;
  const response = http !== undefined && isObj(http.response) ? http.response : undefined;
  return {
    id: str(n.id) ?? '?',
    name: str(n.name) ?? '(no name)',
    start: num(n.start_time) ?? 0,
    end: n.in_progress === true ? undefined : num(n.end_time),
    segment,
    namespace: str(n.namespace),
    origin: str(n.origin),
    status: num(response?.status),
    error: n.error === true,
    fault: n.fault === true,
    throttle: n.throttle === true,
    detail: awsDetail(n.aws),
    method: str(request?.method),
    path: urlPath(str(request?.url)),
    parentId,
    children: [],
  };
}

/** Builds one trace's tree from its documents (in any order). */
export function assembleTrace(traceId: string, documents: readonly JsonObject[]): AssembledTrace {
  const byId = new Map<string, TraceNode>();
  const all: TraceNode[] = [];
  const add = (n: JsonObject, parentId: string | undefined, segment: boolean): void => {
    const node = toNode(n, parentId, segment);
    all.push(node);
    if (!byId.has(node.id)) byId.set(node.id, node);
    if (Array.isArray(n.subsegments)) {
      for (const s of n.subsegments as unknown[]) if (isObj(s)) add(s, node.id, false);
    }
  };
  for (const doc of documents) {
    add(doc, str(doc.parent_id), doc.type !== 'subsegment');
  }
  const roots: TraceNode[] = [];
  const missingParents = new Map<string, string>();
  for (const node of all) {
    const parent = node.parentId === undefined ? undefined : byId.get(node.parentId);
    if (parent !== undefined && parent !== node) parent.children.push(node);
    else {
      roots.push(node);
      if (node.parentId !== undefined) missingParents.set(node.id, node.parentId);
    }
  }
  const byStart = (a: TraceNode, b: TraceNode): number => a.start - b.start;
  for (const node of all) node.children.sort(byStart);
  roots.sort(byStart);
  let start = Infinity;
  let end = -Infinity;
  for (const node of all) {
    start = Math.min(start, node.start);
    end = Math.max(end, node.end ?? node.start);
  }
  if (!Number.isFinite(start)) start = end = 0;
  return {
    traceId,
    roots,
    missingParents,
    nodes: all.length,
    documents: documents.length,
    start,
    end,
  };
}

export interface RenderOptions {
  /** Total line width. Default 100. */
  width?: number;
  /** ANSI colours. Default false. */
  color?: boolean;
  /** Said last in the header, e.g. that the trace is drawn again. */
  note?: string;
}

const ANSI = {
  reset: '\u001b[0m',
  bold: '\u001b[1m',
  dim: '\u001b[2m',
  red: '\u001b[31m',
  yellow: '\u001b[33m',
  magenta: '\u001b[35m',
  cyan: '\u001b[36m',
  green: '\u001b[32m',
  blue: '\u001b[34m',
};

/** Milliseconds with one decimal below 100 ms, none above. */
export function formatMs(seconds: number): string {
  const ms = seconds * 1000;
  return ms < 100 ? `${ms.toFixed(1)} ms` : `${Math.round(ms).toLocaleString('en-US')} ms`;
}

function label(node: TraceNode): string {
  let s = node.name;
  if (node.detail !== undefined) s += ` ${node.detail}`;
  else if (node.method !== undefined || node.path !== undefined) {
    s += ` ${[node.method, node.path].filter((x) => x !== undefined).join(' ')}`;
  }
  if (node.namespace !== undefined) s += ` [${node.namespace}]`;
  if (node.origin !== undefined) s += ` (${node.origin})`;
  return s;
}

function flags(node: TraceNode): string[] {
  const out: string[] = [];
  if (node.fault) out.push('fault');
  if (node.error) out.push('error');
  if (node.throttle) out.push('throttle');
  if (node.end === undefined) out.push('in progress');
  return out;
}

const truncate = (s: string, n: number): string =>
  [...s].length <= n ? s : `${[...s].slice(0, Math.max(0, n - 1)).join('')}…`;

/** `n thing` or `n things`. */
export const plural = (n: number, thing: string): string =>
  `${n.toLocaleString('en-US')} ${thing}${n === 1 ? '' : 's'}`;

// eslint-disable-next-line no-control-regex -- ANSI escape sequences start with ESC
const ANSI_CODE = /\u001b\[[0-9;]*m/g;

/** The width of `s` on a terminal: characters, not counting ANSI colour codes. */
export const visibleWidth = (s: string): number => [...s.replace(ANSI_CODE, '')].length;

/**
 * Joins `parts` with `separator` into lines of at most `width` columns,
 * breaking between parts; continuation lines start with `indent`. A part
 * wider than a line gets a line of its own.
 */
export function fitParts(
  parts: readonly string[],
  width: number,
  separator = ' · ',
  indent = '  ',
): string[] {
  const lines: string[] = [];
  let line = '';
  for (const part of parts) {
    if (line === '') line = part;
    else if (visibleWidth(line) + visibleWidth(separator) + visibleWidth(part) <= width) {
      line += `${separator}${part}`;
    } else {
      lines.push(line);
      line = `${indent}${part}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** Word-wraps prose to `width` columns; every line starts with `indent`. */
export function wrapText(text: string, width: number, indent = ''): string[] {
  const words = text.split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) return [indent];
  words[0] = `${indent}${words[0]}`;
  return fitParts(words, width, ' ', indent);
}

/** How many nodes of the trace are subsegments. */
function subsegmentCount(t: AssembledTrace): number {
  let n = 0;
  const visit = (node: TraceNode): void => {
    if (!node.segment) n++;
    node.children.forEach(visit);
  };
  t.roots.forEach(visit);
  return n;
}

/** Draws an assembled trace; returns its lines (without trailing newlines). */
export function renderTrace(t: AssembledTrace, options: RenderOptions = {}): string[] {
  const width = Math.max(60, options.width ?? 100);
  const c = (code: keyof typeof ANSI, s: string): string =>
    options.color === true ? `${ANSI[code]}${s}${ANSI.reset}` : s;
  const duration = Math.max(0, t.end - t.start);
  const services = [...new Set(t.roots.filter((r) => r.segment).map((r) => r.name))];
  const problems = t.roots.some(function bad(n: TraceNode): boolean {
    return n.fault || n.error || n.throttle || n.children.some(bad);
  });
  const segments = t.nodes - subsegmentCount(t);
  const lines: string[] = fitParts(
    [
      c('bold', `trace ${t.traceId}`),
      services.length > 0 ? services.join(', ') : 'no segment received',
      formatMs(duration),
      `${plural(segments, 'segment')}, ${plural(t.nodes - segments, 'subsegment')} in ${plural(t.documents, 'document')}`,
      ...(problems ? [c('red', 'errors')] : []),
      ...(options.note !== undefined ? [options.note] : []),
    ],
    width,
  );

  type Row = { prefix: string; node: TraceNode; note?: string };
  const rows: Row[] = [];
  const visit = (node: TraceNode, lead: string, last: boolean, top: boolean): void => {
    rows.push({ prefix: top ? '' : `${lead}${last ? '└─ ' : '├─ '}`, node });
    const childLead = top ? '' : `${lead}${last ? '   ' : '│  '}`;
    node.children.forEach((child, i) =>
      visit(child, childLead, i === node.children.length - 1, false),
    );
  };
  for (const root of t.roots) {
    const missing = t.missingParents.get(root.id);
    if (missing !== undefined) {
      rows.push({ prefix: '', node: root, note: `(parent ${missing} not received)` });
      root.children.forEach((child, i) => visit(child, '', i === root.children.length - 1, false));
    } else visit(root, '', true, true);
  }

  const nameWidth = Math.min(
    Math.max(24, ...rows.map((r) => [...r.prefix].length + [...label(r.node)].length)),
    Math.floor(width * 0.45),
  );
  const statusWidth = 4;
  const msWidth = 10;
  const flagWidth = 12;
  const barWidth = Math.max(
    10,
    width - 2 - nameWidth - 1 - statusWidth - 1 - msWidth - 2 - 2 - flagWidth,
  );
  const axis = `${' '.repeat(2 + nameWidth + 1 + statusWidth + 1 + msWidth + 2)}${c('dim', `0${' '.repeat(Math.max(0, barWidth - 1 - formatMs(duration).length))}${formatMs(duration)}`)}`;
  lines.push(axis);

  for (const { prefix, node, note } of rows) {
    if (note !== undefined) lines.push(`  ${c('dim', note)}`);
    const name = truncate(`${prefix}${label(node)}`, nameWidth).padEnd(nameWidth);
    const status = (node.status === undefined ? '' : String(node.status)).padStart(statusWidth);
    const end = node.end ?? t.end;
    const ms = (node.end === undefined ? '…' : formatMs(end - node.start)).padStart(msWidth);
    const from = duration > 0 ? Math.floor(((node.start - t.start) / duration) * barWidth) : 0;
    const to = duration > 0 ? Math.ceil(((end - t.start) / duration) * barWidth) : barWidth;
    const left = Math.min(Math.max(0, from), barWidth - 1);
    const len = Math.max(1, Math.min(barWidth, to) - left);
    const glyph = node.end === undefined ? '░' : '█';
    let bar = glyph.repeat(len);
    const colour = node.fault
      ? 'red'
      : node.error
        ? 'yellow'
        : node.throttle
          ? 'magenta'
          : node.segment
            ? 'green'
            : node.namespace === 'aws'
              ? 'cyan'
              : node.namespace === 'remote'
                ? 'blue'
                : 'dim';
    bar = c(colour, bar);
    const f = flags(node);
    const flagText =
      f.length === 0 ? '' : c(node.fault ? 'red' : node.error ? 'yellow' : 'magenta', f.join(' '));
    const shownName = node.segment ? c('bold', name) : name;
    lines.push(
      `  ${shownName} ${status} ${ms}  ${' '.repeat(left)}${bar}${' '.repeat(Math.max(0, barWidth - left - len))}  ${flagText}`.trimEnd(),
    );
  }
  return lines;
}
