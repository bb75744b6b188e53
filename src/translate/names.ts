/**
 * X-Ray name rules: at most 200 characters of Unicode letters and digits,
 * whitespace and `_ . : / % & # = + \ - @`.
 */

import { ANNOTATION_KEY_CHARS, MAX_NAME_LENGTH, NAME_CHARS } from '../protocol/limits.js';

const VALID_NAME = new RegExp(`^[${NAME_CHARS} ]{1,${MAX_NAME_LENGTH}}$`, 'u');
const INVALID_CHARS = new RegExp(`[^${NAME_CHARS}\\s]+`, 'gu');
const WHITESPACE = /\s+/g;

/**
 * Returns a valid X-Ray name for `name`: invalid characters are removed, runs
 * of whitespace become one space, and the result is cut to 200 characters
 * (never inside a surrogate pair). Falls back to `fallback` when nothing is left.
 */
/** True for printable ASCII names that are already valid (the common case), without a regex. */
function isPlainValidName(name: string): boolean {
  const n = name.length;
  if (n === 0 || n > MAX_NAME_LENGTH) return false;
  if (name.charCodeAt(0) === 0x20 || name.charCodeAt(n - 1) === 0x20) return false;
  for (let i = 0; i < n; i++) {
    const c = name.charCodeAt(i);
    const ok =
      (c >= 0x30 && c <= 0x39) || // 0-9
      (c >= 0x41 && c <= 0x5a) || // A-Z
      (c >= 0x61 && c <= 0x7a) || // a-z
      c === 0x20 || // space
      c === 0x5f || // _
      c === 0x2e || // .
      c === 0x3a || // :
      c === 0x2f || // /
      c === 0x25 || // %
      c === 0x26 || // &
      c === 0x23 || // #
      c === 0x3d || // =
      c === 0x2b || // +
      c === 0x5c || // \
      c === 0x2d || // -
      c === 0x40; // @
    if (!ok) return false;
  }
  return true;
}

export function sanitizeName(name: string, fallback = 'span'): string {
  // Fast paths: most names are already valid, and most are plain ASCII.
  if (isPlainValidName(name)) return name;
  if (VALID_NAME.test(name) && name.trim() === name) return name;
  let out = name.replace(INVALID_CHARS, '').replace(WHITESPACE, ' ').trim();
  if (out.length > MAX_NAME_LENGTH) {
    out = Array.from(out).slice(0, MAX_NAME_LENGTH).join('').trim();
  }
  if (out === '') return fallback === name ? 'span' : sanitizeName(fallback, 'span');
  return out;
}

const ANNOTATION_KEY_INVALID = new RegExp(`[^${ANNOTATION_KEY_CHARS}]`, 'g');

/** Annotation keys may contain only `[A-Za-z0-9_]`: other characters become `_`. */
export function sanitizeAnnotationKey(key: string): string {
  const out = key.replace(ANNOTATION_KEY_INVALID, '_');
  if (out === '') return '_';
  return out.length > 500 ? out.slice(0, 500) : out;
}
