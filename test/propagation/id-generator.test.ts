import assert from 'node:assert/strict';
import { randomFillSync } from 'node:crypto';
import { isValidSpanId, isValidTraceId } from '@opentelemetry/api';
import { AWSXRayIdGenerator } from '../../src/propagation/id-generator.js';
import type { IdGenerator } from '../../src/propagation/id-generator.js';
import { parseTraceHeader } from '../../src/protocol/trace-header.js';

const N = 100_000;

/** Seconds encoded in the first 8 hex digits of a trace ID. */
const epochOf = (traceId: string) => parseInt(traceId.slice(0, 8), 16);

/** A generator whose randomness is scripted: `fills` are used in order, then real random. */
class ScriptedIdGenerator extends AWSXRayIdGenerator {
  refills = 0;
  constructor(private readonly fills: Array<(buffer: Buffer) => void> = []) {
    super();
  }
  protected override _fillRandom(buffer: Buffer): void {
    const fill = this.fills[this.refills++];
    if (fill) fill(buffer);
    else randomFillSync(buffer);
  }
}

describe('AWSXRayIdGenerator', () => {
  const realNow = Date.now;
  afterEach(() => {
    Date.now = realNow;
  });

  it('has the IdGenerator shape', () => {
    const g: IdGenerator = new AWSXRayIdGenerator();
    assert.equal(typeof g.generateTraceId, 'function');
    assert.equal(typeof g.generateSpanId, 'function');
  });

  it('formats: 32 / 16 lower-case hex, valid for OpenTelemetry and X-Ray', () => {
    const g = new AWSXRayIdGenerator();
    for (let i = 0; i < 10_000; i++) {
      const t = g.generateTraceId();
      const s = g.generateSpanId();
      assert.match(t, /^[0-9a-f]{32}$/);
      assert.match(s, /^[0-9a-f]{16}$/);
      assert.ok(isValidTraceId(t) && isValidSpanId(s), `${t} ${s}`);
      if (i % 1000 === 0) {
        // The X-Ray form `1-<8>-<24>` of the ID is accepted by a strict X-Ray header parser.
        assert.equal(parseTraceHeader(`Root=1-${t.slice(0, 8)}-${t.slice(8)}`)?.traceId, t);
      }
    }
  });

  it('timestamp: the current epoch second, rounded down (never in the future)', () => {
    const g = new AWSXRayIdGenerator();
    // 999 ms into a second: rounding would give the next second, which is in the future.
    const second = 1_700_000_000;
    Date.now = () => second * 1000 + 999;
    assert.equal(epochOf(g.generateTraceId()), second);
    Date.now = () => second * 1000;
    assert.equal(epochOf(g.generateTraceId()), second);
    // The clock is read per ID, not cached across seconds.
    Date.now = () => (second + 1) * 1000 + 1;
    assert.equal(epochOf(g.generateTraceId()), second + 1);
    Date.now = realNow;
    const before = Math.floor(Date.now() / 1000);
    const t = epochOf(g.generateTraceId());
    const after = Math.floor(Date.now() / 1000);
    assert.ok(before <= t && t <= after, `${before} <= ${t} <= ${after}`);
  });

  it('timestamp is written big-endian and zero-padded', () => {
    const g = new AWSXRayIdGenerator();
    Date.now = () => 0x0badcafe * 1000 + 500;
    assert.equal(g.generateTraceId().slice(0, 8), '0badcafe');
    Date.now = () => 0x5 * 1000;
    assert.equal(g.generateTraceId().slice(0, 8), '00000005');
  });

  it('uniqueness over 100k trace IDs and 100k span IDs', () => {
    const g = new AWSXRayIdGenerator();
    const traces = new Set<string>();
    const spans = new Set<string>();
    for (let i = 0; i < N; i++) {
      traces.add(g.generateTraceId());
      spans.add(g.generateSpanId());
    }
    assert.equal(traces.size, N);
    assert.equal(spans.size, N);
    // Separate instances do not repeat each other either.
    const other = new AWSXRayIdGenerator();
    for (let i = 0; i < 1000; i++)
      assert.ok(!spans.has(other.generateSpanId()), 'repeat across instances');
  });

  it('randomness sanity: hex digits uniform, every random bit near 50 %', () => {
    const g = new AWSXRayIdGenerator();
    const digitCounts = new Array<number>(16).fill(0);
    const spanBits = new Array<number>(64).fill(0);
    const traceBits = new Array<number>(96).fill(0);
    const count = (hex: string, bits: number[]) => {
      for (let i = 0; i < hex.length; i++) {
        const v = parseInt(hex[i]!, 16);
        digitCounts[v]!++;
        for (let b = 0; b < 4; b++) if (v & (8 >> b)) bits[i * 4 + b]!++;
      }
    };
    for (let i = 0; i < N; i++) {
      count(g.generateSpanId(), spanBits);
      count(g.generateTraceId().slice(8), traceBits);
    }
    // Chi-square over 16 digit values (15 degrees of freedom): 60 is p ≈ 1e-7.
    const total = digitCounts.reduce((a, b) => a + b, 0);
    const expected = total / 16;
    const chi2 = digitCounts.reduce((a, c) => a + (c - expected) ** 2 / expected, 0);
    assert.ok(chi2 < 60, `chi-square ${chi2.toFixed(1)} over ${digitCounts.join(',')}`);
    // Each bit: binomial(100k, 0.5), sigma ≈ 158; 6 sigma is 950.
    for (const [name, bits] of [
      ['span', spanBits],
      ['trace', traceBits],
    ] as const) {
      bits.forEach((ones, i) =>
        assert.ok(Math.abs(ones - N / 2) < 950, `${name} bit ${i} set ${ones} times of ${N}`),
      );
    }
  });

  it('never returns the all-zero span ID, even from an all-zero random source', () => {
    // The first pool is all zeros; the generator must draw again until it gets non-zero bytes.
    const g = new ScriptedIdGenerator([(b) => b.fill(0)]);
    const id = g.generateSpanId();
    assert.notEqual(id, '0000000000000000');
    assert.ok(isValidSpanId(id), id);
    assert.equal(g.refills, 2, 'the zero pool was exhausted, then refilled');
    // A zero random part still gives a valid trace ID: the timestamp is never zero.
    const z = new ScriptedIdGenerator([(b) => b.fill(0)]);
    const t = z.generateTraceId();
    assert.ok(isValidTraceId(t), t);
    assert.equal(t.slice(8), '0'.repeat(24));
  });

  it('skips a zero span ID in the middle of the pool and keeps the next one', () => {
    const g = new ScriptedIdGenerator([
      (b) => {
        b.fill(0xab);
        b.fill(0, 8, 16); // the second span ID slot is zero
      },
    ]);
    assert.equal(g.generateSpanId(), 'abababababababab');
    assert.equal(g.generateSpanId(), 'abababababababab');
    assert.equal(g.refills, 1);
  });

  it('refills the random pool in large chunks, not per ID', () => {
    const g = new ScriptedIdGenerator();
    for (let i = 0; i < 512; i++) g.generateSpanId(); // 512 × 8 bytes = 4 KiB
    assert.equal(g.refills, 1);
    g.generateSpanId();
    assert.equal(g.refills, 2);
    const t = new ScriptedIdGenerator();
    for (let i = 0; i < 256; i++) t.generateTraceId(); // 256 × 16 bytes = 4 KiB
    assert.equal(t.refills, 1);
  });

  it('consumes fresh bytes for every ID (no reuse across a refill)', () => {
    let fill = 0;
    // Each refill writes a distinct byte value, so IDs reveal which refill they came from.
    const g = new ScriptedIdGenerator(
      Array.from({ length: 4 }, () => (b: Buffer) => b.fill(++fill)),
    );
    const ids = Array.from({ length: 1024 }, () => g.generateSpanId());
    assert.equal(ids[0], '0101010101010101');
    assert.equal(ids[511], '0101010101010101');
    assert.equal(ids[512], '0202020202020202');
    assert.equal(ids[1023], '0202020202020202');
  });
});
