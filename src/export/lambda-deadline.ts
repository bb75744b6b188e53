/**
 * The remaining time of the current AWS Lambda invocation, so that the flush
 * before a handler returns never runs past the function's timeout.
 *
 * Lambda hands the deadline to the handler only, in its context object
 * (`context.getRemainingTimeInMillis()`): neither the environment nor the
 * runtime's InvokeStore holds it. {@link lambdaRequestHook}, given to
 * `@opentelemetry/instrumentation-aws-lambda` as its `requestHook` (setupXRay
 * does it), keeps that function beside the invocation's span. When the
 * instrumentation flushes before it returns the handler's result, that span is
 * the active one, so {@link capToInvocation} finds the invocation being
 * flushed, even with several invocations at once in one process (Lambda
 * Managed Instances). Nothing here throws.
 */
import { trace } from '@opentelemetry/api';

/**
 * Time left to the runtime after the flush gives up, in ms: enough to post the
 * handler's result to the Lambda runtime API (a local call).
 * @internal
 */
export const INVOCATION_DEADLINE_MARGIN_MS = 50;

type Remaining = () => number;

const REGISTRY_KEY = Symbol.for('otel-xray.lambdaRemainingTime');
type Globals = typeof globalThis & { [REGISTRY_KEY]?: WeakMap<object, Remaining> };

/**
 * One registry per process, shared by otel-xray's CommonJS and ES module
 * builds (an app may load both: the hook from one, the exporter from the other).
 */
function registry(): WeakMap<object, Remaining> {
  const g = globalThis as Globals;
  g[REGISTRY_KEY] ??= new WeakMap<object, Remaining>();
  return g[REGISTRY_KEY];
}

/**
 * A `requestHook` for `AwsLambdaInstrumentation`: remembers the invocation's
 * `context.getRemainingTimeInMillis` beside its span. Call it from your own
 * hook if you have one. Never throws.
 */
export function lambdaRequestHook(span: unknown, info: { context?: unknown } | undefined): void {
  try {
    if (typeof span !== 'object' || span === null) return;
    const lambdaContext = info?.context as { getRemainingTimeInMillis?: unknown } | undefined;
    const get = lambdaContext?.getRemainingTimeInMillis;
    if (typeof get !== 'function') return;
    registry().set(span, () => (get as () => unknown).call(lambdaContext) as number);
  } catch {
    // a hostile context object: no deadline known
  }
}

/**
 * The remaining time of the invocation whose span is active, in ms, or
 * `undefined` when none is known. Never throws.
 * @internal
 */
export function remainingInvocationMillis(): number | undefined {
  try {
    const span = trace.getActiveSpan();
    if (span === undefined) return undefined;
    const remaining = registry().get(span)?.();
    return typeof remaining === 'number' && Number.isFinite(remaining)
      ? Math.max(0, remaining)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `timeoutMs`, lowered so that a flush inside an invocation gives up
 * {@link INVOCATION_DEADLINE_MARGIN_MS} before the function's timeout.
 * @internal
 */
export function capToInvocation(
  timeoutMs: number,
  remaining: number | undefined = remainingInvocationMillis(),
): number {
  if (remaining === undefined) return timeoutMs;
  return Math.max(0, Math.min(timeoutMs, Math.floor(remaining) - INVOCATION_DEADLINE_MARGIN_MS));
}
