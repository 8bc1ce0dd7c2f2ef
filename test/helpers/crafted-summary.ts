import type { SliceOutcome } from '../../src/core/execute-slice.js';
import type { Exchange } from '../../src/core/http-client.js';
import { planSchema, type PlanInput } from '../../src/core/plan.js';
import { summarizeRun, type RunSummary } from '../../src/core/run-summary.js';
import { SliceRecorder } from '../../src/core/slice-recorder.js';

export interface CraftedRun {
  runId: string;
  name?: string;
  originEpochMs?: number;
  /** Latency of every request, ms (default 20). */
  latencyMs?: number | ((i: number) => number);
  /** Requests (10 rps over 2 s: 20). */
  requests?: number;
  /** Requests answered 500. */
  errors?: number;
  plan?: Partial<PlanInput>;
}

/**
 * A real summary (summarizeRun over one crafted slice, as the contract suite crafts outcomes): constant
 * 10 rps for 2 s, every request answered after `latencyMs`, the first `errors` of them with 500.
 */
export function craftedSummary(options: CraftedRun): RunSummary {
  const requests = options.requests ?? 20;
  const originEpochMs = options.originEpochMs ?? Date.UTC(2025, 0, 15, 2, 0, 0);
  const plan = planSchema.parse({
    name: options.name ?? 'nightly',
    target: { url: 'http://127.0.0.1:9/score' },
    load: { model: 'constant', rps: requests / 2, duration: '2s' },
    ...options.plan,
  });
  const latency = typeof options.latencyMs === 'function' ? options.latencyMs : () => (options.latencyMs as number | undefined) ?? 20;
  const recorder = new SliceRecorder(originEpochMs * 1000, 0, null);
  for (let i = 0; i < requests; i++) {
    const t = Math.round((i * 2_000_000) / requests);
    recorder.planned(t);
    recorder.sent(t, t + 100);
    recorder.done({ intendedUs: t, sentUs: t + 100, endUs: t + Math.round(latency(i) * 1000), status: i < (options.errors ?? 0) ? 500 : 200, errorCode: '', bytesIn: 1, bytesOut: 1, deployment: '' } as Exchange);
  }
  const outcome: SliceOutcome = {
    runId: options.runId,
    sliceId: 'w000-k000',
    worker: 0,
    window: 0,
    status: 'done',
    planned: requests,
    sent: requests,
    lateMs: 0,
    missed: 0,
    startedAtMs: originEpochMs,
    endedAtMs: originEpochMs + 2000,
    aggregate: recorder.aggregate,
  } as SliceOutcome;
  return summarizeRun({ runId: options.runId, plan, slices: [outcome], originEpochMs }).summary;
}

/** A copy of a summary with the baseline's three figures (and the status) set by hand. */
export function withFigures(summary: RunSummary, figures: { runId?: string; p95Ms?: number; errorRate?: number; throughputRps?: number; status?: RunSummary['status']; name?: string; startedAt?: string }): RunSummary {
  const copy = structuredClone(summary);
  if (figures.runId !== undefined) copy.runId = figures.runId;
  if (figures.p95Ms !== undefined) copy.latencyMs.p95 = figures.p95Ms;
  if (figures.errorRate !== undefined) copy.errorRate = figures.errorRate;
  if (figures.throughputRps !== undefined) copy.rate.throughput = figures.throughputRps;
  if (figures.status !== undefined) copy.status = figures.status;
  if (figures.name !== undefined) copy.name = figures.name;
  if (figures.startedAt !== undefined) copy.startedAt = figures.startedAt;
  return copy;
}
