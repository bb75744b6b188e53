/**
 * The only module that touches `node:dgram`: sends encoded documents to the
 * X-Ray daemon, one document per datagram.
 *
 * - The socket is created lazily, `unref()`ed (it never keeps the process
 *   alive), connected (cheaper sends, and ICMP "port unreachable" surfaces as
 *   ECONNREFUSED instead of vanishing) and has an `'error'` listener from birth.
 * - Datagrams wait in a queue bounded by bytes; past the bound, new documents
 *   are dropped and counted, so a burst cannot grow memory without limit.
 * - Sends are paced by a token bucket counted in what each datagram costs in
 *   the receiver's socket buffer: at most `burstBytes` at once, then at
 *   `bytesPerSecond`, rising with the backlog up to `maxBytesPerSecond`, one
 *   event-loop turn or timer tick at a time. The X-Ray daemon reads with the
 *   kernel's default receive buffer (208 KiB on Linux); a burst sent in one
 *   synchronous loop overflows it and is silently lost in part. Paced sends
 *   also keep the app's own latency flat. The rate follows the backlog so
 *   that a sustained load the daemon can take is sent in full, at the lowest
 *   rate that keeps up (the lower the rate, the longer a daemon stall the
 *   buffer absorbs).
 * - Every send runs with tracing suppressed, so a DNS or network
 *   instrumentation never traces the exporter's own I/O.
 * - Nothing here throws: failures are counted and reported through `Reporter`.
 */
import * as dgram from 'node:dgram';
import { lookup } from 'node:dns';
import { isIP } from 'node:net';
import type { Endpoint } from './daemon-address.js';
import { formatEndpoint } from './daemon-address.js';
import type { Reporter } from '../shared/diag.js';
import type { DropReason, SpanLedger } from '../export/ledger.js';
import { withoutTracing } from '../shared/suppress.js';
import type { EncodedDocument } from '../translate/pack.js';
import { DAEMON_HEADER } from '../translate/pack.js';

const HEADER = Buffer.from(DAEMON_HEADER);

/**
 * What a datagram of `payload` bytes occupies in the receiver's socket
 * buffer: the kernel charges each queued datagram its buffer's true size,
 * not its payload. Measured on Linux loopback (how many datagrams of each
 * size a default 212,992-byte buffer holds): the payload plus ~350 bytes of
 * headers rounds up to a power of two to 16 KiB (a 568-byte datagram costs
 * ~1.3 KiB, so ~166 fit; a 2.6 KiB one ~4.4 KiB), then to pages plus a few
 * KiB (a 64 KiB datagram costs ~70 KiB, so 3 fit). This errs on the high
 * side by up to ~15 %.
 * @internal
 */
export function receiveBufferCost(payload: number): number {
  const head = payload + 384;
  if (head <= 16_384) {
    let size = 512;
    while (size < head) size *= 2;
    return size + 320;
  }
  return Math.ceil(head / 4096) * 4096 + 4096;
}

/**
 * The token bucket's size: the burst, or at high rates what the rate sends
 * in the time since the last refill (at least 1 ms: a timer tick is never
 * shorter; at most 3 ms, about half the daemon's buffer at the highest
 * default rate), so that an event loop busy with the app's own work, whose
 * ticks come late, does not cut the rate the backlog needs.
 */
function capacity(burstBytes: number, rate: number, elapsedMs = 1): number {
  return Math.max(burstBytes, (rate * Math.min(3, Math.max(1, elapsedMs))) / 1000);
}

/** The send rate reaches the backlog's cost within this many seconds. */
const BACKLOG_SECONDS = 0.1;

/**
 * Datagrams handed to the kernel per event-loop turn while the queue has
 * room. A burst of the bucket (~24 single-span datagrams, ~0.1–0.3 ms of
 * sends) then goes out over a few turns, so that requests arriving meanwhile
 * are served between them; a turn queued with `setImmediate` costs a few µs
 * and no wake-up. (At 4,000 req/s of single-span requests: p99 0.51/0.48 →
 * 0.33/0.37 ms; benchmarks/PROFILE.md.) Once the queue holds more than
 * {@link CHUNKED_QUEUE_SHARE} of its bound, every turn sends what the bucket
 * allows: an app whose turns are long must not slow the sends down to a loss.
 */
const SENDS_PER_TURN = 8;
const CHUNKED_QUEUE_SHARE = 1 / 8;

/** @internal */
export interface UdpTransportOptions {
  endpoint: Endpoint;
  reporter: Reporter;
  /** Where sent and dropped spans are counted (and drops reported). */
  ledger: SpanLedger;
  /** Bound on bytes queued and not yet handed to the kernel. */
  maxQueueBytes: number;
  /** Bytes that may be handed to the kernel at once (the token bucket's size). */
  burstBytes: number;
  /** Send rate while the backlog is small, in bytes per second (the bucket's refill rate). */
  bytesPerSecond: number;
  /** Highest send rate, reached when the backlog grows (bytes per second). */
  maxBytesPerSecond: number;
  /** The clock of the token bucket and of the retry back-off, in ms. Default `performance.now`. */
  now?: () => number;
}

/**
 * What happened to the spans of one `send()` call.
 * @internal
 */
export interface SendOutcome {
  sentSpans: number;
  droppedSpans: number;
}

export interface TransportStats {
  /** Bytes waiting to be sent now, and the most that ever waited. */
  queuedBytes: number;
  queuedBytesHighWater: number;
  /** Spans in datagrams waiting to be sent or in flight. */
  spansQueued: number;
  /** Datagrams (and their bytes) handed to the kernel. */
  datagramsSent: number;
  bytesSent: number;
  /**
   * Datagrams handed to the kernel and then answered by an ICMP "port
   * unreachable" (no daemon listening); their spans count as
   * `dropped.sendError`, not as sent.
   */
  datagramsRefused: number;
  /** Other socket errors (the socket was reopened). */
  socketErrors: number;
}

interface Job {
  remaining: number;
  sent: number;
  dropped: number;
  cb: (outcome: SendOutcome) => void;
}

interface Item {
  /**
   * The datagram, encoded when queued: a buffer's bytes live outside the JS
   * heap, so a backlog does not lengthen garbage collections (the document's
   * string dies young).
   */
  buf: Buffer | undefined;
  bytes: number;
  /** {@link receiveBufferCost} of the datagram. */
  cost: number;
  spans: number;
  job: Job;
  retried: boolean;
  settled: boolean;
  /** Counted in `spansQueued` (in the queue or in flight). */
  queued: boolean;
}

type State = 'idle' | 'connecting' | 'ready' | 'closed';

/** @internal */
export class UdpTransport {
  private socket: dgram.Socket | undefined;
  private state: State = 'idle';
  private queue: Item[] = [];
  private head = 0;
  private queuedBytes = 0;
  /** Sum of the queued datagrams' {@link receiveBufferCost}. */
  private queuedCost = 0;
  private readonly inFlight = new Set<Item>();
  private pumpScheduled = false;
  private tokens: number;
  /** After a failed name lookup or connect: no new attempt before this time (ms). */
  private retryAt = 0;
  /** What the last failed lookup or connect is reported as. */
  private unresolvedMessage: string | undefined;
  private retryDelay = 0;
  private readonly now: () => number;
  private lastRefill: number;
  /**
   * The last datagram handed to the kernel on the current socket: an ICMP
   * "port unreachable" seen next answers it (on loopback, at once).
   */
  private lastSent: Item | undefined;
  private flushWaiters: Array<() => void> = [];
  readonly stats: TransportStats = {
    queuedBytes: 0,
    queuedBytesHighWater: 0,
    spansQueued: 0,
    datagramsSent: 0,
    bytesSent: 0,
    datagramsRefused: 0,
    socketErrors: 0,
  };

  constructor(private readonly options: UdpTransportOptions) {
    this.tokens = options.burstBytes;
    this.now = options.now ?? (() => performance.now());
    this.lastRefill = this.now();
  }

  /** True when the send queue is at its bound: new documents would be dropped. */
  get full(): boolean {
    return this.queuedBytes >= this.options.maxQueueBytes;
  }

  /** Number of datagrams waiting or in flight. */
  get pending(): number {
    return this.queue.length - this.head + this.inFlight.size;
  }

  /**
   * Queues documents for sending; `cb` is called exactly once, when every one
   * of them has been sent or dropped. Returns at once how many spans were
   * queued (`sentSpans`) and how many were refused (queue full, shut down).
   */
  send(documents: readonly EncodedDocument[], cb: (outcome: SendOutcome) => void): SendOutcome {
    const job: Job = { remaining: documents.length, sent: 0, dropped: 0, cb };
    if (documents.length === 0) {
      this.finish(job);
      return { sentSpans: 0, droppedSpans: 0 };
    }
    let queued = 0;
    for (const doc of documents) {
      const bytes = HEADER.length + doc.bytes;
      const item: Item = {
        buf: undefined,
        bytes,
        cost: receiveBufferCost(bytes),
        spans: doc.spans,
        job,
        retried: false,
        settled: false,
        queued: false,
      };
      if (this.state === 'closed') {
        this.drop(item, 'shutdown');
      } else if (this.state === 'idle' && this.now() < this.retryAt) {
        // The daemon was unreachable moments ago: do not wait on DNS again
        // (a flush before a Lambda handler returns must not stall on it).
        this.drop(item, 'unresolved');
      } else if (this.queuedBytes + bytes > this.options.maxQueueBytes) {
        this.drop(item, 'queueFull');
      } else {
        item.buf = encode(doc.json, bytes);
        item.queued = true;
        this.queue.push(item);
        this.queuedBytes += bytes;
        this.queuedCost += item.cost;
        this.stats.spansQueued += item.spans;
        queued += item.spans;
      }
    }
    this.noteQueue();
    this.schedule();
    // What was accepted for sending, and what was refused at once.
    return { sentSpans: queued, droppedSpans: job.dropped };
  }

  /**
   * Resolves `true` once everything queued before the call has been handed to
   * the kernel, or `false` when `timeoutMs` passes first. While a flush waits,
   * its timer keeps the process up (bounded by `timeoutMs`): an app that
   * flushes on its way out must not exit with datagrams still queued.
   */
  flush(timeoutMs: number): Promise<boolean> {
    if (this.pending === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const waiter = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.flushWaiters = this.flushWaiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      this.flushWaiters.push(waiter);
    });
  }

  /** Flushes (bounded by `timeoutMs`), then closes the socket. Idempotent. */
  async close(timeoutMs: number): Promise<void> {
    if (this.state === 'closed') return;
    await this.flush(timeoutMs);
    this.state = 'closed';
    // Whatever is still queued now will never be sent.
    while (this.head < this.queue.length) this.drop(this.queue[this.head++] as Item, 'shutdown');
    this.resetQueue();
    this.teardown('shutdown');
  }

  // -------------------------------------------------------------------------

  private schedule(): void {
    if (this.state === 'idle') {
      if (this.head < this.queue.length) this.open();
      return;
    }
    if (this.pumpScheduled || this.state !== 'ready') return;
    this.pumpScheduled = true;
    const run = (): void => {
      this.pumpScheduled = false;
      this.pump();
    };
    // Even the first datagram of an export goes out on a later turn, so the
    // caller's synchronous work (the app's request) is never delayed by it.
    this.refill();
    if (this.tokens > 0) {
      setImmediate(run);
    } else {
      // Wait until the bucket is full again: one timer wake-up per burst
      // rather than one per millisecond (on a virtual machine, waking an idle
      // process is charged tens of µs of CPU). Bursts stay within the bucket.
      const rate = this.rate();
      const wait = Math.ceil(
        ((capacity(this.options.burstBytes, rate) - this.tokens) * 1000) / rate,
      );
      setTimeout(run, Math.max(1, wait)).unref();
    }
  }

  /**
   * The current send rate: `bytesPerSecond` while the backlog is small, else
   * enough to send the backlog within {@link BACKLOG_SECONDS}, at most
   * `maxBytesPerSecond`. A sustained load settles where the rate equals the
   * rate at which datagrams arrive, with a tenth of a second of them queued.
   */
  private rate(): number {
    const { bytesPerSecond, maxBytesPerSecond } = this.options;
    const wanted = this.queuedCost / BACKLOG_SECONDS;
    return wanted <= bytesPerSecond ? bytesPerSecond : Math.min(wanted, maxBytesPerSecond);
  }

  private refill(): void {
    const now = this.now();
    const elapsed = now - this.lastRefill;
    this.lastRefill = now;
    const rate = this.rate();
    this.tokens = Math.min(
      capacity(this.options.burstBytes, rate, elapsed),
      this.tokens + (elapsed * rate) / 1000,
    );
  }

  private open(): void {
    this.state = 'connecting';
    const { host, port } = this.options.endpoint;
    const family = isIP(host);
    if (family !== 0) {
      this.connect(family === 6 ? 'udp6' : 'udp4', host, port);
      return;
    }
    withoutTracing(() =>
      lookup(host, (err, address, fam) => {
        if (this.state !== 'connecting') return;
        if (err) return this.failConnect(err);
        this.connect(fam === 6 ? 'udp6' : 'udp4', address, port);
      }),
    );
  }

  private connect(type: 'udp4' | 'udp6', address: string, port: number): void {
    let socket: dgram.Socket;
    try {
      socket = dgram.createSocket({ type });
    } catch (err) {
      return this.failConnect(err as Error);
    }
    this.socket = socket;
    socket.on('error', (err) => this.onSocketError(socket, err));
    socket.unref();
    withoutTracing(() =>
      socket.connect(port, address, () => {
        if (this.socket !== socket || this.state !== 'connecting') return;
        this.state = 'ready';
        this.retryDelay = 0;
        this.schedule();
      }),
    );
  }

  /** Name resolution or connect failed: drop what waits, retry on the next send. */
  private failConnect(err: Error): void {
    const where = formatEndpoint(this.options.endpoint);
    const message =
      `cannot reach the X-Ray daemon at ${where} (${errorCode(err)}): check that the host ` +
      'resolves, or set AWS_XRAY_DAEMON_ADDRESS (host:port); spans dropped';
    this.unresolvedMessage = message;
    while (this.head < this.queue.length) this.drop(this.queue[this.head++] as Item, 'unresolved');
    this.resetQueue();
    this.teardown();
    this.state = 'idle';
    // Back off 1 s, doubling to 30 s, before resolving the name again.
    this.retryDelay = Math.min(30_000, this.retryDelay === 0 ? 1000 : this.retryDelay * 2);
    this.retryAt = this.now() + this.retryDelay;
  }

  /** What a refusal is reported as: the daemon is down, and what to do. */
  private refusedMessage(): string {
    return (
      `no X-Ray daemon at ${formatEndpoint(this.options.endpoint)} (port unreachable): ` +
      'start it or set AWS_XRAY_DAEMON_ADDRESS; spans dropped'
    );
  }

  /**
   * An ICMP "port unreachable" arrived, as a socket error or as the error of
   * a later send: the last datagram sent on this socket was lost (the socket
   * is fine, and the daemon may come back). Its spans move from sent to
   * `dropped.sendError`.
   */
  private onRefused(): void {
    this.stats.datagramsRefused++;
    const lost = this.lastSent;
    this.lastSent = undefined;
    if (lost !== undefined)
      this.options.ledger.revoke(lost.spans, 'refused', this.refusedMessage());
  }

  private onSocketError(socket: dgram.Socket, err: Error): void {
    if (this.socket !== socket) return;
    if (this.state === 'connecting') return this.failConnect(err);
    const code = errorCode(err);
    if (code === 'ECONNREFUSED') return this.onRefused();
    this.stats.socketErrors++;
    this.options.reporter.warn('socket', `UDP socket error (${code}); reopening`);
    this.teardown();
    if (this.state !== 'closed') {
      this.state = 'idle';
      if (this.head < this.queue.length) this.schedule();
    }
  }

  private pump(): void {
    const socket = this.socket;
    if (socket === undefined || this.state !== 'ready') {
      // The socket failed while this turn was scheduled: reopen if needed.
      this.schedule();
      return;
    }
    this.refill();
    let broken = false;
    withoutTracing(() => {
      // The bucket may go negative by one datagram; the next turn waits it off.
      const limit =
        this.queuedBytes > this.options.maxQueueBytes * CHUNKED_QUEUE_SHARE
          ? Infinity
          : SENDS_PER_TURN;
      for (let n = 0; n < limit && this.head < this.queue.length && this.tokens > 0; n++) {
        const item = this.queue[this.head++] as Item;
        this.queuedBytes -= item.bytes;
        this.queuedCost -= item.cost;
        this.tokens -= item.cost;
        this.inFlight.add(item);
        try {
          socket.send(item.buf as Buffer, (err) => this.onSent(socket, item, err));
        } catch (err) {
          // send() throws synchronously only when the socket was closed
          // underneath us: reopen, and give the datagram one more try.
          this.inFlight.delete(item);
          if (item.retried) this.onSendError(item, err as Error);
          else {
            item.retried = true;
            this.requeueFront(item);
          }
          broken = true;
          break;
        }
      }
    });
    if (broken) {
      this.options.reporter.warn('socket', 'UDP socket closed underneath the exporter; reopening');
      this.stats.socketErrors++;
      this.teardown();
      this.state = 'idle';
    }
    if (this.head >= this.queue.length) this.resetQueue();
    if (this.head < this.queue.length) this.schedule();
    this.checkDrained();
  }

  private onSent(socket: dgram.Socket, item: Item, err: Error | null): void {
    if (item.settled) return;
    this.inFlight.delete(item);
    if (err) {
      // On a connected socket, an ICMP "port unreachable" caused by an earlier
      // datagram fails the *next* send. That datagram itself may well be
      // deliverable (a daemon that just restarted), so it gets one retry.
      const refused = errorCode(err) === 'ECONNREFUSED' && this.socket === socket;
      if (refused) this.onRefused();
      if (refused && !item.retried) {
        item.retried = true;
        this.requeueFront(item);
        this.schedule();
      } else {
        this.onSendError(item, err);
      }
    } else {
      item.settled = true;
      item.queued = false;
      this.stats.spansQueued -= item.spans;
      this.stats.datagramsSent++;
      this.stats.bytesSent += item.bytes;
      this.options.ledger.sent += item.spans;
      if (this.socket === socket) this.lastSent = item;
      item.job.sent += item.spans;
      this.settle(item.job);
    }
    this.checkDrained();
  }

  private onSendError(item: Item, err: Error): void {
    const code = errorCode(err);
    if (code === 'ECONNREFUSED') this.drop(item, 'sendError', 'refused', this.refusedMessage());
    else {
      this.drop(
        item,
        'sendError',
        `send:${code}`,
        `spans dropped: the kernel refused a datagram to the X-Ray daemon (${code})`,
      );
    }
  }

  private requeueFront(item: Item): void {
    if (this.head > 0) this.queue[--this.head] = item;
    else this.queue.unshift(item);
    this.queuedBytes += item.bytes;
    this.queuedCost += item.cost;
  }

  /** Every span the transport loses is counted here, through the ledger. */
  private drop(item: Item, why: DropReason, kind?: string, message?: string): void {
    if (item.settled) return;
    item.settled = true;
    if (item.queued) {
      item.queued = false;
      this.stats.spansQueued -= item.spans;
    }
    item.job.dropped += item.spans;
    this.options.ledger.drop(
      why,
      item.spans,
      kind,
      message ?? (why === 'unresolved' ? this.unresolvedMessage : undefined),
    );
    this.settle(item.job);
  }

  private settle(job: Job): void {
    if (--job.remaining === 0) this.finish(job);
  }

  private finish(job: Job): void {
    try {
      job.cb({ sentSpans: job.sent, droppedSpans: job.dropped });
    } catch (err) {
      this.options.reporter.error('callback', `export callback threw: ${String(err)}`);
    }
  }

  private noteQueue(): void {
    this.stats.queuedBytes = this.queuedBytes;
    if (this.queuedBytes > this.stats.queuedBytesHighWater) {
      this.stats.queuedBytesHighWater = this.queuedBytes;
    }
  }

  private checkDrained(): void {
    this.stats.queuedBytes = this.queuedBytes;
    if (this.pending !== 0 || this.flushWaiters.length === 0) return;
    const waiters = this.flushWaiters;
    this.flushWaiters = [];
    for (const w of waiters) w();
  }

  private resetQueue(): void {
    if (this.head >= this.queue.length) {
      this.queue = [];
      this.head = 0;
      this.queuedBytes = 0;
      this.queuedCost = 0;
    } else if (this.head > 1024) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /** Closes the socket; in-flight sends whose callbacks never come are dropped. */
  private teardown(reason: DropReason = 'sendError'): void {
    const socket = this.socket;
    this.socket = undefined;
    this.lastSent = undefined;
    if (socket !== undefined) {
      try {
        socket.close();
      } catch {
        // already closed
      }
    }
    for (const item of this.inFlight) {
      this.drop(item, reason, reason === 'sendError' ? 'socket' : undefined);
    }
    this.inFlight.clear();
    this.checkDrained();
  }
}

/**
 * A plain UDP socket, for the `otel-xray daemon` CLI (which receives and
 * forwards datagrams): this module stays the only one that touches
 * `node:dgram`.
 * @internal
 */
export function createUdpSocket(type: 'udp4' | 'udp6'): dgram.Socket {
  return dgram.createSocket(type);
}

/**
 * One datagram as one buffer: the header and the document written into a
 * single allocation (from Node's pool when small), which `send()` takes as
 * it is; a list with a string would be converted and copied on every send.
 * A document whose UTF-8 size equals its length is ASCII, and is copied as
 * Latin-1 (byte for byte, no encoding).
 */
function encode(json: string, bytes: number): Buffer {
  const buf = Buffer.allocUnsafe(bytes);
  HEADER.copy(buf, 0);
  const ascii = bytes - HEADER.length === json.length;
  buf.write(json, HEADER.length, ascii ? 'latin1' : 'utf8');
  return buf;
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : String((err as Error)?.message ?? err);
}
