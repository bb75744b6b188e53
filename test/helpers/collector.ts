/** A span processor that keeps ended spans and lets a test await them (no sleeping). */
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';

export class Collector implements SpanProcessor {
  readonly spans: ReadableSpan[] = [];
  private waiters: Array<() => void> = [];
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    this.spans.push(span);
    for (const w of this.waiters.splice(0)) w();
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
  /** Resolves with the trace's spans once `n` of them have ended. */
  async trace(traceId: string, n: number, timeoutMs = 5000): Promise<ReadableSpan[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.spans.filter((s) => s.spanContext().traceId === traceId);
      if (found.length >= n) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`timed out: ${found.length} of ${n} spans of trace ${traceId} ended`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
