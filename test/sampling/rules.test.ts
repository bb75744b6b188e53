import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  DEFAULT_RULE,
  parseSamplingRule,
  parseSamplingRulesFile,
  parseSamplingRulesResponse,
  parseSamplingTargetsResponse,
  rulesEqual,
} from '../../src/sampling/rules.js';
import type { SamplingRule } from '../../src/sampling/rules.js';
import { wildcardMatch } from '../../src/sampling/wildcard.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../data/sampling/${name}`, import.meta.url), 'utf8'));

const rule = (over: Partial<SamplingRule> = {}): SamplingRule => ({
  ...DEFAULT_RULE,
  Attributes: {},
  RuleName: 'r',
  Priority: 1,
  ...over,
});

describe('sampling rules: wildcards', () => {
  const table: Array<[string, string | undefined, boolean]> = [
    ['*', undefined, true],
    ['*', '', true],
    ['**', 'anything', true],
    ['', '', true],
    ['', 'a', false],
    ['', undefined, false],
    ['GET', 'get', true],
    ['get', 'GET', true],
    ['GET', 'GETX', false],
    ['GET', undefined, false],
    ['/foo*', '/FOO/bar', true],
    ['GET /foo*', 'get /FOO', true],
    ['/foo*', '/fo', false],
    ['/a?c', '/abc', true],
    ['/a?c', '/ac', false],
    ['/a?c', '/abbc', false],
    ['*.example.com', 'api.EXAMPLE.com', true],
    ['*.example.com', 'example.com', false],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXbYY', false],
    ['a*b?c', 'abbbxc', true],
    ['*a', 'bbbbbbbbbba', true],
    ['*a', 'bbbbbbbbbbb', false],
    ['a.c', 'abc', false], // regex metacharacters are literal
    ['(x)+', '(x)+', true],
    ['ÄBC', 'äbc', true],
    ['*?', '', false],
    ['*?', 'x', true],
  ];
  for (const [pattern, value, expected] of table) {
    it(`${JSON.stringify(pattern)} vs ${JSON.stringify(value)} → ${expected}`, () => {
      assert.equal(wildcardMatch(pattern, value), expected);
    });
  }
});

describe('sampling rules: parsing', () => {
  it('reads the API fixture, ignoring unknown fields such as SamplingRateBoost', () => {
    const parsed = parseSamplingRulesResponse(fixture('get-sampling-rules.json'));
    assert.deepEqual(parsed.problems, []);
    assert.equal(parsed.ok, true);
    assert.equal(parsed.nextToken, undefined);
    assert.deepEqual(
      parsed.rules.map((r) => r.RuleName),
      ['Default', 'PostRule', 'ImportantAttribute', 'SampleNone'],
    );
    assert.deepEqual(parsed.rules[0], DEFAULT_RULE);
    assert.ok(!('SamplingRateBoost' in (parsed.rules[0] as object)));
    assert.deepEqual(parsed.rules[2]?.Attributes, { important: 'true', another: 'attri*' });
  });

  it('skips bad records one by one with a problem each, and never throws', () => {
    const good = { ...DEFAULT_RULE, RuleName: 'good', Priority: 5 };
    const parsed = parseSamplingRulesResponse({
      NextToken: 'page2',
      SamplingRuleRecords: [
        null,
        42,
        { SamplingRule: null },
        { SamplingRule: { ...good, RuleName: 'nan', FixedRate: Number.NaN } },
        { SamplingRule: { ...good, RuleName: 'inf', Priority: Infinity } },
        { SamplingRule: { ...good, RuleName: 'rate', FixedRate: 1.5 } },
        { SamplingRule: { ...good, RuleName: 'neg', ReservoirSize: -1 } },
        { SamplingRule: { ...good, RuleName: 'str', FixedRate: '0.5' } },
        { SamplingRule: { ...good, RuleName: 'host', Host: ['*'] } },
        { SamplingRule: { ...good, RuleName: 'attrs', Attributes: ['x'] } },
        { SamplingRule: { ...good, RuleName: 'attrv', Attributes: { a: 1 } } },
        { SamplingRule: { ...good, RuleName: 'v2', Version: 2 } },
        { SamplingRule: { ...good, RuleName: '' } },
        { SamplingRule: good },
        { SamplingRule: good },
      ],
    });
    assert.equal(parsed.ok, true);
    assert.equal(parsed.nextToken, 'page2');
    assert.deepEqual(
      parsed.rules.map((r) => r.RuleName),
      ['good'],
    );
    assert.equal(parsed.problems.length, 14, parsed.problems.join('\n'));
    assert.match(parsed.problems[3] ?? '', /rule "nan": FixedRate must be a number, not NaN/);
    assert.match(parsed.problems[11] ?? '', /Version 2 is not supported/);
    assert.match(parsed.problems[13] ?? '', /appears twice/);
  });

  it('refuses a document that is not usable as a whole', () => {
    for (const bad of [
      null,
      [],
      'x',
      {},
      { SamplingRuleRecords: {} },
      { SamplingRuleRecords: [null] },
    ]) {
      const parsed = parseSamplingRulesResponse(bad);
      assert.equal(parsed.ok, false, JSON.stringify(bad));
      assert.ok(parsed.problems.length > 0);
    }
    assert.equal(parseSamplingRulesResponse({ SamplingRuleRecords: [] }).ok, true);
  });

  it('reads rules files in the three forms, defaulting omitted conditions to *', () => {
    const bare = { RuleName: 'a', Priority: 1, FixedRate: 0.5, ReservoirSize: 2, URLPath: '/a' };
    const forms = [
      [bare],
      { SamplingRules: [bare] },
      { SamplingRuleRecords: [{ SamplingRule: bare }] },
    ];
    for (const form of forms) {
      const parsed = parseSamplingRulesFile(form);
      assert.equal(parsed.ok, true);
      assert.deepEqual(parsed.rules, [
        { ...DEFAULT_RULE, ...bare, Attributes: {}, Version: 1, ServiceName: '*' },
      ]);
    }
    const wrong = parseSamplingRulesFile({ rules: [] });
    assert.equal(wrong.ok, false);
    assert.match(wrong.problems[0] ?? '', /expected/);
  });

  it('parseSamplingRule returns a reason for a bad rule', () => {
    assert.equal(typeof parseSamplingRule({}), 'string');
    assert.equal(typeof parseSamplingRule({ ...DEFAULT_RULE }), 'object');
  });

  it('reads targets, dropping invalid fields and skipping nameless documents', () => {
    const parsed = parseSamplingTargetsResponse(fixture('sampling-targets.json'));
    assert.deepEqual(parsed.problems, []);
    assert.equal(parsed.lastRuleModification, 1707551387);
    assert.deepEqual(parsed.targets[1], {
      RuleName: 'PostRule',
      FixedRate: 0.2,
      ReservoirQuota: 3,
      ReservoirQuotaTTL: 1707764006,
      Interval: 15,
    });
    assert.deepEqual(parsed.unprocessed, [
      { RuleName: 'Gone', ErrorCode: '400', Message: 'Unknown rule' },
    ]);

    const bad = parseSamplingTargetsResponse({
      LastRuleModification: 'yesterday',
      SamplingTargetDocuments: [
        null,
        { FixedRate: 0.1 },
        { RuleName: 'a', FixedRate: 2, ReservoirQuota: 5, ReservoirQuotaTTL: 100 },
        { RuleName: 'b', FixedRate: null, Interval: -1, ReservoirQuota: Number.NaN },
      ],
      UnprocessedStatistics: [null, 5],
    });
    assert.equal(bad.ok, true);
    assert.equal(bad.lastRuleModification, undefined);
    assert.deepEqual(bad.targets, [
      { RuleName: 'a', ReservoirQuota: 5, ReservoirQuotaTTL: 100 },
      { RuleName: 'b' },
    ]);
    assert.equal(bad.problems.length, 5, bad.problems.join('\n'));
    assert.equal(parseSamplingTargetsResponse({ SamplingTargetDocuments: {} }).ok, false);
    assert.equal(parseSamplingTargetsResponse({}).ok, true);
  });
});

describe('sampling rules: rulesEqual', () => {
  it('is deep, Attributes key sets included (an added condition is a change)', () => {
    assert.equal(rulesEqual(rule(), rule()), true);
    assert.equal(rulesEqual(rule(), rule({ Attributes: { x: 'y' } })), false);
    assert.equal(rulesEqual(rule({ Attributes: { x: 'y' } }), rule()), false);
    assert.equal(
      rulesEqual(rule({ Attributes: { x: 'y' } }), rule({ Attributes: { x: 'z' } })),
      false,
    );
    assert.equal(
      rulesEqual(rule({ Attributes: { x: 'y' } }), rule({ Attributes: { z: 'y' } })),
      false,
    );
    assert.equal(rulesEqual(rule(), rule({ FixedRate: 0.5 })), false);
    assert.equal(rulesEqual(rule(), rule({ URLPath: '/x' })), false);
    assert.equal(rulesEqual(rule(), rule({ ReservoirSize: 3 })), false);
  });
});
