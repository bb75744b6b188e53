/**
 * What the X-Ray daemon does with a datagram, and what X-Ray would then say
 * about the document in it.
 *
 * The daemon (aws-xray-daemon, `poll()` and `tracesegment.Header`) reads at
 * most 64 KiB of a datagram, splits it at the first `\n`, and decodes the
 * part before it with Go's `json.Unmarshal` into `{Format string; Version
 * int}` (keys matched case-insensitively, errors ignored): the header is
 * valid when `format` equals "json" ignoring case and `version` is the
 * integer 1. Everything after the `\n` is forwarded to X-Ray as ONE document,
 * byte for byte, never parsed: two documents in one datagram arrive as one
 * broken document, and X-Ray drops it later, silently for the sender.
 *
 * `checkDaemonDatagram` applies that rule (`accepted`), then checks the
 * document as X-Ray would (`problems`), plus `notes` on what is accepted but
 * unusual.
 */
import {
  DAEMON_HEADER_LINE,
  DAEMON_READ_BYTES,
  MAX_IPV4_DATAGRAM_BYTES,
} from '../protocol/limits.js';
import type { JsonObject, ValidateOptions } from './validate.js';
import { validateSegmentDocument } from './validate.js';

/**
 * The header every X-Ray SDK writes.
 * @internal
 */
export const CANONICAL_HEADER = DAEMON_HEADER_LINE;

export type DatagramVerdict =
  | {
      /** The daemon drops the datagram. */
      accepted: false;
      bytes: number;
      kind: 'empty' | 'no-header' | 'no-document' | 'bad-header';
      reason: string;
      header: string | undefined;
    }
  | {
      /** The daemon forwards the document to X-Ray. */
      accepted: true;
      bytes: number;
      header: string;
      /** The document as forwarded (after the header line). */
      body: string;
      /** The parsed document, when it is one JSON object. */
      document: JsonObject | undefined;
      /** Why X-Ray would reject the document (empty: it would accept it). */
      problems: string[];
      /** Accepted, but unusual. */
      notes: string[];
    };

const utf8 = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8');

const isWs = (c: string | undefined): boolean =>
  c === ' ' || c === '\t' || c === '\n' || c === '\r';

function skipWs(text: string, i: number): number {
  while (i < text.length && isWs(text[i])) i++;
  return i;
}

/**
 * The end (exclusive) of the JSON value starting at `i`, by bracket matching
 * outside strings; -1 when it does not end. Validity is checked by the caller.
 * @internal
 */
export function scanJsonValue(text: string, i: number): number {
  const c = text[i];
  if (c === undefined) return -1;
  if (c === '"') {
    for (let j = i + 1; j < text.length; j++) {
      if (text[j] === '\\') j++;
      else if (text[j] === '"') return j + 1;
    }
    return -1;
  }
  if (c === '{' || c === '[') {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const ch = text[j];
      if (ch === '"') {
        const end = scanJsonValue(text, j);
        if (end < 0) return -1;
        j = end - 1;
      } else if (ch === '{' || ch === '[') depth++;
      else if (ch === '}' || ch === ']') {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return -1;
  }
  let j = i;
  while (j < text.length && !isWs(text[j]) && !',]}{["'.includes(text[j] as string)) j++;
  return j > i ? j : -1;
}

/** The complete JSON values at the start of `text`, one after another. */
function leadingValues(text: string): { count: number; rest: string } {
  let i = skipWs(text, 0);
  let count = 0;
  while (i < text.length) {
    const end = scanJsonValue(text, i);
    if (end < 0) break;
    try {
      JSON.parse(text.slice(i, end));
    } catch {
      break;
    }
    count++;
    i = skipWs(text, end);
  }
  return { count, rest: text.slice(i) };
}

/** Top-level `key: raw value text` pairs of a valid JSON object text, in order. */
function objectEntries(text: string): Array<{ key: string; raw: string }> {
  const out: Array<{ key: string; raw: string }> = [];
  let i = skipWs(text, 0) + 1; // past '{'
  for (;;) {
    i = skipWs(text, i);
    if (text[i] !== '"') return out;
    const keyEnd = scanJsonValue(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipWs(text, keyEnd) + 1; // past ':'
    i = skipWs(text, i);
    const end = scanJsonValue(text, i);
    out.push({ key, raw: text.slice(i, end) });
    i = skipWs(text, end);
    if (text[i] !== ',') return out;
    i++;
  }
}

/**
 * The daemon's header check, as Go decodes it: undefined when valid, else
 * why not.
 * @internal
 */
export function headerProblem(text: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'the header line is not JSON';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return 'the header line is not a JSON object';
  }
  let format: string | undefined;
  let version: number | undefined;
  for (const { key, raw } of objectEntries(text)) {
    const k = key.toLowerCase();
    // Go assigns each matching key in turn; a value of the wrong type is skipped.
    if (k === 'format' && raw.startsWith('"')) format = JSON.parse(raw) as string;
    if (k === 'version' && /^-?\d+$/.test(raw) && raw.replace('-', '').length <= 18) {
      version = Number(raw);
    }
  }
  const wrong: string[] = [];
  if (format === undefined) wrong.push('"format" is missing or not a string');
  else if (format.toLowerCase() !== 'json')
    wrong.push(`"format" is ${JSON.stringify(format)}, not "json"`);
  if (version === undefined)
    wrong.push('"version" is missing or not an integer (1.0 and "1" do not count)');
  else if (version !== 1) wrong.push(`"version" is ${version}, not 1`);
  return wrong.length === 0 ? undefined : wrong.join('; ');
}

const clip = (s: string, n = 120): string => (s.length > n ? `${s.slice(0, n - 3)}...` : s);

/** Applies the daemon's rule to one datagram, then X-Ray's rules to its document. */
export function checkDaemonDatagram(
  datagram: Uint8Array,
  options: ValidateOptions = {},
): DatagramVerdict {
  const bytes = datagram.length;
  if (bytes === 0) {
    return {
      accepted: false,
      bytes,
      kind: 'empty',
      reason: 'empty datagram (the daemon skips it)',
      header: undefined,
    };
  }
  const data = bytes > DAEMON_READ_BYTES ? datagram.subarray(0, DAEMON_READ_BYTES) : datagram;
  const nl = data.indexOf(0x0a);
  if (nl < 0) {
    return {
      accepted: false,
      bytes,
      kind: 'no-header',
      reason: `no header line: the daemon splits at the first newline and needs ${CANONICAL_HEADER} before it`,
      header: undefined,
    };
  }
  const header = lenient.decode(data.subarray(0, nl));
  if (nl === data.length - 1) {
    return {
      accepted: false,
      bytes,
      kind: 'no-document',
      reason: 'nothing after the header line: the daemon drops it as "missing header or segment"',
      header,
    };
  }
  const bad = headerProblem(header);
  if (bad !== undefined) {
    return {
      accepted: false,
      bytes,
      kind: 'bad-header',
      reason: `invalid header ${JSON.stringify(clip(header))}: ${bad}; the daemon wants ${CANONICAL_HEADER}`,
      header,
    };
  }

  const problems: string[] = [];
  const notes: string[] = [];
  if (bytes > DAEMON_READ_BYTES) {
    problems.push(
      `the datagram is ${bytes} bytes: the daemon reads only the first ${DAEMON_READ_BYTES}, which cuts the document`,
    );
  } else if (bytes > MAX_IPV4_DATAGRAM_BYTES) {
    problems.push(
      `the datagram is ${bytes} bytes, over ${MAX_IPV4_DATAGRAM_BYTES} (the largest UDP payload over IPv4): no IPv4 sender can send it, and the document is over X-Ray's 64 kB limit`,
    );
  }
  if (header !== CANONICAL_HEADER) {
    notes.push(
      `header ${JSON.stringify(clip(header))} is accepted, but the SDKs write ${CANONICAL_HEADER}`,
    );
  }
  const raw = data.subarray(nl + 1);
  let body: string;
  try {
    body = utf8.decode(raw);
  } catch {
    body = lenient.decode(raw);
    problems.push('the document is not valid UTF-8: X-Ray rejects it');
  }
  let document: JsonObject | undefined;
  let parsed: unknown;
  let parses = false;
  try {
    parsed = JSON.parse(body);
    parses = true;
  } catch (err) {
    const { count, rest } = leadingValues(body);
    if (count >= 2 && rest.trim() === '') {
      problems.push(
        `${count} JSON documents in one datagram: the daemon forwards everything after the header as ONE document, so X-Ray gets invalid JSON and drops them all (send one document per datagram)`,
      );
    } else if (count >= 1) {
      problems.push(
        `the document is followed by other text (${JSON.stringify(clip(rest, 40))}): the daemon forwards it all as one document, which is not valid JSON`,
      );
    } else {
      problems.push(`the document is not valid JSON: ${(err as Error).message}`);
    }
  }
  if (parses) {
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      document = parsed as JsonObject;
    }
    problems.push(...validateSegmentDocument(parsed, options));
    if (body.includes('\n'))
      notes.push('the document spans several lines: valid JSON, but not compact');
  }
  return { accepted: true, bytes, header, body, document, problems, notes };
}
