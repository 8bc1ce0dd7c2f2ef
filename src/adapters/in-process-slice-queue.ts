import type { EnqueueSliceOptions, SliceMessageHandler, SliceQueue } from '../core/ports/slice-queue.js';
import type { SliceSpec } from '../core/slice.js';

/** setTimeout's longest delay; a later message is re-armed when it fires. */
const MAX_TIMER_MS = 2_147_483_647;

export interface InProcessSliceQueueOptions {
  /** Deliveries of a failing message before it is dropped (default 3, like the storage queue). */
  maxDequeueCount?: number;
  /** A failed message is delivered again after this (default 1000 ms). */
  retryDelayMs?: number;
  /** Called when a message failed its last delivery and is dropped. */
  onPoison?: (messageText: string, error: unknown) => void;
}

/**
 * SliceQueue inside one process (`mlload serve` without storage): each message is the slice's JSON,
 * handed to the handler when it becomes visible; a failing message is delivered again a little later
 * (dequeue count 1, 2, 3), then dropped and reported to `onPoison`. Its timers are ordinary (they keep
 * the process alive, as a server should); `close()` clears them.
 */
export class InProcessSliceQueue implements SliceQueue {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly maxDequeueCount: number;
  private readonly retryDelayMs: number;
  private closed = false;
  /** Handler calls under way (for tests and shutdown). */
  running = 0;

  constructor(
    private readonly handler: SliceMessageHandler,
    private readonly options: InProcessSliceQueueOptions = {},
  ) {
    this.maxDequeueCount = Math.max(1, options.maxDequeueCount ?? 3);
    this.retryDelayMs = Math.max(0, options.retryDelayMs ?? 1000);
  }

  async enqueue(slice: SliceSpec, options: EnqueueSliceOptions = {}): Promise<void> {
    if (this.closed) throw new Error('the in-process slice queue is closed');
    this.schedule(JSON.stringify(slice), 1, options.visibleAtEpochMs ?? Date.now());
  }

  /** Messages waiting to be delivered (or delivered again). */
  get pending(): number {
    return this.timers.size;
  }

  /** Drops every waiting message; handlers already running finish, but are not retried. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(text: string, dequeueCount: number, visibleAtEpochMs: number): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      // Timers may fire a hair early against the wall clock: never deliver before the visible time.
      if (Date.now() < visibleAtEpochMs) this.schedule(text, dequeueCount, visibleAtEpochMs);
      else void this.deliver(text, dequeueCount);
    }, Math.min(MAX_TIMER_MS, Math.max(0, visibleAtEpochMs - Date.now())));
    this.timers.add(timer);
  }

  private async deliver(text: string, dequeueCount: number): Promise<void> {
    if (this.closed) return;
    this.running++;
    try {
      await this.handler(text, dequeueCount);
    } catch (error) {
      if (dequeueCount >= this.maxDequeueCount) {
        try {
          this.options.onPoison?.(text, error);
        } catch {
          // A failing callback must not break the queue.
        }
      } else {
        this.schedule(text, dequeueCount + 1, Date.now() + this.retryDelayMs);
      }
    } finally {
      this.running--;
    }
  }
}
