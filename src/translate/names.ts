/**
 * X-Ray name rules: at most 200 characters of Unicode letters and digits,
 * whitespace and `_ . : / % & # = + \ - @`.
 */

export const MAX_NAME_LENGTH = 200;
const VALID_NAME = /^[\p{L}\p{N} _.:/%&#=+\\\-@]{1,200}$/u;
const INVALID_CHARS = /[^\p{L}\p{N}\s_.:/%&#=+\\\-@]+/gu;
const WHITESPACE = /\s+/g;

/**
 * Returns a valid X-Ray name for `name`: invalid characters are removed, runs
 * of whitespace become one space, and the result is cut to 200 characters
 * (never inside a surrogate pair). Falls back to `fallback` when nothing is left.
 */
export function sanitizeName(name: string, fallback = 'span'): string {
  // Fast path: most names are already valid.
  if (VALID_NAME.test(name) && name.trim() === name) return name;
  let out = name.replace(INVALID_CHARS, '').replace(WHITESPACE, ' ').trim();
  if (out.length > MAX_NAME_LENGTH) {
    out = Array.from(out).slice(0, MAX_NAME_LENGTH).join('').trim();
  }
  if (out === '') return fallback === name ? 'span' : sanitizeName(fallback, 'span');
  return out;
}

const ANNOTATION_KEY_INVALID = /[^A-Za-z0-9_]/g;

/** Annotation keys may contain only `[A-Za-z0-9_]`: other characters become `_`. */
export function sanitizeAnnotationKey(key: string): string {
  const out = key.replace(ANNOTATION_KEY_INVALID, '_');
  if (out === '') return '_';
  return out.length > 500 ? out.slice(0, 500) : out;
}
