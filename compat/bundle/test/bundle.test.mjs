// A Lambda-style handler using otel-xray (packed tarball) and the AWS SDK v3,
// bundled by esbuild into one CommonJS file (platform node), run against
// dynalite with a UDP listener applying the daemon's rule. Four variants of
// the same function (src/): how AWS SDK calls get their spans once bundled.
/* global describe, it, before, after -- mocha */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TestDaemon } from '../../lib/daemon.mjs';
import { startDynalite } from '../../lib/dynalite.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const INVOKE = fileURLToPath(new URL('./invoke.cjs', import.meta.url));
const FUNCTION = 'bundled-fn';
const REGION = 'eu-west-1';

/**
 * Node binaries to run the bundles with: this one, plus COMPAT_EXTRA_NODES
 * ("label=path,label=path", set by ../run.mjs to the Node 24 and 22 binaries
 * that compat/sdk3 installs).
 */
const NODES = [[`Node ${process.versions.node}`, process.execPath]];
for (const entry of (process.env.COMPAT_EXTRA_NODES ?? '').split(',').filter(Boolean)) {
  const [label, bin] = entry.split('=');
  if (fs.existsSync(bin)) NODES.push([label, bin]);
}

/** Self-contained bundles go to a temp dir with no node_modules above it. */
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'otel-xray-bundle-'));
/** The externals variant must resolve @aws-sdk/* at run time, so it stays here. */
const LOCAL_OUT = path.join(ROOT, 'node_modules', '.compat-out');

async function bundle(variant, { external = [], outdir = TMP } = {}) {
  const outfile = path.join(outdir, `${variant}${external.length ? '-external' : ''}`, 'index.cjs');
  const result = await build({
    entryPoints: [path.join(ROOT, 'src', `${variant}.mjs`)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    external,
    logLevel: 'silent',
    metafile: true,
  });
  assert.deepEqual(result.errors, []);
  // What the output still imports at run time, per esbuild's metafile: packages only.
  const [output] = Object.values(result.metafile.outputs);
  const requires = [
    ...new Set(output.imports.filter((i) => i.external && !isBuiltin(i.path)).map((i) => i.path)),
  ].sort();
  // The files esbuild put into the output, relative to this package.
  const inputs = Object.keys(output.inputs);
  return { outfile, bytes: fs.statSync(outfile).size, requires, inputs };
}

const BUILTINS = new Set(builtinModules);
const isBuiltin = (name) => name.startsWith('node:') || BUILTINS.has(name);

describe('bundled with esbuild (one CJS file, platform node) on Lambda-style invocations', function () {
  let daemon;
  let ddb;
  let invocation = 0;

  before(async function () {
    daemon = await TestDaemon.start();
    ddb = await startDynalite();
    const client = new DynamoDBClient({
      endpoint: ddb.endpoint,
      region: REGION,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'fake-secret-key' },
    });
    await client.send(
      new CreateTableCommand({
        TableName: 'orders',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    client.destroy();
  });

  after(async function () {
    await daemon?.close();
    await ddb?.stop();
    fs.rmSync(TMP, { recursive: true, force: true });
  });

  /**
   * Invokes the bundle once in a fresh process, as Lambda would with the given
   * invocation trace header, and returns what arrived for that trace.
   */
  async function invoke(file, node) {
    invocation++;
    const root = `1-${Math.floor(Date.now() / 1000).toString(16)}-${invocation.toString(16).padStart(24, '0')}`;
    const functionSegment = `f00d${invocation.toString(16).padStart(12, '0')}`;
    const r = spawnSync(
      node,
      [INVOKE, file, JSON.stringify({ endpoint: ddb.endpoint, id: `o${invocation}` })],
      {
        cwd: path.dirname(file),
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          AWS_LAMBDA_FUNCTION_NAME: FUNCTION,
          AWS_REGION: REGION,
          AWS_XRAY_DAEMON_ADDRESS: daemon.address,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          _X_AMZN_TRACE_ID: `Root=${root};Parent=${functionSegment};Sampled=1`,
        },
      },
    );
    assert.equal(r.status, 0, `the invocation failed:\n${r.stdout}\n${r.stderr}`);
    const { result } = JSON.parse(r.stdout.trim().split('\n').pop());
    assert.deepEqual(result, {
      statusCode: 200,
      total: '42',
      missing: 'ResourceNotFoundException',
    });
    // The process has exited: whatever it sent is already in the socket buffer.
    await daemon.waitFor(
      (d) => d.spans.some((s) => s.traceId === root && s.node.name === FUNCTION),
      'the invocation subsegment',
      2000,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const spans = daemon.spans.filter((s) => s.traceId === root);
    const handle = spans.find((s) => s.node.name === FUNCTION);
    assert.ok(
      handle,
      `the invocation subsegment arrived: ${JSON.stringify(spans.map((s) => s.node.name))}`,
    );
    return {
      root,
      functionSegment,
      spans,
      handle,
      aws: spans.filter((s) => s.node.namespace === 'aws'),
    };
  }

  function assertAwsSubsegments(got) {
    assert.deepEqual(daemon.rejected, []);
    assert.equal(
      got.handle.parentId,
      got.functionSegment,
      'the invocation span hangs below the function segment',
    );
    assert.equal(got.handle.node.type ?? 'subsegment', 'subsegment');
    const calls = got.aws.map((s) => s.node);
    assert.deepEqual(
      calls.map((n) => `${n.name} ${n.aws.operation} ${n.aws.table_name}`),
      ['DynamoDB PutItem orders', 'DynamoDB GetItem orders', 'DynamoDB GetItem missing'],
    );
    for (const s of got.aws) {
      assert.equal(s.node.namespace, 'aws');
      assert.equal(s.parentId, got.handle.id, 'each call is a subsegment of the invocation span');
      assert.equal(s.node.aws.region, REGION);
      assert.match(String(s.node.aws.request_id), /\S/);
    }
    const [put, get, missing] = calls;
    assert.equal(put.http.response.status, 200);
    assert.equal(get.error, undefined);
    assert.equal(missing.http.response.status, 400);
    assert.equal(missing.error, true);
    assert.equal(missing.cause.exceptions[0].type, 'ResourceNotFoundException');
    return calls;
  }

  const built = {};

  describe('naive: registerInstrumentations(AwsInstrumentation) and everything bundled', function () {
    before(async function () {
      built.naive = await bundle('naive');
    });

    it('the bundle is self-contained (no package is required at run time)', function () {
      assert.deepEqual(built.naive.requires, []);
    });

    for (const [label, node] of NODES) {
      it(`${label}: the function works, but its AWS calls have no subsegments (require hooks never fire)`, async function () {
        const got = await invoke(built.naive.outfile, node);
        assert.ok(got.handle, 'the invocation subsegment arrived');
        assert.deepEqual(got.aws, [], 'no AWS subsegment: the pitfall this folder documents');
      });
    }
  });

  describe('externals: the same code with external: ["@aws-sdk/*"] (the SDK from node_modules)', function () {
    before(async function () {
      built.external = await bundle('naive', { external: ['@aws-sdk/*'], outdir: LOCAL_OUT });
    });

    it('only @aws-sdk/* is left to require at run time', function () {
      assert.deepEqual(built.external.requires, ['@aws-sdk/client-dynamodb']);
    });

    for (const [label, node] of NODES) {
      it(`${label}: DynamoDB subsegments (name, namespace aws, operation, table_name, error)`, async function () {
        assertAwsSubsegments(await invoke(built.external.outfile, node));
      });
    }
  });

  describe('patched: instrumentation-aws-sdk applied to the bundled client class', function () {
    before(async function () {
      built.patched = await bundle('patched');
    });

    it('the bundle is self-contained', function () {
      assert.deepEqual(built.patched.requires, []);
    });

    for (const [label, node] of NODES) {
      it(`${label}: DynamoDB subsegments (name, namespace aws, operation, table_name, error)`, async function () {
        built.patchedCalls = assertAwsSubsegments(await invoke(built.patched.outfile, node));
      });
    }
  });

  describe("middleware: otel-xray's captureAWSv3Client(client), no instrumentation-aws-sdk", function () {
    before(async function () {
      built.middleware = await bundle('middleware');
    });

    it('the bundle is self-contained', function () {
      assert.deepEqual(built.middleware.requires, []);
    });

    it('the helper comes from the installed otel-xray package, and no instrumentation is bundled', function () {
      const inputs = built.middleware.inputs;
      assert.ok(
        inputs.some((p) => /node_modules\/otel-xray\/dist\/esm\/instrument\/aws-v3\.js$/.test(p)),
        `otel-xray's dist/esm/instrument/aws-v3.js is in the bundle: ${inputs.filter((p) => p.includes('otel-xray')).join(', ')}`,
      );
      assert.deepEqual(
        inputs.filter((p) => p.includes('instrumentation-aws-sdk') || p.includes('capture-aws-v3')),
        [],
        'neither instrumentation-aws-sdk nor the old prototype',
      );
    });

    for (const [label, node] of NODES) {
      it(`${label}: DynamoDB subsegments (name, namespace aws, operation, table_name, error)`, async function () {
        built.middlewareCalls = assertAwsSubsegments(await invoke(built.middleware.outfile, node));
      });
    }

    it('writes the same aws blocks and flags as instrumentation-aws-sdk does', function () {
      const strip = (n) => ({
        name: n.name,
        namespace: n.namespace,
        aws: { ...n.aws, request_id: undefined },
        error: n.error,
        fault: n.fault,
        status: n.http?.response?.status,
      });
      assert.ok(built.patchedCalls && built.middlewareCalls);
      assert.deepEqual(built.middlewareCalls.map(strip), built.patchedCalls.map(strip));
      // One difference, in the middleware's favour: instrumentation-aws-sdk 0.78 reads a
      // failed call's request ID from err.RequestId, which AWS SDK v3 errors lack (it is
      // in err.$metadata.requestId), so its error subsegments have no aws.request_id.
      assert.match(String(built.middlewareCalls[2].aws.request_id), /^[A-Z0-9]{20,}$/);
    });
  });

  describe('both: instrumentation-aws-sdk (SDK external) and captureAWSv3Client on one client', function () {
    before(async function () {
      built.both = await bundle('both', { external: ['@aws-sdk/*'], outdir: LOCAL_OUT });
    });

    for (const [label, node] of NODES) {
      it(`${label}: one subsegment per call (the helper steps aside)`, async function () {
        const [, , missing] = assertAwsSubsegments(await invoke(built.both.outfile, node));
        // The instrumentation's span, not the helper's: only the helper records the
        // request ID of a failed call (see the comparison above).
        assert.equal(missing.aws.request_id, undefined);
      });
    }
  });

  after(function () {
    const kib = (b) => `${(b / 1024).toFixed(0)} KiB`;
    const sizes = Object.entries(built)
      .filter(([, v]) => v?.bytes)
      .map(([k, v]) => `${k} ${kib(v.bytes)}`);
    console.log(`      bundle sizes (unminified): ${sizes.join(', ')}`);
  });
});
