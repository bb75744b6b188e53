// The delivery scenarios of the suite (benchmarks/delivery.mjs: a listener in
// another process with the kernel's default receive buffer) for one or more
// builds of otel-xray, without writing RESULTS.md.
//
//   node benchmarks/levers/delivery-ab.mjs <dist dir (holding esm/)> [...] [--seconds=3]
import { resolve } from 'node:path';
import { runDelivery } from '../delivery.mjs';

const args = process.argv.slice(2);
const seconds = Number(
  args.find((a) => a.startsWith('--seconds='))?.slice('--seconds='.length) ?? 3,
);
for (const dir of args.filter((a) => !a.startsWith('--'))) {
  process.env.OTEL_XRAY_DIST = resolve(dir);
  const { rcvbuf, scenarios } = await runDelivery({ seconds, log: () => undefined });
  console.log(`${dir} (listener rcvbuf ${rcvbuf})`);
  for (const s of scenarios) {
    console.log(
      `  ${s.name.padEnd(36)} received ${s.receivedPct.toFixed(2)} % ` +
        `(${s.received}/${s.ended}), ${s.spansPerDatagram.toFixed(2)} spans/datagram, ` +
        `dropped ${JSON.stringify(s.dropped)}` +
        (s.warmup ? `, warm-up ${s.warmup.receivedPct.toFixed(2)} %` : ''),
    );
  }
}
