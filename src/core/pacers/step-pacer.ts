import { RateSegmentsPacer } from './rate-segments.js';

export interface Step {
  rps: number;
  durationUs: number;
}

/**
 * Step: the rate jumps to each step's rate at the step's start and holds it.
 * With step k starting at S_k, rate r_k and H_k = Σ_{j<k} r_j·T_j hits before it:
 *   hit n is due at  t_n = S_k + (n − H_k) / r_k     for the k with H_k ≤ n < H_{k+1}
 * (a step at 0 rps sends nothing and only moves time on).
 */
export class StepPacer extends RateSegmentsPacer {
  constructor(steps: readonly Step[]) {
    super(steps.map((step) => ({ durationUs: step.durationUs, startRps: step.rps, endRps: step.rps })));
  }
}
