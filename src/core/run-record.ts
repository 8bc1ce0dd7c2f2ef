import { maxLoadDurationUs, peakRps } from './pacers/pacer-for-load.js';
import type { CapacityState } from './capacity-search.js';
import type { RunStatus, RunSummary } from './run-summary.js';

/** A run as the stores keep it: what was asked, where it stands, and (once final) its summary. */
export interface RunRecord {
  runId: string;
  name: string;
  status: RunStatus;
  createdAt: string;
  /** Wall-clock start of the load (pacer time 0), ISO. */
  originAt: string;
  /** When every slice should have reported; past it the reaper finalizes the run as partial. */
  deadlineAt: string;
  /** Slices the run was split into, and their ids. */
  sliceIds: string[];
  workers: number;
  windows: number;
  targetHost: string;
  deployment?: string;
  model: string;
  targetRps: number;
  tags: Record<string, string | number | boolean>;
  /** A capacity search: the steps taken so far and, once done, the capacity found. */
  capacity?: CapacityState;
  /** Set when the run is final. */
  summary?: RunSummary;
  finishedAt?: string;
  /** Why the run is in error, when it is. */
  error?: string;
}

export const FINAL_STATUSES: readonly RunStatus[] = ['passed', 'failed', 'partial', 'error'];

export function isFinal(status: RunStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

export interface NewRunRecordOptions {
  runId: string;
  plan: import('./plan.js').Plan;
  slices: readonly import('./slice.js').SliceSpec[];
  originEpochMs: number;
  /** Time past the load's end before missing slices make the run partial. */
  graceMs: number;
  now?: Date;
}

/** The record of a new run, `scheduled` until its first slice starts. */
export function newRunRecord(options: NewRunRecordOptions): RunRecord {
  const { plan, slices } = options;
  const durationMs = maxLoadDurationUs(plan.load) / 1000;
  return {
    runId: options.runId,
    name: plan.name,
    status: 'scheduled',
    createdAt: (options.now ?? new Date()).toISOString(),
    originAt: new Date(options.originEpochMs).toISOString(),
    deadlineAt: new Date(options.originEpochMs + durationMs + plan.target.timeoutMs + options.graceMs).toISOString(),
    sliceIds: slices.map((s) => s.sliceId),
    workers: slices.length > 0 ? slices[0].workers : 0,
    windows: slices.length > 0 ? slices[0].windows : 0,
    targetHost: new URL(plan.target.url).host,
    deployment: plan.target.deployment,
    model: plan.load.model,
    targetRps: peakRps(plan.load),
    tags: plan.tags,
    capacity:
      plan.load.model === 'capacity' && slices.length > 0
        ? { steps: [{ window: 0, rps: slices[0].stepRps ?? plan.load.startRps, fromUs: slices[0].fromUs, toUs: slices[0].toUs }], done: false }
        : undefined,
  };
}
