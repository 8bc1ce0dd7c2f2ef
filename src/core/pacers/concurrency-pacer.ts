import type { ClosedPacer } from './pacer.js';

/**
 * Concurrency (closed model): `vus` virtual users, each sending its next hit as soon as its previous
 * one ends, plus think time z, until duration D. Virtual user v's hits are due at
 *   t_{v,0} = 0,    t_{v,j+1} = end_{v,j} + z     while t < D
 * so the rate follows the target's speed. Latency of a closed model hides queueing (coordinated
 * omission): use an open model to measure latency under a given rate.
 */
export class ConcurrencyPacer implements ClosedPacer {
  readonly kind = 'closed' as const;

  constructor(
    readonly vus: number,
    readonly durationUs: number,
    private readonly thinkTimeUs: number,
  ) {}

  nextDueUs(previousEndUs: number): number {
    const due = previousEndUs + this.thinkTimeUs;
    return due < this.durationUs ? due : Infinity;
  }
}
