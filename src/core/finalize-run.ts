import { Aggregate } from './aggregate.js';
import { runPacer } from './pacers/pacer-for-load.js';
import type { Plan } from './plan.js';
import type { RunStore } from './ports/run-store.js';
import type { SliceStore } from './ports/slice-store.js';
import type { RunRecord } from './run-record.js';
import { summarizeRun, type RunSummary } from './run-summary.js';
import { timeseriesRows, type TimeseriesRow } from './timeseries.js';
import { validatePlan } from './validate-plan.js';

/** What a report renderer is given once a run is final. */
export interface FinalizedRun {
  record: RunRecord;
  plan: Plan;
  summary: RunSummary;
  aggregate: Aggregate;
  timeseries: TimeseriesRow[];
}

export interface FinalizeRunOptions {
  /** Finalize even though some slices have not reported (the reaper): they are named as missing. */
  allowMissing?: boolean;
  runError?: string;
  /** Renders the HTML report (the report ring plugs in here); its output is saved beside the results. */
  renderReport?: (run: FinalizedRun) => string | Promise<string>;
  /** The Functions workers' prices, for the run's own cost. */
  functionsPricing?: import('./run-summary.js').FunctionsPricing;
  /** Adjusts the summary before it is saved (e.g. a baseline verdict). */
  amendSummary?: (run: FinalizedRun) => Promise<void> | void;
  now?: () => Date;
}

/** A final run as stored, with its slices merged again (for re-rendering a report, comparing, …). */
export async function loadFinalizedRun(store: RunStore & SliceStore, runId: string): Promise<FinalizedRun | undefined> {
  const record = await store.getRun(runId);
  const summary = await store.getSummary(runId);
  if (!record || !summary) return undefined;
  const validated = validatePlan(await store.getPlan(runId));
  if (!validated.ok) throw new Error(`stored plan of run ${runId} is not valid`);
  const slices = await store.listSlices(runId);
  const aggregate = new Aggregate();
  for (const slice of slices) if (record.sliceIds.includes(slice.sliceId)) aggregate.merge(slice.aggregate);
  const timeseries = (await store.getTimeseries(runId)) ?? timeseriesRows(aggregate, runPacer(validated.value.plan, record.capacity), Date.parse(record.originAt));
  return { record: { ...record, summary }, plan: validated.value.plan, summary, aggregate, timeseries };
}

/**
 * Fan-in: merges every reported slice of a run into its summary and time series, saves them and marks
 * the run final. Returns undefined when slices are still outstanding (and allowMissing is off).
 * Callers make sure only one finalizer runs (RunStore.claim of stage `finalize`).
 */
export async function finalizeRun(store: RunStore & SliceStore, runId: string, options: FinalizeRunOptions = {}): Promise<FinalizedRun | undefined> {
  const record = await store.getRun(runId);
  if (!record) throw new Error(`run ${runId} does not exist`);
  const storedPlan = await store.getPlan(runId);
  const validated = validatePlan(storedPlan);
  if (!validated.ok) throw new Error(`stored plan of run ${runId} is not valid: ${validated.problems.map((p) => `${p.path} ${p.message}`).join('; ')}`);
  const plan = validated.value.plan;
  const slices = await store.listSlices(runId);
  const reported = new Set(slices.map((s) => s.sliceId));
  const missing = record.sliceIds.filter((id) => !reported.has(id));
  if (missing.length > 0 && !options.allowMissing && !options.runError) return undefined;

  const originEpochMs = Date.parse(record.originAt);
  const { summary, aggregate } = summarizeRun({
    runId,
    plan,
    slices: slices.filter((s) => record.sliceIds.includes(s.sliceId)),
    missingSlices: missing,
    originEpochMs,
    runError: options.runError,
    functionsPricing: options.functionsPricing,
    capacity: record.capacity,
  });
  const timeseries = timeseriesRows(aggregate, runPacer(plan, record.capacity), originEpochMs);
  const finalized: FinalizedRun = { record, plan, summary, aggregate, timeseries };
  await options.amendSummary?.(finalized);
  await store.saveResults(runId, summary, timeseries);
  const finishedAt = (options.now?.() ?? new Date()).toISOString();
  const finalRecord: RunRecord = { ...record, status: summary.status, summary, finishedAt, error: options.runError };
  finalized.record = finalRecord;
  if (options.renderReport) await store.saveReport(runId, await options.renderReport(finalized));
  await store.updateRun(finalRecord);
  return finalized;
}
