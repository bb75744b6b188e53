/** `otel-xray daemon` as a child process: the daemon's rule, X-Ray's rules, waterfalls, options. */
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cli } from './cli-process.js';
import { HEADER, REPO, datagram, runCli, sampleTrace, send, traceId } from './cli-process.js';

describe('otel-xray daemon (child process)', function () {
  this.timeout(30_000);
  const running: Cli[] = [];
  const start = async (args: string[], entry: 'src' | 'dist' = 'src'): Promise<Cli> => {
    const cli = runCli(['daemon', '--address', '127.0.0.1:0', '--width', '160', ...args], entry);
    running.push(cli);
    await cli.ready;
    return cli;
  };
  afterEach(async () => {
    for (const cli of running.splice(0)) {
      if (cli.child.exitCode === null && cli.child.signalCode === null) await cli.stop();
    }
  });

  it('draws a trace from its documents once it is quiet: nested, scaled, flags and statuses', async () => {
    const cli = await start(['--quiet-ms', '200']);
    const tid = traceId(1);
    const { segment, sub } = sampleTrace(tid);
    // The independent subsegment first: order of arrival does not matter.
    await send(cli.host, cli.port, [datagram(sub), datagram(segment)]);
    await cli.waitFor(
      new RegExp(
        `trace ${tid} · checkout · 200 ms · 1 segment, 2 subsegments in 2 documents · errors`,
      ),
    );
    const lines = cli.stdout().split('\n');
    const at = (text: string): number => lines.findIndex((l) => l.includes(text));
    const root = lines[at('  checkout GET /checkout')] as string;
    const child = lines[at('└─ price basket')] as string;
    const aws = lines[at('DynamoDB DescribeTable Orders [aws]')] as string;
    assert.ok(
      at('  checkout') < at('└─ price basket') &&
        at('└─ price basket') < at('DynamoDB DescribeTable'),
      `tree order:\n${cli.stdout()}`,
    );
    assert.match(
      aws,
      /^ {5}└─ DynamoDB/,
      'the AWS call is nested under its parent (from parent_id)',
    );
    assert.match(
      root,
      /500 +200 ms +█{30,}.* fault$/,
      `segment: status, duration, full bar, fault: ${root}`,
    );
    assert.match(child, /40\.0 ms +█+/, `subsegment duration: ${child}`);
    assert.match(aws, /429 +20\.0 ms .*error throttle$/, `flags: ${aws}`);
    // Bars are placed on the trace's time axis: the AWS call starts later than its parent.
    const barStart = (l: string): number => l.indexOf('█');
    assert.ok(
      barStart(aws) > barStart(child) && barStart(child) > barStart(root),
      'bars placed by start time',
    );
    assert.ok(!cli.stdout().includes('✗'), `no problem reported:\n${cli.stdout()}`);
  });

  it('reports what the real daemon drops, and why', async () => {
    const cli = await start(['--quiet-ms', '60000']);
    const { segment } = sampleTrace(traceId(2));
    const cases: Array<[string | Buffer, RegExp]> = [
      [
        `{"format":"xml","version":1}\n${JSON.stringify(segment)}`,
        /dropped by the daemon: invalid header .*"format" is "xml", not "json"/,
      ],
      [
        `{"format":"json","version":"1"}\n${JSON.stringify(segment)}`,
        /dropped by the daemon: invalid header .*"version" is missing or not an integer/,
      ],
      [JSON.stringify(segment), /dropped by the daemon: no header line/],
      [HEADER, /dropped by the daemon: nothing after the header line/],
      [
        `not json\n${JSON.stringify(segment)}`,
        /dropped by the daemon: invalid header "not json": the header line is not JSON/,
      ],
      [Buffer.from([0xff, 0xfe, 0x00, 0x01]), /dropped by the daemon: no header line/],
    ];
    await send(
      cli.host,
      cli.port,
      cases.map(([d]) => d),
    );
    for (const [i, [, pattern]] of cases.entries()) {
      await cli.waitFor(new RegExp(`✗ datagram #${i + 1} from [^\\n]*${pattern.source}`));
    }
    const { code } = await cli.stop();
    assert.equal(code, 0, `clean exit on SIGINT; stderr: ${cli.stderr()}`);
    assert.match(
      cli.stdout(),
      /6 datagrams .* 0 accepted · 6 dropped by the daemon \(bad-header 3, no-header 2, no-document 1\)/,
      `summary:\n${cli.stdout()}`,
    );
  });

  it('reports documents the daemon forwards but X-Ray would reject: two in one datagram, missing fields, bad JSON', async () => {
    const cli = await start(['--quiet-ms', '60000']);
    const tid = traceId(3);
    const { segment, sub } = sampleTrace(tid);
    const missing = {
      ...segment,
      id: 'XYZ',
      start_time: undefined,
      subsegments: [{ name: 'bad?name', id: 'a000000000000009', start_time: 1 }],
    };
    const cases: Array<[string, RegExp[]]> = [
      [
        `${HEADER}${JSON.stringify(segment)}${JSON.stringify(sub)}`,
        [/2 JSON documents in one datagram/],
      ],
      [
        `${HEADER}${JSON.stringify(segment)}\n${JSON.stringify(sub)}`,
        [/2 JSON documents in one datagram/],
      ],
      [
        datagram(missing),
        [
          /- id: "XYZ" is not 16 lower-case hex digits/,
          /- start_time: missing is not a number/,
          /- subsegments\[0\]\.name: "bad\?name" contains "\?"/,
          /- subsegments\[0\]\.end_time: missing; needed unless in_progress is true/,
        ],
      ],
      [
        datagram({ ...sub, parent_id: undefined, trace_id: '1-abc' }),
        [
          /- trace_id: "1-abc" is not 1-<8 hex>-<24 hex>/,
          /- parent_id: missing; a subsegment sent on its own needs its parent's id/,
        ],
      ],
      [`${HEADER}{"name":"x",`, [/the document is not valid JSON/]],
      [
        datagram({ ...segment, start_time: Date.now(), end_time: Date.now() + 5 }),
        [/start_time: \d+ looks like milliseconds/],
      ],
    ];
    await send(
      cli.host,
      cli.port,
      cases.map(([d]) => d),
    );
    for (const [i, [, patterns]] of cases.entries()) {
      const m = await cli.waitFor(
        new RegExp(
          `✗ datagram #${i + 1} [^\\n]*X-Ray would reject this [^\\n]*:\\n((    - [^\\n]*\\n)+)`,
        ),
      );
      for (const p of patterns) assert.match(m[1] as string, p, `datagram #${i + 1}`);
    }
    await cli.stop();
    assert.match(
      cli.stdout(),
      /6 accepted · 0 dropped by the daemon · 6 documents X-Ray would reject/,
      `summary:\n${cli.stdout()}`,
    );
  });

  it('oversized datagrams (IPv6 carries up to 65,527 bytes): over 65,507 is reported, 65,507 is fine', async () => {
    const cli = runCli(['daemon', '--address', '[::1]:0', '--quiet-ms', '60000']);
    running.push(cli);
    await cli.ready;
    const { segment } = sampleTrace(traceId(4));
    const sized = (bytes: number): string => {
      const base = datagram({ ...segment, metadata: { default: { pad: '' } } });
      return datagram({
        ...segment,
        metadata: { default: { pad: 'x'.repeat(bytes - Buffer.byteLength(base)) } },
      });
    };
    const fits = sized(65_507);
    const over = sized(65_520);
    assert.equal(Buffer.byteLength(fits), 65_507, 'the largest IPv4 datagram');
    await send(cli.host, cli.port, [fits, over]);
    await cli.waitFor(
      /✗ datagram #2 from [^\n]*65520 bytes: X-Ray would reject[^\n]*\n {4}- the datagram is 65520 bytes, over 65507/,
    );
    assert.ok(
      !/✗ datagram #1 /.test(cli.stdout()),
      `the 65,507-byte datagram is fine:\n${cli.stdout().slice(0, 2000)}`,
    );
  });

  it('--forward sends every datagram, byte for byte and in order, to another daemon', async () => {
    const target = dgram.createSocket('udp4');
    target.bind(0, '127.0.0.1');
    await once(target, 'listening');
    const got: Buffer[] = [];
    const all = new Promise<void>((resolve) =>
      target.on('message', (m) => got.push(m) === 5 && resolve()),
    );
    try {
      const cli = await start([
        '--forward',
        `127.0.0.1:${target.address().port}`,
        '--quiet-ms',
        '60000',
      ]);
      const { segment, sub } = sampleTrace(traceId(5));
      const sent = [
        Buffer.from(datagram(segment)),
        Buffer.from(`{"format":"json", "version":1}\n${JSON.stringify(sub, null, 1)}`),
        Buffer.from('garbage without a header'),
        Buffer.from([0, 1, 2, 0x0a, 0xff, 0xfe]),
        Buffer.from(`${HEADER}${JSON.stringify(segment)}${JSON.stringify(sub)}`),
      ];
      await send(cli.host, cli.port, sent);
      await all;
      assert.equal(got.length, sent.length, 'all forwarded');
      for (const [i, d] of sent.entries())
        assert.ok(got[i]?.equals(d), `datagram ${i + 1} forwarded byte for byte`);
      await cli.stop();
      assert.match(
        cli.stdout(),
        /5 forwarded to 127\.0\.0\.1:\d+/,
        `summary counts forwards:\n${cli.stdout()}`,
      );
    } finally {
      target.close();
    }
  });

  it('--raw prints each document as received; --jsonl appends one line per datagram; SIGINT draws pending traces', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otel-xray-cli-'));
    try {
      const file = join(dir, 'out.jsonl');
      const cli = await start(['--raw', '--jsonl', file, '--quiet-ms', '60000']);
      const tid = traceId(6);
      const { segment, sub } = sampleTrace(tid);
      const subText = JSON.stringify(sub);
      await send(cli.host, cli.port, [datagram(segment), `${HEADER}${subText}`, 'no header']);
      await cli.waitFor(/✗ datagram #3 /);
      assert.ok(cli.stdout().includes(`\n${subText}\n`), '--raw: the document text as received');
      assert.ok(!cli.stdout().includes(`trace ${tid}`), 'not drawn yet: the trace is not quiet');
      const { code, signal } = await cli.stop();
      assert.equal(code, 0, 'exit code 0');
      assert.equal(signal, null, 'not killed by the signal');
      const out = cli.stdout();
      assert.ok(
        out.indexOf(`trace ${tid}`) < out.indexOf('otel-xray daemon: 3 datagrams'),
        `pending trace drawn before the summary:\n${out}`,
      );
      const lines = readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.equal(lines.length, 3, 'one line per datagram');
      assert.deepEqual(
        lines.map((l) => l.accepted),
        [true, true, false],
        'accepted flags',
      );
      assert.deepEqual(lines[1]?.document, sub, 'the parsed document');
      assert.deepEqual(lines[0]?.problems, [], 'no problems');
      assert.match(String(lines[2]?.reason), /no header line/, 'why it was dropped');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the built command: package.json bin, shebang, executable, --version; a busy port is a clear error', async () => {
    const pkg = JSON.parse(readFileSync(`${REPO}package.json`, 'utf8')) as {
      version: string;
      bin: Record<string, string>;
    };
    const bin = pkg.bin['otel-xray'];
    assert.equal(bin, './dist/esm/cli/main.js', 'bin entry');
    const path = join(REPO, bin);
    assert.ok(existsSync(path), 'built: run `npm run build` first');
    assert.ok(readFileSync(path, 'utf8').startsWith('#!/usr/bin/env node\n'), 'shebang');
    assert.doesNotThrow(() => accessSync(path, constants.X_OK), 'executable');
    const v = runCli(['--version'], 'dist');
    await v.exit;
    assert.equal(v.stdout().trim(), pkg.version, '--version prints the package version');

    const first = await start([]);
    const second = runCli(['daemon', '--address', `127.0.0.1:${first.port}`], 'dist');
    const { code } = await second.exit;
    assert.equal(code, 1, 'exit code 1');
    assert.match(
      second.stderr(),
      /127\.0\.0\.1:\d+ is in use/,
      `clear message: ${second.stderr()}`,
    );
  });
});
