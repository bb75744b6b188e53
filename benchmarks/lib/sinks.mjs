// Starts the sinks (UDP "daemon" and HTTP collector + stub) in processes of
// their own, pinned to the auxiliary core, away from the measured app.
import { AUX_CORE, nextMessage, startChild, stopChild } from './common.mjs';

export async function startSinks() {
  const udp = startChild('sinks/udp-sink.mjs', [], { core: AUX_CORE });
  const http = startChild('sinks/http-sink.mjs', [], { core: AUX_CORE });
  const [u, h] = await Promise.all([nextMessage(udp, 'ready'), nextMessage(http, 'ready')]);
  return {
    udp,
    http,
    udpPort: u.port,
    udpRcvbuf: u.rcvbuf,
    httpPort: h.port,
    stop: () => Promise.all([stopChild(udp), stopChild(http)]),
  };
}
