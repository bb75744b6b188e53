import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import {
  createTraceState,
  defaultTextMapGetter,
  defaultTextMapSetter,
  isSpanContextValid,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
} from '@opentelemetry/api';
import type { Context, SpanContext, TextMapPropagator } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { AWSXRayPropagator as ContribPropagator } from '@opentelemetry/propagator-aws-xray';
import fc from 'fast-check';
import { AWSXRayPropagator } from '../../src/propagation/propagator.js';
import {
  getLineage,
  isRootOnlyParent,
  isSamplingDeferred,
} from '../../src/protocol/trace-header.js';

const require = createRequire(import.meta.url);

/** The parts of aws-xray-sdk-core used here (it ships no types for its internals). */
interface XRaySegment {
  trace_id: string;
  id: string;
  parent_id?: string;
  notTraced?: boolean;
  additionalTraceData?: Record<string, string>;
}
interface XRaySdk {
  Segment: new (name: string, rootId?: string, parentId?: string) => XRaySegment;
  isAutomaticMode(): boolean;
  enableManualMode(): void;
  enableAutomaticMode(): void;
  captureAWSv3Client<T>(client: T, segment?: XRaySegment): T;
  captureHTTPs(module: typeof http, downstreamXRayEnabled?: boolean): typeof http;
}
const AWSXRay = require('aws-xray-sdk-core') as XRaySdk;
// The header parser the X-Ray SDK's middleware and Lambda support use.
const { processTraceData } = require('aws-xray-sdk-core/dist/lib/utils') as {
  processTraceData(header: string): Record<string, string | Record<string, string>>;
};
const TraceID = require('aws-xray-sdk-core/dist/lib/segments/attributes/trace_id') as {
  FromString(raw: string): { toString(): string };
};

const HEADER = 'x-amzn-trace-id';
const ours = new AWSXRayPropagator();
const contrib = new ContribPropagator();

function extractWith(p: TextMapPropagator, header: unknown): Context {
  return p.extract(ROOT_CONTEXT, { [HEADER]: header }, defaultTextMapGetter);
}
function injectWith(p: TextMapPropagator, ctx: Context): string | undefined {
  const carrier: Record<string, string> = {};
  p.inject(ctx, carrier, defaultTextMapSetter);
  return carrier[HEADER];
}

const hex = (n: number) =>
  fc
    .string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n })
    .filter((s) => !/^0+$/.test(s));
const spanContexts = fc
  .record({ traceId: hex(32), spanId: hex(16), sampled: fc.boolean() })
  .map(({ traceId, spanId, sampled }): SpanContext => ({
    traceId,
    spanId,
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
  }));
const essentials = (sc: SpanContext | undefined) =>
  sc && { traceId: sc.traceId, spanId: sc.spanId, traceFlags: sc.traceFlags };

describe('interoperability', () => {
  describe('with @opentelemetry/propagator-aws-xray (contrib)', () => {
    it('what we inject, contrib reads as the same span context', () => {
      fc.assert(
        fc.property(spanContexts, (sc) => {
          const header = injectWith(ours, trace.setSpanContext(ROOT_CONTEXT, sc));
          assert.deepEqual(essentials(trace.getSpanContext(extractWith(contrib, header))), sc);
        }),
        { numRuns: 500 },
      );
    });

    it('what contrib injects, we read as the same span context', () => {
      fc.assert(
        fc.property(spanContexts, (sc) => {
          const header = injectWith(contrib, trace.setSpanContext(ROOT_CONTEXT, sc));
          const back = trace.getSpanContext(extractWith(ours, header));
          assert.deepEqual(essentials(back), sc);
          assert.equal(isSamplingDeferred(back), false);
          assert.equal(isRootOnlyParent(back), false);
        }),
        { numRuns: 500 },
      );
    });

    it('contrib reads our headers carrying Lineage (and ignores the Lineage)', () => {
      const sc: SpanContext = {
        traceId: '5759e988bd862e3fe1be46a994272793',
        spanId: '53995c3f42cd8ad8',
        traceFlags: TraceFlags.SAMPLED,
        traceState: createTraceState('xray=l:1:fe460cdd:0'),
      };
      const header = injectWith(ours, trace.setSpanContext(ROOT_CONTEXT, sc));
      assert.match(header ?? '', /;Lineage=1:fe460cdd:0$/);
      assert.deepEqual(
        essentials(trace.getSpanContext(extractWith(contrib, header))),
        essentials(sc),
      );
    });
  });

  describe('with aws-xray-sdk-core 3.x', () => {
    it('what we inject, its header parser and trace ID check accept unchanged', () => {
      fc.assert(
        fc.property(
          spanContexts,
          fc.option(fc.constantFrom('1:fe460cdd:0', 'a87bd80c:1|68fd508a:5')),
          (sc, lineage) => {
            const withState = lineage
              ? { ...sc, traceState: createTraceState(`xray=l:${lineage}`) }
              : sc;
            const header = injectWith(ours, trace.setSpanContext(ROOT_CONTEXT, withState)) ?? '';
            const data = processTraceData(header);
            const root = `1-${sc.traceId.slice(0, 8)}-${sc.traceId.slice(8)}`;
            assert.equal(data['root'], root);
            assert.equal(data['parent'], sc.spanId);
            assert.equal(data['sampled'], sc.traceFlags === TraceFlags.SAMPLED ? '1' : '0');
            // Lineage is not a reserved key: the SDK keeps it in `data` and forwards it.
            assert.deepEqual(data['data'], lineage ? { Lineage: lineage } : {});
            // `new Segment(name, root, parent)` (what its middleware does) keeps our IDs.
            const segment = new AWSXRay.Segment(
              'svc',
              data['root'] as string,
              data['parent'] as string,
            );
            assert.equal(segment.trace_id, root);
            assert.equal(segment.parent_id, sc.spanId);
            assert.equal(TraceID.FromString(root).toString(), root);
          },
        ),
        { numRuns: 300 },
      );
    });

    describe('headers written by its instrumentation', () => {
      const wasAutomatic = AWSXRay.isAutomaticMode();
      before(() => AWSXRay.enableManualMode());
      after(() => (wasAutomatic ? AWSXRay.enableAutomaticMode() : AWSXRay.enableManualMode()));

      function segment(sampled: boolean, lineage?: string): XRaySegment {
        const s = new AWSXRay.Segment(
          'svc',
          '1-5759e988-bd862e3fe1be46a994272793',
          '53995c3f42cd8ad8',
        );
        if (!sampled) s.notTraced = true;
        // What its Lambda support does with `Lineage` from `_X_AMZN_TRACE_ID`.
        if (lineage !== undefined) s.additionalTraceData = { Lineage: lineage };
        return s;
      }

      it('AWS SDK v3 client (captureAWSv3Client), with Lineage: we read it', async () => {
        const { DynamoDBClient, ListTablesCommand } = require('@aws-sdk/client-dynamodb') as {
          DynamoDBClient: new (config: object) => { send(command: object): Promise<unknown> };
          ListTablesCommand: new (input: object) => object;
        };
        for (const sampled of [true, false]) {
          let sent: Record<string, string> | undefined;
          const client = new DynamoDBClient({
            region: 'us-east-1',
            credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
            endpoint: 'http://127.0.0.1:9',
            maxAttempts: 1,
            // Capture the signed request instead of sending it.
            requestHandler: {
              handle: async (request: { headers: Record<string, string> }) => {
                sent = { ...request.headers };
                throw new Error('captured');
              },
            },
          });
          const seg = segment(sampled, '1:fe460cdd:0');
          AWSXRay.captureAWSv3Client(client, seg);
          await assert.rejects(client.send(new ListTablesCommand({})), /captured/);
          const header = sent?.['X-Amzn-Trace-Id'];
          assert.ok(header, 'the X-Ray SDK wrote the header');
          const sc = trace.getSpanContext(extractWith(ours, header));
          assert.equal(sc?.traceId, '5759e988bd862e3fe1be46a994272793');
          assert.match(sc?.spanId ?? '', /^[0-9a-f]{16}$/);
          assert.notEqual(sc?.spanId, '53995c3f42cd8ad8', 'the parent is its subsegment');
          assert.equal(sc?.traceFlags, sampled ? TraceFlags.SAMPLED : TraceFlags.NONE);
          assert.equal(getLineage(sc), '1:fe460cdd:0');
          assert.equal(isSamplingDeferred(sc), false);
        }
      });

      it('http client (captureHTTPs): we read it', async () => {
        const received: string[] = [];
        const server = http.createServer((req, res) => {
          received.push(String(req.headers[HEADER]));
          res.end('ok');
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        try {
          const { port } = server.address() as AddressInfo;
          const captured = AWSXRay.captureHTTPs(http, false);
          for (const sampled of [true, false]) {
            await new Promise<void>((resolve, reject) => {
              const options = {
                hostname: '127.0.0.1',
                port,
                path: '/',
                XRaySegment: segment(sampled),
              };
              const req = captured.request(options, (res) => {
                res.resume();
                res.on('end', resolve);
              });
              req.on('error', reject);
              req.end();
            });
          }
        } finally {
          server.close();
        }
        assert.equal(received.length, 2);
        received.forEach((header, i) => {
          const sc = trace.getSpanContext(extractWith(ours, header));
          assert.equal(sc?.traceId, '5759e988bd862e3fe1be46a994272793', header);
          assert.equal(sc?.traceFlags, i === 0 ? TraceFlags.SAMPLED : TraceFlags.NONE);
        });
      });
    });

    it('facts about its parser that docs/propagation.md cites', () => {
      const r = '1-5759e988-bd862e3fe1be46a994272793';
      // Keys are case-insensitive.
      assert.equal(processTraceData(`root=${r};sampled=1`)['root'], r);
      // Duplicated keys: the LAST occurrence wins (ours: the first).
      assert.equal(processTraceData(`Root=${r};Sampled=0;Sampled=1`)['sampled'], '1');
      // Unknown keys are kept and forwarded (up to 256 bytes); Self is parsed, not forwarded.
      const d = processTraceData(`Root=${r};Self=1-x-y;Foo=bar`);
      assert.deepEqual(d['data'], { Foo: 'bar' });
      assert.equal(d['self'], '1-x-y');
      // Upper-case hex is only partly normalised by its trace ID check.
      assert.equal(
        TraceID.FromString('1-5759E988-BD862E3FE1BE46A994272793').toString(),
        '1-5759e988-BD862E3FE1BE46A994272793',
      );
    });
  });

  describe('comparison with contrib on the same inputs (the table in docs/propagation.md)', () => {
    const R = '1-5759e988-bd862e3fe1be46a994272793';
    const P = '53995c3f42cd8ad8';
    const pad = `;${'Foo=bar;'.repeat(640)}`; // ~5 KiB of unknown pairs
    const full = `Root=${R};Parent=${P};Sampled=1`;
    const inputs: Array<[label: string, header: string | string[]]> = [
      ['sampled', full],
      ['not sampled', `Root=${R};Parent=${P};Sampled=0`],
      ['ALB: Root only', 'Root=1-67891233-abcdef012345678912345678'],
      [
        'ALB: Self, Root',
        'Self=1-67891233-12456789abcdef012345678;Root=1-67891233-abcdef012345678912345678',
      ],
      ['Root, Sampled=1, no Parent', `Root=${R};Sampled=1`],
      ['Lambda with Lineage', `${full};Lineage=1:fe460cdd:0`],
      ['Sampled=?', `Root=${R};Parent=${P};Sampled=?`],
      ['no Sampled', `Root=${R};Parent=${P}`],
      ['lower-case keys', `root=${R};parent=${P};sampled=1`],
      ['upper-case hex', `Root=${R.toUpperCase()};Parent=${P.toUpperCase()};Sampled=1`],
      ['spaces around "="', `Root = ${R}; Parent = ${P}; Sampled = 1`],
      ['RootX after Root', `${full};RootX=1-11111111-222222222222222222222222`],
      ['duplicated Sampled', `Root=${R};Parent=${P};Sampled=0;Sampled=1`],
      ['all-zero Parent', `Root=${R};Parent=0000000000000000;Sampled=1`],
      [
        'repeated header, comma-joined',
        `${full}, Root=1-11111111-222222222222222222222222;Sampled=0`,
      ],
      ['repeated header, array', [full, 'Root=1-11111111-222222222222222222222222']],
      ['over 4 KiB', `${full}${pad}`],
    ];
    /** Header text as shown in the doc: `<root>`, `<parent>` for the values above. */
    const shorten = (h: string) =>
      h
        .replace(R, '<root>')
        .replace(P, '<parent>')
        .replace(R.toUpperCase(), '<ROOT>')
        .replace(P.toUpperCase(), '<PARENT>')
        .replace(pad, ';Foo=bar;… (5 KiB)');

    function describeResult(ctx: Context, isOurs: boolean): string {
      const sc = trace.getSpanContext(ctx);
      if (ctx === ROOT_CONTEXT || sc === undefined || !isSpanContextValid(sc)) {
        return 'rejected (new trace)';
      }
      const parts = [`trace \`${sc.traceId.slice(0, 8)}\``];
      parts.push(
        isOurs && isRootOnlyParent(sc) ? 'no parent' : `parent \`${sc.spanId.slice(0, 8)}\``,
      );
      if (isOurs && isSamplingDeferred(sc)) parts.push('decision deferred');
      else parts.push(sc.traceFlags & TraceFlags.SAMPLED ? 'sampled' : 'not sampled');
      if (isOurs && getLineage(sc) !== undefined) parts.push('Lineage kept');
      return parts.join(', ');
    }

    function table(): string {
      const rows = [
        '| input | header (`<root>` = `1-5759e988-…`, `<parent>` = `53995c3f…`) | otel-xray | contrib |',
        '| --- | --- | --- | --- |',
      ];
      for (const [label, header] of inputs) {
        const cell = Array.isArray(header)
          ? `${header.map((h) => `\`${shorten(h)}\``).join(', ')} (array)`
          : `\`${shorten(header)}\``;
        const a = describeResult(extractWith(ours, header), true);
        const b = describeResult(extractWith(contrib, header), false);
        rows.push(`| ${label} | ${cell} | ${a} | ${b} |`);
      }
      return rows.join('\n');
    }

    /** Inject side: what each writes from the same contexts. */
    function injectTable(): string {
      const sc: SpanContext = { traceId: R.replace(/^1-|-/g, ''), spanId: P, traceFlags: 1 };
      const rootOnly = extractWith(ours, `Root=${R}`);
      const cases: Array<[string, Context]> = [
        ['sampled span', trace.setSpanContext(ROOT_CONTEXT, sc)],
        [
          'span whose trace state carries a Lineage',
          trace.setSpanContext(ROOT_CONTEXT, {
            ...sc,
            traceState: createTraceState('xray=l:1:fe460cdd:0'),
          }),
        ],
        [
          'span built with upper-case hex',
          trace.setSpanContext(ROOT_CONTEXT, { ...sc, spanId: P.toUpperCase() }),
        ],
        ['tracing suppressed', suppressTracing(trace.setSpanContext(ROOT_CONTEXT, sc))],
        ['extracted Root-only context, no local span', rootOnly],
      ];
      const show = (h: string | undefined) => (h === undefined ? 'nothing' : `\`${shorten(h)}\``);
      const rows = ['| context | otel-xray writes | contrib writes |', '| --- | --- | --- |'];
      for (const [label, ctx] of cases) {
        rows.push(
          `| ${label} | ${show(injectWith(ours, ctx))} | ${show(injectWith(contrib, ctx))} |`,
        );
      }
      return rows.join('\n');
    }

    /** Table rows with cell padding and separator widths normalised (editors align them). */
    const normalise = (markdown: string) =>
      markdown
        .trim()
        .split('\n')
        .map((line) =>
          line
            .split('|')
            .map((cell) => cell.trim().replace(/^-{3,}$/, '---'))
            .join('|'),
        )
        .join('\n');
    const between = (name: string) => {
      const doc = readFileSync(new URL('../../docs/propagation.md', import.meta.url), 'utf8');
      const m = new RegExp(`<!-- ${name}:start -->([\\s\\S]*?)<!-- ${name}:end -->`).exec(doc);
      assert.ok(m, `docs/propagation.md has a ${name} block`);
      return normalise(m[1]!);
    };

    it('extract: the table in the doc is what the two propagators do', () => {
      assert.equal(between('extract-comparison'), normalise(table()));
    });

    it('inject: the table in the doc is what the two propagators do', () => {
      assert.equal(between('inject-comparison'), normalise(injectTable()));
    });
  });
});
