/**
 * X-Ray sampling end to end, all real parts but the clock: rules served by the
 * daemon stand-in's sampling API on TCP, AWSXRayRemoteSampler in the SDK,
 * instrumentation-http on real requests, AWSXRaySpanExporter over UDP to the
 * same daemon. What the rules say is what reaches the daemon, the segments
 * name their rule, and the statistics the daemon gets count every root.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AWSXRayRemoteSampler, AWSXRaySpanExporter } from '../../src/index.js';
import { DEFAULT_RULE } from '../../src/sampling/rules.js';
import type { SamplingRule } from '../../src/sampling/rules.js';
import { TestDaemon } from '../helpers/daemon.js';
import { instrumentedHttp } from '../helpers/instrumentations.js';
import { FakeTimers } from './fake-xray.js';

const rule = (fields: Partial<SamplingRule>): SamplingRule => ({ ...DEFAULT_RULE, ...fields });

describe('X-Ray sampling end to end: daemon rules → sampler → spans → daemon', () => {
  it('records what the rules say, names the rule on each segment, and reports every root', async () => {
    const timers = new FakeTimers();
    const daemon = await TestDaemon.start('udp4', {
      sampling: {
        now: timers.clock,
        rules: [
          rule({
            RuleName: 'health',
            Priority: 1,
            HTTPMethod: 'GET',
            URLPath: '/health',
            FixedRate: 0,
            ReservoirSize: 0,
          }),
          rule({
            RuleName: 'orders',
            Priority: 10,
            URLPath: '/orders*',
            FixedRate: 1,
            ReservoirSize: 0,
          }),
          rule({ RuleName: 'Default', FixedRate: 0, ReservoirSize: 0 }),
        ],
      },
    });
    const resource = resourceFromAttributes({ 'service.name': 'shop' });
    const sampler = new AWSXRayRemoteSampler({
      resource,
      endpoint: `http://${daemon.address}`,
      clock: timers.clock,
      random: () => 0.5,
      timers,
      env: {},
    });
    const exporter = new AWSXRaySpanExporter({ daemonAddress: daemon.address });
    const provider = new BasicTracerProvider({
      resource,
      sampler,
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const http = instrumentedHttp(provider);
    const server = http.createServer((_req, res) => res.end('ok'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const get = (path: string): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path }, (res) => {
            res.resume();
            res.on('end', resolve);
          })
          .on('error', reject);
      });
    try {
      await timers.next(); // the rules, from the daemon
      for (let i = 0; i < 5; i++) await get('/health');
      for (let i = 0; i < 5; i++) await get(`/orders/${i}`);
      // Each order is a trace of two spans: the CLIENT root (decided by "orders") and the
      // SERVER span below it (following its sampled parent). No health check is recorded.
      // One more span: the daemon's sampling API runs in this process, so instrumentation-http
      // traces its server side too (the sampler's own client request is suppressed): the
      // GetSamplingRules request, a root decided before the rules arrived (X-Ray's default
      // borrows 1/s).
      await daemon.waitForSpans(11);
      await provider.forceFlush();
      await exporter.forceFlush();
      const pathOf = (node: Record<string, unknown>): string => {
        const http = node.http as { request?: { url?: string } } | undefined;
        return new URL(http?.request?.url ?? 'http://x/none').pathname;
      };
      const own = (node: Record<string, unknown>): boolean => pathOf(node) === '/GetSamplingRules';
      const app = daemon.spans.filter((s) => !own(s.node));
      assert.equal(daemon.spans.length - app.length, 1, "the stand-in's own server span");
      const paths = app.map((s) => pathOf(s.node));
      assert.equal(app.length, 10, `nothing but the orders: ${paths.join(' ')}`);
      assert.deepEqual(
        paths.filter((p) => !p.startsWith('/orders/')),
        [],
        `only /orders requests: ${paths.join(' ')}`,
      );
      const segments = daemon.documents.filter((d) => d.type !== 'subsegment' && !own(d));
      const roots = segments.filter((d) => d.parent_id === undefined);
      assert.equal(roots.length, 5, 'one root segment per order');
      for (const root of roots) {
        assert.equal(
          (root.aws as { xray?: { rule_name?: string } } | undefined)?.xray?.rule_name,
          'orders',
          'the segment names the rule that sampled it, as the X-Ray SDK does',
        );
      }
      await timers.next(); // statistics, to the daemon
      const api = daemon.samplingApi;
      assert.deepEqual(api?.counts.get('health'), { requests: 5, sampled: 0, borrowed: 0 });
      assert.deepEqual(api?.counts.get('orders'), { requests: 5, sampled: 5, borrowed: 0 });
      assert.deepEqual(
        api?.counts.get('Default'),
        { requests: 0, sampled: 0, borrowed: 0 },
        'no root fell to Default',
      );
      assert.deepEqual(api?.summaryLines(), [
        'rule health: 5 requests, 0 sampled',
        'rule orders: 5 requests, 5 sampled',
        'rule Default: 0 requests, 0 sampled',
      ]);
    } finally {
      server.close();
      await sampler.shutdown();
      await provider.shutdown();
      await daemon.close();
    }
  });
});
