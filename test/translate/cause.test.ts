import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpanStatusCode } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import fc from 'fast-check';
import {
  MAX_EXCEPTIONS,
  MAX_MESSAGE_CHARS,
  MAX_TYPE_CHARS,
  buildCause,
} from '../../src/translate/cause.js';
import type { XRayCause } from '../../src/translate/cause.js';
import type { ReadableSpanLike } from '../../src/shared/types.js';

const THIS_FILE = fileURLToPath(import.meta.url);
const HEX_16 = /^[0-9a-f]{16}$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const EXCEPTION_KEYS = new Set([
  'id',
  'message',
  'type',
  'remote',
  'truncated',
  'skipped',
  'cause',
  'stack',
]);

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('otel-xray-test');

/** Runs `fn` on a fresh real SDK span, ends it and returns the exported ReadableSpan. */
function record(fn: (span: Span) => void): ReadableSpan {
  exporter.reset();
  const span = tracer.startSpan('work');
  fn(span);
  span.end();
  const [finished] = exporter.getFinishedSpans();
  assert.ok(finished !== undefined);
  return finished;
}

function throwTypeError(): never {
  throw new TypeError('bad input');
}

function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  assert.fail('expected a throw');
}

/** Checks the invariants every cause must satisfy and returns it, defined. */
function checked(cause: XRayCause | undefined, spanId: string): XRayCause {
  assert.ok(cause !== undefined);
  assert.ok(cause.exceptions.length > 0 && cause.exceptions.length <= MAX_EXCEPTIONS);
  const ids = new Set<string>();
  for (const exception of cause.exceptions) {
    assert.match(exception.id, HEX_16);
    assert.notEqual(exception.id, spanId);
    ids.add(exception.id);
    for (const key of Object.keys(exception)) assert.ok(EXCEPTION_KEYS.has(key), key);
  }
  assert.equal(ids.size, cause.exceptions.length, 'exception ids are distinct');
  // The document must survive JSON unchanged.
  assert.deepEqual(JSON.parse(JSON.stringify(cause)), cause);
  return cause;
}

describe('buildCause with real SDK spans', () => {
  after(() => provider.shutdown());

  it('an Error recorded on a failed span: type, message, parsed stack, cwd', () => {
    const error = caught(throwTypeError);
    const span = record((s) => {
      s.recordException(error);
      s.setStatus({ code: SpanStatusCode.ERROR });
    });
    const spanId = span.spanContext().spanId;
    const cause = checked(buildCause(span, { workingDirectory: '/work/main' }), spanId);

    assert.equal(cause.working_directory, '/work/main');
    assert.equal(Object.keys(cause)[0], 'working_directory');
    assert.equal(cause.exceptions.length, 1);
    const [exception] = cause.exceptions;
    assert.equal(exception?.type, 'TypeError');
    assert.equal(exception?.message, 'bad input');
    assert.equal(exception?.remote, undefined);
    assert.equal(exception?.truncated, undefined);
    assert.deepEqual(exception?.stack?.[0], {
      path: THIS_FILE,
      line: lineOf('bad input'),
      label: 'throwTypeError',
    });
  });

  it('is deterministic: the same span gives the same document', () => {
    const error = caught(throwTypeError);
    const span = record((s) => {
      s.recordException(error);
      s.recordException(new RangeError('second'));
    });
    assert.deepEqual(buildCause(span, {}), buildCause(span, {}));
  });

  it('marks exceptions remote for failed outgoing calls', () => {
    const span = record((s) => {
      s.recordException(new Error('connection reset'));
      s.setStatus({ code: SpanStatusCode.ERROR, message: 'connection reset' });
    });
    const cause = checked(buildCause(span, { remote: true }), span.spanContext().spanId);
    assert.equal(cause.exceptions[0]?.remote, true);
    assert.equal(checked(buildCause(span, { remote: false }), '').exceptions[0]?.remote, undefined);
  });

  it('status ERROR with a message and no exception event: one exception, no type', () => {
    const span = record((s) => s.setStatus({ code: SpanStatusCode.ERROR, message: 'timed out' }));
    const cause = checked(buildCause(span, {}), span.spanContext().spanId);
    assert.equal(cause.working_directory, undefined);
    assert.equal(cause.exceptions.length, 1);
    const [exception] = cause.exceptions;
    assert.deepEqual(Object.keys(exception ?? {}), ['id', 'message']);
    assert.equal(exception?.message, 'timed out');
  });

  it('nothing to report: no cause', () => {
    const errorNoMessage = record((s) => s.setStatus({ code: SpanStatusCode.ERROR }));
    assert.equal(buildCause(errorNoMessage, { workingDirectory: '/app' }), undefined);
    const ok = record((s) => s.setStatus({ code: SpanStatusCode.OK, message: 'ignored' }));
    assert.equal(buildCause(ok, {}), undefined);
    const plainEvent = record((s) => s.addEvent('retry', { attempt: 2 }));
    assert.equal(buildCause(plainEvent, {}), undefined);
  });

  it('exception events are reported whatever the status; the status message is not added', () => {
    const unset = record((s) => s.recordException(new Error('handled')));
    assert.equal(buildCause(unset, {})?.exceptions[0]?.message, 'handled');

    const both = record((s) => {
      s.recordException(new Error('from event'));
      s.setStatus({ code: SpanStatusCode.ERROR, message: 'from status' });
    });
    const cause = checked(buildCause(both, {}), both.spanContext().spanId);
    assert.deepEqual(
      cause.exceptions.map((e) => e.message),
      ['from event'],
    );
  });

  it('a string exception: message only', () => {
    const span = record((s) => s.recordException('plain string failure'));
    const [exception] = checked(buildCause(span, {}), span.spanContext().spanId).exceptions;
    assert.deepEqual(Object.keys(exception ?? {}), ['id', 'message']);
    assert.equal(exception?.message, 'plain string failure');
  });

  it('a Node system error: the SDK reports its code as the type', () => {
    const error = caught(() => readFileSync(join(tmpdir(), 'otel-xray-missing', 'nothing')));
    const span = record((s) => s.recordException(error));
    const [exception] = checked(buildCause(span, {}), span.spanContext().spanId).exceptions;
    assert.equal(exception?.type, 'ENOENT');
    assert.match(exception?.message ?? '', /^ENOENT: no such file or directory/);
    assert.equal(exception?.stack?.[0]?.path, 'node:fs');
  });

  it('an Error with an empty message: the type only (the SDK sets no message)', () => {
    const span = record((s) => s.recordException(new Error()));
    const [exception] = checked(buildCause(span, {}), span.spanContext().spanId).exceptions;
    assert.equal(exception?.type, 'Error');
    assert.equal(exception?.message, undefined);
    assert.ok((exception?.stack?.length ?? 0) > 0);
  });

  it('type and message missing: read from the stack trace header', () => {
    const stack = caught(throwTypeError).stack ?? '';
    const span = record((s) => s.addEvent('exception', { 'exception.stacktrace': stack }));
    const [exception] = checked(buildCause(span, {}), span.spanContext().spanId).exceptions;
    assert.equal(exception?.type, 'TypeError');
    assert.equal(exception?.message, 'bad input');
    assert.equal(exception?.stack?.[0]?.label, 'throwTypeError');
  });

  it('an exception event without attributes still counts, with its id only', () => {
    const span = record((s) => s.addEvent('exception'));
    const [exception] = checked(buildCause(span, {}), span.spanContext().spanId).exceptions;
    assert.deepEqual(Object.keys(exception ?? {}), ['id']);
  });

  it('non-string attributes are not a type or message', () => {
    const span = record((s) =>
      s.addEvent('exception', {
        'exception.type': 42,
        'exception.message': ['a', 'b'],
        'exception.stacktrace': true,
      }),
    );
    const [exception] = checked(buildCause(span, {}), span.spanContext().spanId).exceptions;
    assert.deepEqual(Object.keys(exception ?? {}), ['id']);
  });

  it(`keeps the first ${MAX_EXCEPTIONS} exceptions and counts the rest in the last one's skipped`, () => {
    const span = record((s) => {
      for (let i = 0; i < MAX_EXCEPTIONS + 3; i++) s.recordException(new Error(`attempt ${i}`));
    });
    const cause = checked(buildCause(span, {}), span.spanContext().spanId);
    assert.equal(cause.exceptions.length, MAX_EXCEPTIONS);
    assert.deepEqual(
      cause.exceptions.map((e) => e.message),
      Array.from({ length: MAX_EXCEPTIONS }, (_, i) => `attempt ${i}`),
    );
    assert.equal(cause.exceptions[MAX_EXCEPTIONS - 1]?.skipped, 3);
    assert.ok(cause.exceptions.slice(0, -1).every((e) => e.skipped === undefined));
  });

  it('exactly the maximum: nothing skipped', () => {
    const span = record((s) => {
      for (let i = 0; i < MAX_EXCEPTIONS; i++) s.recordException(new Error(`attempt ${i}`));
    });
    const cause = checked(buildCause(span, {}), span.spanContext().spanId);
    assert.ok(cause.exceptions.every((e) => e.skipped === undefined));
  });

  it('bounds long messages and types without splitting a surrogate pair', () => {
    const emoji = '\u{1F525}'; // two UTF-16 code units
    const span = record((s) =>
      s.addEvent('exception', {
        'exception.type': 'T'.repeat(MAX_TYPE_CHARS * 2),
        'exception.message': emoji.repeat(MAX_MESSAGE_CHARS), // a cut falls mid-pair
      }),
    );
    const [exception] = checked(buildCause(span, {}), span.spanContext().spanId).exceptions;
    const message = exception?.message ?? '';
    assert.ok(message.length <= MAX_MESSAGE_CHARS, String(message.length));
    assert.ok(message.length >= MAX_MESSAGE_CHARS - 2);
    assert.ok(message.endsWith('…'));
    assert.doesNotMatch(message, LONE_SURROGATE);
    assert.equal(exception?.type?.length, MAX_TYPE_CHARS);

    const status = record((s) =>
      s.setStatus({ code: SpanStatusCode.ERROR, message: 'x'.repeat(MAX_MESSAGE_CHARS + 1) }),
    );
    assert.equal(buildCause(status, {})?.exceptions[0]?.message?.length, MAX_MESSAGE_CHARS);
  });

  it('keeps 50 frames per exception and counts the rest as truncated', () => {
    const recurse = (n: number): Error => (n === 0 ? new Error('deep') : recurse(n - 1));
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 80;
    let error: Error;
    try {
      error = recurse(100);
    } finally {
      Error.stackTraceLimit = limit;
    }
    const total = (error.stack ?? '').split('\n').length - 1;
    assert.equal(total, 80);
    const span = record((s) => s.recordException(error));
    const [exception] = checked(buildCause(span, {}), span.spanContext().spanId).exceptions;
    assert.equal(exception?.stack?.length, 50);
    assert.equal(exception?.truncated, total - 50);
  });

  it('stacks of other languages: Java and Python frames', () => {
    const java = [
      'java.lang.IllegalStateException: boom',
      '\tat com.example.Service.run(Service.java:42)',
      '\tat java.base/java.lang.Thread.run(Thread.java:829)',
    ].join('\n');
    const python = [
      'Traceback (most recent call last):',
      '  File "/app/handler.py", line 12, in handler',
      '    raise ValueError("bad")',
      'ValueError: bad',
    ].join('\n');
    const span = record((s) => {
      s.addEvent('exception', {
        'exception.type': 'java.lang.IllegalStateException',
        'exception.message': 'boom',
        'exception.stacktrace': java,
      });
      s.addEvent('exception', { 'exception.stacktrace': python });
    });
    const [javaException, pythonException] = checked(
      buildCause(span, {}),
      span.spanContext().spanId,
    ).exceptions;
    assert.equal(javaException?.type, 'java.lang.IllegalStateException');
    assert.deepEqual(javaException?.stack, [
      { path: 'Service.java', line: 42, label: 'com.example.Service.run' },
      { path: 'Thread.java', line: 829, label: 'java.base/java.lang.Thread.run' },
    ]);
    assert.equal(pythonException?.type, 'ValueError');
    assert.equal(pythonException?.message, 'bad');
    assert.deepEqual(pythonException?.stack, [
      { path: '/app/handler.py', line: 12, label: 'handler' },
    ]);
  });

  it('a blank working directory is left out', () => {
    const span = record((s) => s.recordException(new Error('x')));
    assert.equal(buildCause(span, { workingDirectory: '' })?.working_directory, undefined);
    assert.ok(!('working_directory' in (buildCause(span) ?? {})));
  });
});

// --- Exception ids ---------------------------------------------------------------------------

/** A minimal structural span, for id properties over arbitrary span ids. */
function fakeSpan(spanId: string, exceptions: number): ReadableSpanLike {
  return {
    name: 'fake',
    kind: 0,
    spanContext: () => ({ traceId: '0'.repeat(31) + '1', spanId, traceFlags: 1 }),
    startTime: [0, 0],
    endTime: [0, 0],
    status: { code: 0 },
    attributes: {},
    links: [],
    events: Array.from({ length: exceptions }, (_, i) => ({
      name: 'exception',
      time: [0, i] as [number, number],
      attributes: { 'exception.message': `e${i}` },
    })),
  };
}

describe('buildCause exception ids', () => {
  it('are golden: fixed for a fixed span id', () => {
    const ids = buildCause(fakeSpan('0123456789abcdef', 3), {})?.exceptions.map((e) => e.id);
    assert.deepEqual(ids, GOLDEN_IDS);
  });

  it('do not depend on the case of the span id', () => {
    assert.deepEqual(
      buildCause(fakeSpan('0123456789ABCDEF', 3), {})?.exceptions.map((e) => e.id),
      GOLDEN_IDS,
    );
  });

  it('differ between spans', () => {
    const a = buildCause(fakeSpan('0123456789abcdef', 1), {})?.exceptions[0]?.id;
    const b = buildCause(fakeSpan('0123456789abcdee', 1), {})?.exceptions[0]?.id;
    assert.ok(a !== undefined && b !== undefined);
    assert.notEqual(a, b);
  });

  it('are 16 lower-case hex, distinct, never the span id, for any span id', () => {
    const hexId = fc.stringMatching(/^[0-9a-fA-F]{16}$/);
    const anyId = fc.oneof(
      hexId,
      fc.constant('0000000000000000'),
      fc.string({ unit: 'binary', maxLength: 40 }),
    );
    fc.assert(
      fc.property(anyId, fc.integer({ min: 1, max: MAX_EXCEPTIONS + 2 }), (spanId, n) => {
        const cause = checked(buildCause(fakeSpan(spanId, n), {}), spanId.toLowerCase());
        assert.ok(!cause.exceptions.some((e) => e.id === '0000000000000000'));
      }),
      { numRuns: 500 },
    );
  });
});

// SplitMix64(seed XOR i * 0x9e3779b97f4a7c15) for i = 1, 2, 3, checked by hand in Python.
const GOLDEN_IDS = ['8e3980323f3dce39', 'a33ba70b29333ab3', '5bed6dd3dc00f260'];

/** 1-based line of this file containing `text` in a `throw` statement. */
function lineOf(text: string): number {
  const lines = readFileSync(THIS_FILE, 'utf8').split('\n');
  const index = lines.findIndex((line) => line.includes('throw new') && line.includes(text));
  assert.ok(index >= 0);
  return index + 1;
}
