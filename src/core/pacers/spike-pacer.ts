import { RateSegmentsPacer } from './rate-segments.js';

/**
 * Spike: base rate b, then spike rate s from spikeAt (A) for spikeDuration (W), then b again until D.
 *   hit n is due at  t_n = n / b                               for n < b·A
 *                    t_n = A + (n − b·A) / s                    for b·A ≤ n < b·A + s·W
 *                    t_n = A + W + (n − b·A − s·W) / b          after
 */
export class SpikePacer extends RateSegmentsPacer {
  constructor(baseRps: number, spikeRps: number, durationUs: number, spikeAtUs: number, spikeDurationUs: number) {
    super(
      [
        { durationUs: spikeAtUs, startRps: baseRps, endRps: baseRps },
        { durationUs: spikeDurationUs, startRps: spikeRps, endRps: spikeRps },
        { durationUs: durationUs - spikeAtUs - spikeDurationUs, startRps: baseRps, endRps: baseRps },
      ].filter((segment) => segment.durationUs > 0),
    );
  }
}
