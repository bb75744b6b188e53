/**
 * The `http` block, from the stable HTTP semantic conventions and the old ones.
 * docs/attribute-mapping.md has the table.
 */
import { MAX_STRING_LENGTH } from '../protocol/limits.js';
import type { AttrReader } from './attrs.js';
import { stripCredentials, urlHostPart } from './attrs.js';
import { quote } from './json.js';
import { cut } from './values.js';

/** X-Ray's limit for segment strings unless noted ("up to 250 characters"; the schema's maxLength). */
export const MAX_HTTP_STRING = MAX_STRING_LENGTH;

/** Which side of the request a span recorded: it decides how a missing URL is rebuilt. */
export const HTTP_SERVER = 0;
export const HTTP_CLIENT = 1;
/** Neither (INTERNAL, PRODUCER, CONSUMER subsegments): only a full URL is taken. */
export const HTTP_OTHER = 2;
export type HttpRole = typeof HTTP_SERVER | typeof HTTP_CLIENT | typeof HTTP_OTHER;

export function httpMethod(r: AttrReader): string | undefined {
  const m = r.strMax('http.request.method', MAX_HTTP_STRING);
  if (m === '_OTHER') return r.strMax('http.request.method_original', MAX_HTTP_STRING) ?? m;
  return m ?? r.strMax('http.method', MAX_HTTP_STRING);
}

export function httpStatus(r: AttrReader): number | undefined {
  const s = r.int('http.response.status_code') ?? r.int('http.status_code');
  return s !== undefined && s >= 100 && s <= 999 ? s : undefined;
}

function contentLength(r: AttrReader): number | undefined {
  const header = r.strs('http.response.header.content-length');
  const fromHeader = header !== undefined ? Number(header[0]) : undefined;
  const n =
    (fromHeader !== undefined && Number.isSafeInteger(fromHeader) ? fromHeader : undefined) ??
    r.int('http.response.body.size') ??
    r.int('http.response_content_length') ??
    r.int('http.response_content_length_uncompressed');
  return n !== undefined && n >= 0 ? n : undefined;
}

/** Credentials removed, cut to X-Ray's limit (never inside a surrogate pair). */
function cap(url: string): string {
  return cut(stripCredentials(url), MAX_HTTP_STRING);
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;
/** Characters that cannot be in a host (they would end it or change the URL's meaning). */
const NOT_HOST = /[\s/?#@\\]/;

/** A port that may go in a URL (1-65535) from a number or numeric string, without marking it used. */
function port(r: AttrReader, key: string): number | undefined {
  const v = r.attrs[key];
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 && n < 65_536 ? n : undefined;
}

/** A string usable as a host, without marking it used. */
function host(r: AttrReader, key: string): string | undefined {
  const v = r.peek(key);
  return v !== undefined && !NOT_HOST.test(v) ? v : undefined;
}

/**
 * `scheme://host[:port]path[?query]`, the port left out when it is the
 * scheme's default, the scheme, path and query read here (marked used).
 * `authority` is a host, or a `Host` header that carries its own port (then
 * `portNumber` is undefined).
 */
function assemble(r: AttrReader, authority: string, portNumber: number | undefined): string {
  const s = scheme(r).toLowerCase();
  const defaultPort = (s === 'http' && portNumber === 80) || (s === 'https' && portNumber === 443);
  const portPart = portNumber === undefined || defaultPort ? '' : `:${portNumber}`;
  // `url.path` + `url.query`, else `http.target` (which carries its query); `/` when absent.
  const path = r.str('url.path');
  const query = path !== undefined ? r.str('url.query') : undefined;
  const target = path ?? r.str('http.target') ?? '/';
  const pathPart = target.startsWith('/') ? target : `/${target}`;
  const queryPart = query === undefined ? '' : query.startsWith('?') ? query : `?${query}`;
  // No credentials to strip: hosts and Host headers with `@` are refused (NOT_HOST).
  return cut(`${s}://${authority}${portPart}${pathPart}${queryPart}`, MAX_HTTP_STRING);
}

const SCHEME_KEYS = ['url.scheme', 'http.scheme'];
const SERVER_HOST_KEYS = ['http.server_name', 'net.host.name', 'host.name'];
/** Server names first, then peer IP addresses (each era's). */
const CLIENT_HOST_KEYS = ['server.address', 'net.peer.name', 'network.peer.address', 'net.peer.ip'];

/** The scheme (stable name first), marking it used; `http` when absent or malformed. */
function scheme(r: AttrReader): string {
  for (const key of SCHEME_KEYS) {
    const v = r.peek(key);
    if (v !== undefined && SCHEME.test(v)) {
      r.use(key);
      return v;
    }
  }
  return 'http';
}

/** The URL a server received, rebuilt from its parts when no full URL was recorded. */
function serverUrl(r: AttrReader): string | undefined {
  const full = r.str('url.full') ?? r.str('http.url');
  if (full !== undefined) return cap(full);
  const stable = host(r, 'server.address');
  if (stable !== undefined) {
    r.use('server.address');
    const p = port(r, 'server.port');
    if (p !== undefined) r.use('server.port');
    return assemble(r, urlHostPart(stable), p);
  }
  // Old conventions: `http.host` carries its port; the others do not.
  const hostHeader = host(r, 'http.host');
  if (hostHeader !== undefined) {
    r.use('http.host');
    return assemble(r, hostHeader, undefined);
  }
  for (const key of SERVER_HOST_KEYS) {
    const name = host(r, key);
    if (name === undefined) continue;
    r.use(key);
    const p = port(r, 'net.host.port');
    if (p !== undefined) r.use('net.host.port');
    return assemble(r, urlHostPart(name), p);
  }
  return undefined;
}

/**
 * The URL a client called: `url.full` / `http.url`, else rebuilt from its
 * parts (both eras): the `Host` header, else the server's name with its port,
 * else the peer's IP address with its port.
 */
function clientUrl(r: AttrReader, rebuild: boolean): string | undefined {
  const full = r.str('url.full') ?? r.str('http.url');
  if (full !== undefined) {
    // The URL already says where the call went.
    r.str('server.address');
    r.int('server.port');
    r.str('net.peer.name');
    r.int('net.peer.port');
    return cap(full);
  }
  if (!rebuild) return undefined;
  let authority: string | undefined;
  let p: number | undefined;
  const hostHeader = host(r, 'http.host');
  if (hostHeader !== undefined) {
    r.use('http.host');
    authority = hostHeader;
  } else {
    for (let i = 0; i < CLIENT_HOST_KEYS.length; i++) {
      const key = CLIENT_HOST_KEYS[i] as string;
      const name = host(r, key);
      if (name === undefined) continue;
      r.use(key);
      authority = urlHostPart(name);
      // A peer address (i >= 2) may carry only the connection's port.
      const portKey =
        port(r, 'server.port') !== undefined
          ? 'server.port'
          : port(r, 'net.peer.port') !== undefined
            ? 'net.peer.port'
            : i >= 2 && port(r, 'network.peer.port') !== undefined
              ? 'network.peer.port'
              : undefined;
      if (portKey !== undefined) {
        r.use(portKey);
        p = port(r, portKey);
      }
      break;
    }
  }
  if (authority === undefined) return undefined;
  return assemble(r, authority, p);
}

/**
 * The `http` block as JSON text, or undefined when the span has no method,
 * status or URL. `status` is {@link httpStatus}'s answer, read by the caller
 * (it also decides error and fault). `role` says whether the span received
 * the request (SERVER spans, and local roots that carry server attributes) or
 * sent it (CLIENT spans). `urlAlone`: whether a URL without method or status
 * makes a block (not for AWS SDK calls, whose `url.full` is the SQS queue: it
 * goes to `aws.queue_url`). Written as it is read: no object is built.
 */
export function buildHttp(
  r: AttrReader,
  status: number | undefined,
  role: HttpRole,
  segment: boolean,
  urlAlone: boolean,
): string | undefined {
  const method = httpMethod(r);
  if (!urlAlone && method === undefined && status === undefined) return undefined;
  const url = role === HTTP_SERVER ? serverUrl(r) : clientUrl(r, role === HTTP_CLIENT);
  if (method === undefined && status === undefined && url === undefined) return undefined;
  // The request's members (the first without its comma), then the response's.
  let request = method !== undefined ? `"method":${quote(method)}` : '';
  if (url !== undefined) request += request === '' ? `"url":${quote(url)}` : `,"url":${quote(url)}`;
  const ua = r.str('user_agent.original') ?? r.str('http.user_agent');
  if (ua !== undefined) {
    const q = quote(cut(ua, MAX_HTTP_STRING));
    request += request === '' ? `"user_agent":${q}` : `,"user_agent":${q}`;
  }
  if (role === HTTP_SERVER && segment) {
    const ip = clientIp(r);
    if (ip !== '') request += request === '' ? ip : `,${ip}`;
  }
  const length = contentLength(r);
  const response =
    status === undefined
      ? length === undefined
        ? ''
        : `"content_length":${length}`
      : length === undefined
        ? `"status":${status}`
        : `"status":${status},"content_length":${length}`;
  if (request === '') return `{"response":{${response}}}`;
  if (response === '') return `{"request":{${request}}}`;
  return `{"request":{${request}},"response":{${response}}}`;
}

/** `"client_ip":…` (and `,"x_forwarded_for":true`) of a server segment, or nothing. */
function clientIp(r: AttrReader): string {
  const client = r.strMax('client.address', MAX_HTTP_STRING);
  if (client !== undefined) {
    const peer = r.peek('network.peer.address');
    const forwarded = peer !== undefined && peer !== client;
    return `"client_ip":${quote(client)}${forwarded ? ',"x_forwarded_for":true' : ''}`;
  }
  const old = r.strMax('http.client_ip', MAX_HTTP_STRING);
  if (old !== undefined) {
    const oldPeer = r.peek('net.peer.ip');
    const forwarded = oldPeer === undefined || oldPeer !== old;
    return `"client_ip":${quote(old)}${forwarded ? ',"x_forwarded_for":true' : ''}`;
  }
  const ip =
    r.strMax('network.peer.address', MAX_HTTP_STRING) ?? r.strMax('net.peer.ip', MAX_HTTP_STRING);
  return ip === undefined ? '' : `"client_ip":${quote(ip)}`;
}
