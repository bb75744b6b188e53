/** `setupXRay()` configuration: options > environment > defaults (a pure function). */
import assert from 'node:assert/strict';
import { parseResourceAttributes, resolveSetupConfig } from '../../src/setup/config.js';
import { presentAwsEnvironments } from '../../src/setup/setup.js';

describe('setupXRay configuration', () => {
  it("defaults off AWS: trace processor, X-Ray's sampling rules, http + aws-sdk, no Lambda", () => {
    const c = resolveSetupConfig({}, {});
    assert.equal(c.disabled, undefined, 'enabled');
    assert.equal(c.lambda, false, 'not Lambda');
    assert.equal(c.spanProcessor, 'trace', 'whole traces off Lambda');
    for (const p of ['batch', 'simple', 'trace'] as const) {
      assert.equal(resolveSetupConfig({ spanProcessor: p }, {}).spanProcessor, p, `option ${p}`);
    }
    assert.deepEqual(
      c.sampler,
      {
        kind: 'named',
        name: 'parentbased_xray',
        root: 'xray',
        parentBased: false,
        ratio: 1,
        xray: {},
      },
      'the X-Ray sampler (parent-based by itself), as the X-Ray SDK samples',
    );
    assert.ok(c.instrumentations.http !== false, 'http on');
    assert.deepEqual(
      c.instrumentations.awsSdk,
      { suppressInternalInstrumentation: true },
      'aws-sdk on, one span per call',
    );
    assert.equal(c.instrumentations.lambda, false, 'Lambda instrumentation off outside Lambda');
    assert.equal(c.resourceDetectors, 'auto', 'detectors chosen by environment');
    assert.equal(c.shutdownHooks, true, 'flush on exit and signals');
    assert.deepEqual(c.warnings, [], 'no warnings');
  });

  it('in Lambda: simple processor, Lambda instrumentation, function name as service, runtime API ignored', () => {
    const c = resolveSetupConfig(
      {},
      { AWS_LAMBDA_FUNCTION_NAME: 'orders', AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001' },
    );
    assert.equal(c.lambda, true, 'Lambda');
    assert.equal(c.spanProcessor, 'simple', 'spans leave as they end');
    assert.ok(c.instrumentations.lambda !== false, 'Lambda instrumentation on');
    assert.equal(
      c.resourceAttributes['service.name'],
      'orders',
      'function name stands in for service.name',
    );
    const http = c.instrumentations.http as { ignoreOutgoingRequestHook?: (r: unknown) => boolean };
    assert.ok(http.ignoreOutgoingRequestHook, 'a filter for the runtime API');
    assert.equal(
      http.ignoreOutgoingRequestHook({ hostname: '127.0.0.1', port: 9001 }),
      true,
      'runtime API calls are not traced',
    );
    assert.equal(
      http.ignoreOutgoingRequestHook({ hostname: 'example.com', port: 443 }),
      false,
      'other calls are',
    );
  });

  it('options > environment > defaults; blank environment values count as unset', () => {
    const env = {
      OTEL_SERVICE_NAME: 'from-env',
      OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs,deployment.environment=prod',
      OTEL_TRACES_SAMPLER: 'traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      AWS_LAMBDA_FUNCTION_NAME: '  ',
    };
    const fromEnv = resolveSetupConfig({}, env);
    assert.equal(
      fromEnv.resourceAttributes['service.name'],
      'from-env',
      'OTEL_SERVICE_NAME over OTEL_RESOURCE_ATTRIBUTES',
    );
    assert.equal(
      fromEnv.resourceAttributes['deployment.environment'],
      'prod',
      'other attributes kept',
    );
    assert.equal(fromEnv.lambda, false, 'a blank AWS_LAMBDA_FUNCTION_NAME is not Lambda');
    assert.deepEqual(
      fromEnv.sampler,
      {
        kind: 'named',
        name: 'traceidratio',
        root: 'traceidratio',
        parentBased: false,
        ratio: 0.25,
      },
      'sampler from the environment',
    );

    const fromOptions = resolveSetupConfig(
      {
        serviceName: 'from-option',
        resourceAttributes: { 'service.name': 'x', team: 'a' },
        sampler: 'parentbased_traceidratio',
        samplerRatio: 0.5,
        spanProcessor: 'simple',
      },
      env,
    );
    assert.equal(
      fromOptions.resourceAttributes['service.name'],
      'from-option',
      'option serviceName wins',
    );
    assert.equal(fromOptions.resourceAttributes.team, 'a', 'option attributes');
    assert.deepEqual(
      fromOptions.sampler,
      {
        kind: 'named',
        name: 'parentbased_traceidratio',
        root: 'traceidratio',
        parentBased: true,
        ratio: 0.5,
      },
      'sampler from the options',
    );
    assert.equal(fromOptions.spanProcessor, 'simple', 'option spanProcessor');

    const custom = { shouldSample: () => ({ decision: 1 }), toString: () => 'custom' };
    assert.deepEqual(
      resolveSetupConfig({ sampler: custom }, env).sampler,
      { kind: 'custom', sampler: custom },
      'a sampler object is used as is',
    );
  });

  it('bad values are warned about and replaced by defaults, never thrown', () => {
    const c = resolveSetupConfig(
      {
        sampler: 'x-ray' as never,
        spanProcessor: 'fast' as never,
        shutdownTimeoutMillis: -1,
        resourceDetectors: ['ec2', 'mars' as never],
      },
      { OTEL_RESOURCE_ATTRIBUTES: 'novalue,k=%E0%A4%A' },
    );
    assert.equal(
      c.sampler.kind === 'named' && c.sampler.name,
      'parentbased_xray',
      'unknown sampler: default',
    );
    assert.equal(c.spanProcessor, 'trace', 'unknown processor: default');
    assert.equal(c.shutdownTimeoutMillis, 5000, 'bad timeout: default');
    assert.deepEqual(c.resourceDetectors, ['ec2'], 'unknown detector dropped');
    assert.equal(c.warnings.length, 6, `one warning per problem: ${c.warnings.join(' | ')}`);
    const ratio = resolveSetupConfig(
      {},
      { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' },
    );
    assert.equal(ratio.sampler.kind === 'named' && ratio.sampler.ratio, 1, 'ratio outside 0..1: 1');
    assert.match(ratio.warnings.join(), /OTEL_TRACES_SAMPLER_ARG=2/, 'the bad argument is named');
  });

  it('exporter, daemonAddress, batch, propagator, extraInstrumentations, esmHook, sdk: checked once, up front', () => {
    const propagator = { inject() {}, extract: (c: unknown) => c, fields: () => [] };
    const instrumentation = {
      instrumentationName: 'x',
      enable() {},
      disable() {},
      setTracerProvider() {},
    };
    const good = resolveSetupConfig(
      {
        exporter: { indexedAttributes: ['user.id'], daemonAddress: '10.0.0.1:2000' },
        daemonAddress: 'xray.local:2001',
        batch: { maxExportBatchSize: 64, scheduledDelayMillis: 200.5 },
        propagator: propagator as never,
        extraInstrumentations: [instrumentation],
        esmHook: false,
        sdk: '@opentelemetry/sdk-trace-base',
      },
      {},
    );
    assert.deepEqual(
      good.exporter,
      { indexedAttributes: ['user.id'], daemonAddress: 'xray.local:2001' },
      'exporter options kept; the top-level daemonAddress wins',
    );
    assert.deepEqual(good.batch, { maxExportBatchSize: 64, scheduledDelayMillis: 200 });
    assert.equal(good.propagator, propagator, "the app's propagator");
    assert.deepEqual(good.extraInstrumentations, [instrumentation]);
    assert.equal(good.esmHook, false);
    assert.equal(good.sdk, '@opentelemetry/sdk-trace-base');
    assert.deepEqual(good.warnings, [], 'no warnings for good values');

    const defaults = resolveSetupConfig({}, {});
    assert.deepEqual(
      [defaults.exporter, defaults.batch, defaults.propagator, defaults.extraInstrumentations],
      [{}, {}, undefined, []],
    );
    assert.equal(defaults.esmHook, undefined, 'decided by the build');
    assert.equal(defaults.sdk, 'auto');

    const bad = resolveSetupConfig(
      {
        exporter: 'udp' as never,
        daemonAddress: 'nohost:port' as never,
        batch: { maxQueueSize: -5, scheduledDelayMillis: 'soon' as never, maxBatch: 3 } as never,
        propagator: { inject() {} } as never,
        extraInstrumentations: [instrumentation, { enable() {} } as never, null as never],
        esmHook: 'yes' as never,
        sdk: '@opentelemetry/sdk-node' as never,
      },
      {},
    );
    assert.deepEqual(bad.exporter, {}, 'bad exporter and address: defaults');
    assert.deepEqual(bad.batch, {}, "bad batch values: the SDK's defaults");
    assert.equal(bad.propagator, undefined, 'not a propagator: the default');
    assert.deepEqual(bad.extraInstrumentations, [instrumentation], 'only the instrumentation');
    assert.equal(bad.esmHook, undefined, 'not a boolean: the default');
    assert.equal(bad.sdk, 'auto', 'unknown SDK: auto');
    const w = bad.warnings;
    for (const name of [
      'option exporter ',
      'option daemonAddress="nohost:port"',
      'option batch.maxQueueSize=-5',
      'option batch.scheduledDelayMillis=soon',
      'option batch.maxBatch is unknown',
      'option propagator ',
      'option extraInstrumentations[1]',
      'option extraInstrumentations[2]',
      'option esmHook=yes',
      'option sdk="@opentelemetry/sdk-node"',
    ]) {
      assert.equal(
        w.filter((m) => m.startsWith(name)).length,
        1,
        `one warning for ${name}: ${w.join(' | ')}`,
      );
    }
    assert.equal(w.length, 10, `one warning per problem: ${w.join(' | ')}`);
    const notString = resolveSetupConfig(
      { daemonAddress: 2000 as never, batch: [] as never, extraInstrumentations: {} as never },
      {},
    );
    assert.equal(notString.warnings.length, 3, notString.warnings.join(' | '));
  });

  it("sampler 'xray': its options checked, no pollers in Lambda, OTEL_TRACES_SAMPLER names it", () => {
    const fromEnv = resolveSetupConfig({}, { OTEL_TRACES_SAMPLER: 'XRay' });
    assert.equal(fromEnv.sampler.kind === 'named' && fromEnv.sampler.root, 'xray');
    const opts = resolveSetupConfig(
      {
        sampler: 'parentbased_xray',
        sampling: {
          endpoint: ' http://10.0.0.1:2000 ',
          pollingInterval: 60,
          localRules: { version: 2, default: { fixed_target: 1, rate: 0.1 } },
        },
      },
      {},
    );
    assert.deepEqual(opts.sampler.kind === 'named' && opts.sampler.xray, {
      endpoint: 'http://10.0.0.1:2000',
      pollingInterval: 60,
      localRules: { version: 2, default: { fixed_target: 1, rate: 0.1 } },
    });
    const bad = resolveSetupConfig(
      { sampling: { endpoint: 3, pollingInterval: -1, localRules: 7, centralized: 'no' } as never },
      {},
    );
    assert.deepEqual(bad.sampler.kind === 'named' && bad.sampler.xray, {}, 'bad values dropped');
    assert.equal(bad.warnings.length, 4, bad.warnings.join(' | '));
    const lambda = resolveSetupConfig(
      { sampler: 'xray' },
      { AWS_LAMBDA_FUNCTION_NAME: 'f', OTEL_TRACES_SAMPLER: 'always_on' },
    );
    assert.deepEqual(
      lambda.sampler.kind === 'named' && lambda.sampler.xray,
      { centralized: false },
      'in Lambda: local rules only, no sockets',
    );
    const lambdaDefault = resolveSetupConfig({}, { AWS_LAMBDA_FUNCTION_NAME: 'f' });
    assert.equal(
      lambdaDefault.sampler.kind === 'named' && lambdaDefault.sampler.name,
      'parentbased_always_on',
      "in Lambda the function's trace header decides",
    );
  });

  it('instrumentations: false, per-instrumentation settings, OTEL_NODE_DISABLED_INSTRUMENTATIONS', () => {
    const none = resolveSetupConfig({ instrumentations: false }, { AWS_LAMBDA_FUNCTION_NAME: 'f' });
    assert.deepEqual(
      none.instrumentations,
      { http: false, awsSdk: false, lambda: false },
      'all off',
    );
    const per = resolveSetupConfig(
      { instrumentations: { http: { serverName: 's' }, awsSdk: false } },
      {},
    );
    assert.equal(
      (per.instrumentations.http as { serverName?: string }).serverName,
      's',
      'config merged over defaults',
    );
    assert.equal(per.instrumentations.awsSdk, false, 'one off');
    const env = resolveSetupConfig({}, { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'aws-sdk' });
    assert.equal(env.instrumentations.awsSdk, false, 'disabled by the environment');
    assert.ok(env.instrumentations.http !== false, 'the others stay on');
    const optionWins = resolveSetupConfig(
      { instrumentations: { awsSdk: true } },
      { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'aws-sdk' },
    );
    assert.ok(
      optionWins.instrumentations.awsSdk !== false,
      'an explicit option beats the environment',
    );
  });

  it('OTEL_SDK_DISABLED=true disables setup', () => {
    assert.equal(
      resolveSetupConfig({}, { OTEL_SDK_DISABLED: 'TRUE' }).disabled,
      'OTEL_SDK_DISABLED=true',
      'disabled',
    );
    assert.equal(
      resolveSetupConfig({}, { OTEL_SDK_DISABLED: 'false' }).disabled,
      undefined,
      'enabled',
    );
  });

  it('OTEL_RESOURCE_ATTRIBUTES: trimmed, percent-decoded, bad pairs skipped', () => {
    const warnings: string[] = [];
    const attrs = parseResourceAttributes(' a = 1 ,b=x%2Cy,,=z,c', warnings);
    assert.deepEqual({ ...attrs }, { a: '1', b: 'x,y' }, 'good pairs kept');
    assert.equal(warnings.length, 2, `two bad pairs: ${warnings.join(' | ')}`);
    assert.equal(
      Object.getPrototypeOf(parseResourceAttributes('__proto__=x')),
      null,
      'no prototype to pollute',
    );
  });

  it('AWS environments are found without network calls, only where present', () => {
    const none = presentAwsEnvironments(
      {},
      false,
      () => false,
      () => '',
    );
    assert.deepEqual(none, [], 'off AWS: no detector');
    assert.deepEqual(
      presentAwsEnvironments(
        { ECS_CONTAINER_METADATA_URI_V4: 'http://169.254.170.2/v4/x' },
        false,
        () => false,
        () => '',
      ),
      ['ecs'],
      'ECS by its metadata URI',
    );
    assert.deepEqual(
      presentAwsEnvironments(
        { KUBERNETES_SERVICE_HOST: '10.0.0.1' },
        false,
        (p) => p.endsWith('/token'),
        () => '',
      ),
      ['eks'],
      'EKS by the service account token',
    );
    assert.deepEqual(
      presentAwsEnvironments(
        { KUBERNETES_SERVICE_HOST: '10.0.0.1' },
        false,
        () => false,
        () => '',
      ),
      [],
      'Kubernetes without a token: not EKS',
    );
    const ec2 = (p: string): string => (p.endsWith('board_asset_tag') ? 'i-0123456789abcdef0' : '');
    assert.deepEqual(
      presentAwsEnvironments({}, false, () => false, ec2),
      process.platform === 'linux' ? ['ec2'] : [],
      'EC2 by the DMI asset tag',
    );
    assert.deepEqual(
      presentAwsEnvironments(
        { AWS_EXECUTION_ENV: 'AWS_ECS_FARGATE', ECS_CONTAINER_METADATA_URI_V4: 'x' },
        false,
        () => false,
        ec2,
      ),
      ['ecs'],
      'Fargate is not EC2',
    );
    assert.deepEqual(
      presentAwsEnvironments({}, true, () => true, ec2),
      ['lambda'],
      'Lambda: only the Lambda detector',
    );
  });
});
