import { RateSegmentsPacer } from './rate-segments.js';

/**
 * Constant arrival rate r for duration D.
 *   hit n is due at  t_n = n / r        (n = 0 … ⌈r·D⌉ − 1)
 */
export class ConstantPacer extends RateSegmentsPacer {
  constructor(rps: number, durationUs: number) {
    super([{ durationUs, startRps: rps, endRps: rps }]);
  }
}
