import { pacerForLoad } from './pacers/pacer-for-load.js';
import { ConstantPacer } from './pacers/constant-pacer.js';
import { stepDurationUs, type CapacityStep } from './capacity-search.js';
import { hitsBetween, type Pacer } from './pacers/pacer.js';
import type { Plan } from './plan.js';

/**
 * A slice is worker i of N over time window k of the load: the unit one function instance (or one
 * local worker thread) runs. Every slice of a run shares one origin, so all slices of a window start
 * at the same absolute instant.
 */
export interface SliceSpec {
  runId: string;
  sliceId: string;
  worker: number;
  workers: number;
  window: number;
  windows: number;
  /** The part of the load this slice runs, µs from the load's start. */
  fromUs: number;
  toUs: number;
  /** Wall-clock epoch ms of the load's start (pacer time 0). */
  originEpochMs: number;
  /** Capacity search: this slice runs its step at this constant rate over [fromUs, toUs). */
  stepRps?: number;
}

export function sliceId(worker: number, window: number): string {
  return `w${String(worker).padStart(3, '0')}-k${String(window).padStart(3, '0')}`;
}

/**
 * Splits a run into slices: `workers` interleaved shares × windows of at most maxSliceMs.
 * The load is split, never multiplied: together the slices send exactly the plan's hits.
 */
export function planSlices(runId: string, plan: Plan, workers: number, originEpochMs: number, maxSliceMs = Infinity): SliceSpec[] {
  if (plan.load.model === 'capacity') {
    return capacityStepSlices(runId, workers, originEpochMs, { window: 0, rps: plan.load.startRps, fromUs: 0, toUs: stepDurationUs(plan.load) });
  }
  const pacer = pacerForLoad(plan.load);
  const durationUs = pacer.durationUs;
  const windowUs = Number.isFinite(maxSliceMs) ? maxSliceMs * 1000 : Infinity;
  const windows = durationUs > 0 && Number.isFinite(windowUs) ? Math.max(1, Math.ceil(durationUs / windowUs)) : 1;
  const slices: SliceSpec[] = [];
  for (let window = 0; window < windows; window++) {
    const fromUs = windows === 1 ? 0 : window * windowUs;
    const toUs = window === windows - 1 ? Infinity : (window + 1) * windowUs;
    for (let worker = 0; worker < workers; worker++) {
      slices.push({ runId, sliceId: sliceId(worker, window), worker, workers, window, windows, fromUs, toUs, originEpochMs });
    }
  }
  return slices;
}

/** The slices of one capacity-search step: every worker at the step's rate, split, over the step's time. */
export function capacityStepSlices(runId: string, workers: number, originEpochMs: number, step: Pick<CapacityStep, 'window' | 'rps' | 'fromUs' | 'toUs'>): SliceSpec[] {
  return Array.from({ length: workers }, (_, worker) => ({
    runId,
    sliceId: sliceId(worker, step.window),
    worker,
    workers,
    window: step.window,
    windows: step.window + 1,
    fromUs: step.fromUs,
    toUs: step.toUs,
    originEpochMs,
    stepRps: step.rps,
  }));
}

/** The pacer and window a slice runs: its step's constant rate for a capacity step, else the plan's. */
export function slicePacer(plan: Plan, slice: SliceSpec): { pacer: Pacer; fromUs: number; toUs: number; originShiftUs: number } {
  if (slice.stepRps !== undefined) {
    return { pacer: new ConstantPacer(slice.stepRps, slice.toUs - slice.fromUs), fromUs: 0, toUs: Infinity, originShiftUs: slice.fromUs };
  }
  return { pacer: pacerForLoad(plan.load), fromUs: slice.fromUs, toUs: slice.toUs, originShiftUs: 0 };
}

/** Hits a slice is planned to send (open model; the closed model plans none in advance). */
export function plannedHits(pacer: Pacer, slice: Pick<SliceSpec, 'worker' | 'workers' | 'fromUs' | 'toUs'>): number {
  if (pacer.kind === 'closed') return 0;
  const first = hitsBetween(pacer, 0, slice.fromUs);
  const count = Number.isFinite(slice.toUs) ? hitsBetween(pacer, slice.fromUs, slice.toUs) : pacer.totalHits - first;
  // Hits first … first+count−1 whose number ≡ worker (mod workers).
  const offset = (((slice.worker - first) % slice.workers) + slice.workers) % slice.workers;
  return count > offset ? Math.ceil((count - offset) / slice.workers) : 0;
}
