// A UDP listener in a process of its own, with the kernel's default receive
// buffer (like the real X-Ray daemon, which never raises it). It keeps every
// datagram raw while receiving, as the daemon does, and parses only when the
// parent asks for a report over IPC. A datagram whose body is "MARKER <n>"
// is acknowledged over IPC: since loopback delivers in order, every datagram
// sent before the marker has by then been received or lost.
import * as dgram from 'node:dgram';

const socket = dgram.createSocket('udp4');
// Datagrams are copied into one preallocated store rather than kept as
// Buffers: many retained objects grow the old generation and bring major GC
// pauses that overflow the receive buffer, a loss the real daemon (Go, which
// keeps nothing) does not have.
const STORE_BYTES = 64 * 1024 * 1024;
const store = Buffer.alloc(STORE_BYTES);
const offsets = new Int32Array(1 << 18);
let count = 0;
let overflow = 0;
socket.on('message', (msg) => {
  if (msg.length < 32 && msg.toString().startsWith('MARKER ')) {
    process.send({ type: 'marker', id: msg.toString().slice(7) });
    return;
  }
  const at = offsets[count];
  if (count + 1 >= offsets.length || at + msg.length > STORE_BYTES) {
    overflow++;
    return;
  }
  msg.copy(store, at);
  offsets[++count] = at + msg.length;
});
socket.bind(0, '127.0.0.1', () => {
  process.send({ type: 'ready', port: socket.address().port, rcvbuf: socket.getRecvBufferSize() });
});

function collect(node, parentId, out) {
  out.push({ id: node.id, parentId: parentId ?? node.parent_id });
  if (Array.isArray(node.subsegments)) for (const s of node.subsegments) collect(s, node.id, out);
}

process.on('message', (m) => {
  if (m.type === 'report') {
    const spans = [];
    const problems = overflow > 0 ? [`listener store overflowed (${overflow} datagrams)`] : [];
    let maxBytes = 0;
    for (let i = 0; i < count; i++) {
      const buf = store.subarray(offsets[i], offsets[i + 1]);
      maxBytes = Math.max(maxBytes, buf.length);
      const nl = buf.indexOf(10);
      try {
        const header = JSON.parse(buf.subarray(0, nl).toString());
        if (header.format !== 'json' || header.version !== 1) throw new Error('bad header');
        collect(JSON.parse(buf.subarray(nl + 1).toString()), undefined, spans);
      } catch (err) {
        problems.push(String(err));
      }
    }
    process.send({ type: 'report', datagrams: count, spans, problems, maxBytes });
  } else if (m.type === 'reset') {
    count = 0;
    overflow = 0;
    process.send({ type: 'reset' });
  } else if (m.type === 'exit') {
    socket.close();
    process.disconnect();
  }
});
