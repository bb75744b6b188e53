/**
 * Datagrams the kernel dropped because a receiver's socket buffer was full,
 * system-wide (Linux: `RcvbufErrors` in /proc/net/snmp and /proc/net/snmp6).
 * A delivery test compares the drops during its run with the datagrams it
 * missed: a loss the kernel accounts for is the machine being overloaded
 * (the listener did not get CPU to read), not a loss by the exporter. Other
 * processes' drops only loosen the check, never tighten it.
 */
import { readFileSync } from 'node:fs';

function field(path: string, table: RegExp, name: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  if (path.endsWith('snmp6')) {
    const m = new RegExp(`^${name}\\s+(\\d+)$`, 'm').exec(text);
    return m === null ? undefined : Number(m[1]);
  }
  const lines = text.split('\n').filter((l) => table.test(l));
  if (lines.length < 2) return undefined;
  const names = (lines[0] as string).split(/\s+/);
  const values = (lines[1] as string).split(/\s+/);
  const i = names.indexOf(name);
  return i < 0 ? undefined : Number(values[i]);
}

/** The kernel's count of UDP receive-buffer drops so far, or undefined off Linux. */
export function udpReceiveBufferDrops(): number | undefined {
  const v4 = field('/proc/net/snmp', /^Udp:/, 'RcvbufErrors');
  if (v4 === undefined) return undefined;
  return v4 + (field('/proc/net/snmp6', /^Udp6/, 'Udp6RcvbufErrors') ?? 0);
}

/**
 * Checks that every datagram sent was received, or dropped by the kernel in
 * a full receive buffer during the run (`before` from udpReceiveBufferDrops()).
 * Returns the kernel drops seen, for the test's log.
 */
export function assertDeliveredOrKernelDropped(
  sent: number,
  received: number,
  before: number | undefined,
  assertFn: (ok: boolean, message: string) => void,
): number {
  const after = udpReceiveBufferDrops();
  const kernel = before === undefined || after === undefined ? 0 : after - before;
  assertFn(received <= sent, `received ${received} of ${sent} sent: more than sent`);
  assertFn(
    sent - received <= kernel,
    `${sent - received} of ${sent} datagrams missing, the kernel dropped only ${kernel} ` +
      '(a loss by the exporter)',
  );
  return kernel;
}
