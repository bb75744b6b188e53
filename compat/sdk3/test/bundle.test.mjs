// The SDK 3.x line bundled: test/fixtures/bundle-sdk3.mjs (TracerProvider from
// @opentelemetry/sdk-trace 3, otel-xray from the tarball, AWS SDK v3) bundled
// by esbuild into one CommonJS file, run from a temp dir with this pass's Node
// (24 or 22) against dynalite and the UDP listener. AWS calls get their spans
// from instrumentation-aws-sdk 0.79 applied to the bundled client class, or
// from the captureAWSv3Client prototype (../../bundle/src).
/* global describe, it, before, after -- mocha */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { startDynalite } from '../../lib/dynalite.mjs';
import { daemon, dynamodb } from './harness.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ENTRY = fileURLToPath(new URL('./fixtures/bundle-sdk3.mjs', import.meta.url));
const INVOKE = fileURLToPath(new URL('../../bundle/test/invoke.cjs', import.meta.url));
const FUNCTION = 'bundled-sdk3-fn';
const REGION = 'eu-west-1';

/**
 * The helpers in ../../bundle/src import @opentelemetry/*: resolve every
 * package from this package (SDK 3 line, API 1.10), never from compat/bundle
 * or the repo root, so the bundle holds one copy of each.
 */
const resolveFromHere = {
  name: 'resolve-from-compat-sdk3',
  setup(b) {
    b.onResolve({ filter: /^[@a-z]/ }, async (args) => {
      if (
        args.pluginData === 'here' ||
        args.resolveDir.startsWith(path.join(ROOT, 'node_modules'))
      ) {
        return undefined;
      }
      const r = await b.resolve(args.path, {
        kind: args.kind,
        resolveDir: ROOT,
        pluginData: 'here',
      });
      return r.errors.length ? undefined : { path: r.path, external: r.external };
    });
  },
};

describe('SDK 3.x bundled with esbuild (one CJS file) on a Lambda-style invocation', function () {
  const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'otel-xray-bundle-sdk3-'));
  let ddb;
  let invocation = 0;

  before(async function () {
    ddb = await startDynalite();
    const client = new dynamodb.DynamoDBClient({
      endpoint: ddb.endpoint,
      region: REGION,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'fake-secret-key' },
    });
    await client.send(
      new dynamodb.CreateTableCommand({
        TableName: 'orders',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    client.destroy();
  });

  after(async function () {
    await ddb?.stop();
    fs.rmSync(TMP, { recursive: true, force: true });
  });

  for (const mode of ['patched', 'middleware']) {
    it(`${mode}: DynamoDB subsegments below the invocation, from a self-contained bundle`, async function () {
      const outfile = path.join(TMP, mode, 'index.cjs');
      const result = await build({
        entryPoints: [ENTRY],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node22',
        outfile,
        define: { 'process.env.COMPAT_AWS': JSON.stringify(mode) },
        plugins: [resolveFromHere],
        logLevel: 'silent',
        metafile: true,
      });
      const [output] = Object.values(result.metafile.outputs);
      const packages = output.imports.filter((i) => i.external && !i.path.startsWith('node:'));
      assert.deepEqual(
        packages.map((i) => i.path).filter((p) => !/^[a-z_]+$/.test(p)),
        [],
        'nothing but Node built-ins is required at run time',
      );

      invocation++;
      const root = `1-${Math.floor(Date.now() / 1000).toString(16)}-${'5d3'.padEnd(21, '0')}${invocation.toString(16).padStart(3, '0')}`;
      const functionSegment = `5d3f00d${invocation.toString(16).padStart(9, '0')}`;
      const r = spawnSync(
        process.execPath,
        [INVOKE, outfile, JSON.stringify({ endpoint: ddb.endpoint, id: `s${invocation}` })],
        {
          cwd: path.dirname(outfile),
          encoding: 'utf8',
          env: {
            PATH: process.env.PATH,
            AWS_LAMBDA_FUNCTION_NAME: FUNCTION,
            AWS_REGION: REGION,
            AWS_XRAY_DAEMON_ADDRESS: daemon.address,
            _X_AMZN_TRACE_ID: `Root=${root};Parent=${functionSegment};Sampled=1`,
          },
        },
      );
      assert.equal(r.status, 0, `the invocation failed:\n${r.stdout}\n${r.stderr}`);
      const out = JSON.parse(r.stdout.trim().split('\n').pop()).result;
      assert.deepEqual(out, { statusCode: 200, total: '42', missing: 'ResourceNotFoundException' });

      await daemon.waitFor(
        (d) => d.spans.filter((s) => s.traceId === root).length >= 4,
        'the invocation and its 3 DynamoDB subsegments',
        2000,
      );
      assert.deepEqual(daemon.rejected, []);
      const spans = daemon.spans.filter((s) => s.traceId === root);
      const handle = spans.find((s) => s.node.name === FUNCTION);
      assert.equal(handle.parentId, functionSegment);
      const calls = spans.filter((s) => s.node.namespace === 'aws');
      assert.deepEqual(
        calls.map((s) => `${s.node.name} ${s.node.aws.operation} ${s.node.aws.table_name}`),
        ['DynamoDB PutItem orders', 'DynamoDB GetItem orders', 'DynamoDB GetItem missing'],
      );
      for (const s of calls) assert.equal(s.parentId, handle.id);
      assert.equal(calls[2].node.error, true);
      assert.equal(calls[2].node.http.response.status, 400);
    });
  }
});
