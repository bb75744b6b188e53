// A UDP sink standing in for the X-Ray daemon during the throughput benches:
// it receives with the kernel's default buffer (as the daemon does) and only
// counts datagrams, bytes and spans (one `"start_time":` per segment or
// subsegment in these workloads), so it stays cheap. Driven over IPC.
import * as dgram from 'node:dgram';
import { serve } from '../lib/common.mjs';

const START_TIME = Buffer.from('"start_time":');
const stats = { datagrams: 0, bytes: 0, spans: 0 };

const socket = dgram.createSocket('udp4');
socket.on('message', (msg) => {
  stats.datagrams++;
  stats.bytes += msg.length;
  for (let i = msg.indexOf(START_TIME); i >= 0; i = msg.indexOf(START_TIME, i + 13)) stats.spans++;
});
socket.bind(0, '127.0.0.1', () => {
  process.send({ type: 'ready', port: socket.address().port, rcvbuf: socket.getRecvBufferSize() });
});

serve({
  stats: () => ({ stats: { ...stats } }),
  reset: () => {
    stats.datagrams = stats.bytes = stats.spans = 0;
  },
  exit: () => {
    socket.close();
    process.disconnect();
  },
});
