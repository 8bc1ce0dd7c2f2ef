import { describe, expect, it } from 'vitest';
import type { SliceMessageHandler, SliceQueue } from '../../src/core/ports/slice-queue.js';
import { newRunId } from '../../src/core/run-id.js';
import { sliceId, type SliceSpec } from '../../src/core/slice.js';

export interface SliceQueueHarness {
  queue: SliceQueue;
  /** Stops consuming and releases timers, connections and pollers. */
  stop(): Promise<void>;
}

export interface SliceQueueHooks {
  /** The implementation calls this when it gives up on a message (poison queue / dropped). */
  onPoison(messageText: string, error: unknown): void;
}

export interface SliceQueueContractOptions {
  /** Deliveries before poison that `make` configures (default 3). */
  maxDequeueCount?: number;
  /** How late past `visibleAtEpochMs` a message may be delivered (default 2000 ms). */
  lateToleranceMs?: number;
}

/** `make(handler, hooks)` returns a queue whose messages go to `handler`, consumed until `stop()`. */
export type MakeSliceQueue = (handler: SliceMessageHandler, hooks: SliceQueueHooks) => Promise<SliceQueueHarness>;

function slice(index = 0, runId = newRunId()): SliceSpec {
  return { runId, sliceId: sliceId(index % 4, Math.floor(index / 4)), worker: index % 4, workers: 4, window: Math.floor(index / 4), windows: 8, fromUs: 0, toUs: 60_000_000, originEpochMs: Date.now() + 5000 };
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * What every SliceQueue promises (in-process queue; Storage queue + poller): messages come back as
 * sent, not before they are due, failing ones are redelivered with a growing dequeue count and end as
 * poison, and successful ones are delivered once.
 */
export function runSliceQueueContract(name: string, make: MakeSliceQueue, options: SliceQueueContractOptions = {}): void {
  const maxDequeueCount = options.maxDequeueCount ?? 3;
  const lateToleranceMs = options.lateToleranceMs ?? 2000;
  const noPoison: SliceQueueHooks = { onPoison: () => {} };

  describe(`${name} — slice queue contract`, () => {
    it('delivers a message equal (as JSON) to the slice enqueued', async () => {
      const received: string[] = [];
      const harness = await make(async (text) => void received.push(text), noPoison);
      try {
        const spec = slice();
        const open = { ...slice(1, spec.runId), toUs: Infinity }; // the last window: JSON turns Infinity into null
        await harness.queue.enqueue(spec);
        await harness.queue.enqueue(open);
        await until(() => received.length === 2, 10_000, 'two deliveries');
        const parsed = received.map((t) => JSON.parse(t) as SliceSpec).sort((a, b) => a.worker - b.worker);
        expect(parsed[0]).toEqual(JSON.parse(JSON.stringify(spec)));
        expect(parsed[1]).toEqual(JSON.parse(JSON.stringify(open)));
      } finally {
        await harness.stop();
      }
    });

    it('keeps a message invisible until visibleAtEpochMs', async () => {
      const deliveredAt: number[] = [];
      const harness = await make(async () => void deliveredAt.push(Date.now()), noPoison);
      try {
        const visibleAt = Date.now() + 1500;
        await harness.queue.enqueue(slice(), { visibleAtEpochMs: visibleAt });
        await until(() => deliveredAt.length === 1, 1500 + lateToleranceMs + 3000, 'the delayed delivery');
        expect(deliveredAt[0]).toBeGreaterThanOrEqual(visibleAt);
        expect(deliveredAt[0] - visibleAt).toBeLessThanOrEqual(lateToleranceMs);
      } finally {
        await harness.stop();
      }
    });

    it('redelivers a failing message with a growing dequeue count until it succeeds, then never again', async () => {
      const counts: number[] = [];
      let successes = 0;
      const harness = await make(async (_text, dequeueCount) => {
        counts.push(dequeueCount);
        if (counts.length <= 2) throw new Error(`fails on delivery ${dequeueCount}`);
        successes++;
      }, noPoison);
      try {
        await harness.queue.enqueue(slice());
        await until(() => successes === 1, 20_000, 'the third delivery');
        await sleep(1000);
        expect(counts).toEqual([1, 2, 3]);
        expect(successes).toBe(1);
      } finally {
        await harness.stop();
      }
    });

    it('gives up on a message that always fails after maxDequeueCount deliveries (poison)', async () => {
      const counts: number[] = [];
      const poisoned: string[] = [];
      const spec = slice();
      const harness = await make(
        async (_text, dequeueCount) => {
          counts.push(dequeueCount);
          throw new Error('always fails');
        },
        { onPoison: (text) => poisoned.push(text) },
      );
      try {
        await harness.queue.enqueue(spec);
        await until(() => poisoned.length === 1, 30_000, 'the message to be poisoned');
        await sleep(1000);
        expect(counts).toEqual(Array.from({ length: maxDequeueCount }, (_, i) => i + 1));
        expect(poisoned).toHaveLength(1);
        expect(JSON.parse(poisoned[0])).toEqual(JSON.parse(JSON.stringify(spec)));
      } finally {
        await harness.stop();
      }
    });

    it('delivers each of 20 messages exactly once when handlers succeed', async () => {
      const seen = new Map<string, number>();
      const harness = await make(async (text) => {
        const spec = JSON.parse(text) as SliceSpec;
        seen.set(spec.sliceId, (seen.get(spec.sliceId) ?? 0) + 1);
        await sleep(20);
      }, noPoison);
      try {
        const runId = newRunId();
        await Promise.all(Array.from({ length: 20 }, (_, i) => harness.queue.enqueue(slice(i, runId))));
        await until(() => seen.size === 20, 30_000, '20 distinct deliveries');
        await sleep(1000);
        expect([...seen.values()].every((n) => n === 1)).toBe(true);
        expect(seen.size).toBe(20);
      } finally {
        await harness.stop();
      }
    });
  });
}
