/**
 * Writing JSON text from known shapes, equal to what `JSON.stringify` writes,
 * and noting on the way whether the text is all ASCII (then its length is its
 * size in bytes, and a long string need not be flattened to count them).
 * Pure; the hottest code of the exporter (benchmarks/PROFILE.md).
 */
import type { JsonValue } from '../shared/types.js';

// Strings of printable ASCII without `"` or `\` are their own JSON text
// (between quotes); every other string goes through JSON.stringify, which
// escapes what JSON needs (lone surrogates too).
const NOT_PLAIN = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;
const NON_ASCII = /[\u0080-\uffff]/;

/** False once something written since {@link resetAscii} was not ASCII. */
let ascii = true;

/** Starts a new text: {@link isAscii} is true until a non-ASCII string is written. */
export function resetAscii(): void {
  ascii = true;
}

/** Notes that text written elsewhere (and kept) is not all ASCII. */
export function markNotAscii(): void {
  ascii = false;
}

/** Whether everything written since {@link resetAscii} was ASCII. */
export function isAscii(): boolean {
  return ascii;
}

/** A string as JSON text. */
export function quote(s: string): string {
  if (!NOT_PLAIN.test(s)) return `"${s}"`;
  const json = JSON.stringify(s);
  if (ascii && NON_ASCII.test(json)) ascii = false;
  return json;
}

/** `JSON.stringify` of any block. */
export function block(v: unknown): string {
  const json = JSON.stringify(v);
  if (ascii && NON_ASCII.test(json)) ascii = false;
  return json;
}

/** A JSON value as `JSON.stringify` writes it; the common scalars without a call to it. */
export function value(v: JsonValue): string {
  switch (typeof v) {
    case 'string':
      return quote(v);
    case 'number':
      return Number.isFinite(v) ? `${v}` : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      return block(v);
  }
}

// Keys recur from span to span (attribute keys are a small set, the same
// strings each time): their quoted form with its colon is kept, up to a bound.
const MAX_KEYS = 2048;
const keyParts = new Map<string, string>();

/** `"key":` */
export function keyPart(k: string): string {
  let q = keyParts.get(k);
  if (q === undefined) {
    // Only plain keys are kept: a cached key must not hide that a text is
    // not ASCII (a key with `é` is its own JSON too, but two bytes a character).
    if (NOT_PLAIN.test(k)) return `${quote(k)}:`;
    q = `"${k}":`;
    if (keyParts.size >= MAX_KEYS) keyParts.clear();
    keyParts.set(k, q);
  }
  return q;
}

/** `{"k":v,...}` of a record, keys in their own order, `undefined` values left out. */
export function record(r: Record<string, JsonValue | undefined>): string {
  let s = '{';
  for (const k in r) {
    const v = r[k];
    if (v === undefined) continue;
    s += s.length === 1 ? keyPart(k) + value(v) : `,${keyPart(k)}${value(v)}`;
  }
  return `${s}}`;
}
