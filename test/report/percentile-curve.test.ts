import { describe, expect, it } from 'vitest';
import { createHistogram } from '../../src/core/histogram.js';
import { percentileCurve, percentileLevels } from '../../src/report/percentile-curve.js';

/** 1 µs … 1000 µs once each: below 2048 µs a 3-digit HDR histogram holds every value exactly. */
function oneToThousandUs() {
  const h = createHistogram();
  for (let us = 1; us <= 1000; us++) h.recordValue(us);
  return h;
}

describe('percentileLevels', () => {
  it('halves the distance to 100% at each tick, up to the sample count, then ends on the maximum', () => {
    const { percentiles, nines } = percentileLevels(1000, 1);
    expect(percentiles).toEqual([0, 50, 75, 87.5, 93.75, 96.875, 98.4375, 99.21875, 99.609375, 99.8046875, 100]);
    expect(nines).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000]);
  });

  it('places each level at x = 1 / (1 − p), so 90%, 99%, 99.9% sit at 10, 100, 1000', () => {
    const { percentiles, nines } = percentileLevels(1e6, 5);
    for (let i = 0; i < nines.length - 1; i++) expect(percentiles[i]).toBeCloseTo(100 * (1 - 1 / nines[i]), 3);
    expect(nines.every((x, i) => i === 0 || x > nines[i - 1])).toBe(true);
    // 2^(k/5) passes 10, 100, 1000 … and stops below a million samples.
    expect(nines.at(-2)!).toBeLessThan(1e6);
    expect(nines.at(-1)).toBe(1e6);
    expect(percentiles.length).toBe(101);
  });

  it('keeps x strictly increasing when the count is a power of two', () => {
    const { nines } = percentileLevels(1024, 5);
    expect(nines.at(-2)).toBeLessThan(1024);
    expect(nines.at(-1)).toBe(1024);
  });

  it('is empty without samples and a single maximum with one', () => {
    expect(percentileLevels(0)).toEqual({ percentiles: [], nines: [] });
    expect(percentileLevels(1)).toEqual({ percentiles: [100], nines: [1] });
  });

  it('rejects a tick count that is not a positive integer', () => {
    expect(() => percentileLevels(10, 0)).toThrow(RangeError);
  });
});

describe('percentileCurve', () => {
  it('reads each level from the histogram, in milliseconds', () => {
    const curve = percentileCurve([oneToThousandUs()], 1);
    // ceil(p · 1000)-th value: 500, 750, 875, 938, 969, 985, 993, 997, 999 µs; 0% is the minimum, 100% the maximum.
    expect(curve.valuesMs[0]).toEqual([0.001, 0.5, 0.75, 0.875, 0.938, 0.969, 0.985, 0.993, 0.997, 0.999, 1]);
    expect(curve.percentiles.at(-1)).toBe(100);
    expect(curve.nines.at(-1)).toBe(1000);
  });

  it('shares one set of levels between histograms, sized by the larger', () => {
    const small = createHistogram();
    small.recordValue(1500);
    small.recordValue(2000);
    const empty = createHistogram();
    const curve = percentileCurve([oneToThousandUs(), small, empty], 1);
    expect(curve.nines).toHaveLength(11);
    expect(curve.valuesMs[1]).toHaveLength(11);
    expect(curve.valuesMs[1][0]).toBe(1.5);
    expect(curve.valuesMs[1][1]).toBe(1.5);
    expect(curve.valuesMs[1][2]).toBe(2);
    expect(curve.valuesMs[1].at(-1)).toBe(2);
    expect(curve.valuesMs[2].every((v) => v === null)).toBe(true);
  });

  it('never decreases', () => {
    const h = createHistogram();
    for (let i = 0; i < 5000; i++) h.recordValue(1000 + ((i * 7919) % 100_000));
    const values = percentileCurve([h]).valuesMs[0] as number[];
    expect(values.every((v, i) => i === 0 || v >= values[i - 1])).toBe(true);
    expect(values.at(-1)).toBeCloseTo(h.getValueAtPercentile(100) / 1000, 3);
  });

  it('is empty for empty histograms', () => {
    expect(percentileCurve([createHistogram()])).toEqual({ percentiles: [], nines: [], valuesMs: [[]] });
  });
});
