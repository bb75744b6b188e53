/**
 * Suppressed tracing without a dependency on `@opentelemetry/core`: core's key
 * is `createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING')`, and
 * `createContextKey` returns `Symbol.for(description)`, so this key is the same
 * symbol in every copy and major version of core.
 */
import { context, createContextKey } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';

const SUPPRESS_TRACING_KEY = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING');

export function suppressTracing(ctx: Context): Context {
  return ctx.setValue(SUPPRESS_TRACING_KEY, true);
}

export function isTracingSuppressed(ctx: Context): boolean {
  return ctx.getValue(SUPPRESS_TRACING_KEY) === true;
}

/** Runs `fn` with tracing suppressed, so our own I/O is never traced. */
export function withoutTracing<T>(fn: () => T): T {
  return context.with(suppressTracing(context.active()), fn);
}
