import type { OpenPacer } from './pacer.js';

/** A stretch of time over which the rate moves linearly from startRps to endRps. */
export interface RateSegment {
  durationUs: number;
  startRps: number;
  endRps: number;
}

/**
 * The shared arithmetic of every rate-shaped open load: a rate curve made of linear segments.
 *
 * Within segment k (starting at time S_k with H_k hits due before it, length T, rates r0 → r1),
 * the hits due by local time t (seconds) are  H(t) = H_k + r0·t + (r1 − r0)·t² / (2T).
 * Hit n is due when H(t) = n, i.e. with m = n − H_k and a = (r1 − r0)/(2T):
 *     t = 2m / (r0 + √(r0² + 4·a·m))          (the stable root of a·t² + r0·t − m = 0)
 * and dueUs(n) = S_k + t·10⁶. totalHits = ⌈H(end)⌉; hit 0 is due at the start of the first segment whose rate is not all zero.
 */
export class RateSegmentsPacer implements OpenPacer {
  readonly kind = 'open' as const;
  readonly durationUs: number;
  readonly totalHits: number;
  private readonly segments: readonly RateSegment[];
  private readonly startUs: Float64Array;
  private readonly hitsBefore: Float64Array;
  /** Index of the segment of the last lookup; the scheduler asks for n in order, so it is usually right. */
  private cursor = 0;

  constructor(segments: readonly RateSegment[]) {
    this.segments = segments;
    this.startUs = new Float64Array(segments.length + 1);
    this.hitsBefore = new Float64Array(segments.length + 1);
    for (let k = 0; k < segments.length; k++) {
      const s = segments[k];
      this.startUs[k + 1] = this.startUs[k] + s.durationUs;
      this.hitsBefore[k + 1] = this.hitsBefore[k] + ((s.startRps + s.endRps) / 2) * (s.durationUs / 1e6);
    }
    this.durationUs = this.startUs[segments.length];
    // A hair below the exact total so floating error never invents a hit at the very end.
    this.totalHits = Math.max(0, Math.ceil(this.hitsBefore[segments.length] - 1e-9));
  }

  dueUs(n: number): number {
    const k = this.segmentOfHit(n);
    const s = this.segments[k];
    const m = n - this.hitsBefore[k];
    const r0 = s.startRps;
    const a = (s.endRps - r0) / (2 * (s.durationUs / 1e6));
    const root = Math.sqrt(Math.max(0, r0 * r0 + 4 * a * m));
    const tSeconds = m === 0 ? 0 : (2 * m) / (r0 + root);
    return this.startUs[k] + tSeconds * 1e6;
  }

  rateAt(tUs: number): number {
    if (tUs < 0 || tUs >= this.durationUs) return 0;
    let k = 0;
    while (this.startUs[k + 1] <= tUs) k++;
    const s = this.segments[k];
    return s.startRps + (s.endRps - s.startRps) * ((tUs - this.startUs[k]) / s.durationUs);
  }

  private segmentOfHit(n: number): number {
    const last = this.segments.length - 1;
    let k = this.cursor;
    if (n < this.hitsBefore[k]) k = 0;
    // Skip segments that end at or before hit n (empty, zero-rate segments included).
    while (k < last && this.hitsBefore[k + 1] <= n) k++;
    this.cursor = k;
    return k;
  }
}
