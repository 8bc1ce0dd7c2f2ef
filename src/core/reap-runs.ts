import { finalizeRun, type FinalizedRun, type FinalizeRunOptions } from './finalize-run.js';
import type { RunStore } from './ports/run-store.js';
import type { SliceStore } from './ports/slice-store.js';
import { isFinal } from './run-record.js';

/** How far back the reaper looks (runs are listed newest first). */
const MAX_RUNS_SCANNED = 500;

/**
 * A finalize claim still not final this long after the run's deadline belongs to a finalizer that died
 * or failed (e.g. storage went away between its claim and its last write): the reaper finalizes anyway.
 * Finalizing is deterministic, so a second finalizer writes the same results.
 */
export const STALE_CLAIM_MS = 10 * 60_000;

/**
 * Finalizes runs whose slices have not all reported by their deadline (end + grace) as `partial`,
 * from the slices they have, naming the missing ones. A run that cannot be finalized (storage failing,
 * a corrupt slice) is reported to `onError` and skipped: it never stops the others.
 */
export async function reapRuns(
  store: RunStore & SliceStore,
  now: number,
  finalize: Omit<FinalizeRunOptions, 'allowMissing'> = {},
  onError?: (runId: string, error: Error) => void,
): Promise<FinalizedRun[]> {
  const reaped: FinalizedRun[] = [];
  let continuationToken: string | undefined;
  let scanned = 0;
  do {
    const page = await store.listRuns({ limit: 100, continuationToken });
    for (const run of page.runs) {
      scanned++;
      if (isFinal(run.status) || Date.parse(run.deadlineAt) > now) continue;
      try {
        const claimed = await store.claim(run.runId, 'finalize', 'reaper');
        if (!claimed && now < Date.parse(run.deadlineAt) + STALE_CLAIM_MS) continue;
        const finalized = await finalizeRun(store, run.runId, { ...finalize, allowMissing: true });
        if (finalized) reaped.push(finalized);
      } catch (error) {
        onError?.(run.runId, error instanceof Error ? error : new Error(String(error)));
      }
    }
    continuationToken = page.continuationToken;
  } while (continuationToken && scanned < MAX_RUNS_SCANNED);
  return reaped;
}
