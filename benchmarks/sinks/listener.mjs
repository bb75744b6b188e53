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
const raw = [];
socket.on('message', (msg) => {
  if (msg.length < 32 && msg.toString().startsWith('MARKER ')) {
    process.send({ type: 'marker', id: msg.toString().slice(7) });
    return;
  }
  raw.push(msg);
});
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
    for (const buf of raw) {
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
    return { datagrams: raw.length, spans: ids.length, unique, problems, maxBytes };
  },
  reset: () => {
    raw.length = 0;
  },
  exit: () => {
    socket.close();
    process.disconnect();
  },
});
