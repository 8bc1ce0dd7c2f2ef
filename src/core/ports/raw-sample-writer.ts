/**
 * Where a slice's raw samples go: CSV text, one row per request, appended in order.
 * `append` never waits for I/O; the writer buffers and flushes on its own (every few seconds
 * for remote stores), so a crash loses at most the unflushed rows.
 */
export interface RawSampleWriter {
  append(csvText: string): void;
  /** Writes everything appended so far. */
  flush(): Promise<void>;
  /** Flushes and releases the writer. */
  close(): Promise<void>;
  /** Rows that will never reach the store (buffer cap, storage failures, storage that lost them), if the writer counts them. */
  readonly droppedRows?: number;
}
