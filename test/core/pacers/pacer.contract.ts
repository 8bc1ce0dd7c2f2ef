import { expect, it } from 'vitest';
import { firstHitAtOrAfter, hitsBetween, type OpenPacer } from '../../../src/core/pacers/pacer.js';

/** What every open pacer promises, whatever its shape. */
export function runOpenPacerContract(make: () => OpenPacer, options: { rateCurve?: boolean } = {}): void {
  it('due times never decrease and stay within the load', () => {
    const pacer = make();
    let previous = -Infinity;
    for (let n = 0; n < pacer.totalHits; n++) {
      const due = pacer.dueUs(n);
      expect(due).toBeGreaterThanOrEqual(previous);
      expect(due).toBeGreaterThanOrEqual(0);
      expect(due).toBeLessThanOrEqual(pacer.durationUs);
      previous = due;
    }
  });

  it('asks random access and in-order access the same thing', () => {
    const sequential = make();
    const inOrder = Array.from({ length: sequential.totalHits }, (_, n) => sequential.dueUs(n));
    const random = make();
    for (let n = sequential.totalHits - 1; n >= 0; n -= 3) expect(random.dueUs(n)).toBeCloseTo(inOrder[n], 6);
  });

  it('counts every hit once when the load is cut into windows', () => {
    const pacer = make();
    const windowUs = Math.max(1, pacer.durationUs / 7);
    let total = 0;
    for (let from = 0; from < pacer.durationUs + windowUs; from += windowUs) total += hitsBetween(pacer, from, from + windowUs);
    expect(total).toBe(pacer.totalHits);
    expect(firstHitAtOrAfter(pacer, 0)).toBe(0);
  });

  // Bursts have no rate curve: their hits come at instants.
  if (options.rateCurve !== false) it('has a rate curve whose area is the number of hits (within one hit per segment)', () => {
    const pacer = make();
    if (pacer.durationUs === 0) return;
    const steps = 20_000;
    const dt = pacer.durationUs / steps;
    let area = 0;
    for (let i = 0; i < steps; i++) area += (pacer.rateAt((i + 0.5) * dt) * dt) / 1e6;
    expect(Math.abs(area - pacer.totalHits)).toBeLessThanOrEqual(3);
    });
}
