import { describe, expect, it } from 'vitest';
import { createHistogram, decodeHistogram, encodeHistogram, record, type Histogram } from '../../src/core/histogram.js';

/** Powers of two and their neighbours up to 2^34 (past the integer path's 2^30), plus values around bucket edges. */
function edgeValues(): number[] {
  const values = [0, 1, 2, 3];
  for (let bit = 2; bit <= 34; bit++) {
    const p = 2 ** bit;
    values.push(p - 1, p, p + 1);
  }
  values.push(2047, 2048, 2049, 4095, 4096, 4097, 999_999, 1_000_000, 60_000_000, 2 ** 30 - 1, 2 ** 30, 5e10);
  return values;
}

/** A seeded mix like a run's: lags of a few µs, latencies of 100 µs – 2 s, a few very slow ones. */
function runLikeValues(count: number): number[] {
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: count }, () => {
    const r = next();
    if (r < 0.3) return Math.floor(next() * 20);
    if (r < 0.95) return 100 + Math.floor(next() * 5000);
    return Math.floor(next() * 2_000_000_000);
  });
}

function expectSameHistogram(fast: Histogram, library: Histogram): void {
  expect(fast.totalCount).toBe(library.totalCount);
  expect(fast.minNonZeroValue).toBe(library.minNonZeroValue);
  expect(fast.maxValue).toBe(library.maxValue);
  expect(encodeHistogram(fast)).toBe(encodeHistogram(library));
}

describe('record — the hot path’s histogram record', () => {
  for (const kind of ['dense', 'packed', 'coarse'] as const) {
    it(`lands every value in the counter the library's recordValue does (${kind})`, () => {
      const values = [...edgeValues(), ...runLikeValues(20_000)];
      const fast = createHistogram(kind);
      const library = createHistogram(kind);
      for (const v of values) {
        record(fast, v);
        library.recordValue(v);
      }
      expectSameHistogram(fast, library);
      // Each edge value is counted at its own bucket, not a neighbour's.
      for (const v of [1, 2047, 2048, 2049, 4097, 2 ** 30 - 1]) {
        expect((fast as unknown as { getCountAtValue(v: number): number }).getCountAtValue(v)).toBe(
          (library as unknown as { getCountAtValue(v: number): number }).getCountAtValue(v),
        );
      }
    });
  }

  it('grows the histogram when a value is past its counts, then keeps recording on the fast path', () => {
    const fast = createHistogram();
    const library = createHistogram();
    for (const v of [5, 3_000_000, 7, 900_000_000, 12, 2 ** 29]) {
      record(fast, v);
      library.recordValue(v);
    }
    expect(fast.getValueAtPercentile(100)).toBe(library.getValueAtPercentile(100));
    expectSameHistogram(fast, library);
  });

  it('records into a decoded histogram (a merged slice’s) as the library does', () => {
    const source = createHistogram();
    for (const v of runLikeValues(1000)) source.recordValue(v);
    const fast = decodeHistogram(encodeHistogram(source));
    const library = decodeHistogram(encodeHistogram(source));
    for (const v of runLikeValues(5000)) {
      record(fast, v);
      library.recordValue(v);
    }
    expectSameHistogram(fast, library);
  });

  it('refuses a negative value as the library does', () => {
    expect(() => record(createHistogram(), -1)).toThrow(/negative/);
  });
});
