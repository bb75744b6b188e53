/**
 * The `http` block, from the stable HTTP semantic conventions and the old ones.
 * docs/attribute-mapping.md has the table.
 */
import type { XRayHttp } from './document.js';
import type { AttrReader } from './attrs.js';
import { stripCredentials, urlHostPart } from './attrs.js';

const MAX_URL = 8192;

export function httpMethod(r: AttrReader): string | undefined {
  const m = r.str('http.request.method');
  if (m === '_OTHER') return r.str('http.request.method_original') ?? m;
  return m ?? r.str('http.method');
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

function cap(url: string): string {
  const clean = stripCredentials(url);
  return clean.length > MAX_URL ? clean.slice(0, MAX_URL) : clean;
}

/** The URL a server received, rebuilt from its parts when no full URL was recorded. */
function serverUrl(r: AttrReader): string | undefined {
  const full = r.str('url.full') ?? r.str('http.url');
  if (full !== undefined) return cap(full);
  const stable = r.peek('server.address');
  if (stable !== undefined) {
    r.str('server.address');
    const scheme = r.str('url.scheme') ?? 'http';
    const port = r.int('server.port');
    const path = r.str('url.path') ?? '/';
    const query = r.str('url.query');
    const defaultPort = (scheme === 'http' && port === 80) || (scheme === 'https' && port === 443);
    const portPart = port === undefined || defaultPort ? '' : `:${port}`;
    const queryPart = query === undefined ? '' : query.startsWith('?') ? query : `?${query}`;
    return cap(`${scheme}://${urlHostPart(stable)}${portPart}${path}${queryPart}`);
  }
  // Old conventions: `http.host` carries its port; the others do not.
  const scheme = r.str('http.scheme') ?? 'http';
  const target = r.str('http.target') ?? '/';
  const hostHeader = r.str('http.host');
  if (hostHeader !== undefined) return cap(`${scheme}://${hostHeader}${target}`);
  const host = r.str('http.server_name') ?? r.str('net.host.name') ?? r.str('host.name');
  if (host === undefined) return undefined;
  const port = r.int('net.host.port');
  const defaultPort = (scheme === 'http' && port === 80) || (scheme === 'https' && port === 443);
  return cap(
    `${scheme}://${urlHostPart(host)}${port === undefined || defaultPort ? '' : `:${port}`}${target}`,
  );
}

/** The URL a client called. */
function clientUrl(r: AttrReader): string | undefined {
  const full = r.str('url.full') ?? r.str('http.url');
  if (full === undefined) return undefined;
  // The URL already says where the call went.
  r.str('server.address');
  r.int('server.port');
  r.str('net.peer.name');
  r.int('net.peer.port');
  return cap(full);
}

/**
 * Builds the `http` block. `server` is true for spans that received the
 * request (SERVER spans, and local roots that carry server attributes).
 */
export function buildHttp(r: AttrReader, server: boolean, segment: boolean): XRayHttp | undefined {
  const method = httpMethod(r);
  const status = httpStatus(r);
  if (method === undefined && status === undefined) return undefined;
  const request: NonNullable<XRayHttp['request']> = {};
  if (method !== undefined) request.method = method;
  const url = server ? serverUrl(r) : clientUrl(r);
  if (url !== undefined) request.url = url;
  const ua = r.str('user_agent.original') ?? r.str('http.user_agent');
  if (ua !== undefined) request.user_agent = ua.length > 1024 ? ua.slice(0, 1024) : ua;
  if (server && segment) {
    const client = r.str('client.address');
    const peer = r.peek('network.peer.address');
    if (client !== undefined) {
      request.client_ip = client;
      if (peer !== undefined && peer !== client) request.x_forwarded_for = true;
    } else {
      const old = r.str('http.client_ip');
      const oldPeer = r.peek('net.peer.ip');
      if (old !== undefined) {
        request.client_ip = old;
        if (oldPeer === undefined || oldPeer !== old) request.x_forwarded_for = true;
      } else if (peer !== undefined || oldPeer !== undefined) {
        request.client_ip = (r.str('network.peer.address') ?? r.str('net.peer.ip')) as string;
      }
    }
  }
  const http: XRayHttp = {};
  if (Object.keys(request).length > 0) http.request = request;
  const response: NonNullable<XRayHttp['response']> = {};
  if (status !== undefined) response.status = status;
  const length = contentLength(r);
  if (length !== undefined) response.content_length = length;
  if (status !== undefined || length !== undefined) http.response = response;
  return http;
}
