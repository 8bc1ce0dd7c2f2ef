import { maxLoadDurationUs, peakRps } from './pacers/pacer-for-load.js';
import { parsePayloadLines } from './payload-bodies.js';
import type { PlanProblem, PlanResult } from './plan-problem.js';
import type { RunStore } from './ports/run-store.js';
import type { SliceQueue } from './ports/slice-queue.js';
import { isSecretHeader } from './redact.js';
import { redactPlanForService, tokenScopeProblems, urlCredentialProblems } from './plan-secrets.js';
import { newRunId } from './run-id.js';
import { newRunRecord, type RunRecord } from './run-record.js';
import { planSlices } from './slice.js';
import { targetRefusal } from './target-policy.js';
import { payloadLinesCapProblems, requestCapProblems, withResponseCap, type RequestCapLimits } from './request-caps.js';
import { validatePlan } from './validate-plan.js';
import { autoWorkers, type WorkerLimits } from './worker-sizing.js';

/** Extra time before its start at which a later window's slice becomes visible in the queue. */
export const LATER_WINDOW_MARGIN_MS = 30_000;

export interface RunLimits extends WorkerLimits, RequestCapLimits {
  maxRps: number;
  maxDurationSeconds: number;
  maxSliceSeconds: number;
  startLeadSeconds: number;
  sliceGraceSeconds: number;
  /** ALLOWED_TARGET_HOSTS; undefined means any http(s) target (the CLI on a user's own machine). */
  allowedTargetHosts?: readonly string[];
}

export interface StartRunDeps {
  store: RunStore;
  queue: SliceQueue;
  limits: RunLimits;
  /** Reads payload.file (a blob in the plans container); its lines are checked before the run is accepted. */
  readPayloadFile?: (name: string) => Promise<string | undefined>;
  now?: () => number;
}

/**
 * Accepts a plan for the service: validates it, applies the caps, creates the run (`scheduled`) and
 * enqueues one message per slice. Every problem with the request comes back at once as data; only
 * storage failures throw. It never waits for the run: the caller answers 202 at once.
 */
export async function startRun(input: unknown, deps: StartRunDeps, nameIfMissing?: string): Promise<PlanResult<RunRecord>> {
  const validated = validatePlan(input, nameIfMissing);
  if (!validated.ok) {
    // Say why the target is refused even when other fields are wrong too.
    const url = (input as { target?: { url?: unknown } } | null)?.target?.url;
    const refusal = deps.limits.allowedTargetHosts && typeof url === 'string' ? targetRefusal(url, deps.limits.allowedTargetHosts) : undefined;
    if (refusal && !validated.problems.some((p) => p.path === '$.target.url')) validated.problems.push({ path: '$.target.url', message: `target refused: ${refusal}` });
    return validated;
  }
  const { plan, input: planInput } = validated.value;
  const limits = deps.limits;
  const problems: PlanProblem[] = [];
  const peak = peakRps(plan.load);
  if (peak > limits.maxRps) problems.push({ path: '$.load', message: `peak rate ${peak} rps is over the limit MAX_RPS=${limits.maxRps}` });
  const durationS = maxLoadDurationUs(plan.load) / 1e6;
  if (durationS > limits.maxDurationSeconds) {
    problems.push({ path: '$.load', message: `duration ${durationS} s is over the limit MAX_DURATION_SECONDS=${limits.maxDurationSeconds}` });
  }
  if (typeof plan.workers === 'number' && plan.workers > limits.maxWorkers) {
    problems.push({ path: '$.workers', message: `${plan.workers} workers is over the limit MAX_WORKERS=${limits.maxWorkers}` });
  }
  if (limits.allowedTargetHosts) {
    const refusal = targetRefusal(plan.target.url, limits.allowedTargetHosts);
    if (refusal) problems.push({ path: '$.target.url', message: `target refused: ${refusal}` });
  }
  // Plans are stored; a credential written into one would be stored too (redacted, so the run would fail).
  problems.push(...urlCredentialProblems(plan.target.url), ...tokenScopeProblems(plan.target.auth));
  for (const [name, value] of Object.entries(plan.target.headers)) {
    if (isSecretHeader(name) && !/^\{\{\s*env\s+\w+\s*\}\}$/.test(value)) {
      problems.push({ path: `$.target.headers.${name}`, message: 'credentials are not accepted in plans: use target.auth (key setting or managed identity) or {{env NAME}}' });
    }
  }
  if (plan.payload.file !== undefined) {
    const text = deps.readPayloadFile ? await deps.readPayloadFile(plan.payload.file) : undefined;
    if (text === undefined) problems.push({ path: '$.payload.file', message: `${plan.payload.file} was not found beside the plans` });
    else {
      const lines = parsePayloadLines(text, plan.payload.order, plan.payload.file);
      if (!lines.ok) problems.push(...lines.problems.map((p) => ({ path: '$.payload.file', message: `${p.path} ${p.message}` })));
      else problems.push(...payloadLinesCapProblems(lines.value.bodies, limits));
    }
  }
  problems.push(...requestCapProblems(plan, planInput, limits));
  if (problems.length > 0) return { ok: false, problems };

  const workers = plan.workers === 'auto' ? autoWorkers(plan, limits) : plan.workers;
  const now = deps.now?.() ?? Date.now();
  const runId = newRunId(new Date(now));
  const originEpochMs = now + limits.startLeadSeconds * 1000;
  const slices = planSlices(runId, plan, workers, originEpochMs, limits.maxSliceSeconds * 1000);
  const record = newRunRecord({ runId, plan, slices, originEpochMs, graceMs: limits.sliceGraceSeconds * 1000, now: new Date(now) });
  // The slices run the stored plan: keep its non-secret query values (api-version …), unlike redactPlan.
  await deps.store.createRun(record, redactPlanForService(withResponseCap(planInput, plan, limits)));
  try {
    for (const slice of slices) {
      // Later windows wait in the queue and arrive a lead time (plus a margin for queue polling and
      // cold starts) before they start; a slice that arrives early sleeps until its window.
      const visibleAt = originEpochMs + slice.fromUs / 1000 - limits.startLeadSeconds * 1000 - LATER_WINDOW_MARGIN_MS;
      await deps.queue.enqueue(slice, { visibleAtEpochMs: slice.window === 0 || visibleAt <= now ? undefined : visibleAt });
    }
  } catch (error) {
    await deps.store.updateRun({ ...record, status: 'error', error: `could not enqueue the run's slices: ${(error as Error).message}` });
    throw error;
  }
  return { ok: true, value: record };
}
