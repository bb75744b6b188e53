import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import {
  DEFAULT_MAX_FRAMES,
  MAX_STACK_CHARS,
  parseExceptionHeader,
  parseNodeStack,
} from '../../src/translate/stack.js';
import type { XRayStackFrame } from '../../src/translate/stack.js';

const THIS_FILE = fileURLToPath(import.meta.url);
const SOURCE_LINES = readFileSync(THIS_FILE, 'utf8').split('\n');

/** 1-based line of this file that carries the comment `// line:<name>`. */
function markerLine(name: string): number {
  const index = SOURCE_LINES.findIndex((line) => line.trimEnd().endsWith(`// line:${name}`));
  assert.ok(index >= 0, `marker ${name} not found`);
  return index + 1;
}

function stackOf(error: unknown): string {
  assert.ok(error instanceof Error);
  assert.equal(typeof error.stack, 'string');
  return error.stack as string;
}

// --- Real errors thrown in this process --------------------------------------------------

function throwPlain(): never {
  throw new Error('plain'); // line:plain
}

async function throwAsync(): Promise<never> {
  await null;
  throw new Error('async'); // line:async
}

class Widget {
  readonly stack: string;
  constructor() {
    this.stack = stackOf(new Error('ctor')); // line:ctor
  }
  describe(): string {
    return stackOf(new Error('method')); // line:method
  }
  static create(): string {
    return stackOf(new Error('static')); // line:static
  }
}

function capture(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return stackOf(error);
  }
  assert.fail('expected a throw');
}

async function captureAsync(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (error) {
    return stackOf(error);
  }
  assert.fail('expected a rejection');
}

describe('parseNodeStack: real V8 stacks from this process', () => {
  it('a plain function: label, path and line of the throw', () => {
    const { frames } = parseNodeStack(capture(throwPlain));
    assert.deepEqual(frames[0], {
      path: THIS_FILE,
      line: markerLine('plain'),
      label: 'throwPlain',
    });
    // The caller is an arrow function passed to capture(): V8 names it after nothing.
    assert.ok(frames.length >= 2);
  });

  it('an async function: the awaiting caller keeps the `async ` prefix', async () => {
    const stack = await captureAsync(() => throwAsync());
    const { frames } = parseNodeStack(stack);
    assert.deepEqual(frames[0], {
      path: THIS_FILE,
      line: markerLine('async'),
      label: 'throwAsync',
    });
    assert.ok(
      frames.some((f) => f.label?.startsWith('async ') === true && f.path === THIS_FILE),
      JSON.stringify(frames),
    );
  });

  it('Node internals: `node:` modules kept as the path', () => {
    const stack = capture(() => readFileSync(join(tmpdir(), 'otel-xray-missing', 'nothing')));
    const { frames } = parseNodeStack(stack);
    const internal = frames[0];
    assert.equal(internal?.path, 'node:fs', stack);
    assert.match(internal?.label ?? '', /^Object\.\w+Sync$/);
    assert.ok(Number.isInteger(internal?.line) && (internal?.line ?? 0) > 0);
    // The arrow function passed to capture(): `at <anonymous> (file)` under tsx's
    // source maps, `at file` natively; both read as `anonymous`.
    assert.ok(
      frames.some((f) => f.path === THIS_FILE && f.label === 'anonymous'),
      JSON.stringify(frames),
    );
  });

  it('a constructor: `new Widget`', () => {
    const { frames } = parseNodeStack(new Widget().stack);
    assert.deepEqual(frames[0], { path: THIS_FILE, line: markerLine('ctor'), label: 'new Widget' });
  });

  it('a class method, a static method and an aliased method', () => {
    const widget = new Widget();
    assert.deepEqual(parseNodeStack(widget.describe()).frames[0], {
      path: THIS_FILE,
      line: markerLine('method'),
      label: 'Widget.describe',
    });
    const staticFrame = parseNodeStack(Widget.create()).frames[0];
    assert.equal(staticFrame?.path, THIS_FILE);
    assert.equal(staticFrame?.line, markerLine('static'));
    // V8 names the receiver's constructor: `Widget` natively, `Function` once the
    // class has gone through tsx/esbuild. Both are what the runtime printed.
    assert.match(staticFrame?.label ?? '', /^(Widget|Function)\.create$/);
    // tsx's stack rewriting drops V8's `[as alias]`; the plain ES module below keeps it.
    const holder = { alias: widget.describe };
    const aliasFrame = parseNodeStack(holder.alias()).frames[0];
    assert.equal(aliasFrame?.line, markerLine('method'));
    assert.match(aliasFrame?.label ?? '', /^Object\.describe( \[as alias\])?$/);
  });

  it('eval and new Function: the frame points at the eval call site', () => {
    const evalStack = String(eval('new Error("ev").stack'));
    assert.match(evalStack, /at eval \(eval at /);
    const evalFrame = parseNodeStack(evalStack).frames[0];
    assert.equal(evalFrame?.label, 'eval');
    assert.equal(evalFrame?.path, THIS_FILE);
    assert.ok(Number.isInteger(evalFrame?.line) && (evalFrame?.line ?? 0) > 0);

    const fnStack = String(new Function('return new Error("fn").stack')());
    const fnFrame = parseNodeStack(fnStack).frames[0];
    assert.equal(fnFrame?.label, 'eval');
    assert.equal(fnFrame?.path, THIS_FILE);
  });

  it('built-ins without a file: `<anonymous>` as the path, no line', () => {
    const jsonStack = capture(() => JSON.parse('{'));
    assert.deepEqual(parseNodeStack(jsonStack).frames[0], {
      path: '<anonymous>',
      label: 'JSON.parse',
    });
    const mapStack = capture(() =>
      [1].map(() => {
        throw new Error('in map');
      }),
    );
    assert.ok(
      parseNodeStack(mapStack).frames.some(
        (f) => f.label === 'Array.map' && f.path === '<anonymous>' && f.line === undefined,
      ),
    );
  });

  it('Promise.all: `async Promise.all` at `index 0`', async () => {
    const stack = await captureAsync(() => Promise.all([throwAsync()]));
    assert.ok(
      parseNodeStack(stack).frames.some(
        (f) => f.label === 'async Promise.all' && f.path === 'index 0' && f.line === undefined,
      ),
      stack,
    );
  });

  describe('a plain file:// ES module (untouched by tsx) in a directory with spaces and parentheses', () => {
    // Line numbers below are the module's own (1-based).
    const MODULE = [
      'export function boom() {',
      '  return new Error("esm").stack;',
      '}',
      'export async function later() {',
      '  await null;',
      '  throw new Error("later");',
      '}',
      'class Widget {',
      '  constructor() { this.stack = new Error("ctor").stack; }',
      '  describe() { return new Error("method").stack; }',
      '  static create() { return new Error("static").stack; }',
      '}',
      'export const make = () => new Widget().stack;',
      'export const holder = { alias: Widget.prototype.describe };',
      'export const create = () => Widget.create();',
      'export const evaluate = () => eval("new Error(\'ev\').stack");',
      '',
    ].join('\n');
    interface Fixture {
      boom: () => string;
      later: () => Promise<never>;
      make: () => string;
      holder: { alias: () => string };
      create: () => string;
      evaluate: () => string;
    }
    let dir = '';
    let file = '';
    let mod: Fixture;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'otel xray ('));
      file = join(dir, 'mod (1).mjs');
      writeFileSync(file, MODULE);
      mod = (await import(pathToFileURL(file).href)) as Fixture;
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('V8 prints the frames as file:// URLs with percent-escapes', () => {
      assert.ok(mod.boom().includes(pathToFileURL(file).href), mod.boom());
    });

    const expectations: Array<[string, (m: Fixture) => string | Promise<string>, number, string]> =
      [
        ['function', (m) => m.boom(), 2, 'Module.boom'],
        ['async function', (m) => captureAsync(() => m.later()), 6, 'Module.later'],
        ['constructor', (m) => m.make(), 9, 'new Widget'],
        ['aliased method', (m) => m.holder.alias(), 10, 'Object.describe [as alias]'],
        ['static method', (m) => m.create(), 11, 'Widget.create'],
        ['eval (call site)', (m) => m.evaluate(), 16, 'eval'],
      ];
    for (const [name, produce, line, label] of expectations) {
      it(`${name}: the file path without the scheme, decoded`, async () => {
        const stack = await produce(mod);
        assert.deepEqual(parseNodeStack(stack).frames[0], { path: file, line, label }, stack);
      });
    }
  });
});

// --- Literal fixtures ----------------------------------------------------------------------

interface Case {
  name: string;
  /** Body of one frame line; the test indents it with four spaces and `at `. */
  at: string;
  frame: XRayStackFrame | undefined;
}

const CASES: Case[] = [
  {
    name: 'named function',
    at: 'fn (/abs/path/file.js:10:5)',
    frame: { path: '/abs/path/file.js', line: 10, label: 'fn' },
  },
  {
    name: 'anonymous',
    at: '/abs/path/file.js:10:5',
    frame: { path: '/abs/path/file.js', line: 10, label: 'anonymous' },
  },
  {
    name: 'async named, file:// URL',
    at: 'async fn (file:///app/x.mjs:3:9)',
    frame: { path: '/app/x.mjs', line: 3, label: 'async fn' },
  },
  {
    name: 'async anonymous',
    at: 'async file:///app/x.mjs:3:9',
    frame: { path: '/app/x.mjs', line: 3, label: 'async anonymous' },
  },
  {
    name: 'constructor',
    at: 'new Foo (/app/foo.js:1:1)',
    frame: { path: '/app/foo.js', line: 1, label: 'new Foo' },
  },
  {
    name: 'Object.<anonymous>',
    at: 'Object.<anonymous> (/app/index.js:7:3)',
    frame: { path: '/app/index.js', line: 7, label: 'Object.<anonymous>' },
  },
  {
    name: 'method alias',
    at: 'Foo.bar [as baz] (/app/foo.js:2:2)',
    frame: { path: '/app/foo.js', line: 2, label: 'Foo.bar [as baz]' },
  },
  {
    name: 'node: internal frame',
    at: 'process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
    frame: {
      path: 'node:internal/process/task_queues',
      line: 95,
      label: 'process.processTicksAndRejections',
    },
  },
  {
    name: 'internal anonymous frame',
    at: 'node:internal/main/run_main_module:28:49',
    frame: { path: 'node:internal/main/run_main_module', line: 28, label: 'anonymous' },
  },
  { name: 'native', at: 'native', frame: { path: 'native', label: 'anonymous' } },
  {
    name: 'old-style native location',
    at: 'Array.forEach (native)',
    frame: { path: 'native', label: 'Array.forEach' },
  },
  {
    name: 'eval',
    at: 'eval (eval at <anonymous> (file.js:1:1), <anonymous>:1:1)',
    frame: { path: 'file.js', line: 1, label: 'eval' },
  },
  {
    name: 'nested eval',
    at: 'eval (eval at outer (eval at inner (/app/e.js:4:2), <anonymous>:2:3), <anonymous>:5:6)',
    frame: { path: '/app/e.js', line: 4, label: 'eval' },
  },
  {
    name: 'Promise.all index',
    at: 'Promise.all (index 0)',
    frame: { path: 'index 0', label: 'Promise.all' },
  },
  {
    name: 'unknown location',
    at: 'fn (unknown location)',
    frame: { path: 'unknown location', label: 'fn' },
  },
  {
    name: 'Windows path',
    at: 'fn (C:\\app\\x.js:3:4)',
    frame: { path: 'C:\\app\\x.js', line: 3, label: 'fn' },
  },
  {
    name: 'Windows anonymous',
    at: 'C:\\app\\x.js:3:4',
    frame: { path: 'C:\\app\\x.js', line: 3, label: 'anonymous' },
  },
  {
    name: 'Windows path with spaces and parentheses',
    at: 'fn (C:\\Program Files (x86)\\app\\x.js:3:4)',
    frame: { path: 'C:\\Program Files (x86)\\app\\x.js', line: 3, label: 'fn' },
  },
  {
    name: 'Windows anonymous with parentheses',
    at: 'C:\\Program Files (x86)\\app\\x.js:3:4',
    frame: { path: 'C:\\Program Files (x86)\\app\\x.js', line: 3, label: 'anonymous' },
  },
  {
    name: 'UNC path',
    at: 'fn (\\\\server\\share\\x.js:8:1)',
    frame: { path: '\\\\server\\share\\x.js', line: 8, label: 'fn' },
  },
  {
    name: 'Windows file:// URL',
    at: 'fn (file:///C:/app/my%20app/x.mjs:3:9)',
    frame: { path: 'C:/app/my app/x.mjs', line: 3, label: 'fn' },
  },
  {
    name: 'file:// URL with a host',
    at: 'fn (file://server/share/x.mjs:3:9)',
    frame: { path: '//server/share/x.mjs', line: 3, label: 'fn' },
  },
  {
    name: 'file:// URL with a malformed escape',
    at: 'fn (file:///app/100%/x.mjs:3:9)',
    frame: { path: '/app/100%/x.mjs', line: 3, label: 'fn' },
  },
  {
    name: 'webpack eval source',
    at: 'Module../src/index.js (webpack:///./src/index.js?:5:7)',
    frame: { path: 'webpack:///./src/index.js?', line: 5, label: 'Module../src/index.js' },
  },
  {
    name: 'webpack-internal',
    at: '__webpack_require__ (webpack-internal:///./node_modules/a/b.js:21:30)',
    frame: {
      path: 'webpack-internal:///./node_modules/a/b.js',
      line: 21,
      label: '__webpack_require__',
    },
  },
  {
    name: 'esbuild bundle',
    at: 'handler (/var/task/index.mjs:123456:45)',
    frame: { path: '/var/task/index.mjs', line: 123456, label: 'handler' },
  },
  {
    name: 'path with spaces and balanced parentheses',
    at: 'fn (/app/my dir (copy)/x.js:1:2)',
    frame: { path: '/app/my dir (copy)/x.js', line: 1, label: 'fn' },
  },
  {
    name: 'path with an unbalanced parenthesis',
    at: 'fn (/app/a(b/x.js:1:2)',
    frame: { path: '/app/a(b/x.js', line: 1, label: 'fn' },
  },
  {
    name: 'path with a space before an unbalanced parenthesis',
    at: 'fn (/tmp/otel xray (abc/x.js:1:2)',
    frame: { path: '/tmp/otel xray (abc/x.js', line: 1, label: 'fn' },
  },
  {
    name: 'path with an unbalanced closing parenthesis',
    at: 'fn (/app/a)b/x.js:1:2)',
    frame: { path: '/app/a)b/x.js', line: 1, label: 'fn' },
  },
  {
    name: 'eval in a path with unbalanced parentheses',
    at: 'eval (eval at f (file:///tmp/a%20(b/m%20(1).mjs:16:31), <anonymous>:1:1)',
    frame: { path: '/tmp/a (b/m (1).mjs', line: 16, label: 'eval' },
  },
  {
    name: 'function name with parentheses',
    at: 'x (y) (/app/b.cjs:6:43)',
    frame: { path: '/app/b.cjs', line: 6, label: 'x (y)' },
  },
  {
    name: 'getter',
    at: 'get g [as g] (/app/b.cjs:4:69)',
    frame: { path: '/app/b.cjs', line: 4, label: 'get g [as g]' },
  },
  {
    name: 'no column',
    at: 'fn (/app/x.js:12)',
    frame: { path: '/app/x.js', line: 12, label: 'fn' },
  },
  {
    name: 'no line',
    at: 'fn (/app/x.js)',
    frame: { path: '/app/x.js', label: 'fn' },
  },
  {
    name: 'line 0 is not a line',
    at: 'fn (/app/x.js:0:1)',
    frame: { path: '/app/x.js', label: 'fn' },
  },
  {
    name: 'absurd line number',
    at: 'fn (/app/x.js:12345678901234:1)',
    frame: { path: '/app/x.js', label: 'fn' },
  },
  {
    name: 'line cut short by an attribute length limit',
    at: 'fn (/app/x.js:1',
    frame: { path: '/app/x.js', line: 1, label: 'fn' },
  },
  {
    name: 'wasm',
    at: 'wasm://wasm/1234:wasm-function[1]:0x3f',
    frame: { path: 'wasm://wasm/1234:wasm-function[1]:0x3f', label: 'anonymous' },
  },
  { name: 'empty body', at: '', frame: undefined },
  { name: 'only a position', at: ':1:2', frame: undefined },
];

describe('parseNodeStack: frame shapes', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const { frames, truncated } = parseNodeStack(`Error: x\n    at ${c.at}`);
      assert.deepEqual(frames, c.frame === undefined ? [] : [c.frame]);
      assert.equal(truncated, 0);
    });
  }

  it('skips the header, multi-line messages and garbage lines; accepts CRLF and tabs', () => {
    const stack = [
      'Error: first line',
      'second line of the message',
      '    indented message line that is not a frame',
      '    at fn (/app/a.js:1:2)\r',
      'garbage between frames',
      '\tat other (/app/b.js:3:4)',
      '    ... 4 lines matching cause stack trace ...',
      'at unindented (/app/c.js:5:6)',
      '',
    ].join('\n');
    assert.deepEqual(parseNodeStack(stack).frames, [
      { path: '/app/a.js', line: 1, label: 'fn' },
      { path: '/app/b.js', line: 3, label: 'other' },
    ]);
  });

  it('Java frames, including `Caused by` sections', () => {
    const stack = [
      'java.lang.IllegalStateException: boom',
      '\tat com.example.Service.run(Service.java:42)',
      '\tat java.base/java.lang.Thread.run(Thread.java:829)',
      'Caused by: java.io.IOException: disk',
      '\tat com.example.Disk.read(Native Method)',
      '\t... 2 more',
    ].join('\n');
    assert.deepEqual(parseNodeStack(stack).frames, [
      { path: 'Service.java', line: 42, label: 'com.example.Service.run' },
      { path: 'Thread.java', line: 829, label: 'java.base/java.lang.Thread.run' },
      { path: 'Native Method', label: 'com.example.Disk.read' },
    ]);
  });

  it('Python frames, in traceback order', () => {
    const stack = [
      'Traceback (most recent call last):',
      '  File "/app/handler.py", line 12, in handler',
      '    return work()',
      '  File "/app/work.py", line 3, in work',
      '    raise ValueError("bad")',
      'ValueError: bad',
    ].join('\n');
    assert.deepEqual(parseNodeStack(stack).frames, [
      { path: '/app/handler.py', line: 12, label: 'handler' },
      { path: '/app/work.py', line: 3, label: 'work' },
    ]);
  });

  it('Go frames', () => {
    const stack = [
      'goroutine 1 [running]:',
      'main.(*Server).handle(0xc000010000, {0x1, 0x2})',
      '\t/app/server.go:10 +0x1d',
      'main.main()',
      '\t/app/main.go:20 +0x25',
      'created by main.start in goroutine 1',
      '\t/app/main.go:5 +0x10',
    ].join('\n');
    assert.deepEqual(parseNodeStack(stack).frames, [
      { path: '/app/server.go', line: 10, label: 'main.(*Server).handle' },
      { path: '/app/main.go', line: 20, label: 'main.main' },
    ]);
  });

  it('caps label and path lengths', () => {
    const long = 'x'.repeat(5000);
    const [frame] = parseNodeStack(`Error\n    at ${long} (/${long}.js:1:1)`).frames;
    assert.equal(frame?.label?.length, 1024);
    assert.equal(frame?.path?.length, 1024);
  });

  it('returns nothing for empty and non-string input', () => {
    assert.deepEqual(parseNodeStack(''), { frames: [], truncated: 0 });
    assert.deepEqual(parseNodeStack(undefined as unknown as string), { frames: [], truncated: 0 });
    assert.deepEqual(parseNodeStack(42 as unknown as string), { frames: [], truncated: 0 });
  });
});

describe('parseNodeStack: bounds', () => {
  const frames = (n: number): string =>
    [
      'Error: deep',
      ...Array.from({ length: n }, (_, i) => `    at f${i} (/app/x.js:${i + 1}:1)`),
    ].join('\n');

  it(`keeps ${DEFAULT_MAX_FRAMES} frames by default and counts the rest`, () => {
    const parsed = parseNodeStack(frames(60));
    assert.equal(parsed.frames.length, DEFAULT_MAX_FRAMES);
    assert.equal(parsed.truncated, 10);
    assert.deepEqual(parsed.frames[49], { path: '/app/x.js', line: 50, label: 'f49' });
  });

  it('honours maxFrames, including 0; NaN means the default', () => {
    assert.deepEqual(parseNodeStack(frames(5), 2), {
      frames: [
        { path: '/app/x.js', line: 1, label: 'f0' },
        { path: '/app/x.js', line: 2, label: 'f1' },
      ],
      truncated: 3,
    });
    assert.deepEqual(parseNodeStack(frames(5), 0), { frames: [], truncated: 5 });
    assert.deepEqual(parseNodeStack(frames(5), -3), { frames: [], truncated: 5 });
    assert.equal(parseNodeStack(frames(60), Number.NaN).frames.length, DEFAULT_MAX_FRAMES);
    assert.equal(parseNodeStack(frames(60), Infinity).frames.length, 60);
    assert.equal(parseNodeStack(frames(5), 2.9).frames.length, 2);
  });

  it(`reads only the first ${MAX_STACK_CHARS} characters, cut at a line boundary`, () => {
    const text = frames(10_000);
    assert.ok(text.length > 4 * MAX_STACK_CHARS);
    const parsed = parseNodeStack(text, Infinity);
    const visible = text.slice(0, MAX_STACK_CHARS).split('\n').length - 2; // header, partial line
    assert.equal(parsed.frames.length, visible);
    const last = parsed.frames[parsed.frames.length - 1];
    assert.deepEqual(last, { path: '/app/x.js', line: visible, label: `f${visible - 1}` });
  });

  // Each input is larger than the cut, so a quadratic step would cost billions of
  // operations on the 64 KiB kept; linear parsing takes milliseconds.
  const ADVERSARIAL: Array<[string, string]> = [
    ['100k spaces', ' '.repeat(100_000)],
    ['100k spaces after `at`', '    at ' + ' '.repeat(100_000) + 'x'],
    ['nested parentheses', '    at ' + '('.repeat(50_000) + ')'.repeat(50_000)],
    ['spaced parentheses', '    at ' + ' ('.repeat(50_000) + ')'],
    ['unclosed spaced parentheses', '    at ' + 'a ('.repeat(50_000)],
    ['nested eval origins', '    at eval (' + 'eval at f ('.repeat(20_000) + 'x.js:1:1)'],
    ['eval separators', '    at eval (eval at f (' + '), '.repeat(50_000)],
    ['digit and colon runs', '    at f (' + ':1'.repeat(50_000) + ')'],
    ['only digits', '    at f (' + '9'.repeat(100_000) + ')'],
    ['many short frames', '    at a (b:1:1)\n'.repeat(20_000)],
    ['many empty lines', '\n'.repeat(200_000)],
    ['many header colons', 'E: '.repeat(50_000)],
    ['long type-like header', 'A'.repeat(100_000) + ' [' + 'x'.repeat(100_000)],
    ['percent escapes', '    at f (file:///' + '%2'.repeat(50_000) + ':1:1)'],
    ['python-like', '  File "' + '"'.repeat(100_000)],
    ['go-like', 'f()\n\t' + ' +0x'.repeat(50_000)],
  ];
  // Deterministic checks (no clock): the parsers read no more than the cut,
  // so what follows it changes nothing, and the output is no larger than the
  // part read. Their speed on these inputs is measured by the benchmark.
  for (const [name, input] of ADVERSARIAL) {
    it(`reads at most MAX_STACK_CHARS of adversarial input: ${name}`, () => {
      assert.ok(input.length > MAX_STACK_CHARS, `${input.length}`);
      const longer = `${input}\n${input}`;
      const stack = parseNodeStack(input, Infinity);
      assert.deepEqual(parseNodeStack(longer, Infinity), stack);
      assert.deepEqual(parseExceptionHeader(longer), parseExceptionHeader(input));
      assert.ok(JSON.stringify(stack).length <= 4 * MAX_STACK_CHARS, 'output bounded by the cut');
    });
  }
});

describe('parseExceptionHeader', () => {
  const HEADERS: Array<[string, string, { type?: string; message?: string }]> = [
    [
      'type and message',
      'TypeError: boom\n    at f (/a.js:1:1)',
      { type: 'TypeError', message: 'boom' },
    ],
    ['type only', 'Error\n    at f (/a.js:1:1)', { type: 'Error' }],
    [
      'multi-line message',
      'Error: one\ntwo: three\n    at f (/a.js:1:1)',
      { type: 'Error', message: 'one\ntwo: three' },
    ],
    [
      'Node error code',
      'TypeError [ERR_INVALID_ARG_TYPE]: The "path" argument must be of type string\n    at x (node:path:1:1)',
      {
        type: 'TypeError [ERR_INVALID_ARG_TYPE]',
        message: 'The "path" argument must be of type string',
      },
    ],
    ['not a type', 'something bad happened: really', { message: 'something bad happened: really' }],
    [
      'Java',
      'java.lang.IllegalStateException: boom\n\tat a.B.c(B.java:1)',
      { type: 'java.lang.IllegalStateException', message: 'boom' },
    ],
    [
      'Python (header last)',
      'Traceback (most recent call last):\n  File "/a.py", line 1, in <module>\n    x()\nValueError: bad',
      { type: 'ValueError', message: 'bad' },
    ],
    [
      'Go (function line is not header)',
      'panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n\t/app/main.go:20 +0x25',
      { type: 'panic', message: 'boom\n\ngoroutine 1 [running]:' },
    ],
    [
      'header ending in parentheses before a V8 frame',
      'Error: failed (code 5)\n    at f (/a.js:1:1)',
      { type: 'Error', message: 'failed (code 5)' },
    ],
    ['frames only', '    at f (/a.js:1:1)', {}],
    ['empty', '', {}],
  ];
  for (const [name, stack, expected] of HEADERS) {
    it(name, () => assert.deepEqual(parseExceptionHeader(stack), expected));
  }

  it('reads the header of a real error', () => {
    assert.deepEqual(parseExceptionHeader(capture(() => JSON.parse('{'))), {
      type: 'SyntaxError',
      message: capture(() => JSON.parse('{'))
        .split('\n')[0]
        ?.slice('SyntaxError: '.length),
    });
  });
});

describe('parseNodeStack: properties', () => {
  const FRAGMENTS = [
    '    at ',
    '\tat ',
    '  File "',
    '", line ',
    ', in ',
    ' (',
    '(',
    ')',
    ':',
    ':0',
    ':1',
    ':99999999999',
    '\n',
    '\r\n',
    '\t',
    ' +0x1f',
    'eval at ',
    '), ',
    'file://',
    'file:///C:/',
    '%',
    '%E0%A4%A',
    'async ',
    'new ',
    ' [as x]',
    'native',
    '<anonymous>',
    'index 0',
    'C:\\',
    '\uD800',
    '__proto__',
  ];
  const stackText = fc
    .array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ unit: 'binary', maxLength: 12 })), {
      maxLength: 80,
    })
    .map((parts) => parts.join(''));
  const maxFrames = fc.oneof(
    fc.constant(undefined),
    fc.integer({ min: -5, max: 100 }),
    fc.constantFrom(Number.NaN, Infinity, 2.5),
  );

  it('never throws; frames have only label/path/line of the right types; counts add up', () => {
    fc.assert(
      fc.property(stackText, maxFrames, (stack, max) => {
        const { frames, truncated } = parseNodeStack(stack, max);
        assert.ok(Number.isInteger(truncated) && truncated >= 0);
        if (typeof max === 'number' && max >= 0) assert.ok(frames.length <= max);
        for (const frame of frames) {
          for (const key of Object.keys(frame)) {
            assert.ok(key === 'label' || key === 'path' || key === 'line', key);
          }
          assert.equal(typeof frame.path, 'string');
          assert.ok((frame.path ?? '').length > 0);
          assert.equal(typeof frame.label, 'string');
          if (frame.line !== undefined) {
            assert.ok(Number.isSafeInteger(frame.line) && frame.line > 0, String(frame.line));
          }
        }
        // Frames kept + frames truncated = frames found with no limit.
        assert.equal(frames.length + truncated, parseNodeStack(stack, Infinity).frames.length);
        const header = parseExceptionHeader(stack);
        for (const value of Object.values(header)) assert.equal(typeof value, 'string');
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (stack) => {
        parseNodeStack(stack);
        parseExceptionHeader(stack);
      }),
      { numRuns: 2000 },
    );
  });
});
