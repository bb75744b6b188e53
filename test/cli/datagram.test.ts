/** The daemon's acceptance rule and X-Ray's document rules, as functions. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { checkDaemonDatagram, validateSegmentDocument } from '../../src/validate.js';
import { headerProblem } from '../../src/cli/datagram.js';
import { assembleTrace, renderTrace } from '../../src/cli/waterfall.js';
import { validateDocument as helperValidate } from '../helpers/validate.js';
import { datagram, HEADER, sampleTrace, traceId } from './cli-process.js';

const GOLDEN = new URL('../data/golden/', import.meta.url);

describe('the daemon rule and X-Ray rules (functions)', () => {
  it('header: decoded as Go does (case-insensitive keys, "json" in any case, version the integer 1)', () => {
    const accepted = [
      '{"format":"json","version":1}',
      '{"format": "json", "version": 1}',
      ' {"FORMAT":"JSON","Version":1} ',
      '{"version":1,"format":"Json","extra":[1,{"a":"}"}]}',
      '{"format":"json","version":1,"version":"x"}',
      '{"format":"json","version":1}\r',
    ];
    for (const h of accepted) assert.equal(headerProblem(h), undefined, `accepted: ${h}`);
    const rejected: Array<[string, RegExp]> = [
      ['{"format":"json","version":1.0}', /version/],
      ['{"format":"json","version":"1"}', /version/],
      ['{"format":"json","version":2}', /"version" is 2/],
      ['{"format":"xml","version":1}', /"format" is "xml"/],
      ['{"version":1}', /"format" is missing/],
      ['{"format":"json","version":1} x', /not JSON/],
      ['[{"format":"json","version":1}]', /not a JSON object/],
      ['null', /not a JSON object/],
      ['', /not JSON/],
    ];
    for (const [h, why] of rejected)
      assert.match(headerProblem(h) ?? 'accepted', why, `rejected: ${h}`);
  });

  it('datagram: split at the first newline; the rest is ONE document; notes for what is unusual', () => {
    const { segment } = sampleTrace(traceId());
    const ok = checkDaemonDatagram(Buffer.from(datagram(segment)));
    assert.ok(ok.accepted, 'accepted');
    assert.deepEqual(ok.problems, [], 'valid');
    assert.deepEqual(ok.notes, [], 'canonical');
    assert.deepEqual(ok.document, segment, 'parsed');
    const pretty = checkDaemonDatagram(
      Buffer.from(`{"format":"JSON","version":1}\n${JSON.stringify(segment, null, 2)}`),
    );
    assert.ok(
      pretty.accepted,
      'the daemon accepts a non-canonical header and a multi-line document',
    );
    assert.deepEqual(pretty.problems, [], 'X-Ray accepts them too');
    assert.equal(pretty.notes.length, 2, `two notes: ${pretty.notes.join(' | ')}`);
    const empty = checkDaemonDatagram(Buffer.alloc(0));
    assert.ok(!empty.accepted && empty.kind === 'empty', 'empty datagrams are skipped');
    const utf = checkDaemonDatagram(
      Buffer.concat([Buffer.from(HEADER), Buffer.from([0x7b, 0xff, 0x7d])]),
    );
    assert.ok(
      utf.accepted && utf.problems.some((p) => /UTF-8/.test(p)),
      'invalid UTF-8 is a problem',
    );
    const trailing = checkDaemonDatagram(Buffer.from(`${datagram(segment)} trailing`));
    assert.ok(
      trailing.accepted && trailing.problems.some((p) => /followed by other text/.test(p)),
      'text after the document',
    );
  });

  it('X-Ray trace ID time window, only when "now" is given', () => {
    const { segment } = sampleTrace('1-5759e988-bd862e3fe1be46a994272793');
    assert.deepEqual(
      validateSegmentDocument({ ...segment, start_time: 1465000000, end_time: 1465000001 }),
      [],
      'no clock: no window check',
    );
    const problems = validateSegmentDocument(segment, { now: Date.now() / 1000 });
    assert.ok(
      problems.some((p) => /days old; X-Ray drops traces over 30 days old/.test(p)),
      `old trace ID: ${problems.join(' | ')}`,
    );
  });

  it('every golden document of the exporter is valid', () => {
    let n = 0;
    for (const f of readdirSync(GOLDEN).filter((x) => x.endsWith('.json'))) {
      const docs = JSON.parse(readFileSync(new URL(f, GOLDEN), 'utf8')) as unknown[];
      for (const d of docs) {
        n++;
        assert.deepEqual(
          validateSegmentDocument(d),
          [],
          `${f}: ${JSON.stringify(d).slice(0, 200)}`,
        );
      }
    }
    assert.ok(n > 5, `golden documents found: ${n}`);
  });

  it('finds at least every problem the test helper finds (one rule set could replace the other)', () => {
    const { segment: s } = sampleTrace(traceId());
    const broken: unknown[] = [
      { ...s, name: ' padded ' },
      { ...s, name: 'x'.repeat(201) },
      { ...s, id: 'ABCDEF0123456789' },
      { ...s, trace_id: '1-5759e988-bd862e3fe1be46a99427279' },
      { ...s, end_time: (s.start_time as number) - 1 },
      { ...s, in_progress: true },
      { ...s, namespace: 'local' },
      { ...s, error: 'yes' },
      { ...s, annotations: { 'bad-key': 1 } },
      { ...s, annotations: { k: [1] } },
      { ...s, annotations: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])) },
      { ...s, metadata: { default: 3 } },
      { ...s, http: { request: { url: 'http://u:p@host/' } } },
      { ...s, http: { response: { status: '200' } } },
      { ...s, sql: { url: 1 } },
      { ...s, aws: { region: null } },
      { ...s, cause: { exceptions: [{ id: 'nope' }] } },
      { ...s, cause: { exceptions: [{ id: 'a000000000000001', stack: [{ line: -1 }] }] } },
      { ...s, links: [{ trace_id: 'x', id: 'a000000000000001' }] },
      { ...s, subsegments: [] },
      { ...s, subsegments: [{ name: 'x', id: 'a000000000000004', start_time: 1 }] },
      { ...s, type: 'segment' },
      { ...s, type: 'subsegment' },
      { ...s, parent_id: 'xyz' },
      { ...s, fault: null },
    ];
    for (const doc of broken) {
      const theirs = helperValidate(doc);
      const ours = validateSegmentDocument(doc);
      assert.ok(theirs.length > 0, `the helper flags ${JSON.stringify(doc).slice(0, 120)}`);
      assert.ok(ours.length > 0, `we flag what the helper flags (${theirs.join('; ')})`);
    }
  });

  it('waterfall: a node whose parent was not received is drawn at the top, under a note', () => {
    const tid = traceId(9);
    const t = Date.now() / 1000;
    const lines = renderTrace(
      assembleTrace(tid, [
        {
          type: 'subsegment',
          name: 'handler',
          id: 'b000000000000001',
          trace_id: tid,
          parent_id: 'f000000000000001',
          start_time: t,
          in_progress: true,
        },
      ]),
      { width: 90 },
    );
    assert.match(lines[0] as string, /no segment received/, `header: ${lines[0]}`);
    assert.ok(
      lines.some((l) => l.includes('(parent f000000000000001 not received)')),
      `note:\n${lines.join('\n')}`,
    );
    assert.ok(
      lines.some((l) => /handler .*….*░.*in progress$/.test(l)),
      `in progress drawn:\n${lines.join('\n')}`,
    );
  });
});
