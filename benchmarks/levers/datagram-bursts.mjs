// What one datagram costs the sender, by how datagrams are grouped: bursts of
// k sends, p per event-loop turn, then a pause of g ms (a timer, so the
// process goes idle and is woken), to a listener in another process on the
// other core (default receive buffer), over a connected socket, as otel-xray
// sends. Prints the median CPU (user + system) per datagram of 5 rounds.
// Shows what the send pacing's grouping costs: a timer wake-up of an idle
// process, and a datagram that wakes a sleeping receiver, cost far more here
// than a send in a burst.
//
//   taskset -c 0 node benchmarks/levers/datagram-bursts.mjs [datagrams per trial]
import * as dgram from 'node:dgram';
import { setImmediate as turn, setTimeout as sleep } from 'node:timers/promises';
import { startCountingListener } from '../lib/common.mjs';

const TOTAL = Number(process.argv[2] ?? 3000);
const listener = await startCountingListener({ core: 1 });
const { port } = listener;
const socket = dgram.createSocket('udp4');
await new Promise((resolve) => socket.connect(port, '127.0.0.1', resolve));
const datagram = Buffer.alloc(568, 0x61); // a single-span document's size

let totalSent = 0;
async function trial(burst, perTurn, gapMs) {
  const cpu0 = process.cpuUsage();
  let sent = 0;
  while (sent < TOTAL) {
    for (let i = 0; i < burst;) {
      for (let j = 0; j < perTurn && i < burst; j++, i++) socket.send(datagram, () => {});
      await turn();
    }
    sent += burst;
    if (gapMs > 0) await sleep(gapMs);
  }
  const cpu = process.cpuUsage(cpu0);
  totalSent += sent;
  return (cpu.user + cpu.system) / sent;
}

// [burst, per turn, pause ms]
const SHAPES = [
  [1, 1, 0],
  [1, 1, 1],
  [8, 8, 3],
  [24, 8, 3],
  [24, 24, 3],
  [48, 48, 5],
  [100, 100, 10],
  [24, 24, 0],
];
const runs = SHAPES.map(() => []);
for (let r = 0; r < 5; r++) {
  for (let s = 0; s < SHAPES.length; s++) runs[s].push(await trial(...SHAPES[s]));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (let s = 0; s < SHAPES.length; s++) {
  const [burst, perTurn, gap] = SHAPES[s];
  console.log(
    `bursts of ${String(burst).padStart(3)}, ${String(perTurn).padStart(3)} a turn, ` +
      `${gap > 0 ? `${gap} ms timer between` : 'no pause'}: ${median(runs[s]).toFixed(2)} µs a datagram`,
  );
}
const received = await listener.received();
console.log(`${received} datagrams received of ${totalSent} sent`);
listener.kill();
socket.close();
