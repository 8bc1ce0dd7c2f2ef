import { randomBytes } from 'node:crypto';
import type { BlockBlobClient } from '@azure/storage-blob';
import type { RawSampleWriter } from '../core/ports/raw-sample-writer.js';
import { RAW_SAMPLE_HEADER } from '../core/raw-sample-csv.js';
import { codeOf, storageError, statusOf } from './storage-error.js';

export interface AzureRawSampleWriterOptions {
  /** Stage and commit the buffered rows this often (default 5000 ms). */
  flushIntervalMs?: number;
  /**
   * Most buffered, unwritten text kept while storage is failing (default 64 MiB, counted in characters,
   * which for this ASCII CSV are bytes). Past it the oldest rows are dropped and counted in `droppedRows`.
   */
  maxBufferedBytes?: number;
  /** How long `close()` keeps retrying a failing storage before it gives up and rejects (default 30 s). */
  closeTimeoutMs?: number;
  /** Longest wait between retries of a failing periodic flush (default 60 s). */
  maxBackoffMs?: number;
  /** Largest block staged at once (default 8 MiB); a long backlog is staged as several blocks. */
  maxBlockBytes?: number;
}

export interface AzureRawSampleWriterTarget {
  blob: BlockBlobClient;
  /** Names the blob in messages, e.g. `blob runs/<runId>/raw/<sliceId>.csv`. */
  description: string;
  /** Runs before each write (creates the container once). */
  prepare?: () => Promise<void>;
  /** Told when the container turned out to be missing, so that `prepare` creates it again. */
  onContainerMissing?: () => void;
  /** Values to scrub from error messages. */
  secrets?: readonly string[];
}

const MiB = 1024 * 1024;

function countRows(text: string): number {
  let rows = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) rows++;
  return rows;
}

/**
 * Streams a slice's raw CSV to a block blob. `append` only buffers. Every `flushIntervalMs`, and on
 * `flush()`/`close()`, the buffered text is staged as new block(s) and the whole block list committed,
 * so the blob is always a readable CSV (header first) and a crash loses at most the unflushed rows.
 * Flushes never overlap. The first commit of a writer replaces whatever the blob held before.
 *
 * When storage fails, the text stays buffered and is retried on later ticks with backoff; the buffer
 * is capped (`maxBufferedBytes`): past it the oldest unwritten rows are dropped and counted in
 * `droppedRows`. `append` never throws; `close()` settles within `closeTimeoutMs` (plus a moment)
 * even if storage stays down, rejecting with a message that names the blob and holds no secret.
 */
export class AzureRawSampleWriter implements RawSampleWriter {
  /** Rows that will never reach the blob: dropped at the buffer cap, appended after close, or lost by storage. */
  droppedRows = 0;
  /** The last storage failure, in words (no secret); undefined after a successful flush. */
  lastError: string | undefined;

  private readonly flushIntervalMs: number;
  private readonly maxBufferedChars: number;
  private readonly closeTimeoutMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxBlockChars: number;
  private readonly chunkChars: number;

  /** Unwritten text, oldest first: sealed chunks, then `current`. */
  private sealed: string[] = [];
  private current = '';
  /** Text taken by the flush under way (put back in front if it fails). */
  private inflight: string[] = [];
  private bufferedChars = 0;

  private committedIds: string[] = [];
  private committedRows = 0;
  private headerCommitted = false;
  private readonly blockPrefix = randomBytes(6).toString('hex');
  private blockSeq = 0;

  private chain: Promise<void> = Promise.resolve();
  private queued = 0;
  private failures = 0;
  private nextAttemptAt = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly abort = new AbortController();
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly target: AzureRawSampleWriterTarget,
    options: AzureRawSampleWriterOptions = {},
  ) {
    this.flushIntervalMs = Math.max(1, options.flushIntervalMs ?? 5000);
    this.maxBufferedChars = Math.max(1, options.maxBufferedBytes ?? 64 * MiB);
    this.closeTimeoutMs = Math.max(0, options.closeTimeoutMs ?? 30_000);
    this.maxBackoffMs = Math.max(this.flushIntervalMs, options.maxBackoffMs ?? 60_000);
    this.maxBlockChars = Math.max(1024, options.maxBlockBytes ?? 8 * MiB);
    this.chunkChars = Math.max(1, Math.min(64 * 1024, Math.floor(this.maxBufferedChars / 4)));
    this.timer = setInterval(() => this.tick(), this.flushIntervalMs);
    this.timer.unref();
  }

  append(rows: string | Uint8Array): void {
    // Kept as text: the buffer cap, row counts and block cutting work on characters.
    const csvText = typeof rows === 'string' ? rows : Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength).toString('utf8');
    if (csvText === '') return;
    if (this.closed) {
      this.droppedRows += countRows(csvText);
      return;
    }
    this.current += csvText;
    this.bufferedChars += csvText.length;
    if (this.current.length >= this.chunkChars) {
      this.sealed.push(this.current);
      this.current = '';
    }
    if (this.bufferedChars > this.maxBufferedChars) this.trim();
  }

  /** Writes everything appended so far; rejects (without secret) if storage fails. */
  flush(): Promise<void> {
    return this.enqueue();
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    clearInterval(this.timer);
    this.closing = this.closeWithin(this.closeTimeoutMs);
    return this.closing;
  }

  /** Characters buffered and not yet written. */
  get bufferedBytes(): number {
    return this.bufferedChars;
  }

  private async closeWithin(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    // At the deadline, every storage call still under way is aborted.
    const abortTimer = setTimeout(() => this.abort.abort(), timeoutMs);
    let lastError: unknown;
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          await this.beforeDeadline(this.enqueue(), deadline);
          return;
        } catch (error) {
          lastError = error;
        }
        const remaining = deadline - Date.now();
        if (remaining <= 0) break;
        await new Promise((resolve) => setTimeout(resolve, Math.min(remaining, 250 * 2 ** attempt, 5000)));
      }
    } finally {
      clearTimeout(abortTimer);
    }
    const lost = this.discardBuffer();
    const why = lastError instanceof Error ? lastError.message : String(lastError);
    throw new Error(`gave up writing raw samples to ${this.target.description} after ${timeoutMs} ms: ${lost} row(s) not written (${why})`);
  }

  private beforeDeadline<T>(promise: Promise<T>, deadline: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('storage did not answer in time')), Math.max(0, deadline - Date.now()) + 1000);
      promise.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  private tick(): void {
    if (this.queued > 0 || Date.now() < this.nextAttemptAt) return;
    this.enqueue().catch(() => {
      // Kept in lastError; the rows stay buffered and the next tick after the backoff retries.
    });
  }

  /** Runs one flush after those already queued: flushes never overlap. */
  private enqueue(): Promise<void> {
    this.queued++;
    const run = this.chain.then(() => this.flushOnce());
    const settled = run.then(
      () => {
        this.queued--;
        this.failures = 0;
        this.nextAttemptAt = 0;
        this.lastError = undefined;
      },
      (error: unknown) => {
        this.queued--;
        this.failures++;
        this.nextAttemptAt = Date.now() + Math.min(this.flushIntervalMs * 2 ** (this.failures - 1), this.maxBackoffMs) - this.flushIntervalMs / 2;
        this.lastError = error instanceof Error ? error.message : String(error);
        throw error;
      },
    );
    this.chain = settled.catch(() => {});
    return settled;
  }

  private async flushOnce(): Promise<void> {
    if (this.headerCommitted && this.bufferedChars === 0) return;
    const signal = this.abort.signal;
    if (this.current !== '') {
      this.sealed.push(this.current);
      this.current = '';
    }
    this.inflight = this.sealed;
    this.sealed = [];
    const inflightChars = this.inflight.reduce((sum, text) => sum + text.length, 0);
    try {
      await this.target.prepare?.();
      const ids: string[] = [];
      const blocks = this.headerCommitted ? [] : [RAW_SAMPLE_HEADER];
      let block = '';
      for (const text of this.inflight) {
        if (block.length > 0 && block.length + text.length > this.maxBlockChars) {
          blocks.push(block);
          block = '';
        }
        block += text;
      }
      if (block !== '') blocks.push(block);
      for (const text of blocks) {
        const id = this.nextBlockId();
        const body = Buffer.from(text, 'utf8');
        await this.target.blob.stageBlock(id, body, body.length, { abortSignal: signal });
        ids.push(id);
      }
      await this.target.blob.commitBlockList([...this.committedIds, ...ids], {
        abortSignal: signal,
        blobHTTPHeaders: { blobContentType: 'text/csv; charset=utf-8' },
      });
      this.committedIds.push(...ids);
      this.headerCommitted = true;
      this.committedRows += this.inflight.reduce((sum, text) => sum + countRows(text), 0);
      this.bufferedChars -= inflightChars;
      this.inflight = [];
    } catch (error) {
      // Put the text back in front, oldest first, then hold to the cap.
      this.sealed = [...this.inflight, ...this.sealed];
      this.inflight = [];
      const code = codeOf(error);
      if (code === 'ContainerNotFound') this.target.onContainerMissing?.();
      if ((code === 'ContainerNotFound' && this.committedIds.length > 0) || (statusOf(error) === 400 && code === 'InvalidBlockList')) {
        // Storage lost what was committed (the container went away, or a local emulator restarted):
        // those rows are gone; start the blob over with the header.
        this.droppedRows += this.committedRows;
        this.committedRows = 0;
        this.committedIds = [];
        this.headerCommitted = false;
      }
      if (this.bufferedChars > this.maxBufferedChars) this.trim();
      throw storageError('writing', this.target.description, error, this.target.secrets);
    }
  }

  private nextBlockId(): string {
    // Same length for every block of the blob; a new writer has a new prefix, so it never reuses a block.
    return Buffer.from(`${this.blockPrefix}-${String(this.blockSeq++).padStart(10, '0')}`).toString('base64');
  }

  /** Drops the oldest unwritten rows (never the text a flush is sending) until under the cap. */
  private trim(): void {
    while (this.bufferedChars > this.maxBufferedChars) {
      let dropped: string;
      if (this.sealed.length > 0) dropped = this.sealed.shift()!;
      else if (this.current !== '') {
        dropped = this.current;
        this.current = '';
      } else break;
      this.bufferedChars -= dropped.length;
      this.droppedRows += countRows(dropped);
    }
  }

  private discardBuffer(): number {
    const lost = [...this.inflight, ...this.sealed, this.current].reduce((sum, text) => sum + countRows(text), 0);
    this.droppedRows += lost;
    this.sealed = [];
    this.inflight = [];
    this.current = '';
    this.bufferedChars = 0;
    return lost;
  }
}
