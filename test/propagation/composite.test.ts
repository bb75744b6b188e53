/**
 * X-Ray and W3C trace context side by side in a CompositePropagator, the way
 * setupXRay() wires them: a trace stays one trace whichever header a peer
 * understands.
 */
import * as assert from 'node:assert/strict';
import {
  ROOT_CONTEXT,
  defaultTextMapGetter,
  defaultTextMapSetter,
  trace,
  TraceFlags,
} from '@opentelemetry/api';
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { AWSXRayPropagator, getLineage } from '../../src/index.js';

const composite = new CompositePropagator({
  propagators: [new W3CTraceContextPropagator(), new AWSXRayPropagator()],
});

const TRACE = '5759e988bd862e3fe1be46a994272793';
const XRAY = `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1`;

describe('composite propagation: X-Ray + W3C trace context', () => {
  it('a caller that speaks only X-Ray: the trace continues, Lineage kept', () => {
    const ctx = composite.extract(ROOT_CONTEXT, { 'x-amzn-trace-id': XRAY }, defaultTextMapGetter);
    const sc = trace.getSpanContext(ctx);
    assert.equal(sc?.traceId, TRACE);
    assert.equal(sc?.spanId, '53995c3f42cd8ad8');
    assert.equal(getLineage(sc), 'a87bd80c:1');
  });

  it('a caller that speaks only W3C: the trace continues', () => {
    const carrier = { traceparent: `00-${TRACE}-53995c3f42cd8ad8-01` };
    const sc = trace.getSpanContext(composite.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter));
    assert.equal(sc?.traceId, TRACE);
    assert.equal(sc?.traceFlags, TraceFlags.SAMPLED);
  });

  it('inject writes both headers for the same span, and X-Ray facts travel in tracestate too', () => {
    const parent = composite.extract(
      ROOT_CONTEXT,
      { 'x-amzn-trace-id': XRAY },
      defaultTextMapGetter,
    );
    const remote = trace.getSpanContext(parent);
    assert.ok(remote, 'extracted');
    const child = trace.setSpanContext(parent, {
      ...remote,
      spanId: '1111111111111111',
      isRemote: false,
    });
    const out: Record<string, string> = {};
    composite.inject(child, out, defaultTextMapSetter);
    assert.equal(out.traceparent, `00-${TRACE}-1111111111111111-01`);
    assert.equal(
      out['x-amzn-trace-id'],
      'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=1111111111111111;Sampled=1;Lineage=a87bd80c:1',
    );
    assert.match(out.tracestate ?? '', /xray=/, 'a W3C-only hop passes the X-Ray facts on');
    // A service that reads only W3C, then calls an X-Ray service: Lineage survives the hop.
    const viaW3c = composite.extract(
      ROOT_CONTEXT,
      { traceparent: out.traceparent as string, tracestate: out.tracestate as string },
      defaultTextMapGetter,
    );
    assert.equal(getLineage(trace.getSpanContext(viaW3c)), 'a87bd80c:1');
  });
});
