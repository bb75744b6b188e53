/**
 * The pacing counts each datagram at what it costs in the receiver's socket
 * buffer (`receiveBufferCost`), a model measured on Linux loopback. This
 * checks the model against the kernel it runs on: a receiver with the
 * default buffer is filled by datagrams sent in one synchronous loop (the
 * receiver, in this process, cannot read until the loop ends), and the count
 * that fitted is compared with what the model predicts.
 *
 * The listener is attached before the loop reaches its poll phase, so every
 * buffered datagram is counted.
 */
import * as assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { receiveBufferCost } from '../../src/transport/udp.js';

describe('receive buffer cost model (this kernel, loopback)', function () {
  this.timeout(20_000);
  let receiver: dgram.Socket;
  let sender: dgram.Socket;
  let rcvbuf: number;
  before(async function () {
    receiver = dgram.createSocket('udp4');
    receiver.bind(0, '127.0.0.1');
    await once(receiver, 'listening');
    rcvbuf = receiver.getRecvBufferSize();
    sender = dgram.createSocket('udp4');
    await new Promise<void>((resolve) =>
      sender.connect(receiver.address().port, '127.0.0.1', resolve),
    );
  });
  after(() => {
    receiver.close();
    sender.close();
  });

  /** How many datagrams of `size` bytes the receive buffer held. */
  async function fits(size: number): Promise<number> {
    const payload = Buffer.alloc(size, 0x61);
    const n = Math.ceil((2 * rcvbuf) / receiveBufferCost(size)) + 2;
    let sent = 0;
    const allSent = new Promise<void>((resolve) => {
      // One synchronous loop: the receiver reads nothing until it ends.
      for (let i = 0; i < n; i++) sender.send(payload, () => ++sent === n && resolve());
    });
    let got = 0;
    const marker = Buffer.from('marker');
    const drained = new Promise<void>((resolve) => {
      const onMessage = (msg: Buffer): void => {
        if (msg.length === marker.length) {
          receiver.off('message', onMessage);
          resolve();
        } else got++;
      };
      receiver.on('message', onMessage);
    });
    await allSent;
    // A marker arrives behind everything still buffered (loopback keeps
    // order); one sent while the buffer is full is lost, so it is repeated
    // until one arrives.
    const resend = setInterval(() => sender.send(marker), 20);
    sender.send(marker);
    await drained;
    clearInterval(resend);
    return got;
  }

  for (const size of [100, 568, 1500, 2641, 9000, 30_000, 65_507]) {
    it(`${size}-byte datagrams: the model never counts more of them into the buffer than fit`, async () => {
      const got = await fits(size);
      const predicted = Math.floor(rcvbuf / receiveBufferCost(size));
      // The kernel admits a datagram while the buffer is below its limit, so
      // one more than the exact quotient can fit.
      assert.ok(
        got >= predicted,
        `${got} fitted, the model predicts ${predicted} (rcvbuf ${rcvbuf})`,
      );
      // Conservative, but not so much that pacing wastes most of the buffer.
      assert.ok(got <= 2 * predicted + 1, `${got} fitted, the model predicts only ${predicted}`);
    });
  }
});
