/**
 * Reading span attributes while remembering which ones were mapped to an
 * X-Ray field, so that only the others go to `metadata.default`.
 */
import type { Attributes } from '@opentelemetry/api';

export class AttrReader {
  /** Keys mapped to an X-Ray field (a short list: a linear scan beats a Set). */
  readonly used: string[] = [];

  constructor(readonly attrs: Attributes) {}

  /** A non-empty string value, marking the key used. */
  str(key: string): string | undefined {
    const v = this.attrs[key];
    if (typeof v !== 'string' || v === '') return undefined;
    this.used.push(key);
    return v;
  }

  /**
   * A non-empty string of at most `max` UTF-16 units, marking the key used.
   * A longer value is not taken (a cut identifier would be wrong) and stays in metadata.
   */
  strMax(key: string, max: number): string | undefined {
    const v = this.attrs[key];
    if (typeof v !== 'string' || v === '' || v.length > max) return undefined;
    this.used.push(key);
    return v;
  }

  /** Marks a key used (after a {@link peek} whose value was taken). */
  use(key: string): void {
    this.used.push(key);
  }

  /** A string value without marking it used (for names, which do not replace metadata). */
  peek(key: string): string | undefined {
    const v = this.attrs[key];
    return typeof v === 'string' && v !== '' ? v : undefined;
  }

  /** An integer value (numbers or numeric strings), marking the key used. */
  int(key: string): number | undefined {
    const v = this.attrs[key];
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) return undefined;
    this.used.push(key);
    return n;
  }

  /** Non-empty strings from a string or string-array value, marking the key used. */
  strs(key: string): string[] | undefined {
    const v = this.attrs[key];
    if (typeof v === 'string') {
      if (v === '') return undefined;
      this.used.push(key);
      return [v];
    }
    if (!Array.isArray(v)) return undefined;
    const out = v.filter((x): x is string => typeof x === 'string' && x !== '');
    if (out.length === 0) return undefined;
    this.used.push(key);
    return out;
  }

  isUsed(key: string): boolean {
    return this.used.includes(key);
  }
}

/** Removes `user:password@` from a URL's authority. Works on any `scheme://` text. */
export function stripCredentials(url: string): string {
  const start = url.indexOf('://');
  if (start < 0) return url;
  const from = start + 3;
  let end = url.length;
  for (let i = from; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 0x2f /* / */ || c === 0x3f /* ? */ || c === 0x23 /* # */) {
      end = i;
      break;
    }
  }
  const at = url.lastIndexOf('@', end - 1);
  return at < from ? url : url.slice(0, from) + url.slice(at + 1);
}

/** The host of a URL (no credentials, no port, no IPv6 brackets), or undefined. */
export function urlHost(url: string): string | undefined {
  const authority = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(stripCredentials(url))?.[1];
  if (!authority) return undefined;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    return close > 1 ? authority.slice(1, close) : undefined;
  }
  const colon = authority.indexOf(':');
  const host = colon >= 0 ? authority.slice(0, colon) : authority;
  return host === '' ? undefined : host;
}

/** `host` with brackets when it is an IPv6 literal, for use in a URL. */
export function urlHostPart(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
