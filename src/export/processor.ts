/**
 * `AWSXRayLambdaSpanProcessor`: the span processor for AWS Lambda.
 *
 * In Lambda the process can be frozen or killed (a timeout) at any moment
 * after the handler's work, so spans must leave as they end, as the X-Ray SDK
 * streams each subsegment as it closes: like `SimpleSpanProcessor`, every
 * ended span is exported at once.
 *
 * One more thing the X-Ray SDK gets for free: its subsegments hang directly
 * from the function segment Lambda records. With OpenTelemetry, the handler
 * span sits between them, and it ends only when the handler returns. If the
 * function times out, the children already sent would point at a parent that
 * never arrives. So a span that starts directly below the Lambda invocation
 * (see `isLambdaInvocationParent`) is also sent when it starts, as an
 * `in_progress` subsegment; the complete document replaces it when it ends.
 *
 * `forceFlush()` (which instrumentation-aws-lambda calls before returning the
 * handler's result) waits for every export to be handed to the daemon,
 * bounded by the exporter's `flushTimeoutMillis`. Structural types only: it
 * works with SDK 2.x and 3.x.
 */
import type { Context } from '@opentelemetry/api';
import type { AWSXRaySpanExporter } from './exporter.js';
import { reporter } from '../shared/diag.js';
import { isLambdaInvocationParent } from '../protocol/trace-header.js';
import { withoutTracing } from '../shared/suppress.js';
import type { AsyncResourceLike, ReadableSpanLike } from '../shared/types.js';

const SAMPLED = 1;

export class AWSXRayLambdaSpanProcessor {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly exporter: AWSXRaySpanExporter) {}

  onStart(span: ReadableSpanLike, _parentContext: Context): void {
    try {
      if ((span.spanContext().traceFlags & SAMPLED) === 0) return;
      if (!isLambdaInvocationParent(span.parentSpanContext)) return;
      this.send(span);
    } catch (err) {
      reporter.error('processor:onStart', `span processor onStart failed: ${String(err)}`);
    }
  }

  onEnd(span: ReadableSpanLike): void {
    try {
      if ((span.spanContext().traceFlags & SAMPLED) === 0) return;
      const resource = span.resource as AsyncResourceLike | undefined;
      if (resource?.asyncAttributesPending && resource.waitForAsyncAttributes) {
        this.track(resource.waitForAsyncAttributes().then(() => this.exportNow(span)));
        return;
      }
      this.send(span);
    } catch (err) {
      reporter.error('processor:onEnd', `span processor onEnd failed: ${String(err)}`);
    }
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.pending);
    await this.exporter.forceFlush();
  }

  async shutdown(): Promise<void> {
    await this.forceFlush();
    await this.exporter.shutdown();
  }

  private send(span: ReadableSpanLike): void {
    this.track(this.exportNow(span));
  }

  private exportNow(span: ReadableSpanLike): Promise<void> {
    return new Promise<void>((resolve) => {
      // As the SDK's own processors do: never trace the export itself.
      withoutTracing(() => this.exporter.export([span], () => resolve()));
    });
  }

  private track(p: Promise<void>): void {
    const tracked = p.catch(() => undefined).finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }
}
