/**
 * Exporter configuration: options > environment > defaults, resolved once at
 * construction by a pure function. Blank environment values count as unset.
 */
import type { DaemonAddress } from '../transport/daemon-address.js';
import { DEFAULT_DAEMON_ADDRESS, parseDaemonAddress } from '../transport/daemon-address.js';
import { MAX_DATAGRAM_BYTES, MIN_DATAGRAM_BYTES } from '../translate/pack.js';

export interface AWSXRaySpanExporterOptions {
  /**
   * Attribute keys whose values become X-Ray annotations (searchable). Spans
   * can also name their own in the `aws.xray.annotations` attribute.
   */
  indexedAttributes?: string[];
  /** Make every string, number or boolean span attribute an annotation. Default false. */
  indexAllAttributes?: boolean;
  /**
   * Send database query text (`db.query.text`, `db.statement`) as
   * `sql.sanitized_query`. Instrumentations record only parameterised or
   * sanitised queries; set false to send none. Default true.
   */
  sqlQueries?: boolean;
  /**
   * Attributes never to send: exact keys, or prefixes ending in `*`
   * (`'http.request.header.*'`). Captured `authorization`, `cookie`,
   * `set-cookie`, `proxy-authorization`, `x-api-key` and
   * `x-amz-security-token` headers are always left out.
   */
  dropAttributes?: string[];
  /**
   * The daemon's address, in any form `AWS_XRAY_DAEMON_ADDRESS` accepts
   * (`host:port`, `[::1]:2000`, `udp:host:port tcp:host:port`).
   * Default: `AWS_XRAY_DAEMON_ADDRESS`, else `127.0.0.1:2000`.
   */
  daemonAddress?: string;
  /**
   * Largest datagram (daemon header + document) in bytes. Default and maximum
   * 65,507, the largest UDP payload over IPv4; minimum 2,048.
   */
  maxDatagramBytes?: number;
  /**
   * Bound on bytes waiting to be sent. When the daemon or the network cannot
   * keep up, new documents past this bound are dropped and counted.
   * Default 4 MiB.
   */
  maxQueueBytes?: number;
  /**
   * Pacing of sends (a token bucket counted in what each datagram costs in
   * the daemon's socket buffer, ~1.5 KiB for a single-span datagram): at most
   * `burstBytes` are handed to the kernel at once, then `bytesPerSecond`; when
   * a backlog builds up, the rate rises with it (enough to send the backlog
   * within 0.1 s), up to `maxBytesPerSecond`. The X-Ray daemon reads with the
   * kernel's default socket buffer (208 KiB on Linux), which a faster burst
   * overflows. Defaults: 32 KiB burst, 12 MiB/s (about 9,000 single-span or
   * 2,800 ten-span datagrams/s, room for a ~14 ms daemon stall), up to
   * `maxBytesPerSecond`, by default 2.5 × `bytesPerSecond` (30 MiB/s, about
   * 23,000 single-span datagrams/s) under sustained load.
   */
  burstBytes?: number;
  bytesPerSecond?: number;
  maxBytesPerSecond?: number;
  /**
   * When `export()` calls back: `'queued'`, as soon as its documents are in
   * the send queue, so that a `BatchSpanProcessor` (one export at a time) is
   * never held up by the send pacing; or `'sent'`, once they have been handed
   * to the kernel, so that a processor's `forceFlush()` that waits for its
   * exports also waits for the datagrams. Default `'queued'`, and `'sent'` in
   * AWS Lambda (`AWS_LAMBDA_FUNCTION_NAME` set), where the process may be
   * frozen as soon as a flush returns. `forceFlush()` and `shutdown()` of the
   * exporter always wait for the datagrams.
   */
  exportCallback?: 'queued' | 'sent';
  /**
   * Upper bound for `forceFlush()` and `shutdown()`, in ms. Default 5,000; in
   * AWS Lambda (`AWS_LAMBDA_FUNCTION_NAME` set) 1,000, well inside the
   * function's own timeout: a flush to Lambda's local daemon takes well under
   * a millisecond. In Lambda the flush before a handler returns also gives up
   * 50 ms before the invocation's deadline (`context.getRemainingTimeInMillis()`,
   * known through `lambdaRequestHook`; see docs/lambda.md).
   */
  flushTimeoutMillis?: number;
}

/** @internal */
export interface ExporterConfig {
  indexedAttributes: string[] | undefined;
  indexAllAttributes: boolean;
  sqlQueries: boolean;
  dropAttributes: string[] | undefined;
  daemon: DaemonAddress;
  maxDatagramBytes: number;
  maxQueueBytes: number;
  burstBytes: number;
  bytesPerSecond: number;
  maxBytesPerSecond: number;
  flushTimeoutMillis: number;
  callbackWhen: 'queued' | 'sent';
  /**
   * In AWS Lambda (`AWS_LAMBDA_FUNCTION_NAME` set): spans started outside any
   * invocation (module load, the init phase) are not sent.
   */
  lambda: boolean;
  /** Configuration problems to report once, at construction. */
  warnings: string[];
}

/** @internal */
export type Env = Readonly<Record<string, string | undefined>>;

function blankToUndefined(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v;
}

/** @internal */
export function positiveNumber(
  name: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
  warnings: string[],
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    warnings.push(`option ${name}=${String(value)} is not a positive number; using ${fallback}`);
    return fallback;
  }
  const clamped = Math.min(max, Math.max(min, Math.floor(value)));
  if (clamped !== Math.floor(value)) {
    warnings.push(`option ${name}=${value} is outside ${min}..${max}; using ${clamped}`);
  }
  return clamped;
}

/** @internal */
export function resolveExporterConfig(
  options: AWSXRaySpanExporterOptions | undefined,
  env: Env,
): ExporterConfig {
  const o = options ?? {};
  const warnings: string[] = [];
  const fromOption = blankToUndefined(o.daemonAddress);
  const fromEnv = blankToUndefined(env.AWS_XRAY_DAEMON_ADDRESS);
  const raw = fromOption ?? fromEnv;
  let daemon: DaemonAddress = { ...DEFAULT_DAEMON_ADDRESS };
  if (raw !== undefined) {
    const parsed = parseDaemonAddress(raw);
    if (parsed.ok) daemon = parsed.address;
    else {
      const source = fromOption !== undefined ? 'option daemonAddress' : 'AWS_XRAY_DAEMON_ADDRESS';
      warnings.push(
        `${source}="${raw.slice(0, 100)}" is invalid (${parsed.reason}): set it to host:port ` +
          '(e.g. 127.0.0.1:2000); using 127.0.0.1:2000',
      );
    }
  }
  const lambda = blankToUndefined(env.AWS_LAMBDA_FUNCTION_NAME) !== undefined;
  let callbackWhen: 'queued' | 'sent' = lambda ? 'sent' : 'queued';
  if (o.exportCallback === 'queued' || o.exportCallback === 'sent') callbackWhen = o.exportCallback;
  else if (o.exportCallback !== undefined) {
    warnings.push(
      `option exportCallback="${String(o.exportCallback)}" is not queued or sent; using ${callbackWhen}`,
    );
  }
  return {
    callbackWhen,
    lambda,
    indexedAttributes: stringList('indexedAttributes', o.indexedAttributes, warnings),
    indexAllAttributes: o.indexAllAttributes === true,
    sqlQueries: o.sqlQueries !== false,
    dropAttributes: stringList('dropAttributes', o.dropAttributes, warnings),
    daemon,
    maxDatagramBytes: positiveNumber(
      'maxDatagramBytes',
      o.maxDatagramBytes,
      MAX_DATAGRAM_BYTES,
      MIN_DATAGRAM_BYTES,
      MAX_DATAGRAM_BYTES,
      warnings,
    ),
    maxQueueBytes: positiveNumber(
      'maxQueueBytes',
      o.maxQueueBytes,
      4 * 1024 * 1024,
      65_536,
      2 ** 31,
      warnings,
    ),
    burstBytes: positiveNumber('burstBytes', o.burstBytes, 32 * 1024, 1, 2 ** 31, warnings),
    ...sendRates(o, warnings),
    flushTimeoutMillis: positiveNumber(
      'flushTimeoutMillis',
      o.flushTimeoutMillis,
      lambda ? 1_000 : 5_000,
      1,
      2 ** 31 - 1,
      warnings,
    ),
    warnings,
  };
}

/** The base send rate, and the highest (2.5 × the base by default, never under it). */
function sendRates(
  o: AWSXRaySpanExporterOptions,
  warnings: string[],
): { bytesPerSecond: number; maxBytesPerSecond: number } {
  const bytesPerSecond = positiveNumber(
    'bytesPerSecond',
    o.bytesPerSecond,
    12 * 1024 * 1024,
    1024,
    2 ** 40,
    warnings,
  );
  const max = positiveNumber(
    'maxBytesPerSecond',
    o.maxBytesPerSecond,
    2.5 * bytesPerSecond,
    1024,
    2 ** 40,
    warnings,
  );
  return { bytesPerSecond, maxBytesPerSecond: Math.max(bytesPerSecond, max) };
}

function stringList(name: string, value: unknown, warnings: string[]): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    warnings.push(`option ${name} is not an array of strings; ignored`);
    return undefined;
  }
  return value.filter((k): k is string => typeof k === 'string');
}
