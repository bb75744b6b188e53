// otel-xray demo: "why is POST /orders slow?", answered with X-Ray traces, all on
// this machine. A Lambda-style function runs under a stand-in for the Lambda
// runtime (Lambda's environment, a new _X_AMZN_TRACE_ID per invocation), traced by
// one line (NODE_OPTIONS="--import otel-xray/register"). Its spans go over UDP to
// `otel-xray daemon` (run in this process), which checks every datagram and draws
// the traces. First the function as written, then fixed. Ends by itself.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LocalDaemon } from '../dist/esm/cli/daemon.js';
import { formatMs, renderTrace, wrapText } from '../dist/esm/cli/waterfall.js';
import { startLocalAws } from './local-aws.mjs';
import { runSampling } from './sampling.mjs';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const INVOCATIONS = 5;
const FUNCTION = 'order-api';
const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
// The terminal's width (100 when the output is not a terminal); prose stops at 100 columns.
const width = Math.min(process.stdout.isTTY ? process.stdout.columns || 100 : 100, 130);
const bold = (s) => (color ? `\u001b[1m${s}\u001b[0m` : s);
const say = (s = '') => process.stdout.write(`${s}\n`);
/** Says a paragraph, word-wrapped to the terminal (every line starts with `indent`). */
const para = (text, indent = '') => {
  for (const line of wrapText(text, Math.min(width, 100), indent)) say(line);
};
const t0 = performance.now();

const aws = await startLocalAws({ handshakeMs: 30, rttMs: 10, paymentsMs: 25 });
const daemon = await LocalDaemon.start({
  address: '127.0.0.1:0',
  waterfall: false,
  write: () => {},
});
// Every datagram is checked as the real daemon and X-Ray would; say so if one fails.
const problems = [];
daemon.on('datagram', ({ index, verdict }) => {
  if (!verdict.accepted) problems.push(`#${index}: dropped: ${verdict.reason}`);
  else if (verdict.problems.length > 0) problems.push(`#${index}: ${verdict.problems.join('; ')}`);
});

/** Runs the function under the Lambda stand-in; resolves with one record per invocation. */
function runFunction(handlerFile) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['demo/lambda-runtime.mjs', String(INVOCATIONS)], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        PATH: process.env.PATH,
        // The one line that sets up tracing (resolved from the package itself here).
        NODE_OPTIONS: '--import otel-xray/register',
        // What Lambda sets.
        AWS_LAMBDA_FUNCTION_NAME: FUNCTION,
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'demo',
        AWS_SECRET_ACCESS_KEY: 'demo',
        LAMBDA_TASK_ROOT: `${REPO}demo/function`,
        _HANDLER: `${handlerFile}.handler`,
        AWS_XRAY_DAEMON_ADDRESS: daemon.address,
        // Where "AWS" and the payments API are, here.
        AWS_ENDPOINT_URL_DYNAMODB: aws.dynamodbEndpoint,
        PAYMENTS_URL: aws.paymentsUrl,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${handlerFile}: the function exited with ${code}`));
      resolve(
        out
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l)),
      );
    });
  });
}

/** Resolves once the daemon has the function segment of every invocation (sent last). */
function traces(records) {
  const pending = () =>
    records.filter(
      (r) => !daemon.getTrace(r.traceId)?.roots.some((n) => n.origin === 'AWS::Lambda::Function'),
    );
  return new Promise((resolve) => {
    const check = () => {
      if (pending().length > 0) return;
      daemon.off('datagram', check);
      resolve(records.map((r) => ({ ...r, trace: daemon.getTrace(r.traceId) })));
    };
    daemon.on('datagram', check);
    check();
  });
}

const count = (trace, test) => {
  let n = 0;
  const visit = (node) => {
    if (test(node)) n++;
    node.children.forEach(visit);
  };
  trace.roots.forEach(visit);
  return n;
};
const describeTables = (trace) =>
  count(trace, (n) => n.detail?.startsWith('DescribeTable') === true);
const awsCalls = (trace) => count(trace, (n) => n.namespace === 'aws');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function show(runs, label) {
  const warm = runs.slice(1);
  para(
    `${INVOCATIONS} invocations: cold ${formatMs(runs[0].ms / 1000)} (+ ${formatMs(runs[0].initMs / 1000)} init), warm ${warm.map((r) => formatMs(r.ms / 1000)).join(' · ')}`,
    '   ',
  );
  const last = runs.at(-1);
  para(`The X-Ray trace of invocation ${last.n} (warm), as \`otel-xray daemon\` draws it:`, '   ');
  say();
  for (const line of renderTrace(last.trace, { width: width - 3, color })) say(`   ${line}`);
  say();
  return {
    label,
    cold: runs[0].ms + runs[0].initMs,
    warm: median(warm.map((r) => r.ms)),
    describe: describeTables(last.trace),
    calls: awsCalls(last.trace),
  };
}

say(bold('otel-xray demo: why is POST /orders slow?'));
say();
para(
  `A Lambda function "${FUNCTION}" takes orders: it reads the customer, reserves stock and saves the ` +
    'order in DynamoDB, and charges the card through a payments API. Here it runs under a stand-in ' +
    "for the Lambda runtime with Lambda's environment (a new _X_AMZN_TRACE_ID per invocation), and " +
    'tracing is one line: NODE_OPTIONS="--import otel-xray/register". DynamoDB is dynalite on ' +
    "127.0.0.1 behind a proxy that adds a region's network (30 ms per new connection for TCP + TLS, " +
    '10 ms per request); payments is a local stub (25 ms). The spans go over UDP to `otel-xray daemon`, ' +
    'which checks every datagram as the X-Ray daemon and X-Ray would, and draws the traces.',
);
say();

say(bold('1. As written (demo/function/slow.mjs)'));
para(
  'Each handler class creates its own DynamoDB client and calls DescribeTable in its constructor ' +
    '(to learn the key schema), on every request.',
  '   ',
);
const slow = show(await traces(await runFunction('slow')), 'as written');

say(bold('2. Fixed (demo/function/fixed.mjs)'));
para(
  'One client, and the key schemas fetched once at module scope (the init phase); requests only ' +
    'do their work.',
  '   ',
);
const fixed = show(await traces(await runFunction('fixed')), 'fixed');

say(bold('Side by side'));
const rows = [
  ['', slow.label, fixed.label],
  ['cold start (init + 1st request)', formatMs(slow.cold / 1000), formatMs(fixed.cold / 1000)],
  [
    `warm request (median of ${INVOCATIONS - 1})`,
    formatMs(slow.warm / 1000),
    formatMs(fixed.warm / 1000),
  ],
  [
    'DescribeTable calls per request',
    String(slow.describe),
    `${fixed.describe} (3, once, at init)`,
  ],
  ['DynamoDB calls per request', String(slow.calls), String(fixed.calls)],
];
for (const [a, b, c] of rows) say(`   ${a.padEnd(34)}${b.padStart(12)}   ${c}`);
say();
para(
  'The waterfall shows it at a glance: in the slow trace, a DescribeTable (and a new connection) ' +
    `sits in front of every DynamoDB call; the fix makes a warm request ${(slow.warm / fixed.warm).toFixed(1)}× faster.`,
  '   ',
);
say();

say(bold("3. Sampling: X-Ray's rules decide what is recorded (and billed)"));
const sampling = await runSampling(LocalDaemon);
const perRule = [...sampling.byRule].map(([rule, n]) => `${rule} ${n}`).join(', ') || 'none';
para(
  `Off Lambda, otel-xray/register applies the sampling rules kept in X-Ray, fetched through the ` +
    `daemon (here \`otel-xray daemon --sampling-rules ${sampling.rules}\`): health checks never, ` +
    `orders 2 per second plus 10 % of the rest. A service "shop" took ` +
    `${sampling.sent.health} GET /health and ${sampling.sent.orders} POST /orders in ` +
    `${sampling.seconds.toFixed(1)} s; X-Ray would record ${[...sampling.byRule.values()].reduce((a, b) => a + b, 0)} ` +
    `traces (by rule: ${perRule}) instead of ${sampling.sent.health + sampling.sent.orders}. ` +
    `Each segment names its rule (aws.xray.rule_name), and the daemon's summary shows each rule's ` +
    `requests (docs/sampling.md).`,
  '   ',
);
say();
const s = daemon.stats;
para(
  `The daemon received ${s.datagrams} datagrams in ${s.traces} traces: ${s.accepted} accepted, ${s.datagrams - s.accepted} dropped, ${s.invalidDocuments} with documents X-Ray would reject.`,
);
for (const p of problems) say(`   ${p}`);
para(
  'Try it with your own app: `npx otel-xray daemon` in one terminal, then ' +
    '`node --import otel-xray/register app.mjs` in another (docs/setup.md, docs/cli.md).',
);
say(
  `(demo ran in ${(performance.now() - t0) / 1000 < 1 ? '<1' : ((performance.now() - t0) / 1000).toFixed(1)} s)`,
);

await daemon.close({ summary: false });
await aws.close();
if (problems.length > 0) process.exitCode = 1;
