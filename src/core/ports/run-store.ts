import type { PlanInput } from '../plan.js';
import type { RunRecord } from '../run-record.js';
import type { RunSummary } from '../run-summary.js';
import type { TimeseriesRow } from '../timeseries.js';

export interface ListRunsOptions {
  /** Page size (default 50). */
  limit?: number;
  /** From a previous page. */
  continuationToken?: string;
  /** Only runs of this plan name. */
  name?: string;
}

export interface RunPage {
  runs: RunRecord[];
  continuationToken?: string;
}

/**
 * Saves and loads runs: their record, the (redacted) plan, the final summary and time series, and the
 * report. Implemented by the file store (local default) and the Azure Blob + Table store; both pass
 * test/contract/run-store.contract.ts.
 */
export interface RunStore {
  /** Creates the run; its plan must already be redacted. Fails if the run id exists. */
  createRun(record: RunRecord, redactedPlan: PlanInput): Promise<void>;
  /** Replaces the run's record; `record.summary`, when present, is the run's saved summary. */
  updateRun(record: RunRecord): Promise<void>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** Newest first. */
  listRuns(options?: ListRunsOptions): Promise<RunPage>;
  getPlan(runId: string): Promise<PlanInput | undefined>;
  /**
   * Claims a stage of a run — `finalize`, or `step-<k>` of a capacity search — once: true for exactly
   * one caller however many race (two last slices finishing at once, or a slice and the reaper).
   * Stage names are lowercase letters, digits and dashes.
   */
  claim(runId: string, stage: string, claimant: string): Promise<boolean>;
  saveResults(runId: string, summary: RunSummary, timeseries: readonly TimeseriesRow[]): Promise<void>;
  getSummary(runId: string): Promise<RunSummary | undefined>;
  getTimeseries(runId: string): Promise<TimeseriesRow[] | undefined>;
  saveReport(runId: string, html: string): Promise<void>;
  getReport(runId: string): Promise<string | undefined>;
}
