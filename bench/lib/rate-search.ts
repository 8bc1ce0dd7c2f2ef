/** One trial's verdict at a rate, for the search. */
export interface RateVerdict {
  faithful: boolean;
  /** Other processes disturbed the trial: no verdict, the search stops where it is. */
  disturbed?: boolean;
}

export interface RateSearchResult {
  /** Highest faithful rate seen (0: none). */
  lo: number;
  /** Lowest unfaithful rate seen (Infinity: none). */
  hi: number;
  /** Stopped by a disturbed trial. */
  interrupted: boolean;
}

/**
 * The highest faithful rate: doubling from `startRps` (halving while the start already fails) until a
 * rate is not faithful, then bisection between the highest faithful and the lowest unfaithful rate
 * (rounded to 10 rps) until they are within `tolerance`; never past `maxRps`, and only while
 * `timeLeft()` says so.
 */
export async function searchHighestRate(options: {
  startRps: number;
  maxRps: number;
  tolerance: number;
  timeLeft: () => boolean;
  verdict: (rps: number) => Promise<RateVerdict>;
}): Promise<RateSearchResult> {
  let lo = 0;
  let hi = Infinity;
  let rps = options.startRps;
  while (options.timeLeft()) {
    const v = await options.verdict(rps);
    if (v.disturbed) return { lo, hi, interrupted: true };
    if (v.faithful) {
      lo = Math.max(lo, rps);
      if (hi !== Infinity || rps * 2 > options.maxRps) break;
      rps *= 2;
    } else {
      hi = Math.min(hi, rps);
      if (lo > 0 || rps <= 50) break;
      rps = Math.round(rps / 2);
    }
  }
  while (options.timeLeft() && lo > 0 && hi !== Infinity && (hi - lo) / lo > options.tolerance) {
    const mid = Math.round((lo + hi) / 2 / 10) * 10;
    if (mid <= lo || mid >= hi) break;
    const v = await options.verdict(mid);
    if (v.disturbed) return { lo, hi, interrupted: true };
    if (v.faithful) lo = mid;
    else hi = mid;
  }
  return { lo, hi, interrupted: false };
}
