import { openStore, type StoreLocation } from '../adapters/store-location.js';
import { tokenProviderForAuth } from '../adapters/token-provider-for-auth.js';
import { executeSlice, type SliceProgress } from '../core/execute-slice.js';
import type { PlanInput } from '../core/plan.js';
import { sliceOutcomeToJson, type SliceOutcomeJson } from '../core/slice-outcome-json.js';
import type { SliceSpec } from '../core/slice.js';
import { validatePlan } from '../core/validate-plan.js';

/** Everything a local worker needs to run one slice; plain data, so it can cross to a thread. */
export interface SliceJob {
  planInput: PlanInput;
  slice: SliceSpec;
  store: StoreLocation;
  payloadFileText?: string;
}

/** Runs a slice in this thread: raw rows to the store, the outcome back as JSON. */
export async function runSliceHere(job: SliceJob, abortSignal: AbortSignal, onProgress: (p: SliceProgress) => void): Promise<SliceOutcomeJson> {
  const validated = validatePlan(job.planInput);
  if (!validated.ok) throw new Error('plan is not valid');
  const plan = validated.value.plan;
  const store = await openStore(job.store);
  const rawWriter = store.openRawWriter(job.slice.runId, job.slice.sliceId);
  try {
    const outcome = await executeSlice(job.slice, plan, {
      rawWriter,
      tokenProvider: tokenProviderForAuth(plan.target.auth),
      abortSignal,
      onProgress,
      payloadFileText: job.payloadFileText,
    });
    return sliceOutcomeToJson(outcome);
  } finally {
    await rawWriter.close();
  }
}
