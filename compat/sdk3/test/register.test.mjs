// otel-xray's one-line setup on the SDK 3.x line: `node --import
// otel-xray/register` (ES module app) and `node --require otel-xray/register`
// (CommonJS app) with @opentelemetry/sdk-trace 3.x and the 0.301 / 0.79
// instrumentations installed, on this pass's Node (24 or 22). Each app serves
// one request that calls DynamoDB, then exits; the setup flushes at exit.
/* global describe, it, before, after -- mocha */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startDynalite } from '../../lib/dynalite.mjs';
import { daemon } from './harness.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('otel-xray/register on the SDK 3.x line', function () {
  let ddb;

  before(async function () {
    ddb = await startDynalite();
  });

  after(async function () {
    await ddb?.stop();
  });

  for (const [flag, app, service] of [
    ['--import', 'test/fixtures/register-app.mjs', 'register-esm'],
    ['--require', 'test/fixtures/register-app.cjs', 'register-cjs'],
  ]) {
    it(`node ${flag} otel-xray/register ${app.split('/').pop()}: SDK 3 provider, http and DynamoDB subsegments`, async function () {
      const r = spawnSync(process.execPath, [flag, 'otel-xray/register', app], {
        cwd: ROOT,
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          AWS_XRAY_DAEMON_ADDRESS: daemon.address,
          OTEL_SERVICE_NAME: service,
          COMPAT_DDB: ddb.endpoint,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
      });
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
      assert.deepEqual(JSON.parse(r.stdout.trim()), { tables: 0 });
      // The server's segment, with the DynamoDB call below it.
      await daemon.waitFor(
        (d) => d.documents.some((doc) => doc.name === service && doc.http?.request?.client_ip),
        `the ${service} server segment`,
      );
      assert.deepEqual(daemon.rejected, []);
      const seg = daemon.documents.find(
        (doc) => doc.name === service && doc.http?.request?.client_ip,
      );
      assert.equal(seg.aws.xray.sdk_version, '3.1.1', 'the SDK 3.x TracerProvider was chosen');
      assert.equal(seg.http.response.status, 200);
      const nodes = daemon.spans.filter((s) => s.traceId === seg.trace_id).map((s) => s.node);
      const call = nodes.find((n) => n.name === 'DynamoDB');
      assert.ok(call, `a DynamoDB subsegment in the trace: ${nodes.map((n) => n.name).join(', ')}`);
      assert.equal(call.namespace, 'aws');
      assert.equal(call.aws.operation, 'ListTables');
    });
  }
});
