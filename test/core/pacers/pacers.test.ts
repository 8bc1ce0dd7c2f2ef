import { describe, expect, it } from 'vitest';
import { BurstPacer } from '../../../src/core/pacers/burst-pacer.js';
import { ConcurrencyPacer } from '../../../src/core/pacers/concurrency-pacer.js';
import { ConstantPacer } from '../../../src/core/pacers/constant-pacer.js';
import { PhaseSequencePacer } from '../../../src/core/pacers/phase-sequence-pacer.js';
import { RampPacer } from '../../../src/core/pacers/ramp-pacer.js';
import { SpikePacer } from '../../../src/core/pacers/spike-pacer.js';
import { StepPacer } from '../../../src/core/pacers/step-pacer.js';
import { pacerForLoad, peakRps } from '../../../src/core/pacers/pacer-for-load.js';
import { planSchema } from '../../../src/core/plan.js';
import { runOpenPacerContract } from './pacer.contract.js';

const S = 1_000_000; // µs per second

/** Table: hit n → due time in seconds. */
function expectDueTable(pacer: { dueUs(n: number): number }, table: [n: number, seconds: number][]): void {
  for (const [n, seconds] of table) expect(pacer.dueUs(n) / S, `hit ${n}`).toBeCloseTo(seconds, 6);
}

describe('ConstantPacer', () => {
  runOpenPacerContract(() => new ConstantPacer(50, 2 * S));
  it('spaces hits 1/r apart: t_n = n / r', () => {
    const pacer = new ConstantPacer(4, 2 * S);
    expect(pacer.totalHits).toBe(8);
    expectDueTable(pacer, [[0, 0], [1, 0.25], [3, 0.75], [7, 1.75]]);
    expect(pacer.rateAt(S)).toBe(4);
    expect(pacer.rateAt(2 * S)).toBe(0);
  });
  it('rounds a fractional total up: 2.5 rps for 1 s is 3 hits at 0, 0.4, 0.8', () => {
    const pacer = new ConstantPacer(2.5, S);
    expect(pacer.totalHits).toBe(3);
    expectDueTable(pacer, [[0, 0], [1, 0.4], [2, 0.8]]);
  });
});

describe('RampPacer', () => {
  runOpenPacerContract(() => new RampPacer(10, [{ rps: 100, durationUs: 3 * S }, { rps: 20, durationUs: 2 * S }]));
  it('solves the area under a rising line: 0 → 10 rps over 2 s gives 10 hits at √(0.4·n)', () => {
    const pacer = new RampPacer(0, [{ rps: 10, durationUs: 2 * S }]);
    expect(pacer.totalHits).toBe(10);
    // H(t) = 10 t² / 4 = 2.5 t²  →  t_n = √(n / 2.5)
    expectDueTable(pacer, [[0, 0], [1, Math.sqrt(0.4)], [4, Math.sqrt(1.6)], [9, Math.sqrt(3.6)]]);
    expect(pacer.rateAt(S)).toBeCloseTo(5, 9);
  });
  it('falls as well as rises: 10 → 0 rps over 2 s mirrors the rise', () => {
    const pacer = new RampPacer(10, [{ rps: 0, durationUs: 2 * S }]);
    expect(pacer.totalHits).toBe(10);
    // H(t) = 10 t − 2.5 t²  →  t_n = (10 − √(100 − 10 n)) / 5
    expectDueTable(pacer, [[1, (10 - Math.sqrt(90)) / 5], [5, (10 - Math.sqrt(50)) / 5], [9, (10 - Math.sqrt(10)) / 5]]);
  });
  it('holds a flat stage like a constant rate', () => {
    const pacer = new RampPacer(5, [{ rps: 5, durationUs: 2 * S }]);
    expectDueTable(pacer, [[0, 0], [1, 0.2], [9, 1.8]]);
  });
});

describe('StepPacer', () => {
  runOpenPacerContract(() => new StepPacer([{ rps: 5, durationUs: S }, { rps: 0, durationUs: S }, { rps: 20, durationUs: S }]));
  it('jumps at step boundaries and sends nothing in a 0 rps step', () => {
    const pacer = new StepPacer([{ rps: 2, durationUs: S }, { rps: 0, durationUs: S }, { rps: 4, durationUs: S }]);
    expect(pacer.totalHits).toBe(6);
    expectDueTable(pacer, [[0, 0], [1, 0.5], [2, 2], [3, 2.25], [5, 2.75]]);
  });
});

describe('SpikePacer', () => {
  runOpenPacerContract(() => new SpikePacer(10, 100, 10 * S, 4 * S, 2 * S));
  it('runs base, spike, base', () => {
    const pacer = new SpikePacer(1, 10, 4 * S, 1 * S, 1 * S);
    expect(pacer.totalHits).toBe(1 + 10 + 2);
    expectDueTable(pacer, [[0, 0], [1, 1], [2, 1.1], [10, 1.9], [11, 2], [12, 3]]);
    expect(pacer.rateAt(1.5 * S)).toBe(10);
  });
});

describe('BurstPacer', () => {
  runOpenPacerContract(() => new BurstPacer(5, 3, S), { rateCurve: false });
  it('sends each burst at once: t_n = ⌊n / requests⌋ · interval', () => {
    const pacer = new BurstPacer(3, 2, 2 * S);
    expect(pacer.totalHits).toBe(6);
    expect(pacer.durationUs).toBe(2 * S);
    expectDueTable(pacer, [[0, 0], [2, 0], [3, 2], [5, 2]]);
  });
  it('a single burst takes no scheduled time', () => {
    const pacer = new BurstPacer(100, 1, S);
    expect(pacer.durationUs).toBe(0);
    expect(pacer.dueUs(99)).toBe(0);
  });
});

describe('PhaseSequencePacer', () => {
  runOpenPacerContract(() => new PhaseSequencePacer([new ConstantPacer(10, S), new RampPacer(10, [{ rps: 30, durationUs: S }]), new BurstPacer(5, 1, S)]), { rateCurve: false });
  runOpenPacerContract(() => new PhaseSequencePacer([new ConstantPacer(10, S), new RampPacer(10, [{ rps: 30, durationUs: S }])]));
  it('starts each phase when the previous one ends: t_n = S_k + t⁽ᵏ⁾(n − N_k)', () => {
    const pacer = new PhaseSequencePacer([new ConstantPacer(2, S), new ConstantPacer(4, S)]);
    expect(pacer.totalHits).toBe(6);
    expectDueTable(pacer, [[0, 0], [1, 0.5], [2, 1], [3, 1.25], [5, 1.75]]);
    expect(pacer.rateAt(0.5 * S)).toBe(2);
    expect(pacer.rateAt(1.5 * S)).toBe(4);
  });
});

describe('ConcurrencyPacer (closed model)', () => {
  it('lets a virtual user send again when its previous hit ends, plus think time, until the end', () => {
    const pacer = new ConcurrencyPacer(4, 10 * S, 0.5 * S);
    expect(pacer.vus).toBe(4);
    expect(pacer.nextDueUs(2 * S)).toBe(2.5 * S);
    expect(pacer.nextDueUs(9.4 * S)).toBe(9.9 * S);
    expect(pacer.nextDueUs(9.5 * S)).toBe(Infinity);
  });
});

describe('pacerForLoad', () => {
  const plan = (load: unknown) => planSchema.parse({ target: { url: 'http://127.0.0.1/score' }, load });
  it('builds each model from a validated plan (durations parsed from text)', () => {
    expect(pacerForLoad(plan({ model: 'constant', rps: 10, duration: '2s' }).load)).toMatchObject({ kind: 'open', totalHits: 20, durationUs: 2 * S });
    expect(pacerForLoad(plan({ model: 'ramp', stages: [{ rps: 10, duration: 2 }] }).load)).toMatchObject({ totalHits: 10 });
    expect(pacerForLoad(plan({ model: 'step', steps: [{ rps: 1, duration: '1m' }] }).load)).toMatchObject({ totalHits: 60 });
    expect(pacerForLoad(plan({ model: 'spike', baseRps: 1, spikeRps: 10, duration: '10s', spikeAt: '2s', spikeDuration: '1s' }).load)).toMatchObject({ totalHits: 19 });
    expect(pacerForLoad(plan({ model: 'burst', requests: 100 }).load)).toMatchObject({ totalHits: 100, durationUs: 0 });
    expect(pacerForLoad(plan({ model: 'concurrency', vus: 3, duration: '5s' }).load)).toMatchObject({ kind: 'closed', vus: 3 });
    expect(pacerForLoad(plan({ model: 'phases', phases: [{ model: 'constant', rps: 1, duration: 3 }, { model: 'burst', requests: 2 }] }).load)).toMatchObject({ totalHits: 5 });
  });
  it('knows the peak rate of each model', () => {
    expect(peakRps(plan({ model: 'ramp', startRps: 3, stages: [{ rps: 50, duration: 1 }, { rps: 7, duration: 1 }] }).load)).toBe(50);
    expect(peakRps(plan({ model: 'phases', phases: [{ model: 'constant', rps: 4, duration: 1 }, { model: 'spike', baseRps: 1, spikeRps: 9, duration: 4, spikeAt: 1, spikeDuration: 1 }] }).load)).toBe(9);
  });
});
