// The delivery bench's listener: a UDP socket in a process of its own with
// the kernel's default receive buffer, like the real X-Ray daemon (which
// never raises it). It keeps every datagram raw while receiving, as the daemon
// does, and parses only when asked for a report. A datagram "MARKER <n>" is
// acknowledged over IPC: loopback delivers in order, so every datagram sent
// before the marker has by then been received or lost (the technique of
// test/helpers/listener-process.mjs).
import * as dgram from 'node:dgram';
import { serve } from '../lib/common.mjs';

const socket = dgram.createSocket('udp4');
// Datagrams are copied into one preallocated store rather than kept as
// Buffers: tens of thousands of retained objects would grow the old
// generation and bring major GC pauses long enough to overflow the receive
// buffer, a loss the real daemon (Go, which keeps nothing) does not have.
const STORE_BYTES = 256 * 1024 * 1024;
const store = Buffer.alloc(STORE_BYTES);
const MAX_DATAGRAMS = 1 << 20;
const offsets = new Int32Array(MAX_DATAGRAMS + 1);
let count = 0;
let overflow = 0;
socket.on('message', (msg) => {
  if (msg.length < 32 && msg.toString().startsWith('MARKER ')) {
    process.send({ type: 'marker', id: msg.toString().slice(7) });
    return;
  }
  const at = offsets[count];
  if (count >= MAX_DATAGRAMS || at + msg.length > STORE_BYTES) {
    overflow++;
    return;
  }
  msg.copy(store, at);
  offsets[++count] = at + msg.length;
});
const datagram = (i) => store.subarray(offsets[i], offsets[i + 1]);
socket.bind(0, '127.0.0.1', () => {
  process.send({ type: 'ready', port: socket.address().port, rcvbuf: socket.getRecvBufferSize() });
});

/** Adds the IDs of a segment document and its nested subsegments to `ids`. */
function collect(node, ids) {
  ids.push(node.id);
  if (Array.isArray(node.subsegments)) for (const s of node.subsegments) collect(s, ids);
}

serve({
  report: () => {
    const ids = [];
    let problems = 0;
    let maxBytes = 0;
    if (overflow > 0) throw new Error(`listener store overflowed (${overflow} datagrams)`);
    for (let i = 0; i < count; i++) {
      const buf = datagram(i);
      maxBytes = Math.max(maxBytes, buf.length);
      const nl = buf.indexOf(10);
      try {
        const header = JSON.parse(buf.subarray(0, nl).toString());
        if (header.format !== 'json' || header.version !== 1) throw new Error('bad header');
        collect(JSON.parse(buf.subarray(nl + 1).toString()), ids);
      } catch {
        problems++;
      }
    }
    const unique = new Set(ids).size;
    return { datagrams: count, spans: ids.length, unique, problems, maxBytes };
  },
  reset: () => {
    count = 0;
    overflow = 0;
  },
  exit: () => {
    socket.close();
    process.disconnect();
  },
});
