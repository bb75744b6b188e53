/**
 * `traced`: run a function or a method in an active span, as the X-Ray SDK's
 * `captureFunc` / `captureAsyncFunc` do with a subsegment.
 *
 *     const load = traced('loadOrder', async (id: string) => { ... });
 *     const parse = traced(function parseOrder(text: string) { ... }); // span "parseOrder"
 *
 *     class OrderHandler {
 *       @traced() async handle(event: Event) { ... }            // span "OrderHandler.handle"
 *       @traced('orders.validate') validate(o: Order) { ... }
 *     }
 *
 * The span is active while the function runs (spans started inside are its
 * children) and ends when the function returns or, for a promise, when it
 * settles. A throw or a rejection is recorded (`recordException`, status
 * ERROR) and passed on unchanged. The function's `this`, arguments and return
 * value are untouched: a native promise is returned as is. A non-native
 * thenable is awaited once and returned as a native promise (calling `then`
 * on it twice could run a lazy query twice).
 *
 * Only `@opentelemetry/api` is used: without a registered tracer provider
 * the spans are no-ops.
 */
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, Span, Tracer } from '@opentelemetry/api';

export interface TracedOptions {
  /** The span's name. Default: the function's name, or `Class.method` for a decorated method. */
  name?: string;
  /** Default `SpanKind.INTERNAL`. */
  kind?: SpanKind;
  /** Attributes set when the span starts. */
  attributes?: Attributes;
  /** The tracer to use. Default: `trace.getTracer('otel-xray')`, looked up at each call. */
  tracer?: Tracer;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFunction = (this: any, ...args: any[]) => any;

/** A TC39 (TypeScript 5) method decorator. */
export type TracedMethodDecorator = <This, Args extends unknown[], Return>(
  target: (this: This, ...args: Args) => Return,
  context: ClassMethodDecoratorContext<This, (this: This, ...args: Args) => Return>,
) => (this: This, ...args: Args) => Return;

const TRACER_NAME = 'otel-xray';

function recordError(span: Span, err: unknown): void {
  try {
    if (err instanceof Error) span.recordException(err);
    else span.recordException(String(err));
    const message =
      err instanceof Error
        ? `${err.name}: ${err.message}`
        : typeof err === 'string'
          ? err
          : undefined;
    span.setStatus({ code: SpanStatusCode.ERROR, ...(message !== undefined ? { message } : {}) });
  } catch {
    // recording must never replace the app's own error
  }
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    (typeof v === 'object' || typeof v === 'function') &&
    v !== null &&
    typeof (v as { then?: unknown }).then === 'function'
  );
}

/** Calls `fn` in an active span named `name`. */
function runInSpan<R>(
  name: string,
  options: TracedOptions,
  thisArg: unknown,
  fn: AnyFunction,
  args: unknown[],
): R {
  const tracer = options.tracer ?? trace.getTracer(TRACER_NAME);
  return tracer.startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes },
    (span): R => {
      let result: unknown;
      try {
        result = fn.apply(thisArg, args);
      } catch (err) {
        recordError(span, err);
        span.end();
        throw err;
      }
      if (!isThenable(result)) {
        span.end();
        return result as R;
      }
      const onFulfilled = (): void => span.end();
      const onRejected = (err: unknown): void => {
        recordError(span, err);
        span.end();
      };
      if (result instanceof Promise) {
        // The caller gets the same promise; this branch handles its own rejection, so it
        // adds no unhandled rejection (the caller's handling is unchanged).
        result.then(onFulfilled, onRejected);
        return result as R;
      }
      return Promise.resolve(result).then(
        (value) => {
          onFulfilled();
          return value;
        },
        (err: unknown) => {
          onRejected(err);
          throw err;
        },
      ) as R;
    },
  );
}

function wrap<F extends AnyFunction>(name: string, fn: F, options: TracedOptions): F {
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    return runInSpan(name, options, this, fn, args);
  };
  try {
    Object.defineProperty(wrapped, 'name', { value: fn.name, configurable: true });
    Object.defineProperty(wrapped, 'length', { value: fn.length, configurable: true });
  } catch {
    // frozen or exotic functions keep the wrapper's own name
  }
  return wrapped as F;
}

function decorator(name: string | undefined, options: TracedOptions): TracedMethodDecorator {
  return <This, Args extends unknown[], Return>(
    target: (this: This, ...args: Args) => Return,
    context: ClassMethodDecoratorContext<This, (this: This, ...args: Args) => Return>,
  ): ((this: This, ...args: Args) => Return) => {
    const method = String(context.name);
    const fixed = name ?? options.name;
    const wrapped = function (this: This, ...args: Args): Return {
      let spanName = fixed;
      if (spanName === undefined) {
        // The class is known only at call time (TC39 method decorators do not receive it).
        const owner = context.static
          ? (this as { name?: unknown }).name
          : (this as { constructor?: { name?: unknown } } | undefined)?.constructor?.name;
        spanName = typeof owner === 'string' && owner !== '' ? `${owner}.${method}` : method;
      }
      return runInSpan<Return>(spanName, options, this, target as AnyFunction, args);
    };
    Object.defineProperty(wrapped, 'name', { value: target.name, configurable: true });
    return wrapped;
  };
}

/** Wraps `fn`; the span is named after the function (`anonymous` if it has no name). */
export function traced<F extends AnyFunction>(fn: F, options?: TracedOptions): F;
/** Wraps `fn` in a span named `name`. */
export function traced<F extends AnyFunction>(name: string, fn: F, options?: TracedOptions): F;
/** A method decorator: `@traced()`, `@traced('name')`, `@traced({ attributes })`. */
export function traced(name?: string, options?: TracedOptions): TracedMethodDecorator;
export function traced(options: TracedOptions): TracedMethodDecorator;
export function traced(
  a?: string | AnyFunction | TracedOptions,
  b?: AnyFunction | TracedOptions,
  c?: TracedOptions,
): AnyFunction | TracedMethodDecorator {
  if (typeof a === 'function') {
    const options = (typeof b === 'object' && b !== null ? b : {}) as TracedOptions;
    return wrap(options.name ?? (a.name || 'anonymous'), a, options);
  }
  if (typeof a === 'string' && typeof b === 'function') return wrap(a, b, c ?? {});
  if (typeof a === 'object' && a !== null) return decorator(undefined, a);
  if (a !== undefined && typeof a !== 'string') {
    throw new TypeError('traced: expected a function, a span name or options');
  }
  if (b !== undefined && (typeof b !== 'object' || b === null)) {
    throw new TypeError('traced: the second argument must be a function or options');
  }
  return decorator(a, (b as TracedOptions | undefined) ?? {});
}
