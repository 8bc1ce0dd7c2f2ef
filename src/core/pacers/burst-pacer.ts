import type { OpenPacer } from './pacer.js';

/**
 * Burst: `requests` hits at once, `bursts` times, `interval` apart (the blog post's first script is one burst).
 *   hit n is due at  t_n = ⌊n / requests⌋ · interval        (n < requests · bursts)
 * Its length is (bursts − 1) · interval: a single burst takes no scheduled time at all.
 */
export class BurstPacer implements OpenPacer {
  readonly kind = 'open' as const;
  readonly durationUs: number;
  readonly totalHits: number;

  constructor(
    private readonly requests: number,
    bursts: number,
    private readonly intervalUs: number,
  ) {
    this.totalHits = requests * bursts;
    this.durationUs = (bursts - 1) * intervalUs;
  }

  dueUs(n: number): number {
    return Math.floor(n / this.requests) * this.intervalUs;
  }

  rateAt(tUs: number): number {
    if (tUs < 0 || tUs > this.durationUs || this.intervalUs === 0) return 0;
    return this.requests / (this.intervalUs / 1e6);
  }
}
