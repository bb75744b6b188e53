import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import {
  defaultTextMapGetter,
  ROOT_CONTEXT,
  SamplingDecision,
  SpanKind,
  trace,
  TraceFlags,
} from '@opentelemetry/api';
import type { Attributes, Context } from '@opentelemetry/api';
import { AWSXRayPropagator } from '../../src/propagation/propagator.js';
import { AWSXRayRemoteSampler } from '../../src/sampling/remote-sampler.js';
import type { AWSXRayRemoteSamplerOptions } from '../../src/sampling/remote-sampler.js';
import type { SamplingStatisticsDocument } from '../../src/sampling/rules.js';
import { captureDiag } from '../helpers/diag.js';
import { FakeTimers, FakeXRayApi, rule, rulesAnswer } from './fake-xray.js';

/** Trace IDs whose fixed-rate test passes for any rate > 0, and fails for any rate < 1. */
const LOW = '00000000000000000000000000000001';
const HIGH = 'ffffffff000000000000000000000000';
const SAMPLED = SamplingDecision.RECORD_AND_SAMPLED;
/** A captured diag line without the component logger's namespace (its form is not ours). */
const withoutPrefix = (line: string): string => line.replace(/^(\w+) otel-xray:? /, '$1 ').trim();
const DROPPED = SamplingDecision.NOT_RECORD;
/** Default that samples nothing: decisions then show exactly what the other rules did. */
const NONE_DEFAULT = rule({ RuleName: 'Default', Priority: 10000, FixedRate: 0, ReservoirSize: 0 });

describe('AWSXRayRemoteSampler against a fake X-Ray API', () => {
  let api: FakeXRayApi;
  let timers: FakeTimers;
  let sampler: AWSXRayRemoteSampler | undefined;

  beforeEach(async () => {
    api = await FakeXRayApi.start();
    timers = new FakeTimers();
  });
  afterEach(async () => {
    await sampler?.shutdown();
    sampler = undefined;
    await api.close();
  });

  const make = (over: AWSXRayRemoteSamplerOptions = {}): AWSXRayRemoteSampler => {
    sampler = new AWSXRayRemoteSampler({
      endpoint: api.endpoint,
      clock: timers.clock,
      random: () => 0,
      timers,
      env: {},
      resource: { attributes: { 'service.name': 'checkout' } },
      ...over,
    });
    return sampler;
  };
  const decide = (
    s: AWSXRayRemoteSampler,
    attrs: Attributes = {},
    traceId = HIGH,
    ctx: Context = ROOT_CONTEXT,
  ) => s.shouldSample(ctx, traceId, 'span', SpanKind.SERVER, attrs, []);
  const targetDocs = (): SamplingStatisticsDocument[] =>
    api
      .on('/SamplingTargets')
      .flatMap(
        (r) =>
          (r.body as { SamplingStatisticsDocuments: SamplingStatisticsDocument[] })
            .SamplingStatisticsDocuments,
      );

  it('fetches rules with POST {} and Content-Type JSON, following NextToken', async () => {
    api.script(
      '/GetSamplingRules',
      rulesAnswer([rule({ RuleName: 'one', URLPath: '/one', FixedRate: 1 })], 'p2'),
      rulesAnswer([rule({ RuleName: 'two', URLPath: '/two', FixedRate: 1 }), NONE_DEFAULT]),
    );
    const s = make();
    assert.deepEqual(timers.waiting(), [0]); // the first fetch, at once
    await timers.next();
    const calls = api.on('/GetSamplingRules');
    assert.equal(calls.length, 2);
    assert.equal(calls[0]?.method, 'POST');
    assert.equal(calls[0]?.headers['content-type'], 'application/json');
    assert.deepEqual(calls[0]?.body, {});
    assert.deepEqual(calls[1]?.body, { NextToken: 'p2' });
    assert.deepEqual(decide(s, { 'url.path': '/two' }).attributes, {
      'aws.xray.sampling_rule': 'two',
    });
    assert.equal(decide(s, { 'url.path': '/one' }).decision, SAMPLED);
    assert.equal(decide(s, { 'url.path': '/three' }).decision, DROPPED);
    // Next: the targets poll at 10 s, the rules poll at 300 s (jitter 0 here).
    assert.deepEqual(timers.waiting(), [10_000, 300_000]);
  });

  it('before rules arrive: 1/s + 5 % by trace ID, never all or nothing, no rule attribute', () => {
    const s = make();
    const first = decide(s, {}, HIGH);
    assert.equal(first.decision, SAMPLED); // the reservoir's one per second
    assert.equal(first.attributes, undefined);
    assert.equal(decide(s, {}, HIGH).decision, DROPPED);
    assert.equal(decide(s, {}, LOW).decision, SAMPLED); // within 5 %
    timers.now += 1000;
    assert.equal(decide(s, {}, HIGH).decision, SAMPLED);
  });

  it('orders by Priority, then RuleName, with Default last; records the matched rule', async () => {
    api.script(
      '/GetSamplingRules',
      rulesAnswer([
        NONE_DEFAULT,
        rule({ RuleName: 'b', Priority: 5, URLPath: '/api/*', FixedRate: 1 }),
        rule({ RuleName: 'a', Priority: 5, URLPath: '/api/*', FixedRate: 1 }),
        rule({ RuleName: 'first', Priority: 1, URLPath: '/api/x', FixedRate: 1 }),
        rule({ RuleName: 'Default-ish', Priority: 9999, FixedRate: 1 }),
      ]),
    );
    const s = make();
    await timers.next();
    const name = (path: string) =>
      decide(s, { 'url.path': path }).attributes?.['aws.xray.sampling_rule'];
    assert.equal(name('/api/x'), 'first');
    assert.equal(name('/api/y'), 'a');
    assert.equal(name('/other'), 'Default-ish');
  });

  it('matches old and new semantic conventions alike', async () => {
    api.script(
      '/GetSamplingRules',
      rulesAnswer([
        NONE_DEFAULT,
        rule({
          RuleName: 'orders',
          HTTPMethod: 'POST',
          URLPath: '/orders/*',
          Host: 'api.example.com',
          FixedRate: 1,
        }),
      ]),
    );
    const s = make();
    await timers.next();
    const variants: Attributes[] = [
      {
        'http.request.method': 'POST',
        'url.path': '/orders/1',
        'server.address': 'api.example.com',
      },
      {
        'http.method': 'post',
        'http.target': '/orders/2?x=1',
        'http.host': 'API.example.com:8080',
      },
      {
        'http.request.method': 'POST',
        'url.full': 'https://api.example.com/orders/3?q',
        'server.address': 'api.example.com',
      },
      {
        'http.method': 'POST',
        'http.url': 'http://api.example.com/orders/4',
        'net.host.name': 'api.example.com',
      },
    ];
    for (const attrs of variants) {
      assert.equal(decide(s, attrs).decision, SAMPLED, JSON.stringify(attrs));
    }
    assert.equal(decide(s, { ...variants[0], 'http.request.method': 'GET' }).decision, DROPPED);
    assert.equal(decide(s, { 'url.path': '/orders/1' }).decision, DROPPED); // no method, no host
  });

  it('matches ServiceName, ServiceType and Attributes (every key, string forms of primitives)', async () => {
    api.script(
      '/GetSamplingRules',
      rulesAnswer([
        NONE_DEFAULT,
        rule({ RuleName: 'other-service', ServiceName: 'billing', FixedRate: 1, Priority: 1 }),
        rule({ RuleName: 'ec2', ServiceType: 'AWS::EC2::Instance', FixedRate: 1, Priority: 2 }),
        rule({
          RuleName: 'gold',
          Attributes: { tier: 'gold', retries: '3' },
          FixedRate: 1,
          Priority: 3,
        }),
      ]),
    );
    const s = make({
      resource: { attributes: { 'service.name': 'checkout', 'cloud.platform': 'aws_eks' } },
    });
    await timers.next();
    const name = (attrs: Attributes) => decide(s, attrs).attributes?.['aws.xray.sampling_rule'];
    assert.equal(name({ tier: 'GOLD', retries: 3 }), 'gold');
    assert.equal(name({ tier: 'gold' }), undefined);
    assert.equal(name({ tier: ['gold'], retries: 3 }), undefined);
  });

  it('is parent-based: follows a parent, decides a deferred one, counts root decisions only', async () => {
    api.script(
      '/GetSamplingRules',
      rulesAnswer([rule({ RuleName: 'Default', Priority: 10000, FixedRate: 1, ReservoirSize: 0 })]),
    );
    const s = make();
    await timers.next();
    const parent = (flags: number) =>
      trace.setSpanContext(ROOT_CONTEXT, {
        traceId: HIGH,
        spanId: '0123456789abcdef',
        traceFlags: flags,
        isRemote: true,
      });
    assert.equal(decide(s, {}, HIGH, parent(TraceFlags.SAMPLED)).decision, SAMPLED);
    assert.equal(decide(s, {}, LOW, parent(TraceFlags.NONE)).decision, DROPPED);
    const deferred = new AWSXRayPropagator().extract(
      ROOT_CONTEXT,
      {
        'x-amzn-trace-id':
          'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=?',
      },
      defaultTextMapGetter,
    );
    const r = decide(s, {}, '5759e988bd862e3fe1be46a994272793', deferred);
    assert.equal(r.decision, SAMPLED);
    assert.equal(r.attributes?.['aws.xray.sampling_rule'], 'Default');
    decide(s, {}, LOW); // a root
    await timers.next(); // targets
    assert.deepEqual(
      targetDocs().map((d) => [d.RuleName, d.RequestCount, d.SampledCount, d.BorrowCount]),
      [['Default', 2, 2, 0]],
    );
  });

  it('reports statistics: 24-hex ClientID, epoch seconds, borrowed counted in sampled', async () => {
    api.script(
      '/GetSamplingRules',
      rulesAnswer([rule({ RuleName: 'Default', Priority: 10000, FixedRate: 0, ReservoirSize: 1 })]),
    );
    const s = make();
    await timers.next();
    assert.equal(decide(s).decision, SAMPLED); // borrowed: no target yet, starts full
    assert.equal(decide(s).decision, DROPPED);
    await timers.next();
    const [doc] = targetDocs();
    assert.match(doc?.ClientID ?? '', /^[0-9a-f]{24}$/);
    assert.equal(doc?.Timestamp, Math.floor(timers.now / 1000));
    assert.deepEqual([doc?.RequestCount, doc?.SampledCount, doc?.BorrowCount], [2, 1, 1]);
    assert.equal(api.on('/SamplingTargets')[0]?.headers['content-type'], 'application/json');
  });

  it('applies targets: quota until the TTL (epoch s), balance carried, then borrowing; counts made in flight are kept', async () => {
    api.script(
      '/GetSamplingRules',
      rulesAnswer([rule({ RuleName: 'Default', Priority: 10000, FixedRate: 0, ReservoirSize: 5 })]),
    );
    const s = make();
    await timers.next();
    const ttl = () => Math.floor(timers.now / 1000) + 60;
    api.script('/SamplingTargets', () => {
      // A decision while the report is on the wire: it belongs to the next report.
      decide(s);
      return {
        json: {
          SamplingTargetDocuments: [
            { RuleName: 'Default', ReservoirQuota: 3, ReservoirQuotaTTL: ttl(), Interval: 10 },
          ],
        },
      };
    });
    await timers.next();
    // The borrowing bucket (1/s) was used once in flight; the balance carries over (not refilled).
    const sampledNow = () => [0, 1, 2, 3].filter(() => decide(s).decision === SAMPLED).length;
    assert.equal(sampledNow(), 0);
    timers.now += 1000;
    assert.equal(sampledNow(), 3); // the quota, per second
    api.script('/SamplingTargets', {
      json: {
        SamplingTargetDocuments: [
          { RuleName: 'Default', ReservoirQuota: 3, ReservoirQuotaTTL: ttl() },
        ],
      },
    });
    await timers.next(); // 9 s later: the bucket is full again
    assert.equal(sampledNow(), 3); // a refreshed target does not empty the bucket
    const [, second] = api.on('/SamplingTargets');
    const doc = (second?.body as { SamplingStatisticsDocuments: SamplingStatisticsDocument[] })
      .SamplingStatisticsDocuments[0];
    assert.deepEqual([doc?.RequestCount, doc?.SampledCount, doc?.BorrowCount], [1 + 8, 1 + 3, 1]);
    // Past the TTL: borrowing 1/s again.
    timers.now += 61_000;
    assert.equal(sampledNow(), 1);
  });

  it('honours FixedRate 0 and ReservoirQuota 0, and polls at the smallest Interval', async () => {
    api.script(
      '/GetSamplingRules',
      rulesAnswer([
        rule({ RuleName: 'Default', Priority: 10000, FixedRate: 1, ReservoirSize: 1 }),
        rule({ RuleName: 'slow', URLPath: '/slow', FixedRate: 1 }),
      ]),
    );
    const s = make();
    await timers.next();
    const ttl = Math.floor(timers.now / 1000) + 600;
    api.script('/SamplingTargets', {
      json: {
        SamplingTargetDocuments: [
          {
            RuleName: 'Default',
            FixedRate: 0,
            ReservoirQuota: 0,
            ReservoirQuotaTTL: ttl,
            Interval: 20,
          },
          { RuleName: 'slow', Interval: 5 },
        ],
      },
    });
    await timers.next();
    assert.equal(decide(s, {}, LOW).decision, DROPPED);
    assert.equal(decide(s, {}, LOW).decision, DROPPED);
    assert.deepEqual(timers.waiting(), [5_000, 300_000 - 10_000]);
  });

  it('fetches rules early when LastRuleModification is newer than the last fetch', async () => {
    const s = make();
    await timers.next();
    api.script('/SamplingTargets', {
      json: { LastRuleModification: timers.now / 1000 + 5, SamplingTargetDocuments: [] },
    });
    api.script(
      '/GetSamplingRules',
      rulesAnswer([rule({ RuleName: 'new', FixedRate: 1 }), NONE_DEFAULT]),
    );
    await timers.next(); // targets
    assert.equal(timers.waiting()[0], 0);
    await timers.next(); // rules, out of band
    assert.equal(api.on('/GetSamplingRules').length, 2);
    assert.equal(decide(s).attributes?.['aws.xray.sampling_rule'], 'new');
  });

  it('sends 30 rules’ statistics in 2 requests (25 + 5)', async () => {
    const rules = Array.from({ length: 30 }, (_, i) =>
      rule({ RuleName: `r${String(i).padStart(2, '0')}`, Priority: i + 1 }),
    );
    api.script('/GetSamplingRules', rulesAnswer(rules));
    make();
    await timers.next();
    await timers.next();
    assert.deepEqual(
      api
        .on('/SamplingTargets')
        .map(
          (r) =>
            (r.body as { SamplingStatisticsDocuments: unknown[] }).SamplingStatisticsDocuments
              .length,
        ),
      [25, 5],
    );
  });

  it('takes an added attribute condition into account (deep rule equality)', async () => {
    const plain = rule({ RuleName: 'r', FixedRate: 1 });
    api.script(
      '/GetSamplingRules',
      rulesAnswer([plain, NONE_DEFAULT]),
      rulesAnswer([{ ...plain, Attributes: { tier: 'gold' } }, NONE_DEFAULT]),
    );
    const s = make();
    await timers.next();
    assert.equal(decide(s).decision, SAMPLED);
    timers.clearTimeout(undefined);
    while (api.on('/GetSamplingRules').length < 2) await timers.next();
    assert.equal(decide(s).decision, DROPPED);
    assert.equal(decide(s, { tier: 'gold' }).decision, SAMPLED);
  });

  it('falls back after an hour without a successful refresh, and backs off 1, 2, 4 … s', async () => {
    api.script('/GetSamplingRules', rulesAnswer([NONE_DEFAULT]));
    api.defaults.set('/GetSamplingRules', { status: 500, raw: 'boom' });
    api.defaults.set('/SamplingTargets', { status: 500 });
    const diag = captureDiag();
    try {
      const s = make();
      await timers.next();
      assert.equal(decide(s, {}, LOW).decision, DROPPED); // the rules say none
      // Run polls until the rules are an hour old; the warning is said once.
      const rulesTimes = [timers.now];
      while (timers.now < 1_700_000_000_000 + 3_600_000) {
        const before = api.on('/GetSamplingRules').length;
        await timers.next();
        if (api.on('/GetSamplingRules').length > before) rulesTimes.push(timers.now);
      }
      const rulesDelays = rulesTimes.slice(1).map((t, i) => t - (rulesTimes[i] as number));
      assert.deepEqual(rulesDelays.slice(0, 4), [300_000, 1000, 2000, 4000]);
      assert.ok(rulesDelays.every((d) => d <= 300_000));
      assert.equal(decide(s, {}, LOW).decision, SAMPLED); // the fallback's reservoir
      const warnings = diag.lines.filter((l) => l.startsWith('warn'));
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(
        warnings[0] ?? '',
        /failed \(\/SamplingTargets: HTTP 500\); the last rules stay in force/,
      );
    } finally {
      diag.restore();
    }
  });

  it('unreachable daemon: one warning saying what to do, then retries; decisions go on', async () => {
    const closed = await FakeXRayApi.start();
    const port = closed.port;
    await closed.close();
    const diag = captureDiag();
    try {
      const s = make({
        endpoint: undefined,
        env: { AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${port}` },
      });
      assert.equal(
        s.toString(),
        `AWSXRayRemoteSampler{endpoint=http://127.0.0.1:${port}, pollingInterval=300s, fallback=X-Ray default (1/s + 5 %)}`,
      );
      await timers.next();
      await timers.next();
      await timers.next();
      assert.deepEqual(timers.waiting(), [4000]);
      assert.deepEqual(diag.lines.filter((l) => l.startsWith('warn')).map(withoutPrefix), [
        `warn X-Ray sampling: no X-Ray daemon answered at 127.0.0.1:${port}: start it or set AWS_XRAY_DAEMON_ADDRESS (/GetSamplingRules: ECONNREFUSED); the X-Ray default (1/s + 5 %) applies until it answers`,
      ]);
      assert.equal(decide(s).decision, SAMPLED);
    } finally {
      diag.restore();
    }
  });

  const badAnswers: Array<[string, Parameters<FakeXRayApi['script']>[1]]> = [
    ['HTTP 400', { status: 400, json: { message: 'InvalidRequestException' } }],
    ['HTTP 429', { status: 429, json: { message: 'ThrottledException' } }],
    ['malformed JSON', { raw: '{"SamplingRuleRecords": [' }],
    ['an empty body', { raw: '' }],
    ['a missing array', { json: { NextToken: null } }],
    ['an object where the array belongs', { json: { SamplingRuleRecords: { SamplingRule: {} } } }],
    ['null entries only', { json: { SamplingRuleRecords: [null, { SamplingRule: null }] } }],
    ['a JSON null', { json: null }],
    [
      'several MB',
      { raw: JSON.stringify({ SamplingRuleRecords: [], pad: 'x'.repeat(3 * 1024 * 1024) }) },
    ],
  ];
  for (const [label, answer] of badAnswers) {
    it(`rules answer with ${label}: ignored with one diag line, last good rules kept`, async () => {
      api.script(
        '/GetSamplingRules',
        rulesAnswer([rule({ RuleName: 'keep', FixedRate: 1 }), NONE_DEFAULT]),
        answer,
      );
      const diag = captureDiag();
      try {
        const s = make();
        await timers.next(); // good rules
        timers.now += 300_000;
        timers.clearTimeout(undefined);
        const before = api.on('/GetSamplingRules').length;
        while (api.on('/GetSamplingRules').length === before) await timers.next();
        assert.equal(decide(s).attributes?.['aws.xray.sampling_rule'], 'keep');
        assert.equal(
          diag.lines.filter((l) => l.startsWith('warn')).length,
          1,
          diag.lines.join('\n'),
        );
      } finally {
        diag.restore();
      }
    });
  }

  it('rules with bad records: the good ones apply, one warning lists what was skipped', async () => {
    api.script('/GetSamplingRules', {
      json: {
        SamplingRuleRecords: [
          null,
          { SamplingRule: { ...rule({ RuleName: 'nan' }), FixedRate: 'NaN' } },
          {
            SamplingRule: {
              ...rule({ RuleName: 'ok', FixedRate: 1 }),
              SamplingRateBoost: { MaxRate: 1 },
            },
          },
          { SamplingRule: NONE_DEFAULT },
        ],
      },
    });
    const diag = captureDiag();
    try {
      const s = make();
      await timers.next();
      assert.equal(decide(s).attributes?.['aws.xray.sampling_rule'], 'ok');
      const warnings = diag.lines.filter((l) => l.startsWith('warn'));
      assert.equal(warnings.length, 1);
      assert.match(warnings[0] ?? '', /2 problem\(s\).*rule "nan": FixedRate must be a number/);
    } finally {
      diag.restore();
    }
  });

  it('bad targets answers and UnprocessedStatistics: counts are kept for the next report, nothing thrown', async () => {
    api.script(
      '/GetSamplingRules',
      rulesAnswer([rule({ RuleName: 'Default', Priority: 10000, FixedRate: 1 })]),
    );
    const s = make();
    await timers.next();
    decide(s);
    decide(s);
    api.script(
      '/SamplingTargets',
      { raw: 'not json' },
      {
        json: {
          SamplingTargetDocuments: [null, { RuleName: 'Default', FixedRate: Infinity }],
          UnprocessedStatistics: [{ RuleName: 'Default', ErrorCode: '400', Message: 'x' }],
        },
      },
    );
    await timers.next(); // fails: counts restored
    assert.deepEqual(timers.waiting()[0], 20_000); // backed off
    await timers.next();
    const docs = targetDocs();
    assert.deepEqual(
      docs.map((d) => d.RequestCount),
      [2, 2],
    );
    assert.equal(decide(s, {}, HIGH).decision, SAMPLED); // FixedRate 1 kept
    assert.equal(timers.waiting()[0], 0); // UnprocessedStatistics → rules refresh
  });

  it('a request that times out fails the poll; shutdown aborts one in flight and stops polling', async () => {
    api.script('/GetSamplingRules', { hang: true }, { hang: true });
    const s = make({ requestTimeoutMs: 50 });
    await timers.next(); // times out (real 50 ms deadline)
    assert.deepEqual(timers.waiting(), [1000]);
    const poll = timers.next();
    while (api.on('/GetSamplingRules').length < 2) await new Promise((r) => setImmediate(r));
    await s.shutdown();
    await poll;
    assert.deepEqual(timers.waiting(), []);
    assert.equal(decide(s).decision, SAMPLED); // decisions continue after shutdown
  });

  it('local rules only: no network, the X-Ray SDK file decides', async () => {
    const file = fileURLToPath(new URL('../data/sampling/xray-sdk-rules-v2.json', import.meta.url));
    const s = make({ centralized: false, localRules: file });
    assert.deepEqual(timers.waiting(), []);
    assert.equal(s.toString(), 'AWSXRayRemoteSampler{local rules, no centralized rules}');
    const health = { 'http.request.method': 'GET', 'url.path': '/health' };
    assert.equal(decide(s, health, LOW).decision, DROPPED); // rate 0, fixed_target 0
    assert.equal(
      decide(s, { 'http.method': 'POST', 'http.target': '/api/move/1' }, LOW).decision,
      SAMPLED,
    );
    assert.equal(decide(s, {}, HIGH).decision, SAMPLED); // default: 1/s
    assert.equal(decide(s, {}, HIGH).decision, DROPPED);
    assert.equal(api.requests.length, 0);
  });

  it('an invalid local rules file: one error naming file and field; the default applies', () => {
    const diag = captureDiag();
    try {
      const s = make({
        centralized: false,
        localRules: { version: 2, default: { fixed_target: 1 } },
      });
      assert.deepEqual(diag.lines.map(withoutPrefix), [
        'error X-Ray sampling: localRules: default.rate must be a number from 0 to 1, not undefined; the X-Ray default (1/s + 5 %) applies instead',
      ]);
      assert.equal(decide(s).decision, SAMPLED);
      assert.equal(decide(s, {}, LOW).decision, SAMPLED);
      assert.equal(decide(s, {}, HIGH).decision, DROPPED);
    } finally {
      diag.restore();
    }
  });

  it('no-argument constructor: never throws; neither does shouldSample on odd input', async () => {
    const s = new AWSXRayRemoteSampler();
    try {
      assert.match(s.toString(), /^AWSXRayRemoteSampler\{endpoint=http/);
      const odd = s.shouldSample(
        undefined as never,
        'nonsense',
        'x',
        SpanKind.SERVER,
        null as never,
        [],
      );
      assert.ok(odd.decision === SAMPLED || odd.decision === DROPPED);
    } finally {
      await s.shutdown();
    }
  });
});
