/**
 * Where a slice's raw samples go: CSV, one row per request, appended in order — as text, or as its
 * UTF-8 bytes (what the recorder hands over: rows built in a byte buffer, see RawRowBuffer); whole rows
 * either way. Bytes handed to `append` are the writer's from then on.
 * `append` never waits for I/O; the writer buffers and flushes on its own (every few seconds
 * for remote stores), so a crash loses at most the unflushed rows.
 */
export interface RawSampleWriter {
  append(rows: string | Uint8Array): void;
  /** Writes everything appended so far. */
  flush(): Promise<void>;
  /** Flushes and releases the writer. */
  close(): Promise<void>;
  /** Rows that will never reach the store (buffer cap, storage failures, storage that lost them), if the writer counts them. */
  readonly droppedRows?: number;
}
