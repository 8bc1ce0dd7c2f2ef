import { expect, it } from 'vitest';
import { InProcessSliceQueue } from '../../src/adapters/in-process-slice-queue.js';
import { newRunId } from '../../src/core/run-id.js';
import { runSliceQueueContract } from '../contract/slice-queue.contract.js';

runSliceQueueContract('InProcessSliceQueue', async (handler, hooks) => {
  const queue = new InProcessSliceQueue(handler, { retryDelayMs: 100, onPoison: hooks.onPoison });
  return { queue, stop: async () => queue.close() };
});

it('close() drops waiting messages and clears their timers', async () => {
  const delivered: string[] = [];
  const queue = new InProcessSliceQueue(async (text) => void delivered.push(text));
  const runId = newRunId();
  await queue.enqueue({ runId, sliceId: 'w000-k000', worker: 0, workers: 1, window: 0, windows: 1, fromUs: 0, toUs: 1, originEpochMs: 0 }, { visibleAtEpochMs: Date.now() + 200 });
  expect(queue.pending).toBe(1);
  queue.close();
  expect(queue.pending).toBe(0);
  await new Promise((r) => setTimeout(r, 400));
  expect(delivered).toEqual([]);
  await expect(queue.enqueue({ runId, sliceId: 'w000-k001', worker: 0, workers: 1, window: 1, windows: 2, fromUs: 0, toUs: 1, originEpochMs: 0 })).rejects.toThrow(/closed/);
});
