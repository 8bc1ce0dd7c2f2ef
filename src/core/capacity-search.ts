import { Aggregate } from './aggregate.js';
import { percentilesMs } from './histogram.js';
import type { CapacityLoadSpec } from './plan.js';

/** One step of a capacity search: a constant rate run by every worker at once (window k of the run). */
export interface CapacityStep {
  window: number;
  rps: number;
  /** The step's part of the run, µs from the run's origin (warm-up included). */
  fromUs: number;
  toUs: number;
  /** Set once every slice of the step has reported. */
  result?: CapacityStepResult;
}

export interface CapacityStepResult {
  /** Judged after the warm-up. */
  p95Ms: number;
  p99Ms: number;
  errorRate: number;
  throttleRate: number;
  planned: number;
  sent: number;
  dropped: number;
  passed: boolean;
  /** Why a step failed, in words. */
  reasons: string[];
}

/** The search as the run record keeps it. */
export interface CapacityState {
  steps: CapacityStep[];
  done: boolean;
  /** The highest rate that met the SLO (0 when even the lowest step failed). */
  maxRps?: number;
  /** True when the search stopped at the plan's maxRps without a failure. */
  capped?: boolean;
}

export type CapacityDecision = { done: false; rps: number } | { done: true; maxRps: number; capped: boolean };

/**
 * The next step of the search: double the rate from startRps while steps pass (never above maxRps);
 * after the first failure, bisect between the highest pass and the lowest fail until they are within
 * tolerancePct of the pass. If the first step fails, halve until one passes (down to 1/64 of the start).
 */
export function nextCapacityStep(load: CapacityLoadSpec, steps: readonly CapacityStep[]): CapacityDecision {
  const judged = steps.filter((s) => s.result !== undefined);
  if (judged.length === 0) return { done: false, rps: load.startRps };
  const passes = judged.filter((s) => s.result!.passed).map((s) => s.rps);
  const fails = judged.filter((s) => !s.result!.passed).map((s) => s.rps);
  const lastPass = passes.length > 0 ? Math.max(...passes) : undefined;
  const firstFail = fails.length > 0 ? Math.min(...fails) : undefined;
  const outOfSteps = judged.length >= load.maxSteps;
  if (firstFail === undefined) {
    if (lastPass! >= load.maxRps || outOfSteps) return { done: true, maxRps: lastPass!, capped: lastPass! >= load.maxRps };
    return { done: false, rps: roundRps(Math.min(lastPass! * 2, load.maxRps)) };
  }
  if (lastPass === undefined) {
    const lower = roundRps(firstFail / 2);
    if (outOfSteps || lower < load.startRps / 64 || lower <= 0) return { done: true, maxRps: 0, capped: false };
    return { done: false, rps: lower };
  }
  if ((firstFail - lastPass) / lastPass <= load.tolerancePct / 100 || outOfSteps) return { done: true, maxRps: lastPass, capped: false };
  const middle = roundRps((lastPass + firstFail) / 2);
  if (middle <= lastPass || middle >= firstFail) return { done: true, maxRps: lastPass, capped: false };
  return { done: false, rps: middle };
}

function roundRps(rps: number): number {
  return rps >= 10 ? Math.round(rps * 10) / 10 : Math.round(rps * 100) / 100;
}

/**
 * Judges a step from its merged slices: the per-second windows from the whole wall-clock second nearest
 * the warm-up's end onward count (latency from the intended send time, errors over all that finished
 * then). Windows are whole seconds, so the judged part starts within half a second of the warm-up's end:
 * starting at the next whole second instead judged as little as a few ms of a short step (a 1 s step
 * against a target 20% over capacity passed on a dozen responses). A step also fails when the generator
 * could not deliver it — then the number measured is the generator's, not the target's.
 */
export function judgeCapacityStep(load: CapacityLoadSpec, step: CapacityStep, originEpochMs: number, merged: Aggregate, planned: number): CapacityStepResult {
  const judgedFromSecond = Math.round((originEpochMs + step.fromUs / 1000 + load.warmup) / 1000);
  const judged = new Aggregate();
  let ok = 0;
  let errors = 0;
  let throttled = 0;
  for (const [second, window] of merged.windows) {
    if (second < judgedFromSecond) continue;
    judged.responseTime.add(window.responseTime);
    ok += window.ok;
    errors += window.errors;
    throttled += window.throttled;
  }
  const latency = percentilesMs(judged.responseTime);
  const finished = ok + errors;
  const errorRate = finished > 0 ? errors / finished : 1;
  const throttleRate = finished > 0 ? throttled / finished : 0;
  const reasons: string[] = [];
  if (load.slo.p95Ms !== undefined && latency.p95 > load.slo.p95Ms) reasons.push(`p95 ${latency.p95} ms > ${load.slo.p95Ms} ms`);
  if (load.slo.p99Ms !== undefined && latency.p99 > load.slo.p99Ms) reasons.push(`p99 ${latency.p99} ms > ${load.slo.p99Ms} ms`);
  if (errorRate > load.slo.errorRate) reasons.push(`error rate ${(errorRate * 100).toFixed(2)}% > ${(load.slo.errorRate * 100).toFixed(2)}%`);
  const sent = merged.counts.sent;
  if (sent < 0.99 * planned || merged.counts.dropped > 0) reasons.push(`the generator delivered ${sent} of ${planned} (${merged.counts.dropped} dropped)`);
  if (finished === 0) reasons.push('no request finished after the warm-up');
  return { p95Ms: latency.p95, p99Ms: latency.p99, errorRate: Math.round(errorRate * 1e6) / 1e6, throttleRate: Math.round(throttleRate * 1e6) / 1e6, planned, sent, dropped: merged.counts.dropped, passed: reasons.length === 0, reasons };
}

/** Length of one step (warm-up + judged time), µs. */
export function stepDurationUs(load: CapacityLoadSpec): number {
  return (load.warmup + load.stepDuration) * 1000;
}
