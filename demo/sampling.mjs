// The demo's sampling part: a traced HTTP service (demo/service/app.mjs, one
// line of setup) under X-Ray sampling rules that `otel-xray daemon` serves
// (demo/service/sampling-rules.json), as the X-Ray daemon serves the rules
// kept in the X-Ray console. Health checks are never recorded; orders are
// recorded 2 per second plus 10 % of the rest.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const RULES = 'demo/service/sampling-rules.json';
const REQUESTS = 200;

function call(port, method, path) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Spans in a document: the segment or subsegment and those embedded in it. */
function spansIn(doc) {
  return 1 + (doc.subsegments ?? []).reduce((n, sub) => n + spansIn(sub), 0);
}

/** Runs the service under the rules; returns what was sent and what X-Ray would have recorded. */
export async function runSampling(LocalDaemon) {
  const daemon = await LocalDaemon.start({
    address: '127.0.0.1:0',
    waterfall: false,
    samplingRules: `${REPO}${RULES}`,
    write: () => {},
  });
  const rulesServed = once(daemon.samplingApi, 'rules');
  // What reaches the daemon: each trace's root segment names the rule that recorded it.
  const byRule = new Map();
  let spans = 0;
  let wanted = Infinity;
  let allReceived;
  const received = new Promise((resolve) => (allReceived = resolve));
  daemon.on('datagram', ({ verdict }) => {
    const doc = verdict.document;
    if (doc === undefined) return;
    spans += spansIn(doc);
    // The demo's own /flush request is traced too (Default rule); it is not counted.
    const url = doc.http?.request?.url ?? '';
    if (doc.type !== 'subsegment' && doc.parent_id === undefined && !url.endsWith('/flush')) {
      const rule = doc.aws?.xray?.rule_name ?? '(none)';
      byRule.set(rule, (byRule.get(rule) ?? 0) + 1);
    }
    if (spans >= wanted) allReceived();
  });
  const child = spawn(process.execPath, ['demo/service/app.mjs'], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      PATH: process.env.PATH,
      NODE_OPTIONS: '--import otel-xray/register',
      OTEL_SERVICE_NAME: 'shop',
      AWS_XRAY_DAEMON_ADDRESS: daemon.address,
    },
  });
  child.stdout.setEncoding('utf8');
  const [line] = await once(child.stdout, 'data');
  const { port } = JSON.parse(line);
  await rulesServed;
  const sent = { health: 0, orders: 0 };
  const started = performance.now();
  for (let i = 0; i < REQUESTS; i++) {
    await call(port, 'GET', '/health');
    sent.health++;
    await call(port, 'POST', '/orders');
    sent.orders++;
  }
  const seconds = (performance.now() - started) / 1000;
  const { spansSent } = JSON.parse(await call(port, 'GET', '/flush'));
  wanted = spansSent;
  if (spans >= wanted) allReceived();
  await received;
  child.kill('SIGTERM');
  await once(child, 'exit');
  await daemon.close({ summary: false });
  return { sent, byRule, seconds, rules: RULES };
}
