/**
 * Drives test/helpers/listener-process.mjs: a UDP listener in another process
 * with the kernel's default receive buffer, like the real daemon.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export interface ListenerReport {
  datagrams: number;
  spans: Array<{ id: string; parentId?: string }>;
  problems: string[];
  maxBytes: number;
}

type Msg = { type: string; [k: string]: unknown };

export class RemoteListener {
  private markers = 0;
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly rcvbuf: number,
  ) {}

  static async start(): Promise<RemoteListener> {
    const child = fork(fileURLToPath(new URL('./listener-process.mjs', import.meta.url)), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const [ready] = (await once(child, 'message')) as [Msg];
    return new RemoteListener(child, ready.port as number, ready.rcvbuf as number);
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  private request(message: Msg, type: string): Promise<Msg> {
    return new Promise((resolve) => {
      const on = (m: Msg): void => {
        if (m.type !== type) return;
        this.child.off('message', on);
        resolve(m);
      };
      this.child.on('message', on);
      this.child.send(message);
    });
  }

  /**
   * Waits until every datagram sent to the listener before this call has been
   * received or lost: a marker datagram travels behind them through the same
   * receive queue and is acknowledged over IPC (resent if it is itself lost).
   */
  async drain(): Promise<void> {
    const id = String(++this.markers);
    const socket = dgram.createSocket('udp4');
    try {
      const acked = new Promise<void>((resolve) => {
        const on = (m: Msg): void => {
          if (m.type === 'marker' && m.id === id) {
            this.child.off('message', on);
            resolve();
          }
        };
        this.child.on('message', on);
      });
      for (let attempt = 0; attempt < 50; attempt++) {
        socket.send(`MARKER ${id}`, this.port, '127.0.0.1');
        const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 100));
        if ((await Promise.race([acked, timer])) !== 'timeout') return;
      }
      throw new Error('the listener never acknowledged the marker');
    } finally {
      socket.close();
    }
  }

  async report(): Promise<ListenerReport> {
    await this.drain();
    return (await this.request({ type: 'report' }, 'report')) as unknown as ListenerReport;
  }

  async reset(): Promise<void> {
    await this.drain();
    await this.request({ type: 'reset' }, 'reset');
  }

  async stop(): Promise<void> {
    this.child.send({ type: 'exit' });
    await once(this.child, 'exit');
  }
}
