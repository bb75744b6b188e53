/**
 * The sampler in the real SDK, with the real instrumentation-http active:
 * its own API calls make no spans, and a root span sampled by a rule carries
 * the rule's name.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SpanKind } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AWSXRayRemoteSampler } from '../../src/index.js';
import { Collector } from '../helpers/collector.js';
import { instrumentedHttp } from '../helpers/instrumentations.js';
import { FakeTimers, FakeXRayApi, rule, rulesAnswer } from './fake-xray.js';

describe('AWSXRayRemoteSampler in the SDK with instrumentation-http', () => {
  it('makes no spans for its own requests; a rule-sampled root span names the rule', async () => {
    const collector = new Collector();
    const timers = new FakeTimers();
    const api = await FakeXRayApi.start();
    api.script(
      '/GetSamplingRules',
      rulesAnswer([
        rule({ RuleName: 'Default', Priority: 10000, FixedRate: 0, ReservoirSize: 0 }),
        rule({ RuleName: 'orders', URLPath: '/orders*', HTTPMethod: 'GET', FixedRate: 1 }),
      ]),
    );
    const resource = resourceFromAttributes({ 'service.name': 'checkout' });
    const sampler = new AWSXRayRemoteSampler({
      resource,
      endpoint: api.endpoint,
      clock: timers.clock,
      random: () => 0,
      timers,
      env: {},
    });
    const provider = new BasicTracerProvider({ resource, sampler, spanProcessors: [collector] });
    const http = instrumentedHttp(provider);
    const server = http.createServer((_req, res) => res.end('ok'));
    try {
      await timers.next(); // rules, over the instrumented node:http
      await timers.next(); // targets
      assert.equal(api.on('/GetSamplingRules').length, 1);
      assert.equal(api.on('/SamplingTargets').length, 1);
      // The sampler's own requests made no CLIENT spans (the fake API's SERVER side is
      // instrumented too, as this process shares one node:http).
      const isClient = (sp: { kind: number }) => sp.kind === SpanKind.CLIENT;
      assert.deepEqual(collector.spans.filter(isClient), []);

      // An app request from no active span: its CLIENT span is a root, decided by "orders"
      // (GET, path of url.full); the server span below it follows its sampled parent.
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const { port } = server.address() as AddressInfo;
      await new Promise<void>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port, path: '/orders/7?x=1' }, (res) => {
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', reject);
      });
      const client = await waitFor(collector, (sp) => isClient(sp) && sp.name === 'GET');
      assert.equal(client.attributes['aws.xray.sampling_rule'], 'orders');
      const app = await waitFor(
        collector,
        (sp) => sp.kind === SpanKind.SERVER && sp.attributes['url.path'] === '/orders/7',
      );
      assert.equal(app.spanContext().traceId, client.spanContext().traceId);
      assert.equal(app.attributes['aws.xray.sampling_rule'], undefined); // parent-based
      await timers.next(); // the next report counts the root only
      const docs = api.on('/SamplingTargets').flatMap(
        (r) =>
          (
            r.body as {
              SamplingStatisticsDocuments: Array<{ RuleName: string; RequestCount: number }>;
            }
          ).SamplingStatisticsDocuments,
      );
      assert.equal(
        docs.find((d) => d.RuleName === 'orders' && d.RequestCount > 0)?.RequestCount,
        1,
      );
    } finally {
      server.close();
      await sampler.shutdown();
      await provider.shutdown();
      await api.close();
    }
  });
});

type Span = Collector['spans'][number];

/** Resolves with the first collected span `pred` accepts (spans end asynchronously). */
async function waitFor(collector: Collector, pred: (s: Span) => boolean): Promise<Span> {
  for (let i = 0; i < 1000; i++) {
    const found = collector.spans.find(pred);
    if (found !== undefined) return found;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('span not found');
}
