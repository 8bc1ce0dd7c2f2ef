import type { RawSampleWriter } from './raw-sample-writer.js';

/** Raw per-request rows of each slice (`raw/<sliceId>.csv`). */
export interface RawSampleStore {
  /** A writer for one slice; writing it again starts it over (a re-run slice replaces its rows). */
  openRawWriter(runId: string, sliceId: string): RawSampleWriter;
  /** Slice ids with raw rows. */
  listRawSlices(runId: string): Promise<string[]>;
  /** The slice's CSV text, header included. */
  readRawSamples(runId: string, sliceId: string): Promise<string | undefined>;
}
