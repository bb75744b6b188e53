/** The waterfall's layout: header and rows within the width, HTTP method and path, plurals. */
import assert from 'node:assert/strict';
import {
  assembleTrace,
  fitParts,
  plural,
  renderTrace,
  visibleWidth,
  wrapText,
} from '../../src/cli/waterfall.js';

const TRACE = '1-5759e988-bd862e3fe1be46a994272793';
const segment = {
  name: 'order-api',
  id: '70de5b6f19ff9a0a',
  trace_id: TRACE,
  start_time: 1465000000,
  end_time: 1465000000.25,
  http: {
    request: { method: 'POST', url: 'https://api.example.com/orders/42?debug=1' },
    response: { status: 201 },
  },
  subsegments: [
    {
      name: 'payments.internal',
      id: '70de5b6f19ff9a0b',
      start_time: 1465000000.1,
      end_time: 1465000000.2,
      namespace: 'remote',
      http: { request: { method: 'GET', url: 'http://payments.internal/charge' } },
    },
  ],
};

describe('cli waterfall layout', () => {
  it('shows the HTTP method and path of a row, as the X-Ray console does', () => {
    const lines = renderTrace(assembleTrace(TRACE, [segment]), { width: 100 });
    assert.ok(
      lines.some((l) => l.startsWith('  order-api POST /orders/42 ') && l.includes('201')),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => l.includes('└─ payments.internal GET /charge [remote]')),
      lines.join('\n'),
    );
  });

  it('counts segments and subsegments with their own plurals', () => {
    const [header] = renderTrace(assembleTrace(TRACE, [segment]), { width: 200 });
    assert.match(header ?? '', / · 1 segment, 1 subsegment in 1 document$/);
    assert.equal(plural(0, 'trace'), '0 traces');
    assert.equal(plural(1, 'trace'), '1 trace');
    assert.equal(plural(1200, 'datagram'), '1,200 datagrams');
  });

  for (const width of [60, 80, 100]) {
    it(`keeps every line, the header too, within --width ${width}`, () => {
      const lines = renderTrace(assembleTrace(TRACE, [segment]), { width, color: true });
      for (const line of lines) {
        assert.ok(visibleWidth(line) <= width, `${visibleWidth(line)} > ${width}: ${line}`);
      }
      assert.ok(lines[0]?.includes(`trace ${TRACE}`));
    });
  }

  it('fits parts and prose to a width, breaking between parts and words', () => {
    const parts = ['otel-xray daemon: 5 datagrams (2,639 bytes)', '4 accepted', '1 trace'];
    assert.deepEqual(fitParts(parts, 200), [parts.join(' · ')]);
    assert.deepEqual(fitParts(parts, 60), [
      'otel-xray daemon: 5 datagrams (2,639 bytes) · 4 accepted',
      '  1 trace',
    ]);
    const prose = 'A Lambda function takes orders: it reads the customer and saves the order.';
    const wrapped = wrapText(prose, 30, '   ');
    assert.ok(wrapped.length > 1);
    for (const l of wrapped) {
      assert.ok(l.length <= 30, l);
      assert.ok(l.startsWith('   '), l);
    }
    assert.equal(wrapped.map((l) => l.trim()).join(' '), prose);
    assert.equal(visibleWidth('\u001b[1mbold\u001b[0m'), 4);
  });
});
