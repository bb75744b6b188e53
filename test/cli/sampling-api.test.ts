/** The daemon stand-in's sampling API: X-Ray's wire shapes, paging, quotas, counts, reloads. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalSamplingApi, loadRulesFile } from '../../src/cli/sampling-api.js';
import type { SamplingApiOptions } from '../../src/cli/sampling-api.js';
import { LocalDaemon } from '../../src/cli/daemon.js';
import {
  parseSamplingRulesResponse,
  parseSamplingTargetsResponse,
} from '../../src/sampling/rules.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- JSON read back in assertions */
function post(
  port: number,
  path: string,
  body: unknown,
): Promise<{ status: number; json: Record<string, any> }> {
  /* eslint-enable @typescript-eslint/no-explicit-any */
  return new Promise((resolve, reject) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            json: JSON.parse(Buffer.concat(chunks).toString()),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

const rule = (
  name: string,
  priority: number,
  extra: Record<string, unknown> = {},
): Record<string, unknown> => ({
  RuleName: name,
  Priority: priority,
  FixedRate: 0.1,
  ReservoirSize: 4,
  ServiceName: '*',
  ServiceType: '*',
  Host: '*',
  HTTPMethod: '*',
  URLPath: '*',
  ResourceARN: '*',
  Version: 1,
  Attributes: {},
  ...extra,
});

describe('otel-xray daemon: the sampling API', () => {
  let dir: string;
  const open: Array<{ close(): Promise<void> }> = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'otel-xray-rules-'));
  });
  afterEach(async () => {
    for (const x of open.splice(0)) await x.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const writeRules = (rules: unknown, name = 'rules.json'): string => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(rules));
    return path;
  };
  const start = async (options: SamplingApiOptions = {}): Promise<LocalSamplingApi> => {
    const api = await LocalSamplingApi.start({ host: '127.0.0.1', port: 0 }, options);
    open.push(api);
    return api;
  };

  it("serves X-Ray's Default rule by default, in the GetSamplingRules shape the samplers parse", async () => {
    const api = await start();
    const { status, json } = await post(api.port, '/GetSamplingRules', {});
    assert.equal(status, 200);
    const parsed = parseSamplingRulesResponse(json);
    assert.deepEqual(parsed.problems, []);
    assert.equal(parsed.rules.length, 1);
    assert.equal(parsed.rules[0]?.RuleName, 'Default');
    assert.equal(parsed.rules[0]?.FixedRate, 0.05);
    assert.equal(parsed.rules[0]?.ReservoirSize, 1);
    assert.match(
      json.SamplingRuleRecords[0].SamplingRule.RuleARN,
      /^arn:aws:xray:[^:]+:\d{12}:sampling-rule\/Default$/,
    );
    assert.equal(parsed.nextToken, undefined);
  });

  it('pages the rules with NextToken, and every page parses', async () => {
    const rules = Array.from({ length: 7 }, (_, i) => rule(`r${i}`, i + 1));
    const api = await start({ rulesFile: writeRules({ SamplingRules: rules }), pageSize: 3 });
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const { json } = await post(
        api.port,
        '/GetSamplingRules',
        token === undefined ? {} : { NextToken: token },
      );
      const parsed = parseSamplingRulesResponse(json);
      assert.deepEqual(parsed.problems, []);
      names.push(...parsed.rules.map((r) => r.RuleName));
      token = parsed.nextToken;
      pages++;
    } while (token !== undefined && pages < 10);
    assert.equal(pages, 3);
    assert.deepEqual(names, ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
  });

  it('answers SamplingTargets with the rule rate and a share of its reservoir, and counts what was reported', async () => {
    let nowMs = 1_800_000_000_000;
    const api = await start({ rulesFile: writeRules([rule('api', 10)]), now: () => nowMs });
    const doc = (client: string, requests: number, sampled: number, borrowed: number): unknown => ({
      RuleName: 'api',
      ClientID: client,
      Timestamp: nowMs / 1000,
      RequestCount: requests,
      SampledCount: sampled,
      BorrowCount: borrowed,
    });
    const one = await post(api.port, '/SamplingTargets', {
      SamplingStatisticsDocuments: [doc('a'.repeat(24), 10, 3, 1)],
    });
    const t1 = parseSamplingTargetsResponse(one.json);
    assert.deepEqual(t1.problems, []);
    assert.deepEqual(t1.targets, [
      {
        RuleName: 'api',
        FixedRate: 0.1,
        ReservoirQuota: 4,
        ReservoirQuotaTTL: 1_800_000_015,
        Interval: 10,
      },
    ]);
    assert.equal(t1.lastRuleModification, 1_800_000_000);
    // A second client shares the reservoir of 4: 2 each.
    nowMs += 5_000;
    const two = await post(api.port, '/SamplingTargets', {
      SamplingStatisticsDocuments: [doc('b'.repeat(24), 5, 2, 0)],
    });
    assert.equal(parseSamplingTargetsResponse(two.json).targets[0]?.ReservoirQuota, 2);
    // After 30 s without a report from "b", "a" has it all again.
    nowMs += 31_000;
    const three = await post(api.port, '/SamplingTargets', {
      SamplingStatisticsDocuments: [doc('a'.repeat(24), 0, 0, 0)],
    });
    assert.equal(parseSamplingTargetsResponse(three.json).targets[0]?.ReservoirQuota, 4);
    assert.deepEqual(api.counts.get('api'), { requests: 15, sampled: 5, borrowed: 1 });
    assert.deepEqual(api.summaryLines(), ['rule api: 15 requests, 5 sampled (1 borrowed)']);
  });

  it('refuses bad requests as the API does, and reports unknown rules as unprocessed', async () => {
    const api = await start();
    assert.equal((await post(api.port, '/SamplingTargets', 'not json')).status, 400);
    assert.equal((await post(api.port, '/SamplingTargets', {})).status, 400);
    const many = Array.from({ length: 26 }, () => ({
      RuleName: 'Default',
      ClientID: 'c'.repeat(24),
    }));
    assert.equal(
      (await post(api.port, '/SamplingTargets', { SamplingStatisticsDocuments: many })).status,
      400,
    );
    assert.equal((await post(api.port, '/Nope', {})).status, 404);
    const unknown = await post(api.port, '/SamplingTargets', {
      SamplingStatisticsDocuments: [
        { RuleName: 'gone', ClientID: 'c'.repeat(24), RequestCount: 1 },
      ],
    });
    const parsed = parseSamplingTargetsResponse(unknown.json);
    assert.deepEqual(parsed.targets, []);
    assert.equal(parsed.unprocessed[0]?.RuleName, 'gone');
    assert.equal(api.counts.size, 0, 'nothing counted for an unknown rule');
  });

  it('reads the rules file again when it changes; a broken edit keeps the rules in force', async () => {
    let nowMs = 1_800_000_000_000;
    const lines: string[] = [];
    const path = writeRules([rule('first', 1)]);
    const api = await start({
      rulesFile: path,
      now: () => nowMs,
      report: (l: string) => lines.push(l),
    });
    nowMs += 60_000;
    writeFileSync(path, JSON.stringify([rule('second', 1)]));
    utimesSync(path, new Date(nowMs), new Date(nowMs + 1000));
    const after = parseSamplingRulesResponse((await post(api.port, '/GetSamplingRules', {})).json);
    assert.deepEqual(
      after.rules.map((r) => r.RuleName),
      ['second'],
    );
    const targets = parseSamplingTargetsResponse(
      (await post(api.port, '/SamplingTargets', { SamplingStatisticsDocuments: [] })).json,
    );
    assert.equal(
      targets.lastRuleModification,
      1_800_000_060,
      'LastRuleModification moves with the reload',
    );
    writeFileSync(path, '{ broken');
    utimesSync(path, new Date(nowMs), new Date(nowMs + 2000));
    const kept = parseSamplingRulesResponse((await post(api.port, '/GetSamplingRules', {})).json);
    assert.deepEqual(
      kept.rules.map((r) => r.RuleName),
      ['second'],
    );
    assert.equal(lines.length, 2);
    assert.match(lines[0] as string, /reloaded .*: second/);
    assert.match(lines[1] as string, /is not JSON.*previous rules stay in force/);
  });

  it('a bad rules file is one clear error naming the file and the field', () => {
    const path = writeRules([rule('bad', 1, { FixedRate: 2 })]);
    assert.throws(
      () => loadRulesFile(path),
      (err: Error) => err.message.includes(path) && /FixedRate/.test(err.message),
    );
    assert.throws(() => loadRulesFile(join(dir, 'missing.json')), /cannot read .*missing\.json/);
  });

  it('LocalDaemon serves the rules on TCP at its UDP port, and a bad file fails its start', async () => {
    const daemon = await LocalDaemon.start({ address: '127.0.0.1:0', write: () => undefined });
    open.push(daemon);
    assert.equal(
      daemon.samplingApi?.port,
      daemon.port,
      'TCP on the same port as UDP, as the real daemon',
    );
    const { json } = await post(daemon.port, '/GetSamplingRules', {});
    assert.equal(parseSamplingRulesResponse(json).rules[0]?.RuleName, 'Default');
    await assert.rejects(
      LocalDaemon.start({
        address: '127.0.0.1:0',
        samplingRules: writeRules({}),
        write: () => undefined,
      }),
      /--sampling-rules: .*rules\.json/,
    );
    // The TCP port taken: a clear error, and the UDP socket is not left open (it binds again).
    const taken = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const port = (taken.address() as AddressInfo).port;
    try {
      await assert.rejects(
        LocalDaemon.start({ address: `127.0.0.1:${port}`, write: () => undefined }),
        (err: NodeJS.ErrnoException) =>
          err.code === 'EADDRINUSE' && /tcp .* is in use/.test(err.message),
      );
      const again = await LocalDaemon.start({
        address: `127.0.0.1:${port}`,
        sampling: false,
        write: () => undefined,
      });
      await again.close({ summary: false });
    } finally {
      taken.close();
    }
    const off = await LocalDaemon.start({
      address: '127.0.0.1:0',
      sampling: false,
      write: () => undefined,
    });
    open.push(off);
    assert.equal(off.samplingApi, undefined);
  });
});
