// Machine calibration: what this machine charges for the two things a UDP
// exporter cannot avoid, measured in a process pinned to the app core.
//
// - an idle process woken by a 1 ms timer (pacing sleeps between bursts);
// - one 568-byte datagram (a single-span document) to a receiver in another
//   process, sent alone on a timer tick (the receiver is asleep and must be
//   woken), and sent in bursts of 20 (the receiver stays awake).
//
// CPU time is process.cpuUsage() (user + system); on a kernel with tick-based
// CPU accounting the user/system split is sampled, the sum is not.
//
// Config (JSON in argv[2]): { udpPort }. Posts { type: 'result', ... }.
import * as dgram from 'node:dgram';
import { serve } from './lib/common.mjs';

const { udpPort } = JSON.parse(process.argv[2]);
const socket = dgram.createSocket('udp4');
await new Promise((resolve) => socket.connect(udpPort, '127.0.0.1', resolve));
const datagram = Buffer.alloc(568, 0x61);

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));
const sendBurst = (n) =>
  new Promise((resolve) => {
    let done = 0;
    for (let i = 0; i < n; i++) socket.send(datagram, () => ++done === n && resolve());
  });

/** CPU µs (user, system) per tick of `ticks` 1 ms timer ticks, each sending `perTick` datagrams. */
async function measure(ticks, perTick) {
  const c0 = process.cpuUsage();
  for (let i = 0; i < ticks; i++) {
    if (perTick > 0) await sendBurst(perTick);
    await tick();
  }
  const c = process.cpuUsage(c0);
  return { user: c.user / ticks, system: c.system / ticks };
}

const rounds = { idle: [], alone: [], burst: [] };
await measure(200, 20); // warm-up
for (let r = 0; r < 5; r++) {
  rounds.idle.push(await measure(300, 0));
  rounds.alone.push(await measure(300, 1));
  rounds.burst.push(await measure(300, 20));
}
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cpu = (xs) => median(xs.map((x) => x.user + x.system));
const sys = (xs) => median(xs.map((x) => x.system));
const wake = cpu(rounds.idle);
process.send({
  type: 'result',
  wakeUs: wake,
  datagramAloneUs: cpu(rounds.alone) - wake,
  datagramAloneSysUs: sys(rounds.alone) - sys(rounds.idle),
  datagramInBurstUs: (cpu(rounds.burst) - wake) / 20,
  datagramInBurstSysUs: (sys(rounds.burst) - sys(rounds.idle)) / 20,
});
socket.close();
serve({ exit: () => process.exit(0) });
