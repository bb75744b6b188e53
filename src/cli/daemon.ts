/**
 * `otel-xray daemon`: a local stand-in for the X-Ray daemon. It listens on
 * UDP like the real one, applies the real daemon's acceptance rule to every
 * datagram and X-Ray's rules to every document (./datagram.ts), says what is
 * wrong, and draws each trace as a waterfall (./waterfall.ts) once no
 * document arrived for it for `quietMs`. Optionally it prints every document
 * (`raw`), appends them to a JSON Lines file (`jsonl`) and forwards every
 * datagram byte for byte to a real daemon (`forward`).
 */
// This tool receives datagrams; the exporter's rule (only src/transport/udp.ts
// sends) does not apply to it.
import type * as dgram from 'node:dgram';
import { createUdpSocket } from '../transport/udp.js';
import { EventEmitter, once } from 'node:events';
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Endpoint } from '../transport/daemon-address.js';
import { formatEndpoint, parseEndpoint } from '../transport/daemon-address.js';
import type { DatagramVerdict } from './datagram.js';
import { checkDaemonDatagram } from './datagram.js';
import type { JsonObject } from './validate.js';
import type { AssembledTrace } from './waterfall.js';
import { assembleTrace, renderTrace, fitParts } from './waterfall.js';
import { LocalSamplingApi } from './sampling-api.js';

export interface LocalDaemonOptions {
  /** `host:port` or `[v6]:port` to listen on; port 0 picks a free one. Default `127.0.0.1:2000`. */
  address?: string;
  /** Print every document as received, one per line. */
  raw?: boolean;
  /** Append one JSON line per datagram to this file. */
  jsonl?: string;
  /** Send every datagram, byte for byte, to this `host:port` (a real daemon). */
  forward?: string;
  /** Draw a trace once no document arrived for it for this long. Default 1,000 ms. */
  quietMs?: number;
  /** Draw waterfalls. Default true. */
  waterfall?: boolean;
  /** ANSI colours. Default false. */
  color?: boolean;
  /** Line width for waterfalls. Default 100. */
  width?: number;
  /** Where output goes. Default `process.stdout`. */
  write?: (text: string) => void;
  /**
   * Serve the X-Ray sampling API (`GetSamplingRules`, `SamplingTargets`) on TCP,
   * as the daemon's proxy does. Default true.
   */
  sampling?: boolean;
  /** The sampling rules to serve: a file in the X-Ray API's rule JSON. Default: X-Ray's Default rule. */
  samplingRules?: string;
  /** `host:port` of the sampling API (TCP). Default: the UDP address and port. */
  samplingAddress?: string;
}

export interface LocalDaemonStats {
  datagrams: number;
  bytes: number;
  /** Datagrams the real daemon would forward to X-Ray. */
  accepted: number;
  /** Datagrams the real daemon would drop, by reason. */
  dropped: Record<string, number>;
  /** Accepted documents X-Ray would reject. */
  invalidDocuments: number;
  traces: number;
  forwarded: number;
  forwardErrors: number;
}

export interface ReceivedDatagram {
  /** 1-based, in order of arrival. */
  index: number;
  from: string;
  verdict: DatagramVerdict;
}

interface TraceState {
  documents: JsonObject[];
  timer: NodeJS.Timeout | undefined;
  drawnDocuments: number;
}

const MAX_TRACES = 5_000;

/** Parses `host:port` allowing port 0 (any free port). */
export function parseListenAddress(text: string): Endpoint | string {
  const zero = /:0$/.test(text);
  const parsed = parseEndpoint(zero ? `${text.slice(0, -1)}1` : text);
  if (typeof parsed === 'string') return parsed;
  return zero ? { host: parsed.host, port: 0 } : parsed;
}

const familyOf = (host: string): 'udp4' | 'udp6' => (host.includes(':') ? 'udp6' : 'udp4');

export class LocalDaemon extends EventEmitter {
  readonly stats: LocalDaemonStats = {
    datagrams: 0,
    bytes: 0,
    accepted: 0,
    dropped: {},
    invalidDocuments: 0,
    traces: 0,
    forwarded: 0,
    forwardErrors: 0,
  };
  private readonly traceStates = new Map<string, TraceState>();
  private readonly write: (text: string) => void;
  private jsonlFd: number | undefined;
  private closed = false;
  private forwardPending = 0;
  private forwardDrained: (() => void) | undefined;

  /** The sampling API, unless `sampling: false`. */
  samplingApi: LocalSamplingApi | undefined;

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly forwardTo: { socket: dgram.Socket; endpoint: Endpoint } | undefined,
    private readonly options: LocalDaemonOptions,
  ) {
    super();
    this.write = options.write ?? ((text) => void process.stdout.write(text));
    if (options.jsonl !== undefined) this.jsonlFd = openSync(options.jsonl, 'a');
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
  }

  /** Binds the socket; rejects with a readable message when it cannot. */
  static async start(options: LocalDaemonOptions = {}): Promise<LocalDaemon> {
    // Port 0 picks a free UDP port; the sampling API then takes the same TCP port, which may
    // be in use (the ephemeral range is shared): pick another pair, a few times.
    const anyPort =
      options.sampling !== false &&
      options.samplingAddress === undefined &&
      (options.address === undefined || /:0$/.test(options.address));
    for (let attempt = 1; ; attempt++) {
      try {
        return await LocalDaemon.startOnce(options);
      } catch (err) {
        if (!anyPort || attempt >= 5 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
          throw err;
        }
      }
    }
  }

  private static async startOnce(options: LocalDaemonOptions): Promise<LocalDaemon> {
    const listen = parseListenAddress(options.address ?? '127.0.0.1:2000');
    if (typeof listen === 'string') throw new Error(`--address: ${listen}`);
    let forward: { socket: dgram.Socket; endpoint: Endpoint } | undefined;
    if (options.forward !== undefined) {
      const endpoint = parseEndpoint(options.forward);
      if (typeof endpoint === 'string') throw new Error(`--forward: ${endpoint}`);
      forward = { socket: createUdpSocket(familyOf(endpoint.host)), endpoint };
      forward.socket.on('error', () => undefined);
    }
    const socket = createUdpSocket(familyOf(listen.host));
    const failed = once(socket, 'error');
    socket.bind(listen.port, listen.host);
    const outcome = await Promise.race([once(socket, 'listening').then(() => undefined), failed]);
    if (outcome !== undefined) {
      forward?.socket.close();
      const err = (outcome as unknown[])[0] as NodeJS.ErrnoException;
      throw new Error(
        err.code === 'EADDRINUSE'
          ? `${formatEndpoint(listen)} is in use (a real X-Ray daemon? try --address 127.0.0.1:2001 and AWS_XRAY_DAEMON_ADDRESS)`
          : `cannot listen on ${formatEndpoint(listen)}: ${err.message}`,
      );
    }
    socket.on('error', () => undefined);
    const local = socket.address();
    if (
      forward !== undefined &&
      forward.endpoint.port === local.port &&
      (forward.endpoint.host === local.address || forward.endpoint.host === 'localhost')
    ) {
      socket.close();
      forward.socket.close();
      throw new Error('--forward points at this daemon itself');
    }
    const daemon = new LocalDaemon(socket, forward, options);
    if (options.sampling !== false) {
      // Like the real daemon: the sampling API on TCP, by default on the UDP address and port.
      const tcp =
        options.samplingAddress !== undefined
          ? parseListenAddress(options.samplingAddress)
          : { host: local.address, port: local.port };
      try {
        if (typeof tcp === 'string') throw new Error(`--sampling-address: ${tcp}`);
        daemon.samplingApi = await LocalSamplingApi.start(tcp, {
          rulesFile: options.samplingRules,
          report: (line) => daemon.out(line),
        });
      } catch (err) {
        await daemon.close({ summary: false });
        throw err;
      }
    }
    return daemon;
  }

  /** The address listened on, as `host:port`. */
  get address(): string {
    const a = this.socket.address();
    return formatEndpoint({ host: a.address, port: a.port });
  }

  get port(): number {
    return this.socket.address().port;
  }

  private out(line: string): void {
    this.write(`${line}\n`);
  }

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.closed) return;
    const index = ++this.stats.datagrams;
    this.stats.bytes += msg.length;
    const from = formatEndpoint({ host: rinfo.address, port: rinfo.port });
    if (this.forwardTo !== undefined) {
      const { socket, endpoint } = this.forwardTo;
      this.forwardPending++;
      socket.send(msg, endpoint.port, endpoint.host, (err) => {
        if (err) this.stats.forwardErrors++;
        else this.stats.forwarded++;
        if (--this.forwardPending === 0) this.forwardDrained?.();
      });
    }
    const verdict = checkDaemonDatagram(msg, { now: Date.now() / 1000 });
    this.report(index, from, verdict);
    if (this.jsonlFd !== undefined) this.appendJsonl(from, verdict);
    const received: ReceivedDatagram = { index, from, verdict };
    this.emit('datagram', received);
  }

  private report(index: number, from: string, v: DatagramVerdict): void {
    const where = `datagram #${index} from ${from}, ${v.bytes} bytes`;
    if (!v.accepted) {
      this.stats.dropped[v.kind] = (this.stats.dropped[v.kind] ?? 0) + 1;
      this.out(`✗ ${where}: dropped by the daemon: ${v.reason}`);
      return;
    }
    this.stats.accepted++;
    if (this.options.raw === true) this.out(v.body);
    const doc = v.document;
    const what =
      doc === undefined
        ? 'document'
        : `${doc.type === 'subsegment' ? 'subsegment' : 'segment'} ${JSON.stringify(doc.name)} of trace ${String(doc.trace_id)}`;
    if (v.problems.length > 0) {
      this.stats.invalidDocuments++;
      // One write per report, so that a reader never sees half of it.
      this.out(
        [
          `✗ ${where}: X-Ray would reject this ${what}:`,
          ...v.problems.map((p) => `    - ${p}`),
        ].join('\n'),
      );
    }
    for (const n of v.notes) this.out(`  note (datagram #${index}): ${n}`);
    if (
      doc !== undefined &&
      typeof doc.trace_id === 'string' &&
      /^1-[0-9a-f]{8}-[0-9a-f]{24}$/.test(doc.trace_id)
    ) {
      this.addDocument(doc.trace_id, doc);
    }
  }

  private appendJsonl(from: string, v: DatagramVerdict): void {
    const line: Record<string, unknown> = {
      time: new Date().toISOString(),
      from,
      bytes: v.bytes,
      accepted: v.accepted,
    };
    if (!v.accepted) {
      line.reason = v.reason;
    } else {
      line.problems = v.problems;
      if (v.notes.length > 0) line.notes = v.notes;
      if (v.document !== undefined) line.document = v.document;
      else line.body = v.body;
    }
    try {
      writeSync(this.jsonlFd as number, `${JSON.stringify(line)}\n`);
    } catch (err) {
      this.out(`✗ cannot write to ${this.options.jsonl}: ${(err as Error).message}`);
      this.jsonlFd = undefined;
    }
  }

  private addDocument(traceId: string, doc: JsonObject): void {
    let state = this.traceStates.get(traceId);
    if (state === undefined) {
      state = { documents: [], timer: undefined, drawnDocuments: 0 };
      this.traceStates.set(traceId, state);
      this.stats.traces++;
      this.evict();
    }
    // As X-Ray does: a document replaces an earlier one with the same ID (an
    // in-progress subsegment is replaced by the complete one).
    const same = state.documents.findIndex((d) => d.id === doc.id);
    if (same >= 0) state.documents.splice(same, 1);
    state.documents.push(doc);
    if (this.options.waterfall === false) return;
    if (state.timer !== undefined) clearTimeout(state.timer);
    state.timer = setTimeout(() => this.draw(traceId), this.options.quietMs ?? 1000);
  }

  /** Keeps memory bounded: forgets the oldest traces already drawn. */
  private evict(): void {
    if (this.traceStates.size <= MAX_TRACES) return;
    for (const [id, s] of this.traceStates) {
      if (s.timer === undefined) this.traceStates.delete(id);
      if (this.traceStates.size <= MAX_TRACES) return;
    }
  }

  /** The trace as assembled from the documents received so far. */
  getTrace(traceId: string): AssembledTrace | undefined {
    const state = this.traceStates.get(traceId);
    return state === undefined ? undefined : assembleTrace(traceId, state.documents);
  }

  /** IDs of the traces received, in order of their first document. */
  traceIds(): string[] {
    return [...this.traceStates.keys()];
  }

  private draw(traceId: string): void {
    const state = this.traceStates.get(traceId);
    if (state === undefined) return;
    if (state.timer !== undefined) clearTimeout(state.timer);
    state.timer = undefined;
    if (state.documents.length === state.drawnDocuments) return;
    const update = state.drawnDocuments > 0;
    state.drawnDocuments = state.documents.length;
    const assembled = assembleTrace(traceId, state.documents);
    const lines = renderTrace(assembled, {
      width: this.options.width,
      color: this.options.color,
      ...(update ? { note: 'updated: more documents arrived' } : {}),
    });
    this.out(['', ...lines, ''].join('\n'));
    this.emit('trace', assembled);
  }

  /** Draws every trace with documents not drawn yet. */
  flush(): void {
    if (this.options.waterfall === false) return;
    for (const id of [...this.traceStates.keys()]) this.draw(id);
  }

  /** One line: what was received and what became of it. */
  summary(): string {
    const s = this.stats;
    const dropped = Object.values(s.dropped).reduce((a, b) => a + b, 0);
    const parts = [
      `${s.datagrams} datagram${s.datagrams === 1 ? '' : 's'} (${s.bytes.toLocaleString('en-US')} bytes)`,
      `${s.accepted} accepted`,
      `${dropped} dropped by the daemon${
        dropped > 0
          ? ` (${Object.entries(s.dropped)
              .map(([k, n]) => `${k} ${n}`)
              .join(', ')})`
          : ''
      }`,
      `${s.invalidDocuments} document${s.invalidDocuments === 1 ? '' : 's'} X-Ray would reject`,
      `${s.traces} trace${s.traces === 1 ? '' : 's'}`,
    ];
    if (this.forwardTo !== undefined) {
      parts.push(
        `${s.forwarded} forwarded to ${formatEndpoint(this.forwardTo.endpoint)}${s.forwardErrors > 0 ? ` (${s.forwardErrors} failed)` : ''}`,
      );
    }
    parts[0] = `otel-xray daemon: ${parts[0]}`;
    const lines = fitParts(parts, this.options.width ?? 100);
    for (const line of this.samplingApi?.summaryLines() ?? []) lines.push(`  sampling ${line}`);
    return lines.join('\n');
  }

  /** Draws what is pending, prints the summary, closes the sockets and the file. */
  async close(options: { summary?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    for (const s of this.traceStates.values()) if (s.timer !== undefined) clearTimeout(s.timer);
    if (this.forwardPending > 0) {
      // Datagrams handed to the forward socket are sent before it closes (bounded wait).
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        this.forwardDrained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    if (options.summary !== false) this.out(this.summary());
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
    if (this.forwardTo !== undefined) {
      await new Promise<void>((resolve) => this.forwardTo?.socket.close(() => resolve()));
    }
    if (this.jsonlFd !== undefined) closeSync(this.jsonlFd);
    this.jsonlFd = undefined;
    await this.samplingApi?.close();
  }
}
