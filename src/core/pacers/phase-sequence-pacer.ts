import type { OpenPacer } from './pacer.js';

/**
 * Phases run one after another: phase k starts when phase k−1's time is over (S_k = Σ_{j<k} D_j)
 * and owns hits N_k … N_k + n_k − 1, where N_k = Σ_{j<k} n_j:
 *   hit n is due at  t_n = S_k + t⁽ᵏ⁾_{n − N_k}      for the k with N_k ≤ n < N_{k+1}
 */
export class PhaseSequencePacer implements OpenPacer {
  readonly kind = 'open' as const;
  readonly durationUs: number;
  readonly totalHits: number;
  private readonly startUs: number[] = [];
  private readonly hitsBefore: number[] = [];
  private cursor = 0;

  constructor(private readonly phases: readonly OpenPacer[]) {
    let startUs = 0;
    let hits = 0;
    for (const phase of phases) {
      this.startUs.push(startUs);
      this.hitsBefore.push(hits);
      startUs += phase.durationUs;
      hits += phase.totalHits;
    }
    this.durationUs = startUs;
    this.totalHits = hits;
  }

  dueUs(n: number): number {
    const k = this.phaseOfHit(n);
    return this.startUs[k] + this.phases[k].dueUs(n - this.hitsBefore[k]);
  }

  rateAt(tUs: number): number {
    for (let k = this.phases.length - 1; k >= 0; k--) {
      if (tUs >= this.startUs[k]) return this.phases[k].rateAt(tUs - this.startUs[k]);
    }
    return 0;
  }

  private phaseOfHit(n: number): number {
    const last = this.phases.length - 1;
    let k = this.cursor;
    if (n < this.hitsBefore[k]) k = 0;
    while (k < last && this.hitsBefore[k + 1] <= n) k++;
    this.cursor = k;
    return k;
  }
}
