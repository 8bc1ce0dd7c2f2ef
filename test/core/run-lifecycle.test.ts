import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileResultStore } from '../../src/adapters/file-result-store.js';
import { noTokenProvider } from '../../src/core/ports/token-provider.js';
import { reapRuns } from '../../src/core/reap-runs.js';
import { runSlice } from '../../src/core/run-slice.js';
import { sliceMessageText } from '../../src/core/slice-message.js';
import { startRun, type RunLimits } from '../../src/core/start-run.js';
import { RecordingQueue } from '../helpers/function-services.js';
import { okHandler, startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';

let server: LoopbackServer;
let store: FileResultStore;
let queue: RecordingQueue;
beforeEach(async () => {
  server = await startLoopbackServer(okHandler);
  store = new FileResultStore(path.join(mkdtempSync(path.join(os.tmpdir(), 'mlload-life-')), 'results'));
  queue = new RecordingQueue();
});
afterEach(() => server.close());

const limits: RunLimits = {
  maxRps: 1000, maxDurationSeconds: 600, maxWorkers: 10, maxSliceSeconds: 1, startLeadSeconds: 0.3, sliceGraceSeconds: 1,
  workerMaxRps: 1000, workerMaxConnections: 100, allowedTargetHosts: ['127.0.0.1'],
};
const deps = () => ({ store, tokenProviderFor: () => noTokenProvider });

async function start(duration = '2s') {
  const result = await startRun({ name: 'life', target: { url: `${server.url}/score` }, load: { model: 'constant', rps: 20, duration }, workers: 2 }, { store, queue, limits });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.value;
}

describe('the run lifecycle: slices, duplicates, fan-in, reaper', () => {
  it('runs 2 workers × 2 windows and fans in once, with exact counts', async () => {
    const record = await start();
    expect(queue.messages.map((m) => m.slice.sliceId).sort()).toEqual(['w000-k000', 'w000-k001', 'w001-k000', 'w001-k001']);
    const results = await Promise.all(queue.messages.map((m) => runSlice(sliceMessageText(m.slice), deps())));
    expect(results.filter((r) => r.finalized).length).toBe(1);
    const final = await store.getRun(record.runId);
    expect(final?.status).toBe('passed');
    expect(final?.summary?.requests).toMatchObject({ planned: 40, sent: 40, ok: 40, missed: 0 });
    expect(server.count).toBe(40);
    const rows = await Promise.all((await store.listRawSlices(record.runId)).map((id) => store.readRawSamples(record.runId, id)));
    expect(rows.reduce((n, csv) => n + csv!.trim().split('\n').length - 1, 0)).toBe(40);
  });

  it('counts a slice delivered twice once', async () => {
    const record = await start('1s');
    const [first, second] = queue.messages.map((m) => sliceMessageText(m.slice));
    await runSlice(first, deps());
    const again = await runSlice(first, deps());
    expect(again.kind).toBe('duplicate');
    await runSlice(second, deps());
    const duplicateAfterEnd = await runSlice(second, deps());
    expect(duplicateAfterEnd.kind).toBe('run-final');
    const final = await store.getRun(record.runId);
    expect(final?.summary?.requests).toMatchObject({ planned: 20, sent: 20, ok: 20 });
    expect(server.count).toBe(20);
  });

  it('records a slice that arrives after its window as missed: the run is partial, never run late', async () => {
    const record = await start('1s');
    const [first, second] = queue.messages.map((m) => sliceMessageText(m.slice));
    await runSlice(first, deps());
    await new Promise((r) => setTimeout(r, 1500)); // the window ends while the second message waits
    const late = await runSlice(second, deps());
    expect(late.kind === 'ran' && late.outcome.status).toBe('missed');
    const final = await store.getRun(record.runId);
    expect(final?.status).toBe('partial');
    expect(final?.summary?.requests).toMatchObject({ planned: 20, sent: 10, missed: 10 });
    expect(final?.summary?.reasons.join(' ')).toMatch(/started after their window ended: w001-k000/);
    expect(server.count).toBe(10);
  });

  it('lets the reaper finalize a run whose slices never all reported, naming the missing ones', async () => {
    const record = await start('1s');
    await runSlice(sliceMessageText(queue.messages[0].slice), deps());
    expect((await reapRuns(store, Date.now()))).toHaveLength(0); // before the deadline: nothing to do
    const reaped = await reapRuns(store, Date.parse(record.deadlineAt) + 1);
    expect(reaped.map((r) => r.record.runId)).toEqual([record.runId]);
    const final = await store.getRun(record.runId);
    expect(final?.status).toBe('partial');
    expect(final?.summary?.slices.missing).toEqual(['w001-k000']);
    expect(final?.summary?.requests).toMatchObject({ planned: 20, sent: 10, missed: 10 });
    // The slice that shows up after all is not counted into a final run.
    expect((await runSlice(sliceMessageText(queue.messages[1].slice), deps())).kind).toBe('run-final');
  });
});
