#!/usr/bin/env node
/**
 * The `otel-xray` command line. One command for now:
 *
 *     otel-xray daemon [--address 127.0.0.1:2000] [--raw] [--jsonl FILE] [--forward HOST:PORT]
 *
 * See docs/cli.md.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { base } from '../shared/base-url.js';
import { parseDaemonAddress, formatEndpoint } from '../transport/daemon-address.js';
import { packageVersion } from '../setup/peers.js';
import { LocalDaemon } from './daemon.js';

const USAGE = `Usage: otel-xray daemon [options]

A local stand-in for the AWS X-Ray daemon: listens for segment documents on UDP,
checks every datagram as the real daemon does and every document as X-Ray does,
and draws each trace as a waterfall once it has been quiet for a moment.

Options:
  --address HOST:PORT   where to listen (default: the UDP address in
                        AWS_XRAY_DAEMON_ADDRESS, else 127.0.0.1:2000; port 0: any)
  --raw                 print every document as received, one per line
  --jsonl FILE          append one JSON line per datagram to FILE
  --forward HOST:PORT   send every datagram, byte for byte, to a real daemon
  --sampling-rules FILE serve these sampling rules (X-Ray API rule JSON) to the
                        samplers on TCP, as the daemon's proxy serves X-Ray's
                        (default: X-Ray's Default rule, 1/s + 5 %)
  --sampling-address HOST:PORT
                        where to serve them (default: the TCP address in
                        AWS_XRAY_DAEMON_ADDRESS, else the UDP address)
  --no-sampling         do not serve sampling rules
  --quiet-ms N          draw a trace when no document arrived for it for N ms
                        (default 1000)
  --width N             width of the waterfall (default: the terminal's, else 100)
  --no-waterfall        do not draw traces
  --no-color            no colours (also when NO_COLOR is set or output is not a terminal)
  -h, --help            this text
  -v, --version         the version of otel-xray

Stop with Ctrl-C: pending traces are drawn and a summary is printed.
`;

function version(): string {
  const here = base.startsWith('file:') ? fileURLToPath(base) : base;
  return packageVersion('otel-xray', here) ?? 'unknown';
}

function positiveInt(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name}: "${text}" is not a whole number`);
  return n;
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        address: { type: 'string' },
        raw: { type: 'boolean' },
        jsonl: { type: 'string' },
        forward: { type: 'string' },
        'sampling-rules': { type: 'string' },
        'sampling-address': { type: 'string' },
        'no-sampling': { type: 'boolean' },
        'quiet-ms': { type: 'string' },
        width: { type: 'string' },
        'no-waterfall': { type: 'boolean' },
        'no-color': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    process.stderr.write(`otel-xray: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version === true) {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if (values.help === true || positionals.length === 0) {
    process.stdout.write(USAGE);
    return positionals.length === 0 && values.help !== true ? 2 : 0;
  }
  if (positionals[0] !== 'daemon' || positionals.length > 1) {
    process.stderr.write(`otel-xray: unknown command "${positionals.join(' ')}"\n\n${USAGE}`);
    return 2;
  }

  const env = process.env.AWS_XRAY_DAEMON_ADDRESS;
  const fromEnv = env === undefined || env.trim() === '' ? undefined : parseDaemonAddress(env);
  let address = values.address;
  if (address === undefined) {
    address = fromEnv?.ok === true ? formatEndpoint(fromEnv.address.udp) : '127.0.0.1:2000';
  }
  let samplingAddress = values['sampling-address'];
  if (samplingAddress === undefined && values.address === undefined && fromEnv?.ok === true) {
    samplingAddress = formatEndpoint(fromEnv.address.tcp);
  }
  let daemon: LocalDaemon;
  try {
    const color =
      values['no-color'] !== true &&
      process.stdout.isTTY === true &&
      (process.env.NO_COLOR === undefined || process.env.NO_COLOR === '');
    daemon = await LocalDaemon.start({
      address,
      raw: values.raw === true,
      jsonl: values.jsonl,
      forward: values.forward,
      sampling: values['no-sampling'] !== true,
      samplingRules: values['sampling-rules'],
      samplingAddress,
      quietMs: positiveInt('quiet-ms', values['quiet-ms']),
      width:
        positiveInt('width', values.width) ??
        (process.stdout.isTTY ? process.stdout.columns : undefined),
      waterfall: values['no-waterfall'] !== true,
      color,
    });
  } catch (err) {
    process.stderr.write(`otel-xray daemon: ${(err as Error).message}\n`);
    return 1;
  }
  const sampling = daemon.samplingApi;
  process.stdout.write(
    `otel-xray daemon listening on udp ${daemon.address}` +
      (sampling !== undefined
        ? `, sampling rules on tcp ${sampling.address} (${sampling.ruleNames.join(', ')})`
        : '') +
      `${values.forward !== undefined ? `, forwarding to ${values.forward}` : ''} (Ctrl-C to stop)\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await daemon.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`otel-xray: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
