/** `traced`: functions and methods in active spans (captured with InMemorySpanExporter). */
import assert from 'node:assert/strict';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { traced } from '../../src/index.js';

describe('traced', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('traced-test');

  before(() => {
    assert.ok(
      trace.setGlobalTracerProvider(provider),
      'no other global tracer provider in this process',
    );
  });
  after(() => trace.disable());
  beforeEach(() => exporter.reset());

  const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
  const only = (): ReadableSpan => {
    const s = spans();
    assert.equal(s.length, 1, `one span: ${s.map((x) => x.name).join(', ')}`);
    return s[0] as ReadableSpan;
  };

  it('sync: returns the value, the span is named after the function and active inside it', () => {
    const child = (): void => tracer.startSpan('child').end();
    const add = traced(function add(this: { base: number }, a: number, b: number): number {
      child();
      assert.ok(trace.getActiveSpan(), 'a span is active inside');
      return this.base + a + b;
    });
    assert.equal(add.name, 'add', 'the wrapper keeps the name');
    assert.equal(add.length, 2, 'and the arity');
    assert.equal(add.call({ base: 10 }, 1, 2), 13, 'this and the arguments pass through');
    const [c, s] = spans();
    assert.equal(s?.name, 'add', 'span named after the function');
    assert.equal(s?.status.code, SpanStatusCode.UNSET, 'no error');
    assert.equal(
      c?.parentSpanContext?.spanId,
      s?.spanContext().spanId,
      'spans started inside are its children',
    );
    assert.equal(trace.getActiveSpan(), undefined, 'nothing active after the call');
  });

  it('traced(name, fn, options): the name and attributes given', () => {
    const f = traced('orders.load', () => 42, { attributes: { table: 'Orders' } });
    assert.equal(f(), 42, 'the value');
    const s = only();
    assert.equal(s.name, 'orders.load', 'the name given');
    assert.equal(s.attributes.table, 'Orders', 'the attributes given');
    traced(() => 1)();
    assert.equal(spans()[1]?.name, 'anonymous', 'an anonymous function gives an "anonymous" span');
  });

  it('async: the span ends when the promise settles, and the same promise is returned', async () => {
    let release: (v: string) => void = () => undefined;
    const gate = new Promise<string>((r) => (release = r));
    const load = traced('load', async () => {
      const v = await gate;
      tracer.startSpan('after-await').end();
      return v.toUpperCase();
    });
    const p = load();
    assert.ok(p instanceof Promise, 'a promise');
    assert.equal(spans().length, 0, 'not ended while pending');
    release('ok');
    assert.equal(await p, 'OK', 'resolved value');
    const s = spans().find((x) => x.name === 'load');
    const after = spans().find((x) => x.name === 'after-await');
    assert.ok(s, 'span ended after settling');
    assert.equal(after?.parentSpanContext?.spanId, s.spanContext().spanId, 'active across await');
    const native = Promise.resolve(7);
    assert.equal(traced(() => native)(), native, 'a native promise is returned as is');
  });

  it('throwing sync: the same error is rethrown, recorded, status ERROR', () => {
    const err = new TypeError('bad order');
    const f = traced(function parse(): never {
      throw err;
    });
    assert.throws(
      () => f(),
      (e) => e === err,
      'the same error',
    );
    const s = only();
    assert.equal(s.status.code, SpanStatusCode.ERROR, 'status ERROR');
    assert.equal(s.status.message, 'TypeError: bad order', 'status message');
    const ev = s.events.find((e) => e.name === 'exception');
    assert.ok(ev, 'exception event recorded');
    assert.equal(ev.attributes?.['exception.type'], 'TypeError', 'exception type');
    assert.equal(ev.attributes?.['exception.message'], 'bad order', 'exception message');
    assert.ok(s.ended, 'span ended');
  });

  it('rejecting async: the same rejection, recorded, status ERROR', async () => {
    const err = new Error('table missing');
    const f = traced('describe', async () => {
      throw err;
    });
    await assert.rejects(f(), (e) => e === err, 'the same rejection');
    const s = only();
    assert.equal(s.status.code, SpanStatusCode.ERROR, 'status ERROR');
    assert.ok(
      s.events.some((e) => e.name === 'exception'),
      'exception recorded',
    );
    const str = traced('str', () => Promise.reject('plain string'));
    await assert.rejects(str(), (e) => e === 'plain string', 'non-Error rejections pass through');
    assert.equal(spans()[1]?.status.code, SpanStatusCode.ERROR, 'and are recorded too');
  });

  it('a non-native thenable is awaited once, not twice', async () => {
    let thens = 0;
    const lazy = {
      then(resolve: (v: number) => void) {
        thens++;
        resolve(5);
      },
    };
    const r = traced('lazy', () => lazy)();
    assert.equal(await r, 5, 'the value');
    assert.equal(thens, 1, 'then called once');
    assert.equal(only().name, 'lazy', 'span ended');
  });

  it('@traced() on class methods: Class.method, this kept, async and static', async () => {
    class OrderHandler {
      constructor(private readonly table: string) {}
      @traced()
      async handle(id: string): Promise<string> {
        await Promise.resolve();
        return `${this.table}/${id}`;
      }
      @traced('custom.name')
      sync(): string {
        return this.table;
      }
      @traced({ attributes: { kind: 'static' } })
      static create(): OrderHandler {
        return new OrderHandler('Orders');
      }
      @traced()
      fail(): void {
        throw new Error('no');
      }
    }
    const h = OrderHandler.create();
    assert.equal(await h.handle('42'), 'Orders/42', 'async method result, this kept');
    assert.equal(h.sync(), 'Orders', 'sync method result');
    assert.throws(() => h.fail(), /no/, 'errors rethrown');
    const names = spans().map((s) => s.name);
    assert.deepEqual(
      names,
      ['OrderHandler.create', 'OrderHandler.handle', 'custom.name', 'OrderHandler.fail'],
      'span names',
    );
    assert.equal(spans()[0]?.attributes.kind, 'static', 'decorator options apply');
    assert.equal(spans()[3]?.status.code, SpanStatusCode.ERROR, 'method errors recorded');
    assert.equal(OrderHandler.prototype.handle.name, 'handle', 'the method keeps its name');
  });
});
