import type { Exchange } from '../../src/core/http-client.js';
import type { SliceOutcome } from '../../src/core/execute-slice.js';
import type { FinalizedRun } from '../../src/core/finalize-run.js';
import { pacerForLoad } from '../../src/core/pacers/pacer-for-load.js';
import { planSchema, type PlanInput } from '../../src/core/plan.js';
import { newRunRecord } from '../../src/core/run-record.js';
import { summarizeRun } from '../../src/core/run-summary.js';
import { SliceRecorder } from '../../src/core/slice-recorder.js';
import { planSlices } from '../../src/core/slice.js';
import { timeseriesRows } from '../../src/core/timeseries.js';

/** 02:00:00.500 UTC: not on a whole second, so the first window starts before the load does. */
export const CRAFTED_ORIGIN_MS = Date.UTC(2025, 0, 15, 2, 0, 0, 500);

export interface CraftedOutcome {
  status: number;
  errorCode?: string;
  latencyMs: number;
  deployment?: string;
}

/** What hit i (0-based, 100 ms apart) gets: mostly 200, some 429/500/408/424, one timeout. */
export function craftedOutcome(i: number): CraftedOutcome {
  const deployment = i % 2 === 0 ? 'green' : 'blue';
  const latencyMs = 10 + i;
  if (i === 13) return { status: 0, errorCode: 'timeout', latencyMs: 5000 };
  if (i % 10 === 3) return { status: 429, latencyMs, deployment };
  if (i % 10 === 7) return { status: 500, latencyMs, deployment };
  if (i === 21) return { status: 408, latencyMs, deployment };
  if (i === 25) return { status: 424, latencyMs, deployment };
  return { status: 200, latencyMs, deployment };
}

export interface CraftOptions {
  plan?: Partial<PlanInput>;
  /** Leave out the deployment header (all requests served by no named deployment). */
  noDeployments?: boolean;
}

/**
 * A finalized run built without a network: the real recorder, merge, summary and time series, fed
 * with synthetic exchanges. Constant 10 rps for 3 s over 2 workers: 30 hits.
 */
export function craftedRun(options: CraftOptions = {}): FinalizedRun {
  const plan = planSchema.parse({
    name: 'crafted-run',
    target: { url: 'https://fraud.eastus.inference.ml.azure.com/score?code=QUERYSECRET', headers: { 'x-ms-client-request-id': '{{uuid}}' }, timeoutMs: 5000 },
    payload: { body: { input_data: [[1, 2, 3]] } },
    load: { model: 'constant', rps: 10, duration: '3s' },
    workers: 2,
    maxInFlight: 100,
    thresholds: { p95Ms: 30, errorRate: 0.5 },
    tags: { modelVersion: '12', sku: 'Standard_DS3_v2', instances: 2 },
    ...options.plan,
  });
  const workers = 2;
  const slices = planSlices('run-crafted', plan, workers, CRAFTED_ORIGIN_MS);
  const outcomes: SliceOutcome[] = slices.map((slice) => {
    const recorder = new SliceRecorder(CRAFTED_ORIGIN_MS * 1000, slice.worker, null);
    let planned = 0;
    for (let i = slice.worker; i < 30; i += workers) {
      const o = craftedOutcome(i);
      const intendedUs = i * 100_000;
      const sentUs = intendedUs + 200 + slice.worker * 100;
      recorder.planned(intendedUs);
      recorder.sent(intendedUs, sentUs);
      const exchange = {
        intendedUs,
        sentUs,
        endUs: intendedUs + o.latencyMs * 1000,
        status: o.status,
        errorCode: o.errorCode ?? '',
        deployment: options.noDeployments ? '' : (o.deployment ?? ''),
        bytesIn: 10,
        bytesOut: 20,
      };
      recorder.done(exchange as unknown as Exchange);
      planned++;
    }
    return {
      runId: 'run-crafted',
      sliceId: slice.sliceId,
      worker: slice.worker,
      window: 0,
      status: 'done',
      planned,
      sent: planned,
      lateMs: 0,
      missed: 0,
      startedAtMs: CRAFTED_ORIGIN_MS,
      endedAtMs: CRAFTED_ORIGIN_MS + 8000,
      aggregate: recorder.aggregate,
    };
  });
  const { summary, aggregate } = summarizeRun({ runId: 'run-crafted', plan, slices: outcomes, originEpochMs: CRAFTED_ORIGIN_MS });
  const timeseries = timeseriesRows(aggregate, pacerForLoad(plan.load), CRAFTED_ORIGIN_MS);
  const record = {
    ...newRunRecord({ runId: 'run-crafted', plan, slices, originEpochMs: CRAFTED_ORIGIN_MS, graceMs: 60_000, now: new Date(CRAFTED_ORIGIN_MS - 1000) }),
    status: summary.status,
    summary,
    finishedAt: new Date(CRAFTED_ORIGIN_MS + 9000).toISOString(),
  };
  return { record, plan, summary, aggregate, timeseries };
}

/** A run that never sent anything (every slice failed before load): status error, no time series. */
export function emptyRun(runError = 'could not get a token for the target'): FinalizedRun {
  const plan = planSchema.parse({ name: 'empty-run', target: { url: 'https://example.invalid/score' }, load: { model: 'constant', rps: 5, duration: '2s' } });
  const slices = planSlices('run-empty', plan, 1, CRAFTED_ORIGIN_MS);
  const { summary, aggregate } = summarizeRun({ runId: 'run-empty', plan, slices: [], missingSlices: [], originEpochMs: CRAFTED_ORIGIN_MS, runError });
  const timeseries = timeseriesRows(aggregate, pacerForLoad(plan.load), CRAFTED_ORIGIN_MS);
  const record = {
    ...newRunRecord({ runId: 'run-empty', plan, slices, originEpochMs: CRAFTED_ORIGIN_MS, graceMs: 60_000, now: new Date(CRAFTED_ORIGIN_MS) }),
    status: summary.status,
    summary,
    error: runError,
  };
  return { record, plan, summary, aggregate, timeseries };
}
