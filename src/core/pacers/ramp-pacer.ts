import { RateSegmentsPacer } from './rate-segments.js';

export interface RampStage {
  rps: number;
  durationUs: number;
}

/**
 * Ramp: stages, each moving the rate linearly from the previous rate (startRps for the first) to its own.
 * With stage k starting at S_k, H_k hits before it, rates r0 → r1 over T seconds and m = n − H_k:
 *   hit n is due at  t_n = S_k + 2m / (r0 + √(r0² + 2·(r1 − r0)·m / T))
 * the root of  r0·t + (r1 − r0)·t²/(2T) = m  (the area under the rate line).
 */
export class RampPacer extends RateSegmentsPacer {
  constructor(startRps: number, stages: readonly RampStage[]) {
    let from = startRps;
    super(
      stages.map((stage) => {
        const segment = { durationUs: stage.durationUs, startRps: from, endRps: stage.rps };
        from = stage.rps;
        return segment;
      }),
    );
  }
}
