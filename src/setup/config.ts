/**
 * `setupXRay()` configuration: options > environment > defaults, resolved by
 * a pure function of the options and the environment. Blank environment
 * values count as unset. Problems become warnings (reported once by the
 * caller), never exceptions.
 */
import type { Attributes, AttributeValue, TextMapPropagator } from '@opentelemetry/api';
import type { AWSXRaySpanExporterOptions } from '../export/options.js';
import type { Env } from '../export/options.js';
import { parseDaemonAddress } from '../transport/daemon-address.js';

/** Sampler names of `OTEL_TRACES_SAMPLER` that `setupXRay` understands. */
export type SamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio'
  | 'xray'
  | 'parentbased_xray';

/**
 * Options of the X-Ray sampler that `setupXRay` builds (`sampler: 'xray'`, the
 * default outside Lambda). See docs/sampling.md.
 */
export interface XRaySamplingOptions {
  /**
   * The daemon's TCP proxy (or any X-Ray sampling API endpoint), e.g.
   * `http://127.0.0.1:2000`. Default `OTEL_TRACES_SAMPLER_ARG`'s `endpoint=`,
   * else the `tcp:` part of `AWS_XRAY_DAEMON_ADDRESS`, else `http://127.0.0.1:2000`.
   */
  endpoint?: string;
  /** Seconds between two fetches of the rules. Default 300. */
  pollingInterval?: number;
  /**
   * Local rules in the X-Ray SDK's JSON format (version 1 or 2): a file path or
   * the parsed object. They apply until X-Ray's rules arrive and when those
   * are over an hour old; with `centralized: false`, they are the only rules.
   */
  localRules?: string | object;
  /** False: never ask X-Ray for rules; only the local rules (or X-Ray's default) apply. */
  centralized?: boolean;
}

/** The shape of an SDK `Sampler` (2.x and 3.x), so that neither SDK is a dependency. */
export interface SamplerLike {
  shouldSample(...args: never[]): unknown;
  toString(): string;
}

/** An OpenTelemetry instrumentation instance (`@opentelemetry/instrumentation`'s shape). */
export interface InstrumentationLike {
  instrumentationName: string;
  enable(): void;
  disable(): void;
  setTracerProvider(provider: unknown): void;
}

/**
 * Per instrumentation: `false` leaves it off, `true` (or absent) uses
 * otel-xray's defaults, an object is that instrumentation's config, merged
 * over the defaults.
 */
export type InstrumentationSetting = boolean | Record<string, unknown>;

/** The AWS resource detectors of `@opentelemetry/resource-detector-aws`. */
export type ResourceDetectorName = 'lambda' | 'ecs' | 'eks' | 'beanstalk' | 'ec2';

export interface BatchOptions {
  maxExportBatchSize?: number;
  maxQueueSize?: number;
  scheduledDelayMillis?: number;
  exportTimeoutMillis?: number;
}

export interface SetupOptions {
  /** `service.name`: the segment name. Default `OTEL_SERVICE_NAME`, then the Lambda function's name. */
  serviceName?: string;
  /** Resource attributes, over `OTEL_RESOURCE_ATTRIBUTES` and the detected ones. */
  resourceAttributes?: Attributes;
  /** The daemon's address (see the exporter). Default `AWS_XRAY_DAEMON_ADDRESS`, else `127.0.0.1:2000`. */
  daemonAddress?: string;
  /** Other exporter options (`indexedAttributes`, `flushTimeoutMillis`, …). */
  exporter?: AWSXRaySpanExporterOptions;
  /**
   * A sampler, or an `OTEL_TRACES_SAMPLER` name. Default `OTEL_TRACES_SAMPLER`,
   * else `parentbased_always_on`. The `parentbased_*` samplers also let the
   * root sampler decide when an X-Ray header deferred the decision
   * (`Sampled=?` or no `Sampled`, as ALB sends).
   */
  sampler?: SamplerName | SamplerLike;
  /** Options of the X-Ray sampler (`sampler: 'xray'`, the default outside Lambda). */
  sampling?: XRaySamplingOptions;
  /** Ratio for the `*traceidratio` samplers, 0..1. Default `OTEL_TRACES_SAMPLER_ARG`, else 1. */
  samplerRatio?: number;
  /**
   * `trace` (the default outside AWS Lambda) exports each trace once its
   * local root span ends, whole, a few traces at a time
   * (`AWSXRayTraceSpanProcessor`); `simple` sends every span as it ends (the
   * default in Lambda: spans leave before the invocation returns and survive a
   * timeout); `batch` is the SDK's `BatchSpanProcessor`.
   */
  spanProcessor?: 'trace' | 'batch' | 'simple';
  /**
   * `BatchSpanProcessor` options (the SDK's `OTEL_BSP_*` defaults apply
   * otherwise). With `spanProcessor: 'trace'`, `maxQueueSize` bounds the spans
   * waiting for their trace to end.
   */
  batch?: BatchOptions;
  /**
   * The instrumentations to enable when installed: `http`
   * (`@opentelemetry/instrumentation-http`), `awsSdk`
   * (`@opentelemetry/instrumentation-aws-sdk`) and `lambda`
   * (`@opentelemetry/instrumentation-aws-lambda`, only in Lambda). `false`
   * enables none. Default: all that apply, minus `OTEL_NODE_DISABLED_INSTRUMENTATIONS`.
   */
  instrumentations?:
    | boolean
    | {
        http?: InstrumentationSetting;
        awsSdk?: InstrumentationSetting;
        lambda?: InstrumentationSetting;
      };
  /** More instrumentation instances to register with the same provider. */
  extraInstrumentations?: InstrumentationLike[];
  /**
   * AWS resource detectors (`@opentelemetry/resource-detector-aws`, when
   * installed). Default: each one whose environment is present (no network
   * call is ever made off AWS). `false`: none.
   */
  resourceDetectors?: boolean | ResourceDetectorName[];
  /** Replaces the default propagator (W3C trace context, then X-Ray). */
  propagator?: TextMapPropagator;
  /** Flush on `beforeExit`, SIGTERM and SIGINT. Default true. */
  shutdownHooks?: boolean;
  /** Upper bound for the flush on a signal or at exit, in ms. Default 5,000. */
  shutdownTimeoutMillis?: number;
  /**
   * Register `@opentelemetry/instrumentation/hook.mjs` with `module.register`
   * so that ES modules loaded afterwards can be instrumented. Default: true
   * when this is otel-xray's ES module build (`import`, `--import`), false
   * for the CommonJS build (`require`, `--require`).
   */
  esmHook?: boolean;
  /**
   * Which SDK package to use. `auto` (default): `@opentelemetry/sdk-trace`
   * 3.x when installed, else `@opentelemetry/sdk-trace-base` 2.x, else
   * `@opentelemetry/sdk-trace`.
   */
  sdk?: 'auto' | '@opentelemetry/sdk-trace' | '@opentelemetry/sdk-trace-base';
}

/** @internal */
export type SamplerConfig =
  | { kind: 'custom'; sampler: SamplerLike }
  | {
      kind: 'named';
      name: SamplerName;
      root: 'always_on' | 'always_off' | 'traceidratio' | 'xray';
      parentBased: boolean;
      ratio: number;
      /** For `xray`: the sampler's options. In Lambda, `centralized` is false: no pollers, no sockets. */
      xray?: XRaySamplingOptions;
    };

/** @internal */
export interface SetupConfig {
  /** Why setup does nothing (`OTEL_SDK_DISABLED=true`), or undefined. */
  disabled: string | undefined;
  lambda: boolean;
  /** Resource attributes from the environment and the options (not the detected ones). */
  resourceAttributes: Attributes;
  spanProcessor: 'trace' | 'batch' | 'simple';
  sampler: SamplerConfig;
  instrumentations: {
    http: Record<string, unknown> | false;
    awsSdk: Record<string, unknown> | false;
    lambda: Record<string, unknown> | false;
  };
  resourceDetectors: 'auto' | ResourceDetectorName[];
  shutdownHooks: boolean;
  shutdownTimeoutMillis: number;
  /** `OTEL_LOG_LEVEL`, lower-cased, when set. */
  logLevel: string | undefined;
  /** The exporter's options: `options.exporter` with `options.daemonAddress` over it. */
  exporter: AWSXRaySpanExporterOptions;
  /** The valid `BatchSpanProcessor` options (the SDK's defaults apply to the rest). */
  batch: BatchOptions;
  /** The app's propagator, or undefined for the default. */
  propagator: TextMapPropagator | undefined;
  /** The valid `extraInstrumentations`. */
  extraInstrumentations: InstrumentationLike[];
  /** `options.esmHook`; undefined: decided by the build (true for the ES module build). */
  esmHook: boolean | undefined;
  sdk: 'auto' | '@opentelemetry/sdk-trace' | '@opentelemetry/sdk-trace-base';
  warnings: string[];
}

const SAMPLERS: readonly SamplerName[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
  'xray',
  'parentbased_xray',
];

const DETECTORS: readonly ResourceDetectorName[] = ['lambda', 'ecs', 'eks', 'beanstalk', 'ec2'];

/** Instrumentation names as `OTEL_NODE_DISABLED_INSTRUMENTATIONS` writes them. */
const ENV_NAMES = { http: 'http', awsSdk: 'aws-sdk', lambda: 'aws-lambda' } as const;

function nonBlank(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/**
 * Parses `OTEL_RESOURCE_ATTRIBUTES`: `key=value` pairs separated by commas,
 * keys and values trimmed, values percent-decoded. Bad pairs are skipped with
 * a warning; the others are kept.
 * @internal
 */
export function parseResourceAttributes(
  text: string | undefined,
  warnings: string[] = [],
): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (text === undefined) return out;
  for (const raw of text.split(',')) {
    if (raw.trim() === '') continue;
    const eq = raw.indexOf('=');
    const key = eq < 0 ? '' : raw.slice(0, eq).trim();
    if (key === '') {
      warnings.push(
        `OTEL_RESOURCE_ATTRIBUTES: "${raw.trim().slice(0, 100)}" is not key=value; ignored`,
      );
      continue;
    }
    let value = raw.slice(eq + 1).trim();
    try {
      value = decodeURIComponent(value);
    } catch {
      warnings.push(
        `OTEL_RESOURCE_ATTRIBUTES: the value of ${key} is not percent-encoded; ignored`,
      );
      continue;
    }
    out[key] = value;
  }
  return out;
}

function resolveInstrumentation(
  name: keyof typeof ENV_NAMES,
  setting: InstrumentationSetting | undefined,
  applies: boolean,
  disabledByEnv: Set<string>,
  enabledByEnv: Set<string> | undefined,
  defaults: Record<string, unknown>,
): Record<string, unknown> | false {
  if (setting === false) return false;
  if (setting === undefined) {
    const envName = ENV_NAMES[name];
    if (!applies || disabledByEnv.has(envName)) return false;
    if (enabledByEnv !== undefined && !enabledByEnv.has(envName)) return false;
    return { ...defaults };
  }
  if (setting === true) return { ...defaults };
  return { ...defaults, ...setting };
}

function envList(v: string | undefined): Set<string> | undefined {
  const text = nonBlank(v);
  if (text === undefined) return undefined;
  return new Set(
    text
      .split(',')
      .map((s) =>
        s
          .trim()
          .toLowerCase()
          .replace(/^@opentelemetry\/instrumentation-/, ''),
      )
      .filter((s) => s !== ''),
  );
}

function resolveSampler(
  options: SetupOptions,
  env: Env,
  lambda: boolean,
  warnings: string[],
): SamplerConfig {
  const s = options.sampler;
  // Outside Lambda, X-Ray's sampling rules decide by default, as with the X-Ray SDK. In
  // Lambda, the function's trace header decides (parent-based always-on below it).
  const fallback: SamplerName = lambda ? 'parentbased_always_on' : 'parentbased_xray';
  if (s !== undefined && typeof s === 'object' && s !== null) {
    if (typeof s.shouldSample === 'function') return { kind: 'custom', sampler: s };
    warnings.push(`option sampler is not a sampler; using ${fallback}`);
  }
  let name: SamplerName = fallback;
  const fromOption = typeof s === 'string' ? s : undefined;
  const fromEnv = nonBlank(env.OTEL_TRACES_SAMPLER)?.toLowerCase();
  const requested = fromOption ?? fromEnv;
  if (requested !== undefined) {
    if ((SAMPLERS as readonly string[]).includes(requested)) name = requested as SamplerName;
    else {
      const source = fromOption !== undefined ? 'option sampler' : 'OTEL_TRACES_SAMPLER';
      warnings.push(
        `${source}="${requested.slice(0, 60)}" is not supported (${SAMPLERS.join(', ')}); using ${fallback}`,
      );
    }
  }
  let ratio = 1;
  if (name.endsWith('traceidratio')) {
    const argText = nonBlank(env.OTEL_TRACES_SAMPLER_ARG);
    const fromArg = options.samplerRatio ?? (argText === undefined ? undefined : Number(argText));
    if (fromArg !== undefined) {
      if (typeof fromArg === 'number' && Number.isFinite(fromArg) && fromArg >= 0 && fromArg <= 1) {
        ratio = fromArg;
      } else {
        const source =
          options.samplerRatio !== undefined ? 'option samplerRatio' : 'OTEL_TRACES_SAMPLER_ARG';
        warnings.push(
          `${source}=${String(options.samplerRatio ?? argText)} is not in 0..1; using 1`,
        );
      }
    }
  }
  // The X-Ray sampler is parent-based by itself: `xray` and `parentbased_xray` are one.
  const xray = name === 'xray' || name === 'parentbased_xray';
  const parentBased = name.startsWith('parentbased_') && !xray;
  const root = name.replace('parentbased_', '') as 'always_on' | 'always_off' | 'traceidratio';
  if (!xray) return { kind: 'named', name, root, parentBased, ratio };
  const sampling = resolveSamplingOptions(options.sampling, warnings);
  return {
    kind: 'named',
    name,
    root: 'xray',
    parentBased: false,
    ratio,
    xray: lambda ? { ...sampling, centralized: false } : sampling,
  };
}

/** Checks the shape of `options.sampling`; the sampler validates the values themselves. */
function resolveSamplingOptions(
  o: XRaySamplingOptions | undefined,
  warnings: string[],
): XRaySamplingOptions {
  if (o === undefined) return {};
  if (typeof o !== 'object' || o === null) {
    warnings.push('option sampling is not an object; ignored');
    return {};
  }
  const out: XRaySamplingOptions = {};
  if (o.endpoint !== undefined) {
    if (typeof o.endpoint === 'string' && o.endpoint.trim() !== '')
      out.endpoint = o.endpoint.trim();
    else warnings.push('option sampling.endpoint is not a non-blank string; ignored');
  }
  if (o.pollingInterval !== undefined) {
    const p = o.pollingInterval;
    if (typeof p === 'number' && Number.isFinite(p) && p > 0) out.pollingInterval = p;
    else
      warnings.push(
        `option sampling.pollingInterval=${String(p)} is not a positive number; ignored`,
      );
  }
  if (o.localRules !== undefined) {
    if (
      typeof o.localRules === 'string' ||
      (typeof o.localRules === 'object' && o.localRules !== null)
    ) {
      out.localRules = o.localRules;
    } else warnings.push('option sampling.localRules is not a path or an object; ignored');
  }
  if (o.centralized !== undefined) {
    if (typeof o.centralized === 'boolean') out.centralized = o.centralized;
    else warnings.push('option sampling.centralized is not a boolean; ignored');
  }
  return out;
}

function isAttributeValue(v: unknown): v is AttributeValue {
  if (typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  return (
    Array.isArray(v) &&
    v.every((x) => x == null || ['string', 'number', 'boolean'].includes(typeof x))
  );
}

/**
 * Resolves `setupXRay()`'s configuration. Pure: reads only its arguments.
 * @internal
 */
export function resolveSetupConfig(options: SetupOptions | undefined, env: Env): SetupConfig {
  const o = options ?? {};
  const warnings: string[] = [];
  const disabled =
    nonBlank(env.OTEL_SDK_DISABLED)?.toLowerCase() === 'true'
      ? 'OTEL_SDK_DISABLED=true'
      : undefined;
  const lambda = nonBlank(env.AWS_LAMBDA_FUNCTION_NAME) !== undefined;

  // Resource: OTEL_RESOURCE_ATTRIBUTES < OTEL_SERVICE_NAME < options.resourceAttributes
  // < options.serviceName. In Lambda, the function's name stands in for a missing service.name.
  const attributes: Attributes = Object.create(null) as Attributes;
  Object.assign(
    attributes,
    parseResourceAttributes(nonBlank(env.OTEL_RESOURCE_ATTRIBUTES), warnings),
  );
  const envService = nonBlank(env.OTEL_SERVICE_NAME);
  if (envService !== undefined) attributes['service.name'] = envService;
  if (o.resourceAttributes !== undefined) {
    if (typeof o.resourceAttributes === 'object' && o.resourceAttributes !== null) {
      for (const [k, v] of Object.entries(o.resourceAttributes)) {
        if (isAttributeValue(v)) attributes[k] = v;
        else warnings.push(`option resourceAttributes.${k} is not an attribute value; ignored`);
      }
    } else warnings.push('option resourceAttributes is not an object; ignored');
  }
  const optService = typeof o.serviceName === 'string' ? nonBlank(o.serviceName) : undefined;
  if (o.serviceName !== undefined && optService === undefined) {
    warnings.push('option serviceName is not a non-blank string; ignored');
  }
  if (optService !== undefined) attributes['service.name'] = optService;
  if (attributes['service.name'] === undefined && lambda) {
    attributes['service.name'] = nonBlank(env.AWS_LAMBDA_FUNCTION_NAME);
  }

  let spanProcessor: 'trace' | 'batch' | 'simple' = lambda ? 'simple' : 'trace';
  if (o.spanProcessor === 'trace' || o.spanProcessor === 'batch' || o.spanProcessor === 'simple') {
    spanProcessor = o.spanProcessor;
  } else if (o.spanProcessor !== undefined) {
    warnings.push(
      `option spanProcessor="${String(o.spanProcessor)}" is not trace, batch or simple; using ${spanProcessor}`,
    );
  }

  const disabledByEnv = envList(env.OTEL_NODE_DISABLED_INSTRUMENTATIONS) ?? new Set<string>();
  const enabledByEnv = envList(env.OTEL_NODE_ENABLED_INSTRUMENTATIONS);
  const inst = o.instrumentations;
  const per = typeof inst === 'object' && inst !== null ? inst : {};
  const all = inst === false ? false : undefined;
  const runtimeApi = nonBlank(env.AWS_LAMBDA_RUNTIME_API);
  const instrumentations = {
    http: resolveInstrumentation('http', all ?? per.http, true, disabledByEnv, enabledByEnv, {
      // The Lambda runtime's own calls to its API are not the function's work.
      ...(runtimeApi !== undefined
        ? { ignoreOutgoingRequestHook: runtimeApiFilter(runtimeApi) }
        : {}),
    }),
    awsSdk: resolveInstrumentation('awsSdk', all ?? per.awsSdk, true, disabledByEnv, enabledByEnv, {
      // One subsegment per AWS call, as the X-Ray SDK draws it: no HTTP span below it.
      suppressInternalInstrumentation: true,
    }),
    lambda: resolveInstrumentation(
      'lambda',
      all ?? per.lambda,
      lambda,
      disabledByEnv,
      enabledByEnv,
      {},
    ),
  };

  let resourceDetectors: 'auto' | ResourceDetectorName[] = 'auto';
  if (o.resourceDetectors === false) resourceDetectors = [];
  else if (Array.isArray(o.resourceDetectors)) {
    resourceDetectors = o.resourceDetectors.filter((d) => {
      const ok = (DETECTORS as readonly string[]).includes(d);
      if (!ok) warnings.push(`option resourceDetectors: unknown detector "${String(d)}"; ignored`);
      return ok;
    });
  } else if (o.resourceDetectors !== undefined && o.resourceDetectors !== true) {
    warnings.push('option resourceDetectors is not a boolean or a list; using the default');
  }

  let shutdownTimeoutMillis = 5_000;
  if (o.shutdownTimeoutMillis !== undefined) {
    const t = o.shutdownTimeoutMillis;
    if (typeof t === 'number' && Number.isFinite(t) && t > 0) shutdownTimeoutMillis = Math.floor(t);
    else
      warnings.push(
        `option shutdownTimeoutMillis=${String(t)} is not a positive number; using 5000`,
      );
  }

  return {
    disabled,
    lambda,
    resourceAttributes: attributes,
    spanProcessor,
    sampler: resolveSampler(o, env, lambda, warnings),
    instrumentations,
    resourceDetectors,
    shutdownHooks: o.shutdownHooks !== false,
    shutdownTimeoutMillis,
    logLevel: nonBlank(env.OTEL_LOG_LEVEL)?.toLowerCase(),
    exporter: resolveExporterOptions(o, warnings),
    batch: resolveBatch(o.batch, warnings),
    propagator: resolvePropagator(o.propagator, warnings),
    extraInstrumentations: resolveExtraInstrumentations(o.extraInstrumentations, warnings),
    esmHook: resolveBoolean('esmHook', o.esmHook, warnings),
    sdk: resolveSdk(o.sdk, warnings),
    warnings,
  };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const hasMethods = (v: unknown, names: readonly string[]): boolean =>
  typeof v === 'object' &&
  v !== null &&
  names.every((n) => typeof (v as Record<string, unknown>)[n] === 'function');

/**
 * `options.exporter` (an object; its values are the exporter's to check) with
 * `options.daemonAddress` (a valid `host:port`) over it. A bad `daemonAddress` is
 * left out, so the exporter uses `AWS_XRAY_DAEMON_ADDRESS`, else `127.0.0.1:2000`.
 */
function resolveExporterOptions(o: SetupOptions, warnings: string[]): AWSXRaySpanExporterOptions {
  let exporter: AWSXRaySpanExporterOptions = {};
  if (isObject(o.exporter)) exporter = { ...o.exporter };
  else if (o.exporter !== undefined) {
    warnings.push('option exporter is not an object; using the default exporter options');
  }
  const address = o.daemonAddress;
  if (address === undefined) return exporter;
  if (typeof address !== 'string') {
    warnings.push(
      `option daemonAddress=${String(address)} is not a string (host:port); using the default`,
    );
    return exporter;
  }
  const parsed = parseDaemonAddress(address);
  if (!parsed.ok) {
    warnings.push(
      `option daemonAddress="${address.slice(0, 100)}" is invalid (${parsed.reason}): set it to ` +
        'host:port (e.g. 127.0.0.1:2000); using AWS_XRAY_DAEMON_ADDRESS, else 127.0.0.1:2000',
    );
    const { daemonAddress: _ignored, ...rest } = exporter;
    return rest;
  }
  return { ...exporter, daemonAddress: address };
}

const BATCH_KEYS = [
  'maxExportBatchSize',
  'maxQueueSize',
  'scheduledDelayMillis',
  'exportTimeoutMillis',
] as const;

/** `options.batch`: each known key a positive number; the rest is left to the SDK's defaults. */
function resolveBatch(batch: unknown, warnings: string[]): BatchOptions {
  const out: BatchOptions = {};
  if (batch === undefined) return out;
  if (!isObject(batch)) {
    warnings.push("option batch is not an object; using the SDK's defaults");
    return out;
  }
  for (const key of Object.keys(batch)) {
    const value = batch[key];
    if (!(BATCH_KEYS as readonly string[]).includes(key)) {
      warnings.push(`option batch.${key} is unknown (${BATCH_KEYS.join(', ')}); ignored`);
    } else if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
      out[key as (typeof BATCH_KEYS)[number]] = Math.floor(value);
    } else if (value !== undefined) {
      warnings.push(
        `option batch.${key}=${String(value)} is not a positive number; using the SDK's default`,
      );
    }
  }
  return out;
}

/** `options.propagator`: an object with `inject`, `extract` and `fields`. */
function resolvePropagator(p: unknown, warnings: string[]): TextMapPropagator | undefined {
  if (p === undefined) return undefined;
  if (hasMethods(p, ['inject', 'extract', 'fields'])) return p as TextMapPropagator;
  warnings.push(
    'option propagator is not a TextMapPropagator (inject, extract, fields); using the default',
  );
  return undefined;
}

/** `options.extraInstrumentations`: a list of instrumentations; others are skipped. */
function resolveExtraInstrumentations(list: unknown, warnings: string[]): InstrumentationLike[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) {
    warnings.push('option extraInstrumentations is not a list; ignored');
    return [];
  }
  return list.filter((i: unknown, index) => {
    const ok = hasMethods(i, ['enable', 'disable', 'setTracerProvider']);
    if (!ok) {
      warnings.push(
        `option extraInstrumentations[${index}] is not an instrumentation ` +
          '(enable, disable, setTracerProvider); ignored',
      );
    }
    return ok;
  }) as InstrumentationLike[];
}

function resolveBoolean(name: string, value: unknown, warnings: string[]): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  warnings.push(`option ${name}=${String(value)} is not true or false; using the default`);
  return undefined;
}

const SDKS = ['auto', '@opentelemetry/sdk-trace', '@opentelemetry/sdk-trace-base'] as const;

function resolveSdk(sdk: unknown, warnings: string[]): SetupConfig['sdk'] {
  if (sdk === undefined) return 'auto';
  if ((SDKS as readonly unknown[]).includes(sdk)) return sdk as SetupConfig['sdk'];
  warnings.push(`option sdk="${String(sdk).slice(0, 60)}" is not ${SDKS.join(', ')}; using auto`);
  return 'auto';
}

/** An `ignoreOutgoingRequestHook` that skips requests to the Lambda runtime API (`host:port`). */
function runtimeApiFilter(runtimeApi: string): (req: unknown) => boolean {
  return (req: unknown): boolean => {
    if (typeof req !== 'object' || req === null) return false;
    const r = req as { hostname?: unknown; host?: unknown; port?: unknown };
    const host =
      typeof r.hostname === 'string' ? r.hostname : typeof r.host === 'string' ? r.host : '';
    const port = r.port === undefined || r.port === null ? '' : String(r.port);
    return host !== '' && (`${host}:${port}` === runtimeApi || host === runtimeApi);
  };
}
