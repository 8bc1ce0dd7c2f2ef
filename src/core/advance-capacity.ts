import { Aggregate } from './aggregate.js';
import { judgeCapacityStep, nextCapacityStep, stepDurationUs } from './capacity-search.js';
import type { RunStore } from './ports/run-store.js';
import type { SliceStore } from './ports/slice-store.js';
import type { RunRecord } from './run-record.js';
import { capacityStepSlices, type SliceSpec } from './slice.js';
import { validatePlan } from './validate-plan.js';

export interface AdvanceCapacityOptions {
  now: number;
  /** Time between deciding the next step and its start (cold starts, queue polling). */
  leadMs: number;
  /** Time past a step's end before its missing slices make the run partial. */
  graceMs: number;
}

export type CapacityAdvance = { done: true; record: RunRecord } | { done: false; record: RunRecord; slices: SliceSpec[] };

/**
 * Between the steps of a capacity search: judges the step whose slices have all reported, decides the
 * next rate (or that the search is over), and records it. Callers claim the step first
 * (`claim(runId, 'step-<k>')`), run or enqueue the returned slices, and finalize when done.
 */
export async function advanceCapacity(store: RunStore & SliceStore, runId: string, options: AdvanceCapacityOptions): Promise<CapacityAdvance> {
  const record = await store.getRun(runId);
  if (!record?.capacity) throw new Error(`run ${runId} is not a capacity search`);
  const validated = validatePlan(await store.getPlan(runId));
  if (!validated.ok || validated.value.plan.load.model !== 'capacity') throw new Error(`stored plan of run ${runId} is not a capacity search`);
  const load = validated.value.plan.load;
  const originEpochMs = Date.parse(record.originAt);
  const capacity = structuredClone(record.capacity);
  const step = capacity.steps[capacity.steps.length - 1];

  const stepSlices = (await store.listSlices(runId)).filter((s) => s.window === step.window);
  const merged = new Aggregate();
  for (const slice of stepSlices) merged.merge(slice.aggregate);
  step.result = judgeCapacityStep(load, step, originEpochMs, merged, stepSlices.reduce((sum, s) => sum + s.planned, 0));

  const decision = nextCapacityStep(load, capacity.steps);
  if (decision.done) {
    const updated: RunRecord = { ...record, capacity: { ...capacity, done: true, maxRps: decision.maxRps, capped: decision.capped } };
    await store.updateRun(updated);
    return { done: true, record: updated };
  }
  const fromUs = Math.max(step.toUs, (options.now + options.leadMs - originEpochMs) * 1000);
  const next = { window: step.window + 1, rps: decision.rps, fromUs, toUs: fromUs + stepDurationUs(load) };
  capacity.steps.push(next);
  const slices = capacityStepSlices(runId, record.workers, originEpochMs, next);
  const updated: RunRecord = {
    ...record,
    capacity,
    sliceIds: [...record.sliceIds, ...slices.map((s) => s.sliceId)],
    windows: next.window + 1,
    deadlineAt: new Date(originEpochMs + next.toUs / 1000 + validated.value.plan.target.timeoutMs + options.graceMs).toISOString(),
  };
  await store.updateRun(updated);
  return { done: false, record: updated, slices };
}
