/**
 * X-Ray's wildcard patterns: `*` matches any run of characters (none
 * included), `?` exactly one; the pattern covers the whole value,
 * case-insensitively. A pattern of only `*` also matches a missing value;
 * every other pattern needs a value. Pure, never throws.
 *
 * Patterns are compiled once per rule load into a matcher that allocates
 * nothing per call (no regular expressions, no lower-casing of the value).
 */

/** A compiled pattern. `undefined` stands for an attribute the span does not have. @internal */
export type WildcardMatcher = (value: string | undefined) => boolean;

const STAR = 42; // '*'
const QUESTION = 63; // '?'

/** Lower-cases one UTF-16 code unit (ASCII inline; others through the engine's mapping). */
function fold(c: number): number {
  if (c < 128) return c >= 65 && c <= 90 ? c + 32 : c;
  const lower = String.fromCharCode(c).toLowerCase();
  return lower.length === 1 ? lower.charCodeAt(0) : c;
}

const matchAny: WildcardMatcher = () => true;

/** Compiles `pattern` (see the module comment). @internal */
export function compileWildcard(pattern: string): WildcardMatcher {
  const n = pattern.length;
  const codes = new Uint16Array(n);
  let stars = 0;
  let questions = 0;
  for (let i = 0; i < n; i++) {
    const c = pattern.charCodeAt(i);
    if (c === STAR) stars++;
    else if (c === QUESTION) questions++;
    codes[i] = c === STAR || c === QUESTION ? c : fold(c);
  }
  if (n > 0 && stars === n) return matchAny;

  if (stars === 0 && questions === 0) {
    // A literal: equal length and equal folded code units.
    return (value) => {
      if (value === undefined || value.length !== n) return false;
      for (let i = 0; i < n; i++) if (fold(value.charCodeAt(i)) !== codes[i]) return false;
      return true;
    };
  }

  if (stars === 0) {
    // Only `?`: equal length, `?` matches any unit.
    return (value) => {
      if (value === undefined || value.length !== n) return false;
      for (let i = 0; i < n; i++) {
        const p = codes[i] as number;
        if (p !== QUESTION && fold(value.charCodeAt(i)) !== p) return false;
      }
      return true;
    };
  }

  // General case: greedy scan that backtracks to the last `*` on a mismatch.
  // Worst case O(pattern × value); patterns are at most a few dozen characters.
  return (value) => {
    if (value === undefined) return false;
    const m = value.length;
    let p = 0;
    let v = 0;
    let starP = -1;
    let starV = 0;
    while (v < m) {
      if (p < n) {
        const pc = codes[p] as number;
        if (pc === STAR) {
          starP = p++;
          starV = v;
          continue;
        }
        if (pc === QUESTION || pc === fold(value.charCodeAt(v))) {
          p++;
          v++;
          continue;
        }
      }
      if (starP < 0) return false;
      p = starP + 1;
      v = ++starV;
    }
    while (p < n && codes[p] === STAR) p++;
    return p === n;
  };
}

/**
 * Matches `value` against `pattern` once. Compiles the pattern on every call:
 * for repeated matching, keep the result of {@link compileWildcard}.
 * @internal
 */
export function wildcardMatch(pattern: string, value: string | undefined): boolean {
  try {
    return compileWildcard(pattern)(value);
  } catch {
    return false;
  }
}
