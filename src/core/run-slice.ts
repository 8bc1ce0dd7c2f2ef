import type { SliceOutcome } from './execute-slice.js';
import { executeSlice } from './execute-slice.js';
import { finalizeRun, type FinalizedRun, type FinalizeRunOptions } from './finalize-run.js';
import type { AuthSpec } from './plan.js';
import type { ResultStore } from './ports/result-store.js';
import type { TokenProvider } from './ports/token-provider.js';
import { isFinal } from './run-record.js';
import { parseSliceMessage } from './slice-message.js';
import { validatePlan } from './validate-plan.js';
import { advanceCapacity } from './advance-capacity.js';
import type { SliceQueue } from './ports/slice-queue.js';

export interface RunSliceDeps {
  store: ResultStore;
  tokenProviderFor: (auth: AuthSpec) => TokenProvider;
  finalize?: Omit<FinalizeRunOptions, 'allowMissing'>;
  /** Reads payload.file (a blob in the plans container). */
  readPayloadFile?: (name: string) => Promise<string | undefined>;
  /** Where a capacity search's next step goes, and its timing. */
  queue?: SliceQueue;
  startLeadMs?: number;
  graceMs?: number;
  abortSignal?: AbortSignal;
  log?: (message: string) => void;
  /** ALLOWED_TARGET_HOSTS: the HTTP client checks each connection's resolved address against it. */
  allowedTargetHosts?: readonly string[];
}

export type RunSliceResult =
  | { kind: 'ran'; outcome: SliceOutcome; finalized?: FinalizedRun }
  | { kind: 'duplicate' | 'unknown-run' | 'run-final'; finalized?: FinalizedRun };

/**
 * The worker side of a run: one queue message → one slice. Runs the slice, saves its raw rows and
 * aggregate, and if it is the last slice in, merges the run (fan-in). Idempotent: a message delivered
 * twice runs once, and only one finalizer wins. Throws MalformedSliceMessage for messages that are not
 * slices (the caller logs and drops them); storage failures throw so the queue redelivers.
 */
export async function runSlice(messageText: string, deps: RunSliceDeps): Promise<RunSliceResult> {
  const slice = parseSliceMessage(messageText);
  const { store } = deps;
  const record = await store.getRun(slice.runId);
  if (!record || !record.sliceIds.includes(slice.sliceId)) {
    deps.log?.(`slice ${slice.sliceId} of unknown run ${slice.runId}: dropped`);
    return { kind: 'unknown-run' };
  }
  if (isFinal(record.status)) return { kind: 'run-final' };
  const existing = await store.listSlices(slice.runId);
  if (existing.some((s) => s.sliceId === slice.sliceId)) {
    deps.log?.(`slice ${slice.sliceId} of run ${slice.runId} already reported: duplicate delivery`);
    return { kind: 'duplicate', finalized: await tryFinalize(slice.runId, slice.sliceId, deps) };
  }
  const validated = validatePlan(await store.getPlan(slice.runId));
  if (!validated.ok) throw new Error(`stored plan of run ${slice.runId} is not valid`);
  const plan = validated.value.plan;
  if (record.status === 'scheduled') await store.updateRun({ ...record, status: 'running' });

  const payloadFileText = plan.payload.file !== undefined ? await deps.readPayloadFile?.(plan.payload.file) : undefined;
  const rawWriter = store.openRawWriter(slice.runId, slice.sliceId);
  let outcome: SliceOutcome;
  try {
    outcome = await executeSlice(slice, plan, { rawWriter, tokenProvider: deps.tokenProviderFor(plan.target.auth), abortSignal: deps.abortSignal, payloadFileText, allowedTargetHosts: deps.allowedTargetHosts });
  } finally {
    await rawWriter.close().catch((error: Error) => deps.log?.(`raw samples of ${slice.sliceId} not fully written: ${error.message}`));
    // The aggregate (counts, histograms) is exact either way; say when raw rows went missing.
    if (rawWriter.droppedRows) deps.log?.(`raw samples of ${slice.sliceId} of run ${slice.runId}: ${rawWriter.droppedRows} row(s) not written (dropped while storage failed or lost by it)`);
  }
  await store.saveSlice(outcome);
  deps.log?.(`slice ${slice.sliceId} of run ${slice.runId}: ${outcome.status}, sent ${outcome.sent}/${outcome.planned}`);
  return { kind: 'ran', outcome, finalized: await tryFinalize(slice.runId, slice.sliceId, deps) };
}

/**
 * Fan-in when every slice has reported; only the claimant merges. A capacity search first decides its
 * next step (claimed per step) and enqueues it; the run is finalized when the search is over.
 */
async function tryFinalize(runId: string, claimant: string, deps: RunSliceDeps): Promise<FinalizedRun | undefined> {
  const record = await deps.store.getRun(runId);
  if (!record || isFinal(record.status)) return undefined;
  const reported = new Set((await deps.store.listSlices(runId)).map((s) => s.sliceId));
  if (!record.sliceIds.every((id) => reported.has(id))) return undefined;
  if (record.capacity && !record.capacity.done) {
    const step = record.capacity.steps[record.capacity.steps.length - 1];
    if (!(await deps.store.claim(runId, `step-${step.window}`, claimant))) return undefined;
    const advance = await advanceCapacity(deps.store, runId, { now: Date.now(), leadMs: deps.startLeadMs ?? 5000, graceMs: deps.graceMs ?? 120_000 });
    if (!advance.done) {
      if (!deps.queue) throw new Error('a capacity search needs a queue for its next step');
      for (const slice of advance.slices) await deps.queue.enqueue(slice);
      deps.log?.(`run ${runId}: capacity step ${step.window} judged; next step ${advance.slices[0].window} at ${advance.slices[0].stepRps} rps`);
      return undefined;
    }
  }
  if (!(await deps.store.claim(runId, 'finalize', claimant))) return undefined;
  return finalizeRun(deps.store, runId, deps.finalize);
}
