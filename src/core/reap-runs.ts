import { finalizeRun, type FinalizedRun, type FinalizeRunOptions } from './finalize-run.js';
import type { RunStore } from './ports/run-store.js';
import type { SliceStore } from './ports/slice-store.js';
import { isFinal } from './run-record.js';

/** How far back the reaper looks (runs are listed newest first). */
const MAX_RUNS_SCANNED = 500;

/**
 * Finalizes runs whose slices have not all reported by their deadline (end + grace) as `partial`,
 * from the slices they have, naming the missing ones.
 */
export async function reapRuns(
  store: RunStore & SliceStore,
  now: number,
  finalize: Omit<FinalizeRunOptions, 'allowMissing'> = {},
): Promise<FinalizedRun[]> {
  const reaped: FinalizedRun[] = [];
  let continuationToken: string | undefined;
  let scanned = 0;
  do {
    const page = await store.listRuns({ limit: 100, continuationToken });
    for (const run of page.runs) {
      scanned++;
      if (isFinal(run.status) || Date.parse(run.deadlineAt) > now) continue;
      if (!(await store.claim(run.runId, 'finalize', 'reaper'))) continue;
      const finalized = await finalizeRun(store, run.runId, { ...finalize, allowMissing: true });
      if (finalized) reaped.push(finalized);
    }
    continuationToken = page.continuationToken;
  } while (continuationToken && scanned < MAX_RUNS_SCANNED);
  return reaped;
}
