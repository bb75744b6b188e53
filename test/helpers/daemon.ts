/**
 * A stand-in for the X-Ray daemon on 127.0.0.1: a real UDP socket that
 * applies the daemon's acceptance rule to every datagram (see validate.ts)
 * and lets tests await the spans they expect instead of sleeping.
 */
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { LocalSamplingApi } from '../../src/cli/sampling-api.js';
import type { SamplingApiOptions } from '../../src/cli/sampling-api.js';
import type { ParsedDatagram } from './validate.js';
import { assertValidDocument, parseDatagram, walk } from './validate.js';

export interface ReceivedSpan {
  id: string;
  parentId: string | undefined;
  traceId: string;
  node: Record<string, unknown>;
  /** Index of the datagram that carried it. */
  datagram: number;
}

export class TestDaemon {
  readonly datagrams: ParsedDatagram[] = [];
  readonly spans: ReceivedSpan[] = [];
  /** Datagrams that broke the daemon's rule or X-Ray's, with the reason. */
  readonly rejected: Array<{ reason: string; raw: Buffer }> = [];
  private waiters: Array<{ n: number; resolve: () => void }> = [];

  private constructor(
    private readonly socket: dgram.Socket,
    readonly port: number,
    readonly address: string,
  ) {
    socket.on('message', (msg) => this.onMessage(msg));
  }

  /** The sampling API on TCP at the same port, when started with `sampling`. */
  samplingApi: LocalSamplingApi | undefined;

  /**
   * `sampling`: also answer the X-Ray sampling API on TCP at the same port, as
   * the real daemon does, with these options (`true`: X-Ray's Default rule).
   */
  static async start(
    type: 'udp4' | 'udp6' = 'udp4',
    options: { sampling?: SamplingApiOptions | true } = {},
  ): Promise<TestDaemon> {
    const host = type === 'udp4' ? '127.0.0.1' : '::1';
    // The sampling API takes the TCP port of the same number, which may be in use (the
    // ephemeral range is shared by UDP and TCP): then another UDP port, a few times.
    for (let attempt = 1; ; attempt++) {
      const socket = dgram.createSocket(type);
      socket.bind(0, host);
      await once(socket, 'listening');
      const port = socket.address().port;
      const daemon = new TestDaemon(
        socket,
        port,
        type === 'udp4' ? `127.0.0.1:${port}` : `[::1]:${port}`,
      );
      if (options.sampling === undefined) return daemon;
      try {
        daemon.samplingApi = await LocalSamplingApi.start(
          { host, port },
          options.sampling === true ? {} : options.sampling,
        );
        return daemon;
      } catch (err) {
        await daemon.close();
        if (attempt >= 5 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      }
    }
  }

  private onMessage(msg: Buffer): void {
    let parsed: ParsedDatagram;
    try {
      parsed = parseDatagram(msg);
      assertValidDocument(parsed.doc);
    } catch (err) {
      this.rejected.push({ reason: (err as Error).message, raw: msg });
      this.notify();
      return;
    }
    const index = this.datagrams.push(parsed) - 1;
    const traceId = parsed.doc.trace_id as string;
    for (const { node, parentId } of walk(parsed.doc)) {
      this.spans.push({ id: node.id as string, parentId, traceId, node, datagram: index });
    }
    this.notify();
  }

  private notify(): void {
    const received = this.spans.length;
    this.waiters = this.waiters.filter((w) => {
      if (received < w.n && this.rejected.length === 0) return true;
      w.resolve();
      return false;
    });
  }

  /**
   * Resolves once `n` spans have arrived (or any datagram was rejected);
   * rejects after `timeoutMs`, reporting how many arrived.
   */
  waitForSpans(n: number, timeoutMs = 5000): Promise<void> {
    if (this.spans.length >= n || this.rejected.length > 0) return this.check();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`timed out: ${this.spans.length} of ${n} spans arrived`));
      }, timeoutMs);
      this.waiters.push({
        n,
        resolve: () => {
          clearTimeout(timer);
          this.check().then(resolve, reject);
        },
      });
    });
  }

  private check(): Promise<void> {
    if (this.rejected.length > 0) {
      return Promise.reject(new Error(`datagram rejected: ${this.rejected[0]?.reason}`));
    }
    return Promise.resolve();
  }

  /** Documents received, as parsed objects. */
  get documents(): Array<Record<string, unknown>> {
    return this.datagrams.map((d) => d.doc);
  }

  span(id: string): ReceivedSpan | undefined {
    return this.spans.find((s) => s.id === id);
  }

  reset(): void {
    this.datagrams.length = 0;
    this.spans.length = 0;
    this.rejected.length = 0;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
    await this.samplingApi?.close();
  }
}
