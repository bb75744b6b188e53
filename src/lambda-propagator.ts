/**
 * `X-Amzn-Trace-Id` propagation inside AWS Lambda: the carrier's header, or the trace header
 * of the current invocation.
 *
 * Where the invocation's header comes from ({@link getLambdaTraceHeader}):
 * 1. `globalThis.awslambda.InvokeStore.getXRayTraceId()`: the Node.js runtime keeps the
 *    header per invocation in an AsyncLocalStorage-backed store. It is the only correct
 *    source when one process serves several invocations at once (Lambda Managed Instances):
 *    a process-wide environment variable then belongs to whichever invocation wrote it last.
 * 2. `process.env._X_AMZN_TRACE_ID`: set by the runtime before each invocation in the
 *    classic one-invocation-per-process model.
 * Blank values count as absent. Every step is guarded; nothing here throws.
 *
 * Which header wins in `extract` (docs/propagation.md explains the alternatives):
 * 1. The invocation's header with `Sampled=1`. Lambda has then recorded (or will record) a
 *    segment for this function, whose ID is that header's `Parent`; parenting the function's
 *    spans on it makes the function one node on the service map, as with the X-Ray SDK. It
 *    also wins over a context an earlier propagator in a composite extracted.
 * 2. Otherwise a valid header in the carrier (for example API Gateway or ALB request headers
 *    passed in the event): with active tracing off, or this invocation not sampled by
 *    Lambda, the caller is the best parent there is.
 * 3. Otherwise, if the input context holds no valid span context yet, the invocation's
 *    header as it is (not sampled, Root-only or `Sampled=?`: see ./propagator.ts for how
 *    those reach the sampler and the exporter). It still carries the invocation's trace ID
 *    and `Lineage`.
 * 4. Otherwise the input context, unchanged.
 * A parent taken from the invocation's header is marked so that the exporter can make the
 * spans below it subsegments of the function's segment (`isLambdaInvocationParent`).
 *
 * The contrib `@opentelemetry/propagator-aws-xray-lambda` instead lets the environment
 * variable replace the carrier's context whenever the input context has no span, sampled or
 * not, and never reads the InvokeStore.
 */
import { isSpanContextValid, trace } from '@opentelemetry/api';
import type { Context, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';
import { AWSXRayPropagator, contextWithTraceHeader, parseTraceHeader } from './propagator.js';

/** Environment variable in which the Lambda runtime publishes the invocation's header. */
export const AWSXRAY_TRACE_ID_ENV_VAR = '_X_AMZN_TRACE_ID';

/** A non-blank string, or undefined. */
function nonBlank(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/**
 * The current Lambda invocation's X-Ray trace header: from the runtime's InvokeStore first,
 * then from `_X_AMZN_TRACE_ID`. `undefined` outside Lambda or when neither is set. Never
 * throws.
 */
export function getLambdaTraceHeader(): string | undefined {
  try {
    // Read structurally: `awslambda` is a runtime global with no types of ours, and it may
    // be absent, replaced or partial (`AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA`, tests, mocks).
    const awslambda = (globalThis as { awslambda?: unknown }).awslambda;
    if (typeof awslambda === 'object' && awslambda !== null) {
      const store = (awslambda as { InvokeStore?: unknown }).InvokeStore;
      if (typeof store === 'object' && store !== null) {
        const get = (store as { getXRayTraceId?: unknown }).getXRayTraceId;
        if (typeof get === 'function') {
          const fromStore = nonBlank((get as () => unknown).call(store));
          if (fromStore !== undefined) return fromStore;
        }
      }
    }
  } catch {
    // a throwing store falls through to the environment
  }
  try {
    return nonBlank(process.env[AWSXRAY_TRACE_ID_ENV_VAR]);
  } catch {
    return undefined;
  }
}

/** {@link AWSXRayPropagator}, falling back to the Lambda invocation's trace header. */
export class AWSXRayLambdaPropagator implements TextMapPropagator {
  private readonly _xray = new AWSXRayPropagator();

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    this._xray.inject(context, carrier, setter);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    try {
      const lambda = parseTraceHeader(getLambdaTraceHeader());
      if (lambda?.sampled === true) return contextWithTraceHeader(context, lambda, true);

      const fromCarrier = this._xray.extract(context, carrier, getter);
      // AWSXRayPropagator.extract returns its input unchanged exactly when the carrier has
      // no valid header.
      if (fromCarrier !== context || lambda === undefined) return fromCarrier;

      const existing = trace.getSpanContext(context);
      if (existing !== undefined && isSpanContextValid(existing)) return context;
      return contextWithTraceHeader(context, lambda, true);
    } catch {
      return context;
    }
  }

  fields(): string[] {
    return this._xray.fields();
  }
}
