/**
 * The flush in Lambda: `flushTimeoutMillis` defaults to 1,000 ms there, and the
 * flush before a handler returns never runs past the invocation's deadline, read
 * from the Lambda context's `getRemainingTimeInMillis` that `lambdaRequestHook`
 * keeps beside the invocation's span. Real SDK spans, the real exporter, a real
 * UDP listener; the send rate is set so low that the queue cannot drain within
 * the test, so a flush that returned has given up, and the bound it used is the
 * one it reports (nothing here measures time).
 */
import * as assert from 'node:assert/strict';
import { context, trace } from '@opentelemetry/api';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AWSXRaySpanExporter } from '../../src/export/exporter.js';
import {
  capToInvocation,
  INVOCATION_DEADLINE_MARGIN_MS,
  lambdaRequestHook,
  remainingInvocationMillis,
} from '../../src/export/lambda-deadline.js';
import { resolveExporterConfig } from '../../src/export/options.js';
import { TestDaemon } from '../helpers/daemon.js';
import { captureDiag } from '../helpers/diag.js';

/** What the Lambda runtime passes as the handler's context, with a fixed remaining time. */
function lambdaContext(remainingMs: number) {
  return { awsRequestId: 'req-1', getRemainingTimeInMillis: () => remainingMs };
}

describe('Lambda: the flush timeout', () => {
  it('flushTimeoutMillis defaults to 1,000 ms in Lambda, 5,000 ms elsewhere; the option wins', () => {
    assert.equal(resolveExporterConfig({}, {}).flushTimeoutMillis, 5_000);
    const lambda = { AWS_LAMBDA_FUNCTION_NAME: 'orders' };
    assert.equal(resolveExporterConfig({}, lambda).flushTimeoutMillis, 1_000);
    assert.equal(resolveExporterConfig({}, lambda).lambda, true);
    assert.equal(
      resolveExporterConfig({}, { AWS_LAMBDA_FUNCTION_NAME: ' ' }).flushTimeoutMillis,
      5_000,
    );
    assert.equal(
      resolveExporterConfig({ flushTimeoutMillis: 250 }, lambda).flushTimeoutMillis,
      250,
    );
  });

  it('capToInvocation: the timeout, lowered to the remaining time less the margin, never below 0', () => {
    const margin = INVOCATION_DEADLINE_MARGIN_MS;
    assert.equal(capToInvocation(1_000, undefined), 1_000, 'outside an invocation: unchanged');
    assert.equal(capToInvocation(1_000, 60_000), 1_000);
    assert.equal(capToInvocation(1_000, 300), 300 - margin);
    assert.equal(capToInvocation(1_000, 300.9), 300 - margin);
    assert.equal(capToInvocation(1_000, margin), 0);
    assert.equal(capToInvocation(1_000, 0), 0);
  });

  it("the remaining time is the active invocation's, read through lambdaRequestHook", async () => {
    const tracer = new BasicTracerProvider().getTracer('t');
    const a = tracer.startSpan('orders');
    const b = tracer.startSpan('orders');
    lambdaRequestHook(a, { context: lambdaContext(700) });
    lambdaRequestHook(b, { context: lambdaContext(2_500) });
    assert.equal(remainingInvocationMillis(), undefined, 'no active span');
    const inA = context.with(trace.setSpan(context.active(), a), async () => {
      await Promise.resolve(); // across an await, as the instrumentation's flush runs
      return remainingInvocationMillis();
    });
    const inB = context.with(trace.setSpan(context.active(), b), () => remainingInvocationMillis());
    assert.equal(await inA, 700);
    assert.equal(inB, 2_500);
    // A span the hook never saw, and hostile inputs: no deadline, no throw.
    const c = tracer.startSpan('other');
    assert.equal(
      context.with(trace.setSpan(context.active(), c), () => remainingInvocationMillis()),
      undefined,
    );
    lambdaRequestHook(c, undefined);
    lambdaRequestHook(null, { context: lambdaContext(1) });
    const throwing = {
      get getRemainingTimeInMillis(): never {
        throw new Error('boom');
      },
    };
    lambdaRequestHook(c, { context: throwing });
    const d = tracer.startSpan('d');
    lambdaRequestHook(d, {
      context: {
        getRemainingTimeInMillis: () => {
          throw new Error('boom');
        },
      },
    });
    assert.equal(
      context.with(trace.setSpan(context.active(), d), () => remainingInvocationMillis()),
      undefined,
    );
    for (const s of [a, b, c, d]) s.end();
  });

  it('a flush inside an invocation gives up before its deadline, whatever flushTimeoutMillis says', async () => {
    const daemon = await TestDaemon.start();
    const diagLines = captureDiag();
    // ~1.5 KiB of receive buffer per datagram at 1 KiB/s: 20 datagrams take half a
    // minute, far beyond this test's own timeout; so does flushTimeoutMillis.
    const exporter = new AWSXRaySpanExporter({
      daemonAddress: daemon.address,
      bytesPerSecond: 1024,
      maxBytesPerSecond: 1024,
      burstBytes: 1,
      flushTimeoutMillis: 600_000,
    });
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer('t');
    try {
      for (let i = 0; i < 20; i++) tracer.startSpan(`work ${i}`).end();
      const invocation = tracer.startSpan('orders');
      lambdaRequestHook(invocation, { context: lambdaContext(120) });
      await context.with(trace.setSpan(context.active(), invocation), () => exporter.forceFlush());
      const stats = exporter.getStats();
      assert.ok(stats.queuedBytes > 0, `datagrams were still queued: ${JSON.stringify(stats)}`);
      assert.ok(stats.spansSent < 20, JSON.stringify(stats));
      const gaveUp = diagLines.lines.filter((l) => l.includes('forceFlush gave up'));
      assert.equal(gaveUp.length, 1, JSON.stringify(diagLines.lines));
      assert.match(
        gaveUp[0] ?? '',
        new RegExp(`gave up after ${120 - INVOCATION_DEADLINE_MARGIN_MS} ms`),
      );
      // Shut down in the same invocation, with no time left: the rest is dropped and counted.
      lambdaRequestHook(invocation, { context: lambdaContext(0) });
      await context.with(trace.setSpan(context.active(), invocation), () => exporter.shutdown());
      const after = exporter.getStats();
      assert.equal(after.spansSent + after.dropped.shutdown, 20, JSON.stringify(after));
      invocation.end();
    } finally {
      diagLines.restore();
      await exporter.shutdown();
      await daemon.close();
    }
  });
});
