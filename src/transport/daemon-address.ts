/**
 * Parsing of `AWS_XRAY_DAEMON_ADDRESS`. Pure: no I/O, never throws.
 *
 * Accepted forms (those the X-Ray SDKs accept, plus IPv6 and any hostname):
 * - `host:port`                      UDP and TCP on the same address
 * - `udp:host:port tcp:host:port`    either order, separated by whitespace
 * - `[::1]:2000`, `udp:[::1]:2000 tcp:[::1]:2001`
 *
 * Unlike the X-Ray SDK, a hostname that happens to contain "udp" or "tcp"
 * (`udp-daemon:2000`) is an ordinary hostname: only a leading `udp:`/`tcp:`
 * label followed by a full `host:port` marks a protocol.
 */

/** @internal */
export interface Endpoint {
  /** Host name or IP literal, without IPv6 brackets. */
  host: string;
  port: number;
}

/** @internal */
export interface DaemonAddress {
  udp: Endpoint;
  tcp: Endpoint;
}

/** @internal */
export const DEFAULT_DAEMON_ADDRESS: Readonly<DaemonAddress> = Object.freeze({
  udp: Object.freeze({ host: '127.0.0.1', port: 2000 }),
  tcp: Object.freeze({ host: '127.0.0.1', port: 2000 }),
});

/** @internal */
export type ParseResult = { ok: true; address: DaemonAddress } | { ok: false; reason: string };

// Host names per RFC 1123 labels (with `_`, which Docker/ECS service names use);
// IPv4 dotted quads also match this and are checked by the dgram layer.
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;
const IPV6 = /^[0-9A-Fa-f:.]+(?:%[A-Za-z0-9_.-]+)?$/;

/**
 * Parses one `host:port` or `[v6]:port`.
 * @internal
 */
export function parseEndpoint(text: string): Endpoint | string {
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':') return `"${text}" is not [ipv6]:port`;
    host = text.slice(1, close);
    portText = text.slice(close + 2);
    if (!host.includes(':') || !IPV6.test(host)) return `"${host}" is not an IPv6 address`;
  } else {
    const colon = text.lastIndexOf(':');
    if (colon <= 0) return `"${text}" is not host:port`;
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(':')) return `"${text}": write IPv6 addresses as [addr]:port`;
    if (!HOSTNAME.test(host)) return `"${host}" is not a valid host name`;
  }
  if (!/^\d{1,5}$/.test(portText)) return `"${portText}" is not a port number`;
  const port = Number(portText);
  if (port < 1 || port > 65535) return `port ${port} is out of range`;
  return { host, port };
}

/**
 * Parses an `AWS_XRAY_DAEMON_ADDRESS` value. Blank or absent values yield the
 * default address; invalid ones yield a reason (the caller reports it and
 * falls back to the default).
 * @internal
 */
export function parseDaemonAddress(value: string | undefined | null): ParseResult {
  const text = (value ?? '').trim();
  if (text === '') return { ok: true, address: { ...DEFAULT_DAEMON_ADDRESS } };
  if (text.length > 600) return { ok: false, reason: 'value is too long' };
  const parts = text.split(/\s+/);
  if (parts.length === 1) {
    const only = parts[0] as string;
    // `udp:host:port` alone is accepted too; TCP then keeps the default.
    const labelled = /^(udp|tcp):(.+)$/i.exec(only);
    if (labelled && typeof parseEndpoint(labelled[2] as string) !== 'string') {
      const ep = parseEndpoint(labelled[2] as string) as Endpoint;
      const address = { ...DEFAULT_DAEMON_ADDRESS };
      address[(labelled[1] as string).toLowerCase() as 'udp' | 'tcp'] = ep;
      return { ok: true, address };
    }
    const ep = parseEndpoint(only);
    if (typeof ep === 'string') return { ok: false, reason: ep };
    return { ok: true, address: { udp: ep, tcp: { ...ep } } };
  }
  if (parts.length !== 2)
    return { ok: false, reason: 'expected "host:port" or "udp:host:port tcp:host:port"' };
  const found: Partial<DaemonAddress> = {};
  for (const part of parts) {
    const m = /^(udp|tcp):(.+)$/i.exec(part);
    if (!m) return { ok: false, reason: `"${part}" lacks a udp: or tcp: prefix` };
    const proto = (m[1] as string).toLowerCase() as 'udp' | 'tcp';
    if (found[proto]) return { ok: false, reason: `${proto} is given twice` };
    const ep = parseEndpoint(m[2] as string);
    if (typeof ep === 'string') return { ok: false, reason: ep };
    found[proto] = ep;
  }
  if (!found.udp || !found.tcp) return { ok: false, reason: 'both udp: and tcp: are required' };
  return { ok: true, address: { udp: found.udp, tcp: found.tcp } };
}

/**
 * Formats an endpoint back to `host:port` / `[v6]:port`.
 * @internal
 */
export function formatEndpoint(ep: Endpoint): string {
  return ep.host.includes(':') ? `[${ep.host}]:${ep.port}` : `${ep.host}:${ep.port}`;
}
