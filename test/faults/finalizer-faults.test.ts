/**
 * Faults at fan-in: storage failing between the finalizer's claim and its last write must not leave a
 * run `running` forever, and one run that cannot be finalized (a corrupt slice) must not stop the
 * reaper from finalizing the others.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileResultStore } from '../../src/adapters/file-result-store.js';
import { noTokenProvider } from '../../src/core/ports/token-provider.js';
import { reapRuns, STALE_CLAIM_MS } from '../../src/core/reap-runs.js';
import { runSlice } from '../../src/core/run-slice.js';
import { sliceMessageText } from '../../src/core/slice-message.js';
import { startRun, type RunLimits } from '../../src/core/start-run.js';
import { RecordingQueue } from '../helpers/function-services.js';
import { okHandler, startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';

let target: LoopbackServer;
beforeAll(async () => {
  target = await startLoopbackServer(okHandler);
});
afterAll(() => target?.close());

const limits: RunLimits = {
  maxRps: 1000, maxDurationSeconds: 600, maxWorkers: 10, maxSliceSeconds: 60, startLeadSeconds: 0.2, sliceGraceSeconds: 1,
  workerMaxRps: 1000, workerMaxConnections: 100, allowedTargetHosts: ['127.0.0.1'],
};

function newStore(): { root: string; store: FileResultStore } {
  const root = path.join(mkdtempSync(path.join(os.tmpdir(), 'mlload-fin-')), 'results');
  return { root, store: new FileResultStore(root) };
}

async function start(store: FileResultStore, queue: RecordingQueue, workers = 1) {
  const result = await startRun({ name: 'fin', target: { url: `${target.url}/score` }, load: { model: 'constant', rps: 10, duration: 1 }, workers }, { store, queue, limits });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.value;
}

describe('a finalizer that fails after claiming the run', () => {
  it('leaves it to the reaper once the claim is stale: the run ends with exact counts, not running forever', async () => {
    const { store } = newStore();
    const queue = new RecordingQueue();
    const record = await start(store, queue);
    // Storage fails when the finalizer saves the results (after its claim).
    const failing = Object.create(store) as FileResultStore;
    failing.saveResults = async () => {
      throw new Error('storage unavailable (simulated)');
    };
    const message = sliceMessageText(queue.messages[0].slice);
    await expect(runSlice(message, { store: failing, tokenProviderFor: () => noTokenProvider })).rejects.toThrow(/storage unavailable/);
    expect((await store.getRun(record.runId))?.status).toBe('running');
    // The queue redelivers: a duplicate, and the claim is taken, so nothing more happens.
    expect((await runSlice(message, { store, tokenProviderFor: () => noTokenProvider })).kind).toBe('duplicate');
    expect((await store.getRun(record.runId))?.status).toBe('running');

    const deadline = Date.parse(record.deadlineAt);
    expect(await reapRuns(store, deadline + 1)).toEqual([]); // a live finalizer may still hold the claim
    const reaped = await reapRuns(store, deadline + STALE_CLAIM_MS + 1);
    expect(reaped.map((r) => r.record.runId)).toEqual([record.runId]);
    const final = await store.getRun(record.runId);
    expect(final?.status).toBe('passed');
    expect(final?.summary?.requests).toMatchObject({ planned: 10, sent: 10, ok: 10 });
  });
});

describe('the reaper and a run it cannot finalize', () => {
  it('reports the corrupt run and finalizes the others', async () => {
    const { root, store } = newStore();
    const queue = new RecordingQueue();
    const corrupt = await start(store, queue, 2);
    const healthy = await start(store, queue, 2);
    // One slice of each run reports; the other never does.
    for (const record of [corrupt, healthy]) {
      const slice = queue.messages.find((m) => m.slice.runId === record.runId && m.slice.worker === 0)!.slice;
      expect((await runSlice(sliceMessageText(slice), { store, tokenProviderFor: () => noTokenProvider })).kind).toBe('ran');
    }
    // The corrupt run's stored slice is damaged (a forged histogram header).
    writeFileSync(path.join(root, corrupt.runId, 'slices', 'w000-k000.json'), JSON.stringify({ runId: corrupt.runId, sliceId: 'w000-k000', status: 'done', worker: 0, window: 0, planned: 5, sent: 5, lateMs: 0, missed: 0, startedAtMs: 1, endedAtMs: 2, aggregate: { counts: {}, responseTime: 'HISTFAAAACB4nJNpmSzMwMBQz8zAwMzAAAAVbQGl' } }));
    const errors: string[] = [];
    const now = Math.max(Date.parse(corrupt.deadlineAt), Date.parse(healthy.deadlineAt)) + 1;
    const reaped = await reapRuns(store, now, {}, (runId, error) => errors.push(`${runId}: ${error.message}`));
    expect(reaped.map((r) => r.record.runId)).toEqual([healthy.runId]);
    expect(reaped[0].summary.status).toBe('partial');
    expect(reaped[0].summary.slices.missing).toEqual(['w001-k000']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^${corrupt.runId}: .*(aggregate|slice)`));
  });
});
