/**
 * Lambda shape, with real parts: a stand-in for the Lambda Node.js runtime
 * (test/fixtures/lambda/runtime.cjs) runs real handler modules in a child
 * process, with the environment Lambda sets, traced by the real
 * `@opentelemetry/instrumentation-aws-lambda` and `instrumentation-http`, the
 * SDK, and otel-xray's build output; the documents go over UDP to a
 * `TestDaemon`. The function must look in X-Ray as it does with the X-Ray SDK:
 * only subsegments, hanging from the function segment that Lambda records
 * itself, so the function is one node on the service map (docs/lambda.md).
 *
 * The runtime exits as soon as the last invocation has settled (Lambda freezes
 * the sandbox then), so every span a test sees left before the handler's result.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import * as http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo, Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { TestDaemon } from '../helpers/daemon.js';
import type { ReceivedSpan } from '../helpers/daemon.js';
import { assertValidDocument } from '../helpers/validate.js';
import type { ExporterStats } from '../../src/export/exporter.js';

const require = createRequire(import.meta.url);

/** The X-Ray SDK's own header parsing (it ships no types for its internals). */
const xraySdkUtils = require('aws-xray-sdk-core/dist/lib/utils') as {
  processTraceData(header: string): Record<string, unknown>;
  LambdaUtils: { populateTraceData(segment: object, header: string): boolean };
};

const RUNTIME = fileURLToPath(new URL('../fixtures/lambda/runtime.cjs', import.meta.url));
const TASK_ROOT = fileURLToPath(new URL('../fixtures/lambda/', import.meta.url));
const BUILD = fileURLToPath(new URL('../../dist/cjs/index.js', import.meta.url));
/** What `--require otel-xray/register` loads (the package's CommonJS build). */
const REGISTER = fileURLToPath(new URL('../../dist/cjs/register.js', import.meta.url));

const FUNCTION_NAME = 'orders';
const LINEAGE = '1:fe460cdd:0';
const ITEMS = [
  { qty: 2, unitPrice: 3 },
  { qty: 1, unitPrice: 10 },
];

type Doc = Record<string, unknown>;

/** A fresh trace header as Lambda writes it into `_X_AMZN_TRACE_ID`; `lineage` null: none. */
function lambdaHeader(sampled: '0' | '1', lineage: string | null = LINEAGE) {
  const epoch = Math.floor(Date.now() / 1000).toString(16);
  const root = `1-${epoch}-${randomBytes(12).toString('hex')}`;
  const parent = randomBytes(8).toString('hex');
  const lin = lineage === null ? '' : `;Lineage=${lineage}`;
  return { root, parent, header: `Root=${root};Parent=${parent};Sampled=${sampled}${lin}` };
}

interface Invocation {
  requestId: string;
  event: Record<string, unknown>;
  traceHeader?: string | null;
  timeoutMs?: number;
}

interface RunOptions {
  /** Export of the handler module to deploy (`_HANDLER=<module>.<name>`). */
  handler: string;
  /** Handler module in test/fixtures/lambda (default `handler`). */
  module?: string;
  /** `_X_AMZN_TRACE_ID` in the process's environment at start. */
  traceHeader?: string;
  /** Invocations; each event gets `url` (the stock service) and `items` unless it has them. */
  invocations: Invocation[];
  /**
   * `otel`: the manual setup of docs/lambda.md; `register`: `NODE_OPTIONS=--require
   * otel-xray/register`; `xray-sdk`: none (the handler uses the X-Ray SDK).
   */
  tracing?: 'otel' | 'register' | 'xray-sdk';
  /** Print otel-xray's diag lines (manual setup) as `diag` lines. */
  diag?: boolean;
  processor?: 'xray' | 'simple' | 'batch';
  concurrent?: boolean;
  env?: Record<string, string>;
  /** The stock service answers once this many requests wait (proves they overlapped). */
  holdUntil?: number;
}

interface RuntimeLine {
  type: 'loaded' | 'result' | 'timeout' | 'stats' | 'diag';
  [key: string]: unknown;
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  lines: RuntimeLine[];
  results: RuntimeLine[];
  /**
   * Spans received (every node of every document), the drain marker excluded,
   * as X-Ray keeps them: a complete document replaces the in-progress one
   * sent earlier with the same ID.
   */
  spans: ReceivedSpan[];
  /** Documents received, the drain marker excluded, in-progress ones replaced as above. */
  documents: Doc[];
  /** In-progress documents received (sent as a span started). */
  inProgress: Doc[];
  /** Requests the stock service received: path and `X-Amzn-Trace-Id`. */
  downstream: Array<{ path: string; header: string | undefined }>;
  /** The exporter's counters once the last invocation settled (not with the X-Ray SDK). */
  stats: ExporterStats | undefined;
  /** otel-xray's diag lines (with `diag: true`). */
  diag: Array<{ level: string; message: string }>;
}

/**
 * Waits until everything sent to `daemon` before this call has been read: a
 * marker document travels behind it through the same receive queue (loopback
 * delivers in order). Returns the marker's ID.
 */
async function drain(daemon: TestDaemon): Promise<string> {
  const id = randomBytes(8).toString('hex');
  const now = Date.now() / 1000;
  const epoch = Math.floor(now).toString(16);
  const doc = {
    name: 'drain-marker',
    id,
    trace_id: `1-${epoch}-${randomBytes(12).toString('hex')}`,
    start_time: now,
    end_time: now,
  };
  const socket = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) =>
      socket.send(
        `{"format":"json","version":1}\n${JSON.stringify(doc)}`,
        daemon.port,
        '127.0.0.1',
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  } finally {
    socket.close();
  }
  while (daemon.span(id) === undefined) await daemon.waitForSpans(daemon.spans.length + 1);
  return id;
}

/** Deploys `options.handler` in the runtime stand-in, runs it to its end, collects everything. */
async function runFunction(options: RunOptions): Promise<Run> {
  const daemon = await TestDaemon.start();
  const downstream: Run['downstream'] = [];
  const waiting: http.ServerResponse[] = [];
  const stock = http.createServer((req, res) => {
    const header = req.headers['x-amzn-trace-id'];
    downstream.push({ path: req.url ?? '', header: Array.isArray(header) ? header[0] : header });
    waiting.push(res);
    if (waiting.length >= (options.holdUntil ?? 1)) {
      for (const r of waiting.splice(0)) r.end('in stock');
    }
  });
  stock.listen(0, '127.0.0.1');
  let child: ReturnType<typeof spawn> | undefined;
  try {
    await once(stock, 'listening');
    const stockUrl = `http://127.0.0.1:${(stock.address() as AddressInfo).port}/stock`;
    const invocations = options.invocations.map((inv) => ({
      ...inv,
      event: { url: `${stockUrl}?request=${inv.requestId}`, items: ITEMS, ...inv.event },
    }));
    const config = {
      tracing: options.tracing ?? 'otel',
      processor: options.processor ?? 'xray',
      concurrent: options.concurrent ?? false,
      diag: options.diag ?? false,
      invocations,
    };
    // Lambda's environment, and nothing of the test process's (no NODE_OPTIONS).
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      AWS_LAMBDA_FUNCTION_NAME: FUNCTION_NAME,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
      AWS_REGION: 'eu-west-1',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
      LAMBDA_TASK_ROOT: TASK_ROOT,
      _HANDLER: `${options.module ?? 'handler'}.${options.handler}`,
      AWS_XRAY_DAEMON_ADDRESS: daemon.address,
      AWS_XRAY_LOG_LEVEL: 'silent',
      ...options.env,
    };
    if (options.traceHeader !== undefined) env._X_AMZN_TRACE_ID = options.traceHeader;
    if (options.tracing === 'register') env.NODE_OPTIONS = `--require ${REGISTER}`;

    const proc = spawn(process.execPath, [RUNTIME, JSON.stringify(config)], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const guard = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    const [code, signal] = (await once(proc, 'close')) as [number | null, NodeJS.Signals | null];
    clearTimeout(guard);

    const marker = await drain(daemon);
    assert.equal(daemon.rejected.length, 0, `rejected: ${daemon.rejected[0]?.reason}`);
    const lines = stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as RuntimeLine);
    return {
      code,
      signal,
      stderr,
      lines,
      results: lines.filter((l) => l.type === 'result'),
      spans: latest(
        daemon.spans.filter((s) => s.id !== marker),
        (s) => s.id,
      ),
      documents: latest(
        daemon.documents.filter((d) => d.id !== marker),
        (d) => d.id as string,
      ),
      inProgress: daemon.documents.filter((d) => d.in_progress === true),
      downstream,
      stats: lines.find((l) => l.type === 'stats')?.stats as ExporterStats | undefined,
      diag: lines
        .filter((l) => l.type === 'diag')
        .map((l) => ({ level: String(l.level), message: String(l.message) })),
    };
  } finally {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
    }
    stock.closeAllConnections();
    stock.close();
    await daemon.close();
  }
}

/**
 * What X-Ray keeps: per ID, the last document received; an in-progress one is
 * replaced by the complete one, if that ever arrives.
 */
function latest<T>(items: T[], id: (item: T) => string): T[] {
  const byId = new Map<string, T>();
  for (const item of items) {
    byId.delete(id(item));
    byId.set(id(item), item);
  }
  return [...byId.values()];
}

/** Common checks on a run whose process ended on its own. */
function assertCompleted(run: Run, invocations: number): void {
  assert.equal(run.code, 0, `the runtime exited with ${run.code ?? run.signal}: ${run.stderr}`);
  assert.equal(run.stderr, '', 'the runtime wrote nothing to stderr');
  assert.equal(run.results.length, invocations, `results: ${JSON.stringify(run.lines)}`);
}

/** Every document passes the shared validator, and none is a segment. */
function assertOnlySubsegments(run: Run): void {
  for (const doc of run.documents) assertValidDocument(doc);
  const segments = run.documents.filter((d) => d.type !== 'subsegment');
  assert.deepEqual(segments, [], 'no segment: Lambda records the function segment itself');
}

function docNamed(docs: Doc[], name: string): Doc {
  const found = docs.filter((d) => d.name === name);
  assert.equal(found.length, 1, `one document named ${name} in ${JSON.stringify(docs)}`);
  return found[0] as Doc;
}

function metadata(doc: Doc): Record<string, unknown> {
  return ((doc.metadata as Doc | undefined)?.default ?? {}) as Record<string, unknown>;
}

/** The checks of one `work` invocation: handler → (price order, HTTP call) below the function. */
function assertWorkTrace(
  docs: Doc[],
  lambda: { root: string; parent: string },
  requestId: string,
): { handler: Doc; child: Doc; call: Doc } {
  assert.equal(docs.length, 3, `three documents, one per span: ${JSON.stringify(docs)}`);
  for (const d of docs) assert.equal(d.trace_id, lambda.root, `${String(d.name)} is in the trace`);
  const handler = docNamed(docs, FUNCTION_NAME);
  const child = docNamed(docs, 'price order');
  const call = docNamed(docs, '127.0.0.1');

  assert.equal(
    handler.parent_id,
    lambda.parent,
    "the handler hangs from Lambda's function segment",
  );
  assert.equal(metadata(handler)['faas.invocation_id'], requestId);
  assert.equal(child.parent_id, handler.id, 'the child span is below the handler');
  assert.equal(call.parent_id, handler.id, 'the HTTP call is below the handler');
  assert.equal(call.namespace, 'remote');
  const callHttp = call.http as { request: Doc; response: Doc };
  assert.equal(callHttp.request.method, 'GET');
  assert.match(String(callHttp.request.url), /^http:\/\/127\.0\.0\.1:\d+\/stock\?request=/);
  assert.equal(callHttp.response.status, 200);
  // Within the handler's time, to 1 ms: the SDK anchors each span's start on
  // Date.now() (whole milliseconds) and measures its duration from there. Both start within
  // it; the child span, which the handler ends itself, also ends within it. The HTTP call's
  // span is ended by instrumentation-http on the response's events, which on a busy machine
  // may come after the handler has returned: its end is not an ordering the test can rely on.
  const start = handler.start_time as number;
  const end = handler.end_time as number;
  const within = (t: number): boolean => t >= start - 0.001 && t <= end + 0.001;
  for (const [d, t] of [
    [child, child.start_time],
    [child, child.end_time],
    [call, call.start_time],
  ] as const) {
    assert.ok(
      within(t as number),
      `${String(d.name)} lies within the handler's time: ${JSON.stringify([start, end, d])}`,
    );
  }
  return { handler, child, call };
}

describe('Lambda: a function traced with OpenTelemetry and otel-xray', function () {
  before(() => {
    assert.ok(existsSync(BUILD), `${BUILD} is missing: run \`npm run build\` first`);
  });

  it('sends only subsegments: the handler below the function segment, its child and HTTP call below it', async () => {
    const lambda = lambdaHeader('1');
    // Invoked through API Gateway: the event carries the header API Gateway sent,
    // whose Parent is API Gateway's own node; the function segment comes after it.
    const apiGatewayParent = randomBytes(8).toString('hex');
    const event = {
      httpMethod: 'GET',
      path: '/orders/42',
      headers: {
        Host: 'api.example.com',
        'X-Forwarded-Proto': 'https',
        'X-Amzn-Trace-Id': `Root=${lambda.root};Parent=${apiGatewayParent};Sampled=1`,
      },
    };
    const run = await runFunction({
      handler: 'work',
      traceHeader: lambda.header,
      invocations: [{ requestId: 'req-work', event }],
    });
    assertCompleted(run, 1);
    assert.ok(run.lines[0]?.wrapped === true, 'the aws-lambda instrumentation wrapped the handler');
    assert.equal(run.results[0]?.outcome, 'ok', JSON.stringify(run.results[0]));
    assertOnlySubsegments(run);
    const { handler, call } = assertWorkTrace(run.documents, lambda, 'req-work');
    assert.notEqual(handler.parent_id, apiGatewayParent, "not below API Gateway's node directly");
    // The handler span was also sent when it started, then replaced when it ended.
    assert.deepEqual(
      run.inProgress.map((d) => d.id),
      [handler.id],
      'only the handler span is sent in progress',
    );
    assert.equal(handler.in_progress, undefined, 'the complete document replaced it');

    // The downstream service continues the trace below the HTTP call, Lineage untouched.
    assert.equal(run.downstream.length, 1, 'one request reached the stock service');
    const header = run.downstream[0]?.header;
    assert.equal(
      header,
      `Root=${lambda.root};Parent=${String(call.id)};Sampled=1;Lineage=${LINEAGE}`,
    );
    const parsed = xraySdkUtils.processTraceData(header as string);
    assert.equal(parsed.root, lambda.root, 'the X-Ray SDK reads the same trace');
    assert.equal(parsed.parent, call.id, 'the X-Ray SDK reads the HTTP call as the parent');

    // The instrumentation's forceFlush before returning waits only for datagrams already queued.
    const flushMs = run.results[0]?.flushMs;
    // (How long it took is a measurement, not asserted: no test asserts wall-clock time.)
    assert.ok(typeof flushMs === 'number', 'the instrumentation ran the forceFlush');
  });

  it('with Sampled=0 sends nothing, and the HTTP call passes on the decision and the Lineage', async () => {
    const lambda = lambdaHeader('0');
    const run = await runFunction({
      handler: 'work',
      traceHeader: lambda.header,
      invocations: [{ requestId: 'req-unsampled', event: {} }],
    });
    assertCompleted(run, 1);
    assert.equal(run.results[0]?.outcome, 'ok', JSON.stringify(run.results[0]));
    // drain() has seen its marker behind anything the finished process sent.
    assert.deepEqual(run.documents, [], 'nothing was sent for an unsampled invocation');

    assert.equal(run.downstream.length, 1, 'one request reached the stock service');
    const header = run.downstream[0]?.header ?? '';
    assert.match(
      header,
      new RegExp(`^Root=${lambda.root};Parent=[0-9a-f]{16};Sampled=0;Lineage=${LINEAGE}$`),
    );
  });

  it('a handler that throws: fault and cause on the handler subsegment', async () => {
    const lambda = lambdaHeader('1');
    const run = await runFunction({
      handler: 'fail',
      traceHeader: lambda.header,
      invocations: [{ requestId: 'req-fail', event: { orderId: 42 } }],
    });
    assertCompleted(run, 1);
    assert.equal(run.results[0]?.outcome, 'error', JSON.stringify(run.results[0]));
    assert.equal(run.results[0]?.errorType, 'TypeError');
    assertOnlySubsegments(run);
    assert.equal(run.documents.length, 2, JSON.stringify(run.documents));

    const handler = docNamed(run.documents, FUNCTION_NAME);
    const child = docNamed(run.documents, 'validate order');
    assert.equal(handler.trace_id, lambda.root);
    assert.equal(handler.parent_id, lambda.parent);
    assert.equal(child.parent_id, handler.id, 'the child span is below the handler');
    assert.equal(handler.fault, true, 'a thrown error is a fault');
    assert.equal(handler.error, undefined);
    const cause = handler.cause as { exceptions: Doc[] };
    assert.equal(cause.exceptions.length, 1, JSON.stringify(cause));
    const exception = cause.exceptions[0] as Doc;
    assert.equal(exception.type, 'TypeError');
    assert.equal(exception.message, 'order 42 has no items');
    const top = (exception.stack as Doc[] | undefined)?.[0];
    assert.ok(
      String(top?.path).endsWith('fixtures/lambda/handler.cjs'),
      `the stack starts in the handler: ${JSON.stringify(exception.stack)}`,
    );
    assert.equal(child.fault, undefined, 'the child span ended fine');
  });

  it('a handler that times out: the spans that had ended were sent before Lambda killed it', async () => {
    const lambda = lambdaHeader('1');
    const run = await runFunction({
      handler: 'hang',
      traceHeader: lambda.header,
      invocations: [{ requestId: 'req-hang', event: {}, timeoutMs: 300 }],
    });
    assert.equal(run.signal, 'SIGKILL', `killed at the timeout: ${run.code} ${run.stderr}`);
    assert.deepEqual(
      run.lines.map((l) => l.type),
      ['loaded', 'timeout'],
      'the invocation never settled',
    );
    assertOnlySubsegments(run);
    for (const d of run.documents) assert.equal(d.trace_id, lambda.root);
    // The handler span never ended, but AWSXRayLambdaSpanProcessor sent it in
    // progress when it started: the children's parent exists in X-Ray.
    const handler = run.inProgress[0];
    assert.ok(
      handler,
      `the handler subsegment was sent in progress: ${JSON.stringify(run.documents)} ${run.stderr}`,
    );
    assert.equal(handler.parent_id, lambda.parent, 'it hangs from the function segment');
    const children = run.documents.filter((d) => d !== handler);
    assert.deepEqual(children.map((d) => d.name).sort(), ['price order', 'reserve stock']);
    for (const c of children)
      assert.equal(c.parent_id, handler.id, `${String(c.name)} hangs from the handler`);
  });

  it("the same timeout with the SDK's SimpleSpanProcessor orphans the children (why the docs say AWSXRayLambdaSpanProcessor)", async () => {
    const lambda = lambdaHeader('1');
    const run = await runFunction({
      handler: 'hang',
      traceHeader: lambda.header,
      processor: 'simple',
      invocations: [{ requestId: 'req-hang-simple', event: {}, timeoutMs: 300 }],
    });
    assert.equal(run.signal, 'SIGKILL', `killed at the timeout: ${run.code} ${run.stderr}`);
    const names = run.documents.map((d) => d.name).sort();
    assert.deepEqual(names, ['price order', 'reserve stock']);
    const [a, b] = run.documents as [Doc, Doc];
    assert.equal(a.parent_id, b.parent_id, 'both hang from the same (handler) span');
    assert.notEqual(a.parent_id, lambda.parent, 'whose subsegment never arrives');
  });

  it('the same timeout with a BatchSpanProcessor loses them all (why the docs say SimpleSpanProcessor)', async () => {
    const lambda = lambdaHeader('1');
    const run = await runFunction({
      handler: 'hang',
      traceHeader: lambda.header,
      processor: 'batch',
      invocations: [{ requestId: 'req-hang-batch', event: {}, timeoutMs: 300 }],
    });
    assert.equal(run.signal, 'SIGKILL', `killed at the timeout: ${run.code} ${run.stderr}`);
    assert.deepEqual(run.documents, [], 'the batch was still waiting when the process died');
  });

  it('two invocations in one process: two traces, each below its own function segment', async () => {
    const first = lambdaHeader('1');
    const second = lambdaHeader('1', null); // no Lineage: none may be carried over
    const run = await runFunction({
      handler: 'work',
      traceHeader: first.header,
      invocations: [
        { requestId: 'req-1', event: {} },
        { requestId: 'req-2', event: {}, traceHeader: second.header },
      ],
    });
    assertCompleted(run, 2);
    assertOnlySubsegments(run);
    assert.equal(run.documents.length, 6, JSON.stringify(run.documents));
    const inTrace = (root: string) => run.documents.filter((d) => d.trace_id === root);
    const one = assertWorkTrace(inTrace(first.root), first, 'req-1');
    const two = assertWorkTrace(inTrace(second.root), second, 'req-2');
    assert.equal(metadata(one.handler)['faas.coldstart'], true);
    assert.equal(metadata(two.handler)['faas.coldstart'], false);

    assert.deepEqual(
      run.downstream.map((d) => d.header),
      [
        `Root=${first.root};Parent=${String(one.call.id)};Sampled=1;Lineage=${LINEAGE}`,
        `Root=${second.root};Parent=${String(two.call.id)};Sampled=1`,
      ],
    );
    for (const r of run.results) {
      assert.ok(typeof r.flushMs === 'number', 'the instrumentation ran the forceFlush');
    }
  });

  it('concurrent invocations (Lambda Managed Instances): each follows its InvokeStore header, not a stale _X_AMZN_TRACE_ID', async () => {
    const stale = lambdaHeader('1');
    const a = lambdaHeader('1');
    const b = lambdaHeader('1', '1:0badc0de:1');
    const run = await runFunction({
      handler: 'work',
      traceHeader: stale.header,
      env: { AWS_LAMBDA_MAX_CONCURRENCY: '2' },
      concurrent: true,
      // Both requests must be waiting before either is answered: the invocations overlap.
      holdUntil: 2,
      invocations: [
        { requestId: 'req-a', event: {}, traceHeader: a.header },
        { requestId: 'req-b', event: {}, traceHeader: b.header },
      ],
    });
    assertCompleted(run, 2);
    assertOnlySubsegments(run);
    assert.equal(run.documents.length, 6, JSON.stringify(run.documents));
    assert.deepEqual(
      run.documents.filter((d) => d.trace_id === stale.root),
      [],
      'nothing in the stale environment trace',
    );
    const inTrace = (root: string) => run.documents.filter((d) => d.trace_id === root);
    const ta = assertWorkTrace(inTrace(a.root), a, 'req-a');
    const tb = assertWorkTrace(inTrace(b.root), b, 'req-b');
    const sent = (id: string) =>
      run.downstream.find((d) => d.path.endsWith(`request=${id}`))?.header;
    assert.equal(
      sent('req-a'),
      `Root=${a.root};Parent=${String(ta.call.id)};Sampled=1;Lineage=${LINEAGE}`,
    );
    assert.equal(
      sent('req-b'),
      `Root=${b.root};Parent=${String(tb.call.id)};Sampled=1;Lineage=1:0badc0de:1`,
    );
  });

  it('looks like the same function traced with the AWS X-Ray SDK', async () => {
    const lambda = lambdaHeader('1');
    const invocations = [{ requestId: 'req-cmp', event: {} }];
    const otel = await runFunction({ handler: 'work', traceHeader: lambda.header, invocations });
    const xray = await runFunction({
      handler: 'xraySdkWork',
      tracing: 'xray-sdk',
      traceHeader: lambda.header,
      invocations,
    });
    assertCompleted(otel, 1);
    assertCompleted(xray, 1);
    assert.equal(xray.results[0]?.outcome, 'ok', JSON.stringify(xray.results[0]));

    // The parent the X-Ray SDK gives a Lambda function's subsegments: its facade
    // segment, whose ID it reads from the same header.
    const facade: { id?: string; trace_id?: string } = {};
    assert.ok(xraySdkUtils.LambdaUtils.populateTraceData(facade, lambda.header), 'valid header');
    assert.equal(facade.id, lambda.parent);
    assert.equal(facade.trace_id, lambda.root);

    for (const [who, run] of [
      ['otel-xray', otel],
      ['X-Ray SDK', xray],
    ] as const) {
      assertOnlySubsegments(run);
      const ids = new Set(run.documents.map((d) => d.id));
      // Documents whose parent is not one of the function's own: attached to Lambda's segment.
      const attached = run.documents.filter((d) => !ids.has(d.parent_id));
      assert.ok(attached.length > 0, `${who}: something hangs from the function segment`);
      for (const d of attached) {
        assert.equal(d.parent_id, facade.id, `${who}: ${String(d.name)} hangs from the function`);
      }
      for (const d of run.documents) assert.equal(d.trace_id, facade.trace_id, `${who}: trace`);
    }

    // The remote call is the same node: same name, namespace, method, status.
    const otelCall = docNamed(otel.documents, '127.0.0.1');
    const xrayCall = docNamed(xray.documents, '127.0.0.1');
    assert.equal(otelCall.namespace, xrayCall.namespace);
    const pick = (d: Doc) => {
      const h = d.http as { request: Doc; response: Doc };
      return {
        method: h.request.method,
        path: new URL(String(h.request.url)).pathname,
        status: h.response.status,
      };
    };
    assert.deepEqual(pick(otelCall), pick(xrayCall));
    docNamed(xray.documents, 'price order');
    docNamed(otel.documents, 'price order');

    // Both continue the trace downstream from the remote call's subsegment.
    for (const [run, call] of [
      [otel, otelCall],
      [xray, xrayCall],
    ] as const) {
      const parsed = xraySdkUtils.processTraceData(run.downstream[0]?.header ?? '');
      assert.deepEqual(
        { root: parsed.root, parent: parsed.parent, sampled: parsed.sampled },
        { root: lambda.root, parent: call.id, sampled: '1' },
      );
    }

    // The one difference: OpenTelemetry's handler span adds a level, a subsegment
    // named after the function (no namespace: not a node on the service map).
    const handler = docNamed(otel.documents, FUNCTION_NAME);
    assert.equal(handler.namespace, undefined);
    assert.equal(docNamed(otel.documents, 'price order').parent_id, handler.id);
    assert.equal(docNamed(xray.documents, 'price order').parent_id, lambda.parent);
  });
});

/**
 * The invocation's trace header is the decision (issue 14), for both setups: the
 * manual one of docs/lambda.md, and `NODE_OPTIONS=--require otel-xray/register`.
 * One process per setup serves API Gateway events, each invocation with a fresh
 * `_X_AMZN_TRACE_ID`, and each event with or without an `X-Amzn-Trace-Id` of its
 * own (of another trace, so that whose trace the spans join is visible). The
 * handler module describes (and creates) its DynamoDB table while it loads, in
 * Lambda's init phase, against dynalite.
 */
describe('Lambda: the invocation decides, and nothing is sent outside an invocation', function () {
  let dynalite: Server | undefined;
  let dynamoEndpoint: string;

  before(async () => {
    assert.ok(existsSync(BUILD), `${BUILD} is missing: run \`npm run build\` first`);
    const factory = require('dynalite') as (o: object) => Server;
    const server = factory({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    dynalite = server;
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    dynamoEndpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    if (dynalite === undefined) return;
    dynalite.close();
    await once(dynalite, 'close');
  });

  /** A header of another trace, as API Gateway puts it in `event.headers`. */
  function apiGatewayHeader(kind: 'root-only' | 'sampled'): { root: string; header: string } {
    const other = lambdaHeader('1', null);
    return {
      root: other.root,
      header:
        kind === 'root-only'
          ? `Root=${other.root}`
          : `Root=${other.root};Parent=${other.parent};Sampled=1`,
    };
  }

  function apiGatewayEvent(header: string | undefined): Record<string, unknown> {
    const headers: Record<string, string> = {
      Host: 'api.example.com',
      'X-Forwarded-Proto': 'https',
    };
    if (header !== undefined) headers['X-Amzn-Trace-Id'] = header;
    return { httpMethod: 'GET', path: '/orders/42', headers };
  }

  for (const tracing of ['otel', 'register'] as const) {
    const setup =
      tracing === 'otel' ? 'the manual setup of docs/lambda.md' : '--require otel-xray/register';
    it(`${setup}: Sampled=1 parents on the invocation, Sampled=0 and pass-through record nothing, whatever the event's header; the init-phase DynamoDB calls are counted, not sent`, async () => {
      const cases = [
        { id: 'req-s1', sampled: '1', event: undefined },
        { id: 'req-s1-apigw-root', sampled: '1', event: 'root-only' },
        { id: 'req-s1-apigw-sampled', sampled: '1', event: 'sampled' },
        { id: 'req-s0', sampled: '0', event: undefined },
        { id: 'req-s0-apigw-root', sampled: '0', event: 'root-only' },
        { id: 'req-s0-apigw-sampled', sampled: '0', event: 'sampled' },
        // Active tracing off, pass-through: Lambda's header is Root-only.
        { id: 'req-passthrough', sampled: 'pass', event: 'sampled' },
      ] as const;
      const planned = cases.map((c) => {
        const lambda = lambdaHeader(c.sampled === '0' ? '0' : '1');
        const traceHeader =
          c.sampled === 'pass' ? `Root=${lambda.root};Lineage=${LINEAGE}` : lambda.header;
        const fromEvent = c.event === undefined ? undefined : apiGatewayHeader(c.event);
        return { ...c, lambda, traceHeader, fromEvent };
      });
      const run = await runFunction({
        module: 'api',
        handler: 'handler',
        tracing,
        diag: tracing === 'otel',
        // No _X_AMZN_TRACE_ID while the module loads: Lambda sets none in the init phase.
        env: {
          // A table of its own: missing, so the init phase creates it.
          ORDERS_TABLE: `orders-${tracing}`,
          ORDERS_DYNAMODB_ENDPOINT: dynamoEndpoint,
          AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
          AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
          AWS_SESSION_TOKEN: 'session',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          // A sampler that ignores parents: in Lambda the invocation still decides.
          ...(tracing === 'register' ? { OTEL_TRACES_SAMPLER: 'always_on' } : {}),
        },
        invocations: planned.map((p) => ({
          requestId: p.id,
          traceHeader: p.traceHeader,
          event: apiGatewayEvent(p.fromEvent?.header),
        })),
      });
      assertCompleted(run, cases.length);
      for (const r of run.results) assert.equal(r.outcome, 'ok', JSON.stringify(r));
      assert.ok(
        run.lines[0]?.wrapped === true,
        'the aws-lambda instrumentation wrapped the handler',
      );

      // What reached the daemon: only subsegments (no stray segment for the init phase,
      // none below API Gateway's header), and only in the sampled invocations' traces.
      assertOnlySubsegments(run);
      const sampledRoots = planned.filter((p) => p.sampled === '1').map((p) => p.lambda.root);
      for (const d of run.documents) {
        assert.ok(
          sampledRoots.includes(d.trace_id as string),
          `not a sampled invocation's: ${JSON.stringify(d)}`,
        );
      }
      const downstream = (id: string) => {
        const found = run.downstream.filter((d) => d.path.endsWith(`request=${id}`));
        assert.equal(found.length, 1, `one request from ${id}: ${JSON.stringify(run.downstream)}`);
        return found[0]?.header;
      };
      for (const p of planned) {
        const docs = run.documents.filter((d) => d.trace_id === p.lambda.root);
        if (p.sampled === '1') {
          // The handler below the function segment; the DynamoDB and HTTP calls below it.
          assert.equal(docs.length, 3, `${p.id}: ${JSON.stringify(docs)}`);
          const handler = docNamed(docs, FUNCTION_NAME);
          const dynamo = docNamed(docs, 'DynamoDB');
          const call = docNamed(docs, '127.0.0.1');
          assert.equal(handler.parent_id, p.lambda.parent, `${p.id}: below the function segment`);
          assert.equal(metadata(handler)['faas.invocation_id'], p.id);
          assert.equal(dynamo.parent_id, handler.id);
          assert.equal(dynamo.namespace, 'aws');
          assert.equal((dynamo.aws as Doc).operation, 'DescribeTable');
          assert.equal(call.parent_id, handler.id);
          assert.equal(
            downstream(p.id),
            `Root=${p.lambda.root};Parent=${String(call.id)};Sampled=1;Lineage=${LINEAGE}`,
          );
        } else if (p.sampled === '0') {
          assert.deepEqual(docs, [], `${p.id}: nothing recorded`);
          assert.match(
            downstream(p.id) ?? '',
            new RegExp(`^Root=${p.lambda.root};Parent=[0-9a-f]{16};Sampled=0;Lineage=${LINEAGE}$`),
            `${p.id}: the decision goes downstream`,
          );
        } else {
          // Pass-through: nothing recorded; the Root alone, as the X-Ray SDK passes it on,
          // so that a traced service downstream decides for itself in the same trace.
          assert.deepEqual(docs, [], `${p.id}: nothing recorded`);
          assert.equal(downstream(p.id), `Root=${p.lambda.root};Lineage=${LINEAGE}`);
        }
      }

      // The init phase: DescribeTable, then CreateTable (the table was missing), both
      // started while the module loaded, counted under their own reason and not sent.
      const stats = run.stats;
      assert.ok(
        stats !== undefined,
        `the runtime printed the exporter's stats: ${JSON.stringify(run.lines)}`,
      );
      const { outsideInvocation, ...others } = stats.dropped;
      assert.equal(outsideInvocation, 2, JSON.stringify(stats));
      for (const [reason, n] of Object.entries(others)) assert.equal(n, 0, `dropped.${reason}`);
      if (tracing === 'otel') {
        // One debug line says why; nothing louder (there is nothing to act on).
        const why = run.diag.filter((l) => l.message.includes('outside any Lambda invocation'));
        assert.equal(why.length, 1, JSON.stringify(run.diag));
        assert.equal(why[0]?.level, 'debug');
        assert.deepEqual(
          run.diag.filter((l) => l.level === 'warn' || l.level === 'error'),
          [],
          'no warning',
        );
      }
    });
  }
});
