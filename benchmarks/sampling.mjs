// Sampling micro bench (mitata): shouldSample for a root SERVER span with 25
// centralized rules, where only `Default` matches (every rule is checked):
// otel-xray's AWSXRayRemoteSampler against @opentelemetry/sampler-aws-xray
// and the SDK's AlwaysOnSampler (the floor). Both X-Ray samplers load the
// same rules from a loopback stand-in of the daemon's sampling API.
// Posts { type: 'result', benches } over IPC (or prints it when run alone).
import * as http from 'node:http';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { AlwaysOnSampler } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AWSXRayRemoteSampler as ContribSampler } from '@opentelemetry/sampler-aws-xray';
import { bench, do_not_optimize, group, run } from 'mitata';
import { loadOtelXray } from './lib/otel-xray.mjs';

const { AWSXRayRemoteSampler } = await loadOtelXray();

// ---- 24 rules that do not match the span, then Default -------------------------
const base = {
  ResourceARN: '*',
  FixedRate: 0.1,
  ReservoirSize: 1,
  ServiceName: '*',
  ServiceType: '*',
  Host: '*',
  HTTPMethod: '*',
  URLPath: '*',
  Version: 1,
  Attributes: {},
};
const rules = [];
for (let i = 0; i < 24; i++) {
  const r = { ...base, RuleName: `rule-${i}`, Priority: i + 1 };
  if (i % 3 === 0) r.URLPath = `/service-${i}/*`;
  else if (i % 3 === 1) Object.assign(r, { HTTPMethod: 'POST', URLPath: `/api/v${i}/*` });
  else Object.assign(r, { Host: `host-${i}.example.com`, URLPath: '/api/*' });
  rules.push(r);
}
rules.push({ ...base, RuleName: 'Default', Priority: 10000, FixedRate: 0.05 });
const records = { SamplingRuleRecords: rules.map((SamplingRule) => ({ SamplingRule })) };

let rulesServed = 0;
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.setHeader('Content-Type', 'application/json');
    if (req.url === '/GetSamplingRules') {
      rulesServed++;
      res.end(JSON.stringify(records));
    } else res.end(JSON.stringify({ SamplingTargetDocuments: [] }));
  });
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
server.unref();
const endpoint = `http://127.0.0.1:${server.address().port}`;

const resource = resourceFromAttributes({ 'service.name': 'bench-service' });
const ours = new AWSXRayRemoteSampler({ resource, endpoint, env: {} });
const contrib = new ContribSampler({ resource, endpoint, pollingInterval: 300 });
const alwaysOn = new AlwaysOnSampler();

// Both samplers fetch at construction: wait for both answers, then a few turns
// for the responses to be applied.
while (rulesServed < 2) await new Promise((r) => setTimeout(r, 10));
for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 5));

// ---- the span -------------------------------------------------------------------
const attributes = {
  'http.request.method': 'GET',
  'url.path': '/api/users/123',
  'url.scheme': 'http',
  'server.address': 'shop.example.com',
  'server.port': 8080,
  'user_agent.original': 'bench/1.0',
};
const traceIds = Array.from({ length: 1024 }, () => randomBytes(16).toString('hex'));
let n = 0;
const decide = (sampler) =>
  sampler.shouldSample(
    ROOT_CONTEXT,
    traceIds[n++ & 1023],
    'GET /api/users/:id',
    SpanKind.SERVER,
    attributes,
    [],
  );

// Sanity: both X-Ray samplers have the rules (ours names the rule when it samples).
let named = 0;
for (let i = 0; i < 5000; i++) {
  const r = decide(ours);
  if (r.attributes?.['aws.xray.sampling_rule'] === 'Default') named++;
}
if (named === 0) throw new Error('otel-xray sampler did not load the bench rules');
if (contrib._root?._root?.ruleCache?.ruleAppliers?.length === 0) {
  throw new Error('contrib sampler did not load the bench rules');
}

group('shouldSample, root span, 25 rules (Default matches)', () => {
  bench('sampling otel-xray', () => do_not_optimize(decide(ours)));
  bench('sampling contrib', () => do_not_optimize(decide(contrib)));
  bench('sampling AlwaysOn', () => do_not_optimize(decide(alwaysOn)));
});

const { benchmarks } = await run({ format: process.send ? 'quiet' : 'mitata', throw: true });
await ours.shutdown();
contrib.stopPollers();
server.close();
const benches = {};
for (const b of benchmarks) {
  for (const r of b.runs) {
    if (r.error) throw r.error;
    benches[r.name] = { p50: r.stats.p50, avg: r.stats.avg, p99: r.stats.p99 };
  }
}
const result = { type: 'result', benches };
if (process.send) {
  process.send(result);
  process.on('message', (m) => m?.type === 'exit' && process.exit(0));
} else {
  console.log(JSON.stringify(result, null, 2));
}
