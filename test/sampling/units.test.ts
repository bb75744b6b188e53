import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import { Reservoir, RuleApplier, traceIdWithinRate } from '../../src/sampling/applier.js';
import { parseSamplerArg, resolveSamplerConfig } from '../../src/sampling/config.js';
import { loadLocalRules, parseLocalRules } from '../../src/sampling/local-rules.js';
import { pathOfUrl, readRequestFields, resourceFields } from '../../src/sampling/matcher.js';
import type { RequestFields } from '../../src/sampling/matcher.js';
import { DEFAULT_RULE } from '../../src/sampling/rules.js';

const fields = (attrs: Record<string, unknown>): RequestFields => {
  const out: RequestFields = { method: undefined, path: undefined, host: undefined };
  readRequestFields(attrs as never, out);
  return out;
};

describe('sampling: request fields from both semconv eras', () => {
  it('reads the stable names', () => {
    assert.deepEqual(
      fields({ 'http.request.method': 'POST', 'url.path': '/a/b', 'server.address': 'api.x' }),
      { method: 'POST', path: '/a/b', host: 'api.x' },
    );
  });
  it('reads the old names (query and port removed)', () => {
    assert.deepEqual(
      fields({ 'http.method': 'GET', 'http.target': '/a?b=1', 'http.host': 'api.x:8080' }),
      { method: 'GET', path: '/a', host: 'api.x' },
    );
  });
  it('takes the path of url.full or http.url, and _OTHER → the original method', () => {
    assert.deepEqual(
      fields({
        'http.request.method': '_OTHER',
        'http.request.method_original': 'PURGE',
        'url.full': 'https://h.example:8443/p/q?x#y',
      }),
      { method: 'PURGE', path: '/p/q', host: undefined },
    );
    assert.equal(fields({ 'http.url': 'http://h.example' }).path, '/');
    assert.equal(fields({ 'http.url': 'http://h.example?x' }).path, '/');
    assert.equal(fields({ 'url.full': 'not a url' }).path, undefined);
    assert.equal(fields({ 'net.host.name': 'n.example' }).host, 'n.example');
    assert.equal(fields({ 'client.address': '10.0.0.1' }).host, undefined);
    assert.equal(fields({ 'http.host': '[::1]:80' }).host, '[::1]');
  });
  it('ignores values of the wrong type', () => {
    assert.deepEqual(
      fields({ 'http.request.method': 5, 'url.path': ['/a'], 'server.address': null }),
      {
        method: undefined,
        path: undefined,
        host: undefined,
      },
    );
    assert.equal(pathOfUrl('/only/path?q'), '/only/path');
  });
  it('maps the resource to ServiceName, ServiceType and ResourceARN', () => {
    assert.deepEqual(
      resourceFields({
        'service.name': 'svc',
        'cloud.platform': 'aws_ecs',
        'aws.ecs.container.arn': 'arn:c',
        'aws.ecs.cluster.arn': 'arn:cl',
      }),
      { serviceName: 'svc', serviceType: 'AWS::ECS::Container', resourceArn: 'arn:c' },
    );
    assert.deepEqual(
      resourceFields({ 'cloud.platform': 'aws_lambda', 'cloud.resource_id': 'arn:fn' }),
      { serviceName: undefined, serviceType: 'AWS::Lambda::Function', resourceArn: 'arn:fn' },
    );
  });
});

describe('sampling: reservoir and fixed rate', () => {
  it('FixedRate by trace ID agrees with the SDK TraceIdRatioBasedSampler', () => {
    let seed = 12345;
    const hex = (): string => {
      let s = '';
      for (let i = 0; i < 32; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        s += ((seed >>> 16) & 15).toString(16);
      }
      return s;
    };
    for (const rate of [0, 0.001, 0.05, 0.5, 0.99, 1]) {
      const sdk = new TraceIdRatioBasedSampler(rate);
      let agreed = 0;
      for (let i = 0; i < 2000; i++) {
        const id = hex();
        const theirs = sdk.shouldSample(ROOT_CONTEXT, id).decision === 2;
        if (theirs === traceIdWithinRate(id, rate)) agreed++;
      }
      assert.equal(agreed, 2000, `rate ${rate}`);
    }
    assert.equal(traceIdWithinRate('zz'.repeat(16), 0.5), false);
  });

  it('the bucket starts full, holds at most one second, and refills over time', () => {
    const r = new Reservoir();
    assert.equal(r.take(0, 3), true);
    assert.equal(r.take(0, 3), true);
    assert.equal(r.take(0, 3), true);
    assert.equal(r.take(0, 3), false);
    assert.equal(r.take(334, 3), true); // 1/3 s later: one more
    assert.equal(r.take(334, 3), false);
    assert.equal(r.take(100_000, 3), true); // a long pause still gives at most 3
    assert.equal(r.take(100_000, 3), true);
    assert.equal(r.take(100_000, 3), true);
    assert.equal(r.take(100_000, 3), false);
    assert.equal(r.take(200_000, 0), false);
  });

  it('counts requests, sampled (borrowed included) and borrowed', () => {
    const a = new RuleApplier({ ...DEFAULT_RULE, FixedRate: 0 });
    const id = '0'.repeat(31) + '1';
    assert.equal(a.sample(id, 0), 2); // borrowed
    assert.equal(a.sample(id, 0), 0);
    assert.deepEqual(
      { ...a.snapshot('c'.repeat(24), 5500), ClientID: 'x' },
      {
        RuleName: 'Default',
        ClientID: 'x',
        Timestamp: 5,
        RequestCount: 2,
        SampledCount: 1,
        BorrowCount: 1,
      },
    );
    assert.equal(a.requests, 0);
  });
});

describe('sampling: configuration', () => {
  it('options > OTEL_TRACES_SAMPLER_ARG > AWS_XRAY_DAEMON_ADDRESS > default', () => {
    const env = {
      OTEL_TRACES_SAMPLER_ARG: 'endpoint=http://arg:2000,polling_interval=60',
      AWS_XRAY_DAEMON_ADDRESS: 'udp:10.0.0.1:2000 tcp:10.0.0.2:2001',
    };
    assert.equal(resolveSamplerConfig({ endpoint: 'http://opt:1/' }, env).endpoint, 'http://opt:1');
    const fromArg = resolveSamplerConfig({}, env);
    assert.equal(fromArg.endpoint, 'http://arg:2000');
    assert.equal(fromArg.pollingIntervalMs, 60_000);
    assert.equal(
      resolveSamplerConfig({}, { ...env, OTEL_TRACES_SAMPLER_ARG: '  ' }).endpoint,
      'http://10.0.0.2:2001',
    );
    const dflt = resolveSamplerConfig({}, { AWS_XRAY_DAEMON_ADDRESS: '' });
    assert.equal(dflt.endpoint, 'http://127.0.0.1:2000');
    assert.equal(dflt.pollingIntervalMs, 300_000);
    assert.deepEqual(dflt.problems, []);
  });
  it('splits pairs on "," then on the first "="; reports bad values and uses the next source', () => {
    assert.deepEqual(parseSamplerArg('endpoint=http://h:1/?a=b, polling_interval = 5,junk'), {
      endpoint: 'http://h:1/?a=b',
      polling_interval: '5',
    });
    const bad = resolveSamplerConfig(
      { pollingInterval: Number.NaN },
      {
        OTEL_TRACES_SAMPLER_ARG: 'endpoint=ftp://x,polling_interval=abc',
        AWS_XRAY_DAEMON_ADDRESS: 'nonsense',
      },
    );
    assert.equal(bad.endpoint, 'http://127.0.0.1:2000');
    assert.equal(bad.pollingIntervalMs, 300_000);
    assert.equal(bad.problems.length, 4, bad.problems.join('\n'));
    const low = resolveSamplerConfig({ pollingInterval: 1 }, {});
    assert.equal(low.pollingIntervalMs, 10_000);
    assert.match(low.problems[0] ?? '', /raised to 10 s/);
    assert.equal(
      resolveSamplerConfig({}, { AWS_XRAY_DAEMON_ADDRESS: '[::1]:2000' }).endpoint,
      'http://[::1]:2000',
    );
  });
});

describe('sampling: X-Ray SDK local rules', () => {
  it('reads version 2 and version 1 (service_name is the host), default last', () => {
    const v2 = parseLocalRules({
      version: 2,
      rules: [
        {
          description: 'moves',
          host: '*',
          http_method: 'POST',
          url_path: '/m/*',
          fixed_target: 0,
          rate: 0.05,
        },
      ],
      default: { fixed_target: 1, rate: 0.1 },
    });
    assert.ok(Array.isArray(v2));
    assert.deepEqual(
      v2.map((r) => [r.rule.RuleName, r.rule.HTTPMethod, r.fixedTarget, r.rule.FixedRate]),
      [
        ['moves', 'POST', 0, 0.05],
        ['Default', '*', 1, 0.1],
      ],
    );
    const v1 = parseLocalRules({
      version: 1,
      rules: [
        { service_name: 'h.example', http_method: '*', url_path: '/x', fixed_target: 2, rate: 0.5 },
      ],
      default: { fixed_target: 1, rate: 0.05 },
    });
    assert.ok(Array.isArray(v1));
    assert.equal(v1[0]?.rule.Host, 'h.example');
  });

  it('rejects what the X-Ray SDK rejects, naming the field', () => {
    const base = { version: 2, default: { fixed_target: 1, rate: 0.05 } };
    const cases: Array<[unknown, RegExp]> = [
      [{ ...base, version: 3 }, /version must be 1 or 2/],
      [{ version: 2 }, /default is missing/],
      [{ ...base, default: { fixed_target: 1, rate: 0.05, x: 1 } }, /default: unknown key "x"/],
      [{ ...base, default: { fixed_target: -1, rate: 0.05 } }, /default.fixed_target/],
      [{ ...base, default: { fixed_target: 1, rate: 2 } }, /default.rate/],
      [
        { ...base, rules: [{ host: '*', url_path: '/', fixed_target: 0, rate: 0 }] },
        /rules\[0\].http_method is missing/,
      ],
      [
        {
          ...base,
          rules: [{ host: '', http_method: 'GET', url_path: '/', fixed_target: 0, rate: 0 }],
        },
        /rules\[0\].host must be a non-empty string/,
      ],
      [
        {
          ...base,
          rules: [
            { service_name: 'x', http_method: 'GET', url_path: '/', fixed_target: 0, rate: 0 },
          ],
        },
        /unknown key "service_name"/,
      ],
      [
        {
          ...base,
          rules: [{ host: 'x', http_method: 'GET', url_path: '/', fixed_target: 0.5, rate: 0 }],
        },
        /rules\[0\].fixed_target/,
      ],
    ];
    for (const [json, expected] of cases) {
      const res = parseLocalRules(json);
      assert.equal(typeof res, 'string', JSON.stringify(json));
      assert.match(res as string, expected);
    }
  });

  it('names the file in its one message', () => {
    const dir = mkdtempSync(join(tmpdir(), 'xray-rules-'));
    const file = join(dir, 'rules.json');
    writeFileSync(file, '{"version":2,"default":{"fixed_target":1,"rate":7}}');
    assert.match(
      loadLocalRules(file) as string,
      /rules\.json: default\.rate must be a number from 0 to 1, not 7/,
    );
    writeFileSync(file, '{oops');
    assert.match(loadLocalRules(file) as string, /rules\.json: not valid JSON/);
    assert.match(
      loadLocalRules(join(dir, 'missing.json')) as string,
      /cannot read the file \(ENOENT\)/,
    );
  });
});
