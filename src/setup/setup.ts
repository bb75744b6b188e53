/**
 * `setupXRay()`: one call that wires OpenTelemetry to X-Ray — a tracer
 * provider with `AWSXRayIdGenerator`, the sampler, the exporter behind the
 * right span processor, the AWS resource detectors, a context manager, the
 * propagators and the HTTP / AWS SDK / Lambda instrumentations — from
 * whatever of the OpenTelemetry SDK is installed (optional peers, loaded
 * lazily by ./peers.ts). `otel-xray/register` calls it at startup.
 *
 * Rules: options > environment > defaults (./config.ts); never
 * throws into the app; problems go to `diag` once; a second call returns the
 * first setup (one per process, whichever build of otel-xray made it).
 */
import { existsSync, readFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { pathToFileURL } from 'node:url';
import {
  context,
  defaultTextMapGetter,
  diag,
  DiagConsoleLogger,
  DiagLogLevel,
  propagation,
  trace,
} from '@opentelemetry/api';
import type {
  Attributes,
  Context,
  SpanContext,
  TextMapPropagator,
  TracerProvider,
} from '@opentelemetry/api';
// First of otel-xray's own modules: it notes the built-in modules loaded before otel-xray.
import { installWarnLogger, lateSetupMessage, loadedTooEarly, missingPeer } from './checks.js';
import { logger, Reporter } from '../shared/diag.js';
import { AWSXRaySpanExporter } from '../export/exporter.js';
import { AWSXRayLambdaSpanProcessor } from '../export/processor.js';
import { AWSXRayTraceSpanProcessor } from '../export/trace-processor.js';
import { AWSXRayIdGenerator } from '../propagation/id-generator.js';
import { AWSXRayRemoteSampler } from '../sampling/remote-sampler.js';
import { lambdaRequestHook } from '../export/lambda-deadline.js';
import { AWSXRayLambdaPropagator } from '../propagation/lambda-propagator.js';
import { AWSXRayPropagator } from '../propagation/propagator.js';
import { isInLambdaInvocationTrace, isSamplingDeferred } from '../protocol/trace-header.js';
import type {
  InstrumentationLike,
  ResourceDetectorName,
  SamplerLike,
  SetupConfig,
  SetupOptions,
} from './config.js';
import { resolveSetupConfig } from './config.js';
import { loadErrors, loadPeer, majorVersion, packageVersion, resolvePeer } from './peers.js';
import { installShutdownHooks } from './shutdown.js';
import { base } from '../shared/base-url.js';

export type {
  BatchOptions,
  InstrumentationLike,
  InstrumentationSetting,
  ResourceDetectorName,
  SamplerLike,
  SamplerName,
  SetupOptions,
  XRaySamplingOptions,
} from './config.js';

/** A tracer provider that can be flushed and shut down (SDK 2.x and 3.x). */
export type FlushableTracerProvider = TracerProvider & {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
};

/** What `setupXRay()` set up. */
export interface XRaySetup {
  /** False when nothing was set up; `reason` says why. */
  readonly enabled: boolean;
  readonly reason: string | undefined;
  /** The registered provider (the API's global one when `enabled` is false). */
  readonly tracerProvider: FlushableTracerProvider | TracerProvider;
  readonly exporter: AWSXRaySpanExporter | undefined;
  /** The SDK package used, with its version, e.g. `@opentelemetry/sdk-trace-base@2.12.1`. */
  readonly sdk: string | undefined;
  /** True in AWS Lambda (`AWS_LAMBDA_FUNCTION_NAME` is set). */
  readonly lambda: boolean;
  readonly spanProcessor: 'trace' | 'batch' | 'simple' | undefined;
  /** Names of the instrumentations enabled, e.g. `@opentelemetry/instrumentation-http`. */
  readonly instrumentations: readonly string[];
  /** The AWS resource detectors that ran. */
  readonly resourceDetectors: readonly ResourceDetectorName[];
  /** True when the ES module loader hook was registered by this setup. */
  readonly esmHook: boolean;
  /** Sends every span ended so far. Never rejects. */
  forceFlush(): Promise<void>;
  /**
   * Flushes, shuts the provider down, disables the instrumentations and
   * unregisters what this setup registered; `setupXRay()` may then be called
   * again. Never rejects.
   */
  shutdown(): Promise<void>;
}

interface GlobalState {
  setup: XRaySetup;
  warned: boolean;
  esmHook?: boolean;
}

const GLOBAL_KEY = Symbol.for('otel-xray.setup');
const ESM_HOOK_KEY = Symbol.for('otel-xray.esmHook');

type Globals = typeof globalThis & { [GLOBAL_KEY]?: GlobalState; [ESM_HOOK_KEY]?: boolean };
const globals = globalThis as Globals;

// --- structural types of what is used from the SDK packages ---------------------------------

type Ctor<T> = new (...args: never[]) => T;
interface SpanProcessorLike {
  onStart(span: unknown, context: Context): void;
  onEnd(span: unknown): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}
interface SdkModule {
  BasicTracerProvider?: Ctor<FlushableTracerProvider>;
  TracerProvider?: Ctor<FlushableTracerProvider>;
  BatchSpanProcessor: Ctor<SpanProcessorLike>;
  SimpleSpanProcessor: Ctor<SpanProcessorLike>;
  AlwaysOnSampler: Ctor<SamplerLike>;
  AlwaysOffSampler: Ctor<SamplerLike>;
  ParentBasedSampler: Ctor<SamplerLike>;
  TraceIdRatioBasedSampler: Ctor<SamplerLike>;
}
interface ResourceLike {
  merge(other: ResourceLike | null): ResourceLike;
}
interface ResourcesModule {
  resourceFromAttributes(attributes: Attributes): ResourceLike;
  defaultResource?: () => ResourceLike;
  detectResources?: (config: { detectors: unknown[] }) => ResourceLike;
}

interface LoadedSdk {
  pkg: string;
  version: string | undefined;
  /** `base`: 2.x `sdk-trace-base` (processors take the exporter); `trace`: `sdk-trace` (an options object). */
  flavour: 'base' | 'trace';
  module: SdkModule;
}

const SDK_TRACE = '@opentelemetry/sdk-trace';
const SDK_TRACE_BASE = '@opentelemetry/sdk-trace-base';

/** Picks the SDK package (see `SetupOptions.sdk`). */
function loadSdk(choice: SetupOptions['sdk']): LoadedSdk | undefined {
  const load = (pkg: string): LoadedSdk | undefined => {
    const peer = loadPeer<SdkModule>(pkg);
    if (peer === undefined) return undefined;
    const m = peer.module;
    if (pkg === SDK_TRACE_BASE && typeof m.BasicTracerProvider === 'function') {
      return { pkg, version: peer.version, flavour: 'base', module: m };
    }
    if (pkg === SDK_TRACE && typeof m.TracerProvider === 'function') {
      return { pkg, version: peer.version, flavour: 'trace', module: m };
    }
    return undefined;
  };
  if (choice === SDK_TRACE || choice === SDK_TRACE_BASE) return load(choice);
  // auto: a 3.x `sdk-trace` wins (2.x `sdk-trace-base` has no 3.x release); its version is
  // read without loading it.
  const tracePath = resolvePeer(SDK_TRACE);
  const traceMajor =
    tracePath === undefined ? undefined : majorVersion(packageVersion(SDK_TRACE, tracePath));
  if (traceMajor !== undefined && traceMajor >= 3) {
    const sdk = load(SDK_TRACE);
    if (sdk !== undefined) return sdk;
  }
  return load(SDK_TRACE_BASE) ?? load(SDK_TRACE);
}

// --- pieces ----------------------------------------------------------------------------------

/** A `remoteParentNotSampled` sampler: asks the root sampler when the X-Ray header deferred. */
class DeferredDecisionSampler implements SamplerLike {
  constructor(private readonly root: SamplerLike) {}
  shouldSample(...args: never[]): unknown {
    const ctx = args[0] as unknown as Context;
    const parent: SpanContext | undefined = trace.getSpanContext(ctx);
    if (parent !== undefined && isSamplingDeferred(parent)) {
      return (this.root.shouldSample as (...a: never[]) => unknown)(...args);
    }
    return { decision: 0 }; // SamplingDecision.NOT_RECORD
  }
  toString(): string {
    return `DeferredDecisionSampler{${this.root.toString()}}`;
  }
}

function buildSampler(
  sdk: SdkModule,
  config: SetupConfig['sampler'],
  resource: ResourceLike | undefined,
  ownAttributes: Attributes,
): SamplerLike {
  if (config.kind === 'custom') return config.sampler;
  if (config.root === 'xray') {
    return new AWSXRayRemoteSampler({
      ...config.xray,
      resource: samplingResource(resource, ownAttributes),
    });
  }
  const make = <T>(C: Ctor<T>, ...args: unknown[]): T =>
    new (C as unknown as new (...a: unknown[]) => T)(...args);
  const root =
    config.root === 'always_on'
      ? make(sdk.AlwaysOnSampler)
      : config.root === 'always_off'
        ? make(sdk.AlwaysOffSampler)
        : make(sdk.TraceIdRatioBasedSampler, config.ratio);
  if (!config.parentBased) return root;
  return make(sdk.ParentBasedSampler, {
    root,
    remoteParentNotSampled: new DeferredDecisionSampler(root),
  });
}

/**
 * The resource as the X-Ray sampler reads it (service name, platform, ARNs for
 * rule matching): the provider's resource once its detectors have settled,
 * the configured attributes until then (reading a resource's attributes early
 * makes the SDK complain).
 */
function samplingResource(
  resource: ResourceLike | undefined,
  ownAttributes: Attributes,
): { attributes: Attributes } {
  const r = resource as { attributes?: Attributes; asyncAttributesPending?: boolean } | undefined;
  return {
    get attributes(): Attributes {
      if (r === undefined || r.asyncAttributesPending === true) return ownAttributes;
      return r.attributes ?? ownAttributes;
    },
  };
}

const readText = (path: string): string => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
};

/**
 * The AWS environments present, found without any network call: environment
 * variables and a few local files.
 * @internal
 */
export function presentAwsEnvironments(
  env: NodeJS.ProcessEnv,
  lambda: boolean,
  exists: (path: string) => boolean = existsSync,
  read: (path: string) => string = readText,
): ResourceDetectorName[] {
  const out: ResourceDetectorName[] = [];
  if (lambda) return ['lambda'];
  const ecs = Boolean(env.ECS_CONTAINER_METADATA_URI_V4 || env.ECS_CONTAINER_METADATA_URI);
  if (ecs) out.push('ecs');
  if (
    env.KUBERNETES_SERVICE_HOST &&
    exists('/var/run/secrets/kubernetes.io/serviceaccount/token')
  ) {
    out.push('eks');
  }
  if (
    exists('/var/elasticbeanstalk/xray/environment.conf') ||
    (process.platform === 'win32' && exists('C:\\Program Files\\Amazon\\XRay\\environment.conf'))
  ) {
    out.push('beanstalk');
  }
  const fargate = env.AWS_EXECUTION_ENV === 'AWS_ECS_FARGATE';
  if (
    !fargate &&
    process.platform === 'linux' &&
    (read('/sys/devices/virtual/dmi/id/board_asset_tag').startsWith('i-') ||
      read('/sys/devices/virtual/dmi/id/sys_vendor').includes('Amazon EC2') ||
      read('/sys/hypervisor/uuid').startsWith('ec2'))
  ) {
    out.push('ec2');
  }
  return out;
}

const DETECTOR_EXPORTS: Record<ResourceDetectorName, string> = {
  lambda: 'awsLambdaDetector',
  ecs: 'awsEcsDetector',
  eks: 'awsEksDetector',
  beanstalk: 'awsBeanstalkDetector',
  ec2: 'awsEc2Detector',
};

function buildResource(
  config: SetupConfig,
  warn: (kind: string, message: string) => void,
): { resource: ResourceLike | undefined; detectors: ResourceDetectorName[] } {
  const res = loadPeer<ResourcesModule>('@opentelemetry/resources')?.module;
  if (res === undefined || typeof res.resourceFromAttributes !== 'function') {
    const pkg = '@opentelemetry/resources';
    warn('resources', missingPeer(pkg, 'resource attributes are not set', loadErrors.get(pkg)));
    return { resource: undefined, detectors: [] };
  }
  let resource = typeof res.defaultResource === 'function' ? res.defaultResource() : undefined;
  const wanted =
    config.resourceDetectors === 'auto'
      ? presentAwsEnvironments(process.env, config.lambda)
      : config.resourceDetectors;
  const ran: ResourceDetectorName[] = [];
  if (wanted.length > 0 && typeof res.detectResources === 'function') {
    const aws = loadPeer<Record<string, unknown>>('@opentelemetry/resource-detector-aws')?.module;
    if (aws !== undefined) {
      const detectors: unknown[] = [];
      for (const name of wanted) {
        const d = aws[DETECTOR_EXPORTS[name]];
        if (d !== undefined && d !== null) {
          detectors.push(d);
          ran.push(name);
        }
      }
      try {
        // SDK 2.x and later: synchronous, with attributes that settle later (the span
        // processors wait for them before exporting), so startup is not delayed.
        const detected = res.detectResources({ detectors });
        if (detected !== undefined && typeof (detected as { then?: unknown }).then !== 'function') {
          resource = resource === undefined ? detected : resource.merge(detected);
        } else {
          ran.length = 0;
        }
      } catch (err) {
        ran.length = 0;
        warn('detectors', `AWS resource detection failed: ${String(err)}`);
      }
    }
  }
  const own = res.resourceFromAttributes(config.resourceAttributes);
  return { resource: resource === undefined ? own : resource.merge(own), detectors: ran };
}

function buildPropagator(lambda: boolean, warn: (k: string, m: string) => void): TextMapPropagator {
  const xray = lambda ? new AWSXRayLambdaPropagator() : new AWSXRayPropagator();
  const core = loadPeer<{
    CompositePropagator?: new (config: { propagators: TextMapPropagator[] }) => TextMapPropagator;
    W3CTraceContextPropagator?: new () => TextMapPropagator;
  }>('@opentelemetry/core')?.module;
  if (core?.CompositePropagator === undefined || core.W3CTraceContextPropagator === undefined) {
    const pkg = '@opentelemetry/core';
    warn('core', missingPeer(pkg, 'only the X-Ray header is propagated', loadErrors.get(pkg)));
    return xray;
  }
  // X-Ray last: on extract, a valid X-Ray header wins over `traceparent` (it is what AWS
  // services, load balancers and Lambda send); both headers are injected.
  return new core.CompositePropagator({
    propagators: [new core.W3CTraceContextPropagator(), xray],
  });
}

interface LoadedInstrumentations {
  names: string[];
  instances: InstrumentationLike[];
}

function buildInstrumentations(
  config: SetupConfig,
  warn: (k: string, m: string) => void,
): LoadedInstrumentations {
  const specs: Array<[string, string, Record<string, unknown> | false]> = [
    ['@opentelemetry/instrumentation-http', 'HttpInstrumentation', config.instrumentations.http],
    [
      '@opentelemetry/instrumentation-aws-sdk',
      'AwsInstrumentation',
      config.instrumentations.awsSdk,
    ],
    [
      '@opentelemetry/instrumentation-aws-lambda',
      'AwsLambdaInstrumentation',
      config.instrumentations.lambda,
    ],
  ];
  const out: LoadedInstrumentations = { names: [], instances: [] };
  for (const [pkg, exportName, cfg] of specs) {
    if (cfg === false) continue;
    const peer = loadPeer<Record<string, unknown>>(pkg);
    if (peer === undefined) {
      // Reported when it applies: HTTP always, Lambda in Lambda, the AWS SDK's
      // when an AWS SDK is installed.
      const why = loadErrors.get(pkg);
      if (
        why !== undefined ||
        pkg !== '@opentelemetry/instrumentation-aws-sdk' ||
        awsSdkInstalled()
      ) {
        warn(
          `load:${pkg}`,
          missingPeer(pkg, `${INSTRUMENTED[pkg] ?? pkg} calls are not traced`, why),
        );
      }
      continue;
    }
    const C = peer.module[exportName];
    if (typeof C !== 'function') continue;
    try {
      const withHooks =
        pkg === '@opentelemetry/instrumentation-aws-lambda' ? lambdaHooks(cfg) : cfg;
      out.instances.push(new (C as new (c: unknown) => InstrumentationLike)(withHooks));
      out.names.push(pkg);
    } catch (err) {
      warn(`new:${pkg}`, `cannot create ${exportName}: ${String(err)}`);
    }
  }
  return out;
}

/**
 * The aws-lambda instrumentation's configuration, with
 * - an `eventContextExtractor` that makes the invocation's own trace header the
 *   handler span's parent whatever the global propagator is (an app may pass
 *   its own `propagator`): the event's headers are extracted first, as the
 *   instrumentation does, then the invocation's header wins when there is one;
 * - a `requestHook` that remembers the invocation's remaining time, which caps
 *   the flush before the handler returns (the app's own hook still runs).
 * An app's own `eventContextExtractor` is kept as it is.
 */
function lambdaHooks(cfg: Record<string, unknown>): Record<string, unknown> {
  const invocation = new AWSXRayLambdaPropagator();
  const own = cfg.requestHook;
  return {
    eventContextExtractor: (event: unknown): Context => {
      const headers = (event as { headers?: unknown } | null | undefined)?.headers;
      const carrier = typeof headers === 'object' && headers !== null ? headers : {};
      const fromEvent = propagation.extract(context.active(), carrier, defaultTextMapGetter);
      return invocation.extract(fromEvent, {}, defaultTextMapGetter);
    },
    ...cfg,
    requestHook: (span: unknown, info: { context?: unknown }): void => {
      lambdaRequestHook(span, info);
      if (typeof own === 'function') (own as (s: unknown, i: unknown) => void)(span, info);
    },
  };
}

/**
 * The sampler in Lambda: the invocation's trace header decides for every span
 * of the invocation (Sampled=1: recorded; anything else: not), as with the
 * X-Ray SDK, whatever sampler is configured. The configured sampler decides only
 * for spans outside any invocation (which the exporter does not send in Lambda).
 */
class LambdaInvocationSampler implements SamplerLike {
  constructor(private readonly other: SamplerLike) {}
  shouldSample(...args: never[]): unknown {
    const parent: SpanContext | undefined = trace.getSpanContext(args[0] as unknown as Context);
    if (parent !== undefined && isInLambdaInvocationTrace(parent)) {
      // SamplingDecision.RECORD_AND_SAMPLED (2) or NOT_RECORD (0); the parent's trace state is kept.
      return { decision: (parent.traceFlags & 1) === 1 ? 2 : 0 };
    }
    return (this.other.shouldSample as (...a: never[]) => unknown)(...args);
  }
  toString(): string {
    return `LambdaInvocationSampler{${this.other.toString()}}`;
  }
}

/** What each instrumentation traces, for the message when it is missing. */
const INSTRUMENTED: Record<string, string> = {
  '@opentelemetry/instrumentation-http': 'HTTP',
  '@opentelemetry/instrumentation-aws-sdk': 'AWS SDK',
  '@opentelemetry/instrumentation-aws-lambda': 'Lambda handler',
};

/** True when an AWS SDK (v3 or v2) can be resolved. */
function awsSdkInstalled(): boolean {
  return resolvePeer('@smithy/smithy-client') !== undefined || resolvePeer('aws-sdk') !== undefined;
}

/** Registers the ES module loader hook of `@opentelemetry/instrumentation`, once per process. */
function registerEsmHook(warn: (k: string, m: string) => void): boolean {
  if (globals[ESM_HOOK_KEY] === true) return false;
  const register = (nodeModule as { register?: (specifier: string, parentURL?: string) => void })
    .register;
  if (typeof register !== 'function') return false;
  const hook = resolvePeer('@opentelemetry/instrumentation/hook.mjs');
  if (hook === undefined) return false;
  try {
    register(pathToFileURL(hook).href);
    globals[ESM_HOOK_KEY] = true;
    return true;
  } catch (err) {
    warn('esmHook', `cannot register the ES module hook: ${String(err)}`);
    return false;
  }
}

function setDiagLogger(level: string | undefined): void {
  if (level === undefined) return;
  const levels: Record<string, DiagLogLevel> = {
    none: DiagLogLevel.NONE,
    error: DiagLogLevel.ERROR,
    warn: DiagLogLevel.WARN,
    info: DiagLogLevel.INFO,
    debug: DiagLogLevel.DEBUG,
    verbose: DiagLogLevel.VERBOSE,
    all: DiagLogLevel.ALL,
  };
  const logLevel = levels[level];
  if (logLevel === undefined) return;
  diag.setLogger(new DiagConsoleLogger(), { logLevel, suppressOverrideMessage: true });
}

function disabledSetup(reason: string, lambda: boolean): XRaySetup {
  return Object.freeze({
    enabled: false,
    reason,
    tracerProvider: trace.getTracerProvider(),
    exporter: undefined,
    sdk: undefined,
    lambda,
    spanProcessor: undefined,
    instrumentations: [],
    resourceDetectors: [],
    esmHook: false,
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  });
}

// --- setupXRay --------------------------------------------------------------------------------

/**
 * Sets up OpenTelemetry tracing to X-Ray for this process and returns what it
 * set up. Call it before the modules to instrument are loaded (or use
 * `--import otel-xray/register` / `--require otel-xray/register`). A second
 * call returns the first setup and warns once. Never throws.
 */
export function setupXRay(options: SetupOptions = {}): XRaySetup {
  const existing = globals[GLOBAL_KEY];
  if (existing !== undefined) {
    if (!existing.warned) {
      existing.warned = true;
      logger.warn(
        'setupXRay() was already called in this process (by otel-xray/register or by code); ' +
          'the first setup is kept and returned, the options of later calls are ignored',
      );
    }
    return existing.setup;
  }
  let setup: XRaySetup;
  try {
    setup = doSetup(options);
  } catch (err) {
    // Never into the app: a broken peer or an unexpected SDK shape disables tracing.
    logger.error(`setup failed, tracing is off: ${String(err)}`);
    setup = disabledSetup(`setup failed: ${String(err)}`, false);
  }
  globals[GLOBAL_KEY] = { setup, warned: false };
  return setup;
}

type Warn = (kind: string, message: string) => void;

/**
 * The steps, in order: resolve and check every option (./config.ts, pure), find the SDK,
 * build the exporter, processor and provider, register the provider, then the context
 * manager, the propagator and the instrumentations, and return the handle.
 */
function doSetup(options: SetupOptions): XRaySetup {
  const config = resolveSetupConfig(options, process.env);
  setDiagLogger(config.logLevel);
  // OpenTelemetry is silent without a diag logger: without one (and without
  // OTEL_LOG_LEVEL), problems the user must act on are shown at warn level.
  const ownLogger = installWarnLogger(config.logLevel);
  const setupReporter = new Reporter();
  const warn: Warn = (kind, message) => setupReporter.once(kind, message);
  for (const w of config.warnings) warn(`config:${w}`, w);
  if (config.disabled !== undefined) return disabledSetup(config.disabled, config.lambda);
  const early = loadedTooEarly();
  if (early.length > 0) warn('lateSetup', lateSetupMessage(early));

  const sdk = loadSdk(config.sdk);
  if (sdk === undefined) {
    const why = loadErrors.get(SDK_TRACE_BASE) ?? loadErrors.get(SDK_TRACE);
    const reason =
      `no OpenTelemetry SDK found: install ${SDK_TRACE_BASE} (SDK 2.x) or ${SDK_TRACE} (3.x)` +
      (why !== undefined ? ` (${why})` : '');
    logger.error(reason);
    return disabledSetup(reason, config.lambda);
  }

  const exporter = new AWSXRaySpanExporter(config.exporter);
  const counter = new EndedSpanCounter();
  const { provider, sampler, detectors } = buildProvider(sdk, config, exporter, counter, warn);
  if (!trace.setGlobalTracerProvider(provider)) {
    const reason = 'another tracer provider is already registered; otel-xray set up nothing';
    logger.warn(reason);
    void provider.shutdown().catch(() => undefined);
    return disabledSetup(reason, config.lambda);
  }
  const ownContextManager = installContextManager(warn);
  const ownPropagator = propagation.setGlobalPropagator(
    config.propagator ?? buildPropagator(config.lambda, warn),
  );
  if (!ownPropagator) warn('propagator', 'a propagator was already registered; it is kept');
  const instrumentations = installInstrumentations(config, provider, warn);

  return makeHandle({
    config,
    sdk,
    provider,
    exporter,
    sampler,
    detectors,
    counter,
    instrumentations,
    ownLogger,
    ownPropagator,
    ownContextManager,
  });
}

/** Counts ended spans, so that `beforeExit` flushes only when there is something to send. */
class EndedSpanCounter implements SpanProcessorLike {
  ended = 0;
  flushedUpTo = 0;
  onStart(): void {}
  onEnd(): void {
    this.ended++;
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** The span processor: ours in `trace` and `simple` modes, the SDK's `BatchSpanProcessor` in `batch`. */
function buildProcessor(
  sdk: LoadedSdk,
  config: SetupConfig,
  exporter: AWSXRaySpanExporter,
): SpanProcessorLike {
  // 'simple' (Lambda's default): our own streaming processor, which also
  // sends the handler span in progress so a timeout orphans nothing.
  if (config.spanProcessor === 'simple') {
    return new AWSXRayLambdaSpanProcessor(exporter) as unknown as SpanProcessorLike;
  }
  // 'trace' (the default outside Lambda): whole traces as they end.
  if (config.spanProcessor === 'trace') {
    return new AWSXRayTraceSpanProcessor(exporter, {
      maxQueueSize: config.batch.maxQueueSize,
    }) as unknown as SpanProcessorLike;
  }
  const Batch = (sdk.module as unknown as Record<string, unknown>).BatchSpanProcessor as new (
    ...a: unknown[]
  ) => SpanProcessorLike;
  return sdk.flavour === 'base'
    ? new Batch(exporter, { ...config.batch })
    : new Batch({ exporter, ...config.batch });
}

/** The tracer provider with its resource, X-Ray IDs, sampler and processors (not registered). */
function buildProvider(
  sdk: LoadedSdk,
  config: SetupConfig,
  exporter: AWSXRaySpanExporter,
  counter: SpanProcessorLike,
  warn: Warn,
): {
  provider: FlushableTracerProvider;
  sampler: unknown;
  detectors: readonly ResourceDetectorName[];
} {
  const processor = buildProcessor(sdk, config, exporter);
  const { resource, detectors } = buildResource(config, warn);
  const sampler = buildSampler(sdk.module, config.sampler, resource, config.resourceAttributes);
  const S = sdk.module as unknown as Record<string, unknown>;
  const Provider = (sdk.flavour === 'base' ? S.BasicTracerProvider : S.TracerProvider) as new (
    c: unknown,
  ) => FlushableTracerProvider;
  const provider = new Provider({
    ...(resource !== undefined ? { resource } : {}),
    idGenerator: new AWSXRayIdGenerator(),
    sampler: config.lambda ? new LambdaInvocationSampler(sampler) : sampler,
    spanProcessors: [counter, processor],
  });
  return { provider, sampler, detectors };
}

/**
 * Context: AsyncLocalStorage, unless the app registered a context manager already.
 * Returns whether ours was registered.
 */
function installContextManager(warn: Warn): boolean {
  const cmPeer = loadPeer<{
    AsyncLocalStorageContextManager?: new () => { enable(): unknown; disable(): unknown };
  }>('@opentelemetry/context-async-hooks');
  if (cmPeer?.module.AsyncLocalStorageContextManager === undefined) {
    warn(
      'contextManager',
      missingPeer(
        '@opentelemetry/context-async-hooks',
        'spans are not parented across async calls',
        loadErrors.get('@opentelemetry/context-async-hooks'),
      ),
    );
    return false;
  }
  const cm = new cmPeer.module.AsyncLocalStorageContextManager();
  cm.enable();
  const own = context.setGlobalContextManager(cm as never);
  if (!own) cm.disable();
  return own;
}

interface InstalledInstrumentations {
  names: readonly string[];
  esmHook: boolean;
  unload: (() => void) | undefined;
}

/** Enables the chosen and the extra instrumentations with `provider` (and the ESM hook). */
function installInstrumentations(
  config: SetupConfig,
  provider: FlushableTracerProvider,
  warn: Warn,
): InstalledInstrumentations {
  const chosen = buildInstrumentations(config, warn);
  const all = [...chosen.instances, ...config.extraInstrumentations];
  const result: InstalledInstrumentations = {
    names: chosen.names,
    esmHook: false,
    unload: undefined,
  };
  if (all.length === 0) return result;
  const inst = loadPeer<{
    registerInstrumentations?: (o: {
      tracerProvider: unknown;
      instrumentations: unknown[];
    }) => () => void;
  }>('@opentelemetry/instrumentation')?.module;
  if (inst?.registerInstrumentations !== undefined) {
    // The ES module build is what an ES module app imports: it registers the hook unless told not to.
    if (config.esmHook ?? base.startsWith('file:')) result.esmHook = registerEsmHook(warn);
    result.unload = inst.registerInstrumentations({
      tracerProvider: provider,
      instrumentations: all,
    });
  } else {
    for (const i of all) {
      i.setTracerProvider(provider);
      i.enable();
    }
    result.unload = () => all.forEach((i) => i.disable());
  }
  return result;
}

/** What `makeHandle` closes over: the parts `doSetup` built and what it registered. */
interface SetupParts {
  config: SetupConfig;
  sdk: LoadedSdk;
  provider: FlushableTracerProvider;
  exporter: AWSXRaySpanExporter;
  sampler: unknown;
  detectors: readonly ResourceDetectorName[];
  counter: EndedSpanCounter;
  instrumentations: InstalledInstrumentations;
  ownLogger: boolean;
  ownPropagator: boolean;
  ownContextManager: boolean;
}

/** The frozen `XRaySetup` handle: flush, shutdown (which undoes what setup registered), facts. */
function makeHandle(parts: SetupParts): XRaySetup {
  const { config, sdk, provider, exporter, sampler, counter, instrumentations } = parts;
  // The provider's flush hands the spans to the exporter; the exporter's own
  // flush waits until its datagrams have left (a BatchSpanProcessor never
  // calls it).
  const flushAll = async (): Promise<void> => {
    await provider.forceFlush();
    await exporter.forceFlush();
  };
  const flushable = {
    forceFlush: flushAll,
    shutdown: async (): Promise<void> => {
      await provider.shutdown();
    },
    pending: (): boolean => counter.ended > counter.flushedUpTo,
    markFlushed: (): void => {
      counter.flushedUpTo = counter.ended;
    },
  };
  const uninstall = config.shutdownHooks
    ? installShutdownHooks(flushable, config.shutdownTimeoutMillis)
    : undefined;

  let shutdownPromise: Promise<void> | undefined;
  const handle: XRaySetup = Object.freeze({
    enabled: true,
    reason: undefined,
    tracerProvider: provider,
    exporter,
    sdk: `${sdk.pkg}${sdk.version !== undefined ? `@${sdk.version}` : ''}`,
    lambda: config.lambda,
    spanProcessor: config.spanProcessor,
    instrumentations: Object.freeze([...instrumentations.names]),
    resourceDetectors: Object.freeze([...parts.detectors]),
    esmHook: instrumentations.esmHook,
    forceFlush: async (): Promise<void> => {
      try {
        flushable.markFlushed();
        await flushAll();
      } catch {
        // never reject into the app
      }
    },
    shutdown: (): Promise<void> => {
      shutdownPromise ??= (async () => {
        uninstall?.();
        try {
          instrumentations.unload?.();
        } catch {
          // an instrumentation that fails to disable must not stop the shutdown
        }
        try {
          await provider.shutdown();
        } catch {
          // never reject into the app
        }
        // The SDK does not shut samplers down: stop the X-Ray sampler's polling here.
        if (sampler instanceof AWSXRayRemoteSampler) void sampler.shutdown();
        trace.disable();
        if (parts.ownLogger) diag.disable();
        if (parts.ownPropagator) propagation.disable();
        if (parts.ownContextManager) context.disable();
        if (globals[GLOBAL_KEY]?.setup === handle) delete globals[GLOBAL_KEY];
      })();
      return shutdownPromise;
    },
  });
  return handle;
}

/** The setup of this process, if `setupXRay()` (or otel-xray/register) ran. */
export function getXRaySetup(): XRaySetup | undefined {
  return globals[GLOBAL_KEY]?.setup;
}
