/**
 * `X-Amzn-Trace-Id` propagation inside AWS Lambda: the current invocation's trace header,
 * else (outside any invocation) the carrier's.
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
 * What `extract` returns (docs/propagation.md and docs/lambda.md explain the choices):
 * 1. Inside an invocation (its header is there): the invocation's header, whatever the
 *    carrier or an earlier propagator in a composite holds. Lambda's header IS the sampling
 *    decision, as with the X-Ray SDK: `Sampled=1` parents the function's spans on the
 *    function segment Lambda records (its ID is the header's `Parent`), so the function is
 *    one node on the service map; anything else (`Sampled=0`, `?`, absent, or a Root-only
 *    pass-through header) means "not sampled" and is never handed to a local sampler to
 *    decide again, so nothing is recorded and downstream calls say so. An API Gateway or
 *    ALB header in the event (`event.headers`) is the caller's, not a decision for this
 *    function: Lambda already applied it when it sampled the invocation.
 * 2. Outside any invocation (no header: not in Lambda, or the init phase while the module
 *    loads): what `AWSXRayPropagator` extracts from the carrier, else the input context.
 * A parent taken from the invocation's header is marked so that the exporter can make the
 * spans below it subsegments of the function's segment (`isLambdaInvocationParent`), and
 * tell the spans of an invocation from those started outside any (`isInLambdaInvocationTrace`).
 *
 * The contrib `@opentelemetry/propagator-aws-xray-lambda` also lets the environment
 * variable replace the carrier's context, but only when the input context has no span yet
 * (a `traceparent` that a W3C propagator extracted earlier in a composite wins over it),
 * never reads the InvokeStore, and rejects the Root-only header of pass-through mode.
 */
import type { Context, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';
import { AWSXRayPropagator, contextWithTraceHeader } from './propagator.js';
import { parseTraceHeader } from '../protocol/trace-header.js';

/**
 * Environment variable in which the Lambda runtime publishes the invocation's header.
 * @internal
 */
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
      if (lambda === undefined) return this._xray.extract(context, carrier, getter);
      // Only `Sampled=1` is sampled; no decision in Lambda's own header is no sampling.
      const decided = lambda.sampled === true ? lambda : { ...lambda, sampled: false };
      return contextWithTraceHeader(context, decided, true);
    } catch {
      return context;
    }
  }

  fields(): string[] {
    return this._xray.fields();
  }
}
