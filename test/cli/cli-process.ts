/**
 * The `otel-xray` CLI as a child process (from src/ through tsx, so it is
 * always the current code), and UDP senders for it. Tests await output, not time.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface Cli {
  child: ChildProcess;
  /** The UDP port the daemon listens on. */
  port: number;
  host: string;
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout matches `pattern` (from the start), with the match. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends SIGINT and resolves with the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function runCli(
  args: string[],
  entry: 'src' | 'dist' = 'src',
): Cli & { ready: Promise<void> } {
  const node = entry === 'src' ? ['--import', 'tsx', 'src/cli/main.ts'] : ['dist/esm/cli/main.js'];
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.AWS_XRAY_DAEMON_ADDRESS;
  const child = spawn(process.execPath, [...node, ...args], {
    cwd: REPO,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: Array<() => void> = [];
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (c: string) => {
    out += c;
    for (const w of [...waiters]) w();
  });
  child.stderr.on('data', (c: string) => (err += c));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
      resolve({ code, signal });
      for (const w of [...waiters]) w();
    }),
  );
  let exited = false;
  void exit.then(() => (exited = true));
  const cli: Cli & { ready: Promise<void> } = {
    child,
    port: 0,
    host: '',
    stdout: () => out,
    stderr: () => err,
    exit,
    waitFor(pattern, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = out.match(pattern);
          if (m) {
            done();
            resolve(m);
          } else if (exited) {
            done();
            reject(new Error(`exited without ${pattern}; stdout:\n${out}\nstderr:\n${err}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(`no ${pattern} within ${timeoutMs} ms; stdout:\n${out}\nstderr:\n${err}`),
          );
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          const i = waiters.indexOf(check);
          if (i >= 0) waiters.splice(i, 1);
        };
        waiters.push(check);
        check();
      });
    },
    async stop() {
      child.kill('SIGINT');
      return exit;
    },
    ready: Promise.resolve(),
  };
  cli.ready = cli.waitFor(/listening on udp (\[[^\]]+\]|[^:\s]+):(\d+)/).then((m) => {
    cli.host = (m[1] as string).replace(/^\[|\]$/g, '');
    cli.port = Number(m[2]);
  });
  return cli;
}

/** Sends each datagram in order from one socket, each handed to the kernel before the next. */
export async function send(
  host: string,
  port: number,
  datagrams: Array<Buffer | string>,
): Promise<void> {
  const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  try {
    for (const d of datagrams) {
      await new Promise<void>((resolve, reject) =>
        socket.send(typeof d === 'string' ? Buffer.from(d) : d, port, host, (e) =>
          e ? reject(e) : resolve(),
        ),
      );
    }
  } finally {
    socket.close();
    await once(socket, 'close').catch(() => undefined);
  }
}

export const HEADER = '{"format":"json","version":1}\n';
const now = (): number => Date.now() / 1000;
const hexTime = (): string => Math.floor(now()).toString(16).padStart(8, '0');

/** A fresh trace ID in the X-Ray form. */
export function traceId(n = 1): string {
  return `1-${hexTime()}-${n.toString(16).padStart(24, '0')}`;
}

/** A valid segment with one embedded subsegment, and an independent subsegment. */
export function sampleTrace(tid: string): {
  segment: Record<string, unknown>;
  sub: Record<string, unknown>;
} {
  const t = now();
  return {
    segment: {
      name: 'checkout',
      id: 'a000000000000001',
      trace_id: tid,
      start_time: t,
      end_time: t + 0.2,
      http: {
        request: { method: 'GET', url: 'http://127.0.0.1/checkout' },
        response: { status: 500 },
      },
      fault: true,
      subsegments: [
        {
          name: 'price basket',
          id: 'a000000000000002',
          start_time: t + 0.01,
          end_time: t + 0.05,
        },
      ],
    },
    sub: {
      type: 'subsegment',
      name: 'DynamoDB',
      id: 'a000000000000003',
      trace_id: tid,
      parent_id: 'a000000000000002',
      namespace: 'aws',
      start_time: t + 0.02,
      end_time: t + 0.04,
      aws: { operation: 'DescribeTable', table_name: 'Orders' },
      http: { response: { status: 429 } },
      error: true,
      throttle: true,
    },
  };
}

export const datagram = (doc: unknown): string => `${HEADER}${JSON.stringify(doc)}`;
