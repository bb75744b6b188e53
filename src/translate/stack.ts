/**
 * Stack-trace parsing for X-Ray `cause.exceptions[].stack`.
 *
 * The input is the OTel `exception.stacktrace` event attribute. For Node.js that
 * is `Error.prototype.stack` as V8 formats it:
 *
 *     TypeError: message            <- header, may span several lines
 *         at fn (/app/x.js:10:5)    <- frames: whitespace + "at " + body
 *         at /app/x.js:11:3
 *
 * Body shapes handled (V8 "stack trace API" format):
 * - `[async ][new ]Type.fn [as alias] (location)` and `location` alone (anonymous);
 * - location = `path:line:col`, `path:line`, `native`, `<anonymous>`, `index N`
 *   (Promise.all), `unknown location`, or `eval at fn (location), <anonymous>:l:c`;
 * - paths: POSIX, Windows (`C:\app\x.js`, UNC), `file://` URLs, `node:internal/...`,
 *   `webpack://...`, and paths containing spaces or parentheses.
 *
 * Frames of other runtimes are recognised when it is cheap: Java
 * (`at com.x.Y.m(Y.java:10)`), Python (`File "x.py", line 3, in f`) and Go
 * (`pkg.fn(...)` followed by a tab-indented `/path/x.go:10 +0x1d`).
 *
 * Decisions:
 * - `label` is the function text exactly as V8 prints it, including the `async ` and
 *   `new ` prefixes and any `[as alias]` suffix (`async fn`, `new Foo`,
 *   `Object.bar [as baz]`), like the X-Ray Node SDK. Frames without a function name
 *   get `anonymous` (the X-Ray Node SDK's word), or `async anonymous`.
 * - `file://` URLs become plain paths (`file:///app/x.mjs` -> `/app/x.mjs`,
 *   `file:///C:/app/x.mjs` -> `C:/app/x.mjs`, percent-escapes decoded) so ESM and CJS
 *   frames read alike and match `working_directory`. Other schemes are kept verbatim.
 * - Non-file locations (`native`, `<anonymous>`, `index 0`) are kept as the `path`
 *   text, with no `line`.
 * - `eval` frames point at the eval call site (the innermost `eval at` origin), the
 *   only place in the trace that names a real file.
 * - Lines that are not frames (header, Java `Caused by:` / `... 5 more`, Python code
 *   lines, garbage) are skipped.
 *
 * Cost: the input is cut to {@link MAX_STACK_CHARS} first, and every step below is a
 * bounded number of linear scans per line (indexOf/lastIndexOf and hand-written
 * loops; no backtracking regular expressions), so parsing is linear in the input.
 * Pure: no clock, no environment, no file system. Never throws.
 */
import { cut } from './values.js';

/** One frame of `cause.exceptions[].stack`. */
export interface XRayStackFrame {
  label?: string;
  path?: string;
  line?: number;
}

/** @internal */
export interface ParsedStack {
  frames: XRayStackFrame[];
  /** Frames found but not returned because of `maxFrames`. */
  truncated: number;
}

/** @internal */
export interface ExceptionHeader {
  type?: string;
  message?: string;
}

/**
 * X-Ray SDK default for the number of frames kept per exception.
 * @internal
 */
export const DEFAULT_MAX_FRAMES = 50;
/**
 * Stacks longer than this (UTF-16 code units) are cut before parsing.
 * @internal
 */
export const MAX_STACK_CHARS = 64 * 1024;
/** Longest `label` or `path` kept; longer ones are cut. */
const MAX_FIELD_CHARS = 1024;
/** Longest run of nested `eval at` origins we unwrap. */
const MAX_EVAL_DEPTH = 8;
/** Longest header prefix that may be taken as an exception type. */
const MAX_TYPE_CHARS = 256;

const ANONYMOUS = 'anonymous';

/**
 * Parses the frames of a stack trace. `truncated` counts frames that were found
 * beyond `maxFrames` (frames lost to the {@link MAX_STACK_CHARS} cut are not known
 * and not counted).
 * @internal
 */
export function parseNodeStack(stack: string, maxFrames: number = DEFAULT_MAX_FRAMES): ParsedStack {
  const result: ParsedStack = { frames: [], truncated: 0 };
  if (typeof stack !== 'string' || stack.length === 0) return result;
  const limit = normaliseMaxFrames(maxFrames);
  const lines = splitLines(stack);

  // Go prints the function on one line and its position on the next, indented.
  let previous = '';
  for (const line of lines) {
    const frame = parseFrameLine(line, previous);
    previous = line;
    if (frame === undefined) continue;
    if (result.frames.length < limit) result.frames.push(frame);
    else result.truncated++;
  }
  return result;
}

/**
 * Reads the exception type and message from a stack trace's header (the text
 * before the first frame): `TypeError: boom` -> `{ type: 'TypeError', message: 'boom' }`.
 * A header with no `Type: ` prefix becomes the message. Python tracebacks put the
 * header last; that is handled too. Used when an exception event has a stack trace
 * but no `exception.type` / `exception.message`.
 * @internal
 */
export function parseExceptionHeader(stack: string): ExceptionHeader {
  if (typeof stack !== 'string' || stack.length === 0) return {};
  const lines = splitLines(stack);
  const first = lines[0] ?? '';

  let header: string;
  if (first.startsWith('Traceback (most recent call last):')) {
    // Python: the final exception is the last line that is not indented.
    header = '';
    for (let i = lines.length - 1; i > 0; i--) {
      const line = lines[i] ?? '';
      if (line.length > 0 && !isBlank(line.charCodeAt(0))) {
        header = line;
        break;
      }
    }
  } else {
    const headerLines: string[] = [];
    let previous = '';
    for (const line of lines) {
      if (parseFrameLine(line, previous) !== undefined) {
        // Go's first frame starts on the function line already taken as header.
        if (isGoPositionLine(line, previous)) headerLines.pop();
        break;
      }
      headerLines.push(line);
      previous = line;
    }
    header = headerLines.join('\n');
  }
  return splitHeader(header.trim());
}

// ---------------------------------------------------------------------------
// Lines

/** Cuts the input to MAX_STACK_CHARS at a line boundary and splits it into lines. */
function splitLines(stack: string): string[] {
  let text = stack;
  if (text.length > MAX_STACK_CHARS) {
    const cut = text.lastIndexOf('\n', MAX_STACK_CHARS);
    text = text.slice(0, cut > 0 ? cut : MAX_STACK_CHARS);
  }
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
  }
  return lines;
}

/** Space or tab. */
function isBlank(code: number): boolean {
  return code === 32 || code === 9;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Index of the first character that is not a space or tab. */
function indentOf(line: string): number {
  let i = 0;
  while (i < line.length && isBlank(line.charCodeAt(i))) i++;
  return i;
}

/**
 * Returns the frame a line describes, or undefined when it is not a frame.
 * `previous` is the line before it (for Go's two-line frames).
 */
function parseFrameLine(line: string, previous: string): XRayStackFrame | undefined {
  const indent = indentOf(line);
  if (indent === 0) return undefined; // frames are always indented
  if (line.startsWith('at ', indent)) return parseAtBody(line.slice(indent + 3).trim());
  if (line.startsWith('File "', indent)) return parsePythonFrame(line.slice(indent + 6));
  if (isGoPositionLine(line, previous)) return parseGoFrame(line, previous);
  return undefined;
}

// ---------------------------------------------------------------------------
// V8 (and Java) `at ...` frames

function parseAtBody(body: string): XRayStackFrame | undefined {
  if (body.length === 0) return undefined;

  let rest = body;
  let asyncPrefix = '';
  if (rest.startsWith('async ')) {
    asyncPrefix = 'async ';
    rest = rest.slice(6).trimStart();
  }

  let fn = '';
  let location = rest;
  const open = findLocationOpen(rest);
  if (open >= 0) {
    fn = rest.slice(0, open).trim();
    location = rest.endsWith(')') ? rest.slice(open + 1, -1) : rest.slice(open + 1);
  }

  const { path, line } = parseLocation(location.trim());
  if (path === undefined) return undefined;
  // Source-map rewriters (tsx, source-map-support) print `at <anonymous> (file)`
  // where V8 prints `at file`: both are the same anonymous frame.
  const label = asyncPrefix + (fn.length > 0 && fn !== '<anonymous>' ? fn : ANONYMOUS);
  return makeFrame(label, path, line);
}

/**
 * Finds the `(` that opens the location in `fn (location)`, or -1 for an anonymous
 * frame (`at location`). Function names and paths can both contain parentheses
 * (`at x (y) (/app/a.js:1:2)`, `at f (/tmp/dir (1/a.js:1:2)`), and eval locations
 * nest them (`at eval (eval at f (/app/a.js:1:1), <anonymous>:1:1)`), so:
 * - the first ` (` is the answer, unless no eval location follows it and the `(`
 *   balancing the final `)` comes later, has a space before it, and the text in
 *   between holds no path characters (that text is then part of the function name,
 *   as in `x (y)`);
 * - with no ` (` at all, the balancing `(` (Java's `pkg.Cls.m(File.java:10)`).
 * A body that does not end with `)` was cut short (attribute length limits): its
 * first ` (` opens the location unless the text before it looks like a path.
 */
function findLocationOpen(body: string): number {
  const spaced = body.indexOf(' (');
  const first = spaced >= 0 ? spaced + 1 : -1;
  if (!body.endsWith(')')) {
    return first >= 0 && !looksLikePath(body.slice(0, first)) ? first : -1;
  }

  let balanced = -1;
  let depth = 0;
  for (let i = body.length - 1; i >= 0; i--) {
    const code = body.charCodeAt(i);
    if (code === 41 /* ) */) depth++;
    else if (code === 40 /* ( */ && --depth === 0) {
      balanced = i;
      break;
    }
  }

  if (first < 0) return balanced >= 0 ? balanced : body.indexOf('(');
  if (body.startsWith('eval at ', first + 1)) return first; // parentheses nest inside
  if (
    balanced > first &&
    body.charCodeAt(balanced - 1) === 32 &&
    !looksLikePath(body.slice(first, balanced))
  ) {
    return balanced;
  }
  return first;
}

/** Paths have separators or drive/scheme colons; function names do not. */
function looksLikePath(text: string): boolean {
  return text.includes('/') || text.includes('\\') || text.includes(':');
}

/**
 * Splits a location into path and line. Unwraps `eval at` origins first, then takes
 * up to two trailing `:digits` groups as line and column.
 */
function parseLocation(raw: string): { path: string | undefined; line: number | undefined } {
  let location = raw;
  // `eval at fn (origin), <anonymous>:1:1`: the origin is the eval call site, and
  // may itself be an `eval at` location. Each pass strips one level.
  for (let depth = 0; depth < MAX_EVAL_DEPTH && location.startsWith('eval at '); depth++) {
    const open = location.indexOf(' (', 8);
    if (open < 0) break;
    let close = location.lastIndexOf('), ');
    if (close < open && location.endsWith(')')) close = location.length - 1;
    if (close < open) break;
    location = location.slice(open + 2, close).trim();
  }

  // Trailing `:line:col` or `:line`. The column is not part of an X-Ray frame.
  let end = location.length;
  const numbers: string[] = [];
  for (let group = 0; group < 2; group++) {
    let i = end - 1;
    while (i >= 0 && isDigit(location.charCodeAt(i))) i--;
    if (i === end - 1 || i < 0 || location.charCodeAt(i) !== 58 /* : */) break;
    numbers.unshift(location.slice(i + 1, end));
    end = i;
  }
  const path = normalisePath(location.slice(0, end));
  return { path: path.length > 0 ? path : undefined, line: toLine(numbers[0]) };
}

/** A positive line number, or undefined for 0, absurd values and missing digits. */
function toLine(digits: string | undefined): number | undefined {
  if (digits === undefined || digits.length > 9) return undefined;
  const n = Number(digits);
  return n >= 1 ? n : undefined;
}

/** `file://` URLs to plain paths; everything else verbatim. */
function normalisePath(path: string): string {
  if (!path.startsWith('file://')) return path;
  let rest = path.slice(7);
  if (rest.startsWith('/')) {
    // `file:///C:/app/x.mjs` -> `C:/app/x.mjs`
    if (rest.length >= 3 && rest.charCodeAt(2) === 58 /* : */ && isLetter(rest.charCodeAt(1))) {
      rest = rest.slice(1);
    }
  } else {
    // `file://server/share/x.mjs` names a host: keep it as a UNC-style path.
    rest = '//' + rest;
  }
  if (!rest.includes('%')) return rest;
  try {
    return decodeURIComponent(rest);
  } catch {
    return rest; // malformed escape: keep the text as it is
  }
}

function isLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

// ---------------------------------------------------------------------------
// Python and Go frames

/** `File "/app/x.py", line 3, in handler` (the part after `File "`). */
function parsePythonFrame(rest: string): XRayStackFrame | undefined {
  const quote = rest.indexOf('"');
  if (quote <= 0) return undefined;
  const path = rest.slice(0, quote);
  const after = rest.slice(quote + 1);
  let line: number | undefined;
  let label: string | undefined;
  if (after.startsWith(', line ')) {
    let i = 7;
    while (i < after.length && isDigit(after.charCodeAt(i))) i++;
    line = toLine(after.slice(7, i));
    const inAt = after.indexOf(', in ', i);
    if (inAt >= 0) label = after.slice(inAt + 5).trim();
  }
  return makeFrame(label !== undefined && label.length > 0 ? label : ANONYMOUS, path, line);
}

/** A Go function line: not indented, ends with the argument list `(...)`. */
function isGoFunctionLine(line: string): boolean {
  return line.length > 0 && !isBlank(line.charCodeAt(0)) && line.endsWith(')');
}

/** Go's second frame line: tab-indented, after a function line (not `at`/`File`). */
function isGoPositionLine(line: string, previous: string): boolean {
  if (line.charCodeAt(0) !== 9 || !isGoFunctionLine(previous)) return false;
  const indent = indentOf(line);
  return !line.startsWith('at ', indent) && !line.startsWith('File "', indent);
}

/** `\t/app/main.go:10 +0x1d` after `main.(*T).run(0x1)`. */
function parseGoFrame(line: string, functionLine: string): XRayStackFrame | undefined {
  let position = line.trim();
  const offset = position.lastIndexOf(' +0x');
  if (offset >= 0) position = position.slice(0, offset);
  const { path, line: lineNumber } = parseLocation(position);
  if (path === undefined || lineNumber === undefined) return undefined;
  const args = functionLine.lastIndexOf('(');
  const fn = (args > 0 ? functionLine.slice(0, args) : functionLine).trim();
  return makeFrame(fn.length > 0 ? fn : ANONYMOUS, path, lineNumber);
}

// ---------------------------------------------------------------------------
// Shared

/** Builds a frame in X-Ray's field order, leaving out absent fields. */
function makeFrame(label: string, path: string, line: number | undefined): XRayStackFrame {
  const frame: XRayStackFrame = { path: cut(path, MAX_FIELD_CHARS) };
  if (line !== undefined) frame.line = line;
  frame.label = cut(label, MAX_FIELD_CHARS);
  return frame;
}

function normaliseMaxFrames(maxFrames: number): number {
  if (typeof maxFrames !== 'number' || Number.isNaN(maxFrames)) return DEFAULT_MAX_FRAMES;
  return maxFrames <= 0 ? 0 : Math.floor(maxFrames);
}

/**
 * Splits `Type: message` (the type being an identifier such as `TypeError`,
 * `java.lang.IllegalStateException` or `TypeError [ERR_INVALID_ARG_TYPE]`).
 */
function splitHeader(header: string): ExceptionHeader {
  if (header.length === 0) return {};
  const colon = header.indexOf(': ');
  const candidate = colon >= 0 ? header.slice(0, colon) : header;
  if (isTypeName(candidate)) {
    if (colon < 0) return { type: candidate };
    const message = header.slice(colon + 2);
    return message.length > 0 ? { type: candidate, message } : { type: candidate };
  }
  return { message: header };
}

/** Linear regex: no nested or overlapping quantifiers. */
const TYPE_NAME = /^[A-Za-z_$][\w$.]*(?: \[[^\]\n]*\])?$/;

function isTypeName(text: string): boolean {
  return text.length > 0 && text.length <= MAX_TYPE_CHARS && TYPE_NAME.test(text);
}
