import type { SliceOutcome } from '../execute-slice.js';

/**
 * Keeps each slice's outcome (counts and encoded histograms), keyed by run and slice id, so a slice
 * saved twice (a queue message delivered twice) is stored once and counted once.
 */
export interface SliceStore {
  saveSlice(outcome: SliceOutcome): Promise<void>;
  listSlices(runId: string): Promise<SliceOutcome[]>;
}
