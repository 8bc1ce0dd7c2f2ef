import { describe, expect, it } from 'vitest';
import { searchHighestRate } from '../../bench/lib/rate-search.js';

/** A machine that holds every rate up to `limit`, recording what the search asked for. */
function machine(limit: number, options: { disturbAt?: number } = {}) {
  const asked: number[] = [];
  return {
    asked,
    verdict: async (rps: number) => {
      asked.push(rps);
      return { faithful: rps <= limit, disturbed: rps === options.disturbAt };
    },
  };
}

const always = () => true;

describe('searchHighestRate', () => {
  it('doubles to the first unfaithful rate, then bisects to within the tolerance', async () => {
    const m = machine(37_000);
    const r = await searchHighestRate({ startRps: 1000, maxRps: 200_000, tolerance: 0.05, timeLeft: always, verdict: m.verdict });
    expect(m.asked.slice(0, 7)).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 64_000]);
    expect(r.lo).toBeLessThanOrEqual(37_000);
    expect(r.hi).toBeGreaterThan(37_000);
    expect((r.hi - r.lo) / r.lo).toBeLessThanOrEqual(0.05);
    expect(r.interrupted).toBe(false);
  });

  it('halves while the start rate fails', async () => {
    const m = machine(300);
    const r = await searchHighestRate({ startRps: 1000, maxRps: 200_000, tolerance: 0.05, timeLeft: always, verdict: m.verdict });
    expect(m.asked.slice(0, 3)).toEqual([1000, 500, 250]);
    expect(r.lo).toBeGreaterThanOrEqual(250);
    expect(r.lo).toBeLessThanOrEqual(300);
    expect(r.hi).toBeGreaterThan(300);
  });

  it('never asks past maxRps and reports no unfaithful rate when all pass', async () => {
    const m = machine(Infinity);
    const r = await searchHighestRate({ startRps: 10_000, maxRps: 50_000, tolerance: 0.05, timeLeft: always, verdict: m.verdict });
    expect(Math.max(...m.asked)).toBeLessThanOrEqual(50_000);
    expect(r).toEqual({ lo: 40_000, hi: Infinity, interrupted: false });
  });

  it('stops at a disturbed trial and keeps the bracket so far', async () => {
    const m = machine(37_000, { disturbAt: 8000 });
    const r = await searchHighestRate({ startRps: 1000, maxRps: 200_000, tolerance: 0.05, timeLeft: always, verdict: m.verdict });
    expect(r).toEqual({ lo: 4000, hi: Infinity, interrupted: true });
    expect(m.asked).toEqual([1000, 2000, 4000, 8000]);
  });

  it('asks nothing more once its time is up', async () => {
    const m = machine(37_000);
    let budget = 3;
    const r = await searchHighestRate({ startRps: 1000, maxRps: 200_000, tolerance: 0.05, timeLeft: () => budget-- > 0, verdict: m.verdict });
    expect(m.asked).toEqual([1000, 2000, 4000]);
    expect(r.lo).toBe(4000);
  });
});
