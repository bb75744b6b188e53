// Consumers of the packed tarball on the machine's Node (20) with the SDK 2.x
// line: an ES module app and a CommonJS app, type-checked under every module
// resolution mode TypeScript users pick, compiled and run against a real UDP
// listener; plus publint and @arethetypeswrong/cli on the tarball itself.
/* global describe, it, before, after -- mocha */
'use strict';
const assert = require('node:assert/strict');
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'node_modules', '.compat-out');
const TARBALL = process.env.COMPAT_TARBALL;
const bin = (pkg, file) => path.join(ROOT, 'node_modules', pkg, file);

function run(args, options = {}, node = process.execPath) {
  const r = spawnSync(node, args, { cwd: ROOT, encoding: 'utf8', ...options });
  if (r.status !== 0) {
    throw new Error(
      `${path.basename(args[0])} ${args.slice(1).join(' ')} exited ${r.status}\n${r.stdout}\n${r.stderr}`,
    );
  }
  return r.stdout;
}

const tsc = (args) => run([bin('typescript', 'bin/tsc'), ...args]);
/** TypeScript 7 (the native compiler), installed as `typescript7` (npm:typescript@7). */
const tsc7 = (args) => run([bin('typescript7', 'bin/tsc'), ...args]);

// The configurations TypeScript users pick; `nonode-*` type-check apps that use
// no Node API with `types: []` (TypeScript 7's default) and so without
// @types/node: the public declarations must not need it.
const CONFIGS = [
  'tsconfig.esm-node16.json',
  'tsconfig.esm-nodenext.json',
  'tsconfig.esm-bundler.json',
  'tsconfig.cjs-node16.json',
  'tsconfig.cjs-nodenext.json',
  'tsconfig.cjs-node10.json',
  'tsconfig.nonode-esm-nodenext.json',
  'tsconfig.nonode-esm-bundler.json',
  'tsconfig.nonode-cjs-nodenext.json',
  'tsconfig.nonode-cjs-node16.json',
];

/**
 * Node binaries to run the compiled apps with: this one, plus COMPAT_EXTRA_NODES
 * ("label=path,label=path", set by ../run.mjs to the Node 24 and 22 binaries
 * that compat/sdk3 installs).
 */
const NODES = [[`Node ${process.versions.node}`, process.execPath]];
for (const entry of (process.env.COMPAT_EXTRA_NODES ?? '').split(',').filter(Boolean)) {
  const [label, nodeBin] = entry.split('=');
  if (fs.existsSync(nodeBin)) NODES.push([label, nodeBin]);
}

describe(`consumers of the packed tarball (SDK 2.x; mocha on Node ${process.versions.node})`, function () {
  before(function () {
    assert.ok(TARBALL && fs.existsSync(TARBALL), 'COMPAT_TARBALL names the packed tarball');
    const installed = require(path.join(ROOT, 'node_modules/otel-xray/package.json'));
    assert.equal(installed.name, 'otel-xray');
  });

  for (const [label, check, configs] of [
    ['TypeScript 5.x', tsc, CONFIGS],
    // TypeScript 7 removed moduleResolution node10.
    ['TypeScript 7.x', tsc7, CONFIGS.filter((c) => !c.includes('node10'))],
  ]) {
    describe(`type-checks with ${label} (skipLibCheck off, strict, exactOptionalPropertyTypes)`, function () {
      it(`is ${label}`, function () {
        const version = check(['--version']).trim();
        assert.match(version, new RegExp(`^Version ${label.slice(-3, -2)}\\.`), version);
      });
      for (const config of configs) {
        it(config, function () {
          check(['-p', config]);
        });
      }
    });
  }

  describe('compiled apps (nodenext output) run', function () {
    let daemon;

    before(async function () {
      fs.rmSync(OUT, { recursive: true, force: true });
      for (const kind of ['esm', 'cjs']) {
        const outDir = path.join(OUT, kind);
        tsc(['-p', `tsconfig.${kind}-nodenext.json`, '--noEmit', 'false', '--outDir', outDir]);
      }
      const { TestDaemon } = await import('../../lib/daemon.mjs');
      daemon = await TestDaemon.start();
    });

    after(async function () {
      await daemon?.close();
    });

    for (const [label, node] of NODES) {
      for (const [kind, file, build] of [
        ['ESM', 'esm/app.mjs', '/dist/esm/index.js'],
        ['CJS', 'cjs/app.cjs', '/dist/cjs/index.js'],
      ]) {
        it(`${label}, ${kind} app: loads ${build}, propagates, sends valid datagrams`, async function () {
          const service = `${kind.toLowerCase()}-consumer`;
          daemon.reset();
          const env = { ...process.env, COMPAT_DAEMON: daemon.address };
          const out = run([path.join(OUT, file)], { env }, node);
          const result = JSON.parse(out.trim().split('\n').pop());
          assert.ok(result.resolved.replace(/\\/g, '/').endsWith(build), result.resolved);
          assert.match(
            result.header,
            /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=1$/,
          );
          assert.deepEqual(result.names, [service]);
          assert.deepEqual(result.subsegments, ['price']);
          assert.deepEqual({ ...result.annotations }, { tenant: 'acme' });
          assert.equal(result.spansSent, 2);
          await daemon.waitFor(
            (d) => d.documents.some((doc) => doc.name === service),
            `the ${service} segment`,
          );
          const doc = daemon.documents.find((d) => d.name === service);
          assert.equal(doc.subsegments[0].name, 'price');
          assert.deepEqual(
            doc.annotations,
            { tenant: 'acme' },
            'the exporter option indexedAttributes',
          );
          assert.equal(doc.trace_id, result.header.slice(5, 40));
        });
      }
    }
  });

  describe('the tarball', function () {
    let files;

    before(function () {
      files = execFileSync('tar', ['tzf', TARBALL], { encoding: 'utf8' }).trim().split('\n');
    });

    it('publint --strict', function () {
      run([bin('publint', 'src/cli.js'), 'run', TARBALL, '--strict']);
    });

    it('@arethetypeswrong/cli (strict profile: node10, node16 CJS and ESM, bundler)', function () {
      run([
        bin('@arethetypeswrong/cli', 'dist/index.js'),
        TARBALL,
        '--profile',
        'strict',
        '--format',
        'table-flipped',
      ]);
    });

    it('ships both builds with types, and nothing from test/', function () {
      for (const f of [
        'dist/esm/index.js',
        'dist/esm/index.d.ts',
        'dist/cjs/index.js',
        'dist/cjs/index.d.ts',
      ]) {
        assert.ok(files.includes(`package/${f}`), f);
      }
      assert.deepEqual(
        files.filter((f) => /^package\/(test|benchmarks|demo|compat)\//.test(f)),
        [],
      );
    });

    it('ships the LICENSE that package.json "files" lists', function () {
      assert.ok(files.includes('package/LICENSE'), 'package/LICENSE is in the tarball');
    });

    it('source maps point at files inside the package', function () {
      const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'otel-xray-tgz-'));
      try {
        execFileSync('tar', ['xzf', TARBALL, '-C', dir]);
        const missing = new Set();
        for (const f of files.filter((x) => x.endsWith('.map'))) {
          const map = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
          if (
            Array.isArray(map.sourcesContent) &&
            map.sourcesContent.every((c) => typeof c === 'string')
          )
            continue;
          for (const s of map.sources) {
            const target = path.resolve(path.dirname(path.join(dir, f)), map.sourceRoot ?? '', s);
            if (!fs.existsSync(target))
              missing.add(path.relative(path.join(dir, 'package'), target));
          }
        }
        assert.deepEqual(
          [...missing].slice(0, 5),
          [],
          `${missing.size} sources named by the .map files are not in the tarball`,
        );
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
