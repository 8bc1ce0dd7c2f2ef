import type { SliceSpec } from '../slice.js';

export interface EnqueueSliceOptions {
  /** The message stays invisible until then (slices of later windows wait in the queue, not in a function). */
  visibleAtEpochMs?: number;
}

/**
 * Hands slices to workers: one message per slice. In Azure, a Storage queue (`slices`) whose trigger
 * runs `runSlice` one message per instance; locally, an in-process queue or a poller against Azurite.
 * Delivery is at least once: consumers must be idempotent per slice id.
 */
export interface SliceQueue {
  enqueue(slice: SliceSpec, options?: EnqueueSliceOptions): Promise<void>;
}

/** Handles one delivered message (the text as put on the queue); rejecting leaves it for redelivery. */
export type SliceMessageHandler = (messageText: string, dequeueCount: number) => Promise<void>;
