import type { Histogram } from '../core/histogram.js';

/**
 * The HDR percentile curve ("percentile spectrum"): latency against percentile on a log axis of nines,
 * where x = 1 / (1 − p) puts 90% at 10, 99% at 100, 99.9% at 1000. Read straight from the merged
 * histograms, so every point is exact to the histogram's precision and nothing is averaged.
 */
export interface PercentileCurve {
  /** Percentile of each point, 0–100. The last point is the maximum (100). */
  percentiles: number[];
  /**
   * x of each point, 1 / (1 − p). The maximum cannot sit at infinity: it is drawn at x = total count,
   * where the empirical distribution's top sample belongs (p = 1 − 1/N).
   */
  nines: number[];
  /** One series per histogram given, in milliseconds; null where that histogram is empty. */
  valuesMs: (number | null)[][];
}

/** Points per halving of the distance to 100% (0, 50, 75, 87.5 … with 1 tick per half). */
export const DEFAULT_TICKS_PER_HALF = 5;

/**
 * Percentile levels 0, …, 100·(1 − 2^(−k/ticksPerHalf)), … as long as their x = 2^(k/ticksPerHalf)
 * stays below totalCount (past it, a histogram of that many samples has nothing new to say), then 100.
 * Returns the levels with their x, both increasing strictly.
 */
export function percentileLevels(totalCount: number, ticksPerHalf = DEFAULT_TICKS_PER_HALF): { percentiles: number[]; nines: number[] } {
  if (!(totalCount >= 1)) return { percentiles: [], nines: [] };
  if (!(Number.isInteger(ticksPerHalf) && ticksPerHalf >= 1)) throw new RangeError('ticksPerHalf must be an integer ≥ 1');
  const percentiles: number[] = [];
  const nines: number[] = [];
  for (let k = 0; ; k++) {
    const x = 2 ** (k / ticksPerHalf);
    // Compared as stored (rounded), so the maximum's x stays strictly the largest.
    if (roundTo(x, 6) >= totalCount) break;
    percentiles.push(100 * (1 - 1 / x));
    nines.push(roundTo(x, 6));
  }
  percentiles.push(100);
  nines.push(totalCount);
  return { percentiles, nines };
}

/**
 * The curve of several histograms (e.g. response time and service time) on one shared set of levels,
 * sized by the largest of them so they can share one x axis. Histograms hold integer microseconds.
 */
export function percentileCurve(histograms: readonly Histogram[], ticksPerHalf = DEFAULT_TICKS_PER_HALF): PercentileCurve {
  const totalCount = Math.max(0, ...histograms.map((h) => h.totalCount));
  const { percentiles, nines } = percentileLevels(totalCount, ticksPerHalf);
  const valuesMs = histograms.map((h) =>
    percentiles.map((p) => (h.totalCount === 0 ? null : roundTo(h.getValueAtPercentile(p) / 1000, 3))),
  );
  return { percentiles: percentiles.map((p) => roundTo(p, 6)), nines, valuesMs };
}

function roundTo(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
