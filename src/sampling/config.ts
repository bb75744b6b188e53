/**
 * The sampler's configuration: options, else environment, else defaults.
 * Pure: the environment is passed in (the sampler reads `process.env` once, at
 * construction). Blank environment values count as unset. Never throws:
 * invalid values are reported in `problems` and the next source applies.
 *
 * Endpoint: the `endpoint` option > `OTEL_TRACES_SAMPLER_ARG` `endpoint=…`
 * (ADOT syntax: `endpoint=http://host:2000,polling_interval=300`, pairs split
 * on `,`, then on the first `=`) > the `tcp:` part of `AWS_XRAY_DAEMON_ADDRESS`
 * > `http://127.0.0.1:2000` (the daemon's TCP proxy; `127.0.0.1`, not
 * `localhost`, which may resolve to `::1` first while the daemon binds IPv4).
 */
import { formatEndpoint, parseDaemonAddress } from '../transport/daemon-address.js';

/** @internal */
export const DEFAULT_ENDPOINT = 'http://127.0.0.1:2000';
/** @internal */
export const DEFAULT_POLLING_INTERVAL_S = 300;
/** Rules polls faster than this are raised to it (the API is throttled per account). @internal */
export const MIN_POLLING_INTERVAL_S = 10;

/** @internal */
export interface SamplerEnv {
  OTEL_TRACES_SAMPLER_ARG?: string;
  AWS_XRAY_DAEMON_ADDRESS?: string;
  OTEL_SERVICE_NAME?: string;
  OTEL_RESOURCE_ATTRIBUTES?: string;
  [key: string]: string | undefined;
}

/** @internal */
export interface ResolvedSamplerConfig {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:2000`. */
  endpoint: string;
  /** Where the endpoint came from, for messages. */
  endpointSource: 'option' | 'OTEL_TRACES_SAMPLER_ARG' | 'AWS_XRAY_DAEMON_ADDRESS' | 'default';
  pollingIntervalMs: number;
  problems: string[];
}

const blank = (v: string | undefined): v is undefined => v === undefined || v.trim() === '';

/** Parses `endpoint=…,polling_interval=…` (unknown keys ignored). @internal */
export function parseSamplerArg(arg: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of arg.split(',')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    const key = pair.slice(0, eq).trim();
    if (key !== '') out[key] = pair.slice(eq + 1).trim();
  }
  return out;
}

/** A base URL for the sampling API, or a reason it is not one. @internal */
export function normaliseEndpoint(value: string): string | { problem: string } {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return { problem: `"${value}" is not a URL` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { problem: `"${value}": only http: and https: endpoints are supported` };
  }
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${path}`;
}

/**
 * Resolves the endpoint and rules polling interval. `pollingInterval` is in
 * seconds (the contrib sampler's unit).
 * @internal
 */
export function resolveSamplerConfig(
  options: { endpoint?: unknown; pollingInterval?: unknown },
  env: SamplerEnv,
): ResolvedSamplerConfig {
  const problems: string[] = [];
  const arg = blank(env.OTEL_TRACES_SAMPLER_ARG)
    ? {}
    : parseSamplerArg(env.OTEL_TRACES_SAMPLER_ARG);

  let endpoint: string | undefined;
  let endpointSource: ResolvedSamplerConfig['endpointSource'] = 'default';
  const tryEndpoint = (value: unknown, source: typeof endpointSource): void => {
    if (endpoint !== undefined || value === undefined || value === null) return;
    if (typeof value !== 'string' || value.trim() === '') {
      if (typeof value !== 'string') problems.push(`endpoint must be a string (${source})`);
      return;
    }
    const url = normaliseEndpoint(value);
    if (typeof url === 'string') {
      endpoint = url;
      endpointSource = source;
    } else problems.push(`${source}: ${url.problem}; ignored`);
  };
  tryEndpoint(options.endpoint, 'option');
  tryEndpoint(arg.endpoint, 'OTEL_TRACES_SAMPLER_ARG');
  if (endpoint === undefined && !blank(env.AWS_XRAY_DAEMON_ADDRESS)) {
    const parsed = parseDaemonAddress(env.AWS_XRAY_DAEMON_ADDRESS);
    if (parsed.ok) {
      endpoint = `http://${formatEndpoint(parsed.address.tcp)}`;
      endpointSource = 'AWS_XRAY_DAEMON_ADDRESS';
    } else {
      problems.push(`AWS_XRAY_DAEMON_ADDRESS: ${parsed.reason}; using ${DEFAULT_ENDPOINT}`);
    }
  }

  let seconds: number | undefined;
  const tryInterval = (value: unknown, source: string): void => {
    if (seconds !== undefined || value === undefined || value === null) return;
    if (typeof value === 'string' && value.trim() === '') return;
    const n = typeof value === 'string' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) {
      problems.push(
        `${source}: polling interval ${JSON.stringify(value)} is not a positive number of seconds; ignored`,
      );
      return;
    }
    if (n < MIN_POLLING_INTERVAL_S) {
      problems.push(`${source}: polling interval ${n} s raised to ${MIN_POLLING_INTERVAL_S} s`);
    }
    seconds = Math.max(n, MIN_POLLING_INTERVAL_S);
  };
  tryInterval(options.pollingInterval, 'pollingInterval');
  tryInterval(arg.polling_interval, 'OTEL_TRACES_SAMPLER_ARG');

  return {
    endpoint: endpoint ?? DEFAULT_ENDPOINT,
    endpointSource,
    pollingIntervalMs: (seconds ?? DEFAULT_POLLING_INTERVAL_S) * 1000,
    problems,
  };
}

/**
 * `service.name` and `cloud.platform` from `OTEL_SERVICE_NAME` /
 * `OTEL_RESOURCE_ATTRIBUTES`, for a sampler built without a resource.
 * @internal
 */
export function resourceAttributesFromEnv(env: SamplerEnv): Record<string, string> {
  const out: Record<string, string> = {};
  if (!blank(env.OTEL_RESOURCE_ATTRIBUTES)) {
    for (const pair of env.OTEL_RESOURCE_ATTRIBUTES.split(',')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      try {
        out[decodeURIComponent(pair.slice(0, eq).trim())] = decodeURIComponent(
          pair.slice(eq + 1).trim(),
        );
      } catch {
        // a malformed escape: skip the pair, as the SDK does
      }
    }
  }
  if (!blank(env.OTEL_SERVICE_NAME)) out['service.name'] = env.OTEL_SERVICE_NAME.trim();
  return out;
}
