// A stand-in for the X-Ray daemon on 127.0.0.1: a real UDP socket that applies
// the daemon's acceptance rule to every datagram (./validate.mjs) and lets tests
// await the spans they expect instead of sleeping.
//
// This file is the only compat code that opens a UDP socket (the library's rule
// "only src/transport/udp.ts uses node:dgram" is about the library itself).
// eslint-disable-next-line no-restricted-imports
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { assertValidDocument, parseDatagram, walk } from './validate.mjs';

export class TestDaemon {
  datagrams = [];
  /** Every node received: { id, parentId, traceId, node, datagram }. */
  spans = [];
  /** Datagrams that broke the daemon's rule or X-Ray's, with the reason. */
  rejected = [];
  #waiters = [];
  #socket;

  constructor(socket) {
    this.#socket = socket;
    this.port = socket.address().port;
    this.address = `127.0.0.1:${this.port}`;
    socket.on('message', (msg) => this.#onMessage(msg));
  }

  static async start() {
    const socket = dgram.createSocket('udp4');
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    return new TestDaemon(socket);
  }

  #onMessage(msg) {
    let parsed;
    try {
      parsed = parseDatagram(msg);
      assertValidDocument(parsed.doc);
    } catch (err) {
      this.rejected.push({ reason: err.message, raw: msg });
      this.#notify();
      return;
    }
    const index = this.datagrams.push(parsed) - 1;
    for (const { node, parentId } of walk(parsed.doc)) {
      this.spans.push({
        id: node.id,
        parentId,
        traceId: parsed.doc.trace_id,
        node,
        datagram: index,
      });
    }
    this.#notify();
  }

  #notify() {
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.done()) return true;
      w.resolve();
      return false;
    });
  }

  /**
   * Resolves once `predicate(this)` holds (or any datagram was rejected: then it
   * rejects with the reason); rejects after `timeoutMs` saying what arrived.
   */
  waitFor(predicate, what = 'the expected spans', timeoutMs = 5000) {
    const done = () => this.rejected.length > 0 || predicate(this);
    const check = () =>
      this.rejected.length > 0
        ? Promise.reject(new Error(`datagram rejected: ${this.rejected[0].reason}`))
        : Promise.resolve();
    if (done()) return check();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w.done !== done);
        const names = this.spans.map((s) => s.node.name).join(', ');
        reject(
          new Error(`timed out waiting for ${what}: ${this.spans.length} spans arrived (${names})`),
        );
      }, timeoutMs);
      this.#waiters.push({
        done,
        resolve: () => {
          clearTimeout(timer);
          check().then(resolve, reject);
        },
      });
    });
  }

  /** Resolves once `n` spans have arrived. */
  waitForSpans(n, timeoutMs) {
    return this.waitFor((d) => d.spans.length >= n, `${n} spans`, timeoutMs);
  }

  get documents() {
    return this.datagrams.map((d) => d.doc);
  }

  span(id) {
    return this.spans.find((s) => s.id === id);
  }

  reset() {
    this.datagrams.length = 0;
    this.spans.length = 0;
    this.rejected.length = 0;
  }

  async close() {
    await new Promise((resolve) => this.#socket.close(() => resolve()));
  }
}
