/**
 * `otel-xray/register` and `setupXRay()` in real processes: the built package
 * (dist/) loaded by `node --import` / `--require` or by the app, real
 * instrumentations, spans sent over UDP to a TestDaemon.
 */
import assert from 'node:assert/strict';
import { TestDaemon } from '../helpers/daemon.js';
import { DEFAULT_RULE } from '../../src/sampling/rules.js';
import type { Event } from './process.js';
import { FIXTURES, REPO, requireBuild, startNode } from './process.js';

const ESM_REGISTER = `${REPO}dist/esm/register.js`;
const CJS_REGISTER = `${REPO}dist/cjs/register.js`;

interface SetupInfo {
  enabled: boolean;
  reason?: string;
  sdk?: string;
  lambda: boolean;
  spanProcessor?: string;
  instrumentations: string[];
  resourceDetectors: string[];
  esmHook: boolean;
}

const setupOf = (e: Event): SetupInfo => e.setup as SetupInfo;

describe('otel-xray/register and setupXRay() (child processes)', function () {
  this.timeout(30_000);
  let daemon: TestDaemon;

  before(() => requireBuild());
  beforeEach(async () => {
    // As a real daemon: UDP, and the sampling API on TCP, with a rule that records every
    // request (the tests below are about what is sent, not how much).
    daemon = await TestDaemon.start('udp4', {
      sampling: { rules: [{ ...DEFAULT_RULE, FixedRate: 1, ReservoirSize: 1000 }] },
    });
  });
  afterEach(async () => {
    await daemon.close();
  });

  const env = (extra: Record<string, string> = {}): Record<string, string> => ({
    AWS_XRAY_DAEMON_ADDRESS: daemon.address,
    OTEL_SERVICE_NAME: 'setup-test',
    ...extra,
  });

  /** The server and client spans of one request, as the daemon received them. */
  async function requestSpans(): Promise<{
    server: Record<string, unknown>;
    client: Record<string, unknown>;
  }> {
    await daemon.waitForSpans(2);
    // The server span has the client span as its (propagated) parent.
    const server = daemon.spans.find((s) => s.parentId !== undefined);
    const client = daemon.spans.find((s) => s.id === server?.parentId);
    assert.ok(server, `a server span: ${JSON.stringify(daemon.documents)}`);
    assert.ok(client, `a client span: ${JSON.stringify(daemon.documents)}`);
    return { server: server.node, client: client.node };
  }

  for (const [label, args] of [
    ['ESM: --import dist/esm/register.js', ['--import', ESM_REGISTER, `${FIXTURES}app.mjs`]],
    ['CJS: --require dist/cjs/register.js', ['--require', CJS_REGISTER, `${FIXTURES}app.cjs`]],
    [
      'ESM: --import otel-xray/register (package self-reference)',
      ['--import', 'otel-xray/register', `${FIXTURES}app.mjs`],
    ],
    [
      'CJS: --require otel-xray/register (package self-reference)',
      ['--require', 'otel-xray/register', `${FIXTURES}app.cjs`],
    ],
  ] as const) {
    it(`${label}: an instrumented request reaches the daemon, flushed at exit`, async () => {
      const app = startNode([...args, 'http'], env());
      const headers = (await app.waitFor('headers')).headers as Record<string, string>;
      const setup = setupOf(await app.waitFor('setup'));
      const { code, signal } = await app.exit;
      assert.equal(code, 0, `clean exit; stderr: ${app.stderr()}`);
      assert.equal(signal, null, 'not killed');
      assert.equal(app.stderr(), '', 'nothing on stderr');

      assert.equal(setup.enabled, true, `set up: ${setup.reason}`);
      assert.match(String(setup.sdk), /^@opentelemetry\/sdk-trace-base@2\./, 'SDK 2.x chosen');
      assert.equal(setup.spanProcessor, 'trace', 'whole-trace processor off Lambda');
      assert.equal(setup.lambda, false, 'not in Lambda');
      assert.deepEqual(setup.resourceDetectors, [], 'no AWS detector runs off AWS');
      assert.deepEqual(
        setup.instrumentations,
        ['@opentelemetry/instrumentation-http', '@opentelemetry/instrumentation-aws-sdk'],
        'http and aws-sdk instrumentations, not Lambda',
      );
      assert.equal(setup.esmHook, args[0] === '--import', 'the ESM loader hook with --import only');

      // Both propagators inject, for the same trace, in the X-Ray ID form.
      const xray = /^Root=1-([0-9a-f]{8})-([0-9a-f]{24});Parent=([0-9a-f]{16});Sampled=1$/.exec(
        headers['x-amzn-trace-id'] ?? '',
      );
      assert.ok(xray, `x-amzn-trace-id injected: ${JSON.stringify(headers)}`);
      const w3c = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(headers.traceparent ?? '');
      assert.ok(w3c, `traceparent injected: ${JSON.stringify(headers)}`);
      assert.equal(w3c[1], `${xray[1]}${xray[2]}`, 'one trace ID in both headers');
      const epoch = parseInt(xray[1] as string, 16);
      assert.ok(
        Math.abs(epoch - Date.now() / 1000) < 600,
        'AWSXRayIdGenerator: the trace ID starts with the time',
      );

      // The spans left as their traces ended, or at beforeExit (within the processor's 20 ms).
      const { server, client } = await requestSpans();
      assert.equal(
        server.name,
        'setup-test',
        'the server segment is named after OTEL_SERVICE_NAME',
      );
      assert.equal(
        server.trace_id,
        `1-${xray[1]}-${xray[2]}`,
        'the server joined the propagated trace',
      );
      assert.equal(client.id, xray[3], 'the client span is the propagated parent');
    });
  }

  it('no double registration: register, then setupXRay() from the ESM and the CJS build', async () => {
    const app = startNode(['--import', ESM_REGISTER, `${FIXTURES}app.mjs`, 'double'], env());
    const e = await app.waitFor('double');
    const { code } = await app.exit;
    assert.equal(code, 0, `clean exit; stderr: ${app.stderr()}`);
    assert.equal(e.registered, true, 'register set up tracing');
    assert.equal(e.sameEsm, true, 'setupXRay() from the ESM build returns the first setup');
    assert.equal(e.sameCjs, true, 'setupXRay() from the CJS build returns the first setup');
    const warnings = e.warnings as string[];
    assert.equal(warnings.length, 1, `one warning, once: ${JSON.stringify(warnings)}`);
    assert.match(warnings[0] as string, /already called/, `the warning says why: ${warnings[0]}`);
    const { server } = await requestSpans();
    assert.equal(server.name, 'setup-test', 'the first setup (not the later options) is in force');
    assert.equal(daemon.spans.length, 2, 'each span sent once: one provider, one processor');
  });

  it('SIGTERM without an app handler: spans are flushed, then the process dies by the signal', async () => {
    const app = startNode(['--require', CJS_REGISTER, `${FIXTURES}app.cjs`, 'signal'], env());
    await app.waitFor('ready');
    assert.equal(daemon.spans.length, 0, 'nothing sent yet: the batch processor holds the spans');
    app.child.kill('SIGTERM');
    const { code, signal } = await app.exit;
    assert.equal(
      signal,
      'SIGTERM',
      `died by SIGTERM as without otel-xray (code ${code}, stderr ${app.stderr()})`,
    );
    await requestSpans();
  });

  it('SIGINT (ESM app): spans are flushed, then the process dies by the signal', async () => {
    const app = startNode(['--import', ESM_REGISTER, `${FIXTURES}app.mjs`, 'signal'], env());
    await app.waitFor('ready');
    app.child.kill('SIGINT');
    const { signal } = await app.exit;
    assert.equal(signal, 'SIGINT', `died by SIGINT; stderr ${app.stderr()}`);
    await requestSpans();
  });

  it("SIGTERM with the app's own handler: the app decides (here: a normal exit); spans are flushed", async () => {
    const app = startNode(['--require', CJS_REGISTER, `${FIXTURES}app.cjs`, 'signal-own'], env());
    await app.waitFor('ready');
    app.child.kill('SIGTERM');
    await app.waitFor('app-handler');
    const { code, signal } = await app.exit;
    assert.equal(signal, null, 'not re-raised: the app has its own handler');
    assert.equal(code, 0, `the app's own ending; stderr ${app.stderr()}`);
    await requestSpans();
  });

  it('in Lambda: spans stream as they end, under the invocation, with the Lambda pieces', async () => {
    const root = `1-${Math.floor(Date.now() / 1000).toString(16)}-0123456789abcdef01234567`;
    // The daemon's sampling API is there, and the X-Ray sampler is asked for by name: still no
    // poller and no socket in Lambda (the invocation's header decides).
    let samplingRequests = 0;
    const count = (): void => void samplingRequests++;
    daemon.samplingApi?.on('rules', count).on('targets', count);
    const app = startNode(
      ['--require', CJS_REGISTER, `${FIXTURES}app.cjs`, 'lambda'],
      env({
        AWS_LAMBDA_FUNCTION_NAME: 'orders-fn',
        AWS_REGION: 'eu-west-1',
        _X_AMZN_TRACE_ID: `Root=${root};Parent=53995c3f42cd8ad8;Sampled=1`,
        OTEL_TRACES_SAMPLER: 'xray',
      }),
    );
    const e = await app.waitFor('ended');
    // The app is still running and has flushed nothing: the span was sent as it ended.
    await daemon.waitForSpans(1);
    const setup = setupOf(e);
    assert.equal(setup.lambda, true, 'Lambda detected');
    assert.equal(setup.spanProcessor, 'simple', 'SimpleSpanProcessor in Lambda');
    assert.deepEqual(setup.resourceDetectors, ['lambda'], 'only the Lambda detector (no network)');
    assert.ok(
      setup.instrumentations.includes('@opentelemetry/instrumentation-aws-lambda'),
      `the Lambda instrumentation is enabled: ${setup.instrumentations.join(', ')}`,
    );
    const doc = daemon.documents[0] as Record<string, unknown>;
    assert.equal(doc.trace_id, root, 'the invocation trace (AWSXRayLambdaPropagator)');
    assert.equal(doc.type, 'subsegment', 'a subsegment of the function segment Lambda records');
    assert.equal(doc.parent_id, '53995c3f42cd8ad8', 'parented on the invocation');
    app.child.stdin?.end();
    const { code } = await app.exit;
    daemon.samplingApi?.off('rules', count).off('targets', count);
    assert.equal(code, 0, `clean exit; stderr ${app.stderr()}`);
    assert.equal(samplingRequests, 0, 'no sampling API request from Lambda');
  });

  it('setupXRay({ sdk: "@opentelemetry/sdk-trace" }): the SDK 3.x API (TracerProvider, options objects)', async () => {
    const app = startNode(
      [`${FIXTURES}app.cjs`, 'code'],
      env({
        SETUP_OPTIONS: JSON.stringify({ sdk: '@opentelemetry/sdk-trace', spanProcessor: 'batch' }),
      }),
    );
    const setup = setupOf(await app.waitFor('setup'));
    const { code } = await app.exit;
    assert.equal(code, 0, `clean exit; stderr ${app.stderr()}`);
    assert.match(String(setup.sdk), /^@opentelemetry\/sdk-trace@/, `sdk-trace used: ${setup.sdk}`);
    assert.equal(setup.esmHook, false, 'the CJS build registers no ESM loader hook');
    await requestSpans();
  });

  it('setupXRay() in code with options over the environment', async () => {
    const app = startNode(
      [`${FIXTURES}app.mjs`, 'code'],
      env({
        SETUP_OPTIONS: JSON.stringify({
          serviceName: 'from-options',
          spanProcessor: 'simple',
          instrumentations: { awsSdk: false },
        }),
      }),
    );
    const setup = setupOf(await app.waitFor('setup'));
    await app.exit;
    assert.equal(setup.spanProcessor, 'simple', 'option spanProcessor');
    assert.deepEqual(
      setup.instrumentations,
      ['@opentelemetry/instrumentation-http'],
      'awsSdk: false',
    );
    assert.equal(
      setup.esmHook,
      true,
      'the ESM build registers the loader hook (http is imported after setup)',
    );
    const { server } = await requestSpans();
    assert.equal(server.name, 'from-options', 'option serviceName over OTEL_SERVICE_NAME');
  });

  it('sampling: X-Ray decisions are followed; a deferred decision (ALB, Sampled=?) goes to the root sampler', async () => {
    const app = startNode(
      ['--require', CJS_REGISTER, `${FIXTURES}app.cjs`, 'sampling'],
      env({ OTEL_TRACES_SAMPLER: 'parentbased_always_off' }),
    );
    const off = await app.waitFor('sampling');
    await app.exit;
    const app2 = startNode(
      ['--require', CJS_REGISTER, `${FIXTURES}app.cjs`, 'sampling'],
      env({ OTEL_TRACES_SAMPLER: 'parentbased_always_on' }),
    );
    const on = await app2.waitFor('sampling');
    await app2.exit;
    type R = Record<string, { recording: boolean; traceId: string }>;
    const a = off.recording as R;
    const b = on.recording as R;
    assert.equal(b.sampled?.recording, true, 'Sampled=1 is recorded');
    assert.equal(b.notSampled?.recording, false, 'Sampled=0 is not, whatever the root sampler');
    assert.equal(b.deferred?.recording, true, 'Sampled=? with an always-on root: recorded');
    assert.equal(b.rootOnly?.recording, true, 'Root only (ALB) with an always-on root: recorded');
    assert.equal(a.sampled?.recording, true, 'Sampled=1 is recorded even with an always-off root');
    assert.equal(a.deferred?.recording, false, 'Sampled=? with an always-off root: not recorded');
    assert.equal(a.rootOnly?.recording, false, 'Root only with an always-off root: not recorded');
    const tid = String(on.root).replace(/^1-/, '').replace('-', '');
    assert.equal(b.rootOnly?.traceId, tid, 'the ALB trace is kept');
  });

  it('OTEL_SDK_DISABLED=true: register sets up nothing and says nothing', async () => {
    const app = startNode(
      ['--require', CJS_REGISTER, `${FIXTURES}app.cjs`, 'http'],
      env({ OTEL_SDK_DISABLED: 'true' }),
    );
    const setup = setupOf(await app.waitFor('setup'));
    const headers = (await app.waitFor('headers')).headers as Record<string, string>;
    const { code } = await app.exit;
    assert.equal(code, 0, 'clean exit');
    assert.equal(setup.enabled, false, 'disabled');
    assert.equal(headers['x-amzn-trace-id'], undefined, 'no propagation');
    assert.equal(app.stderr(), '', 'silent');
    assert.equal(daemon.datagrams.length + daemon.rejected.length, 0, 'nothing sent');
  });

  for (const mode of ['esm', 'cjs']) {
    it(`importing otel-xray (${mode}) loads no SDK package`, async () => {
      const app = startNode([`${FIXTURES}import-only.mjs`, mode], {});
      const { code } = await app.exit;
      assert.equal(code, 0, `clean exit; stderr ${app.stderr()}`);
      const loaded = (JSON.parse(app.stdout()) as { loaded: string[] }).loaded;
      const sdk = loaded.filter((p) => /node_modules\/@opentelemetry\/(?!api\/)/.test(p));
      assert.deepEqual(sdk, [], 'only @opentelemetry/api among the OpenTelemetry packages');
      if (mode === 'cjs') {
        assert.ok(
          loaded.some((p) => p.endsWith('dist/cjs/index.js')),
          'the CJS build was loaded (the check sees CJS modules)',
        );
      }
    });
  }
});
