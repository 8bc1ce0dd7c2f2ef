import { describe, expect, it } from 'vitest';
import { Aggregate } from '../../src/core/aggregate.js';
import type { SliceOutcome } from '../../src/core/execute-slice.js';
import { planSchema, type PlanInput } from '../../src/core/plan.js';
import type { ResultStore } from '../../src/core/ports/result-store.js';
import { RAW_SAMPLE_HEADER } from '../../src/core/raw-sample-csv.js';
import { newRunId } from '../../src/core/run-id.js';
import { newRunRecord } from '../../src/core/run-record.js';
import { summarizeRun } from '../../src/core/run-summary.js';
import { planSlices } from '../../src/core/slice.js';
import { SliceRecorder } from '../../src/core/slice-recorder.js';
import type { Exchange } from '../../src/core/http-client.js';
import { timeseriesRows } from '../../src/core/timeseries.js';
import { pacerForLoad } from '../../src/core/pacers/pacer-for-load.js';

const planInput: PlanInput = {
  name: 'contract',
  target: { url: 'http://127.0.0.1:9/score', headers: { 'x-ms-client-request-id': '{{uuid}}' } },
  load: { model: 'constant', rps: 10, duration: '2s' },
  workers: 2,
  tags: { modelVersion: '7', instances: 2, canary: true },
};
const plan = planSchema.parse(planInput);

function outcomeFor(runId: string, sliceId: string, worker: number, originEpochMs: number, requests: number): SliceOutcome {
  const recorder = new SliceRecorder(originEpochMs * 1000, worker, null);
  for (let i = 0; i < requests; i++) {
    const t = i * 200_000;
    recorder.planned(t);
    recorder.sent(t, t + 100);
    recorder.done({ intendedUs: t, sentUs: t + 100, endUs: t + 5_000 + i, status: i === 0 ? 429 : 200, errorCode: '', bytesIn: 1, bytesOut: 1, deployment: 'blue' } as Exchange);
  }
  return { runId, sliceId, worker, window: 0, status: 'done', planned: requests, sent: requests, lateMs: 0, missed: 0, startedAtMs: originEpochMs, endedAtMs: originEpochMs + 2000, aggregate: recorder.aggregate };
}

async function newRun(store: ResultStore, name = 'contract') {
  const runId = newRunId();
  const originEpochMs = Date.now();
  const slices = planSlices(runId, { ...plan, name }, 2, originEpochMs);
  const record = newRunRecord({ runId, plan: { ...plan, name }, slices, originEpochMs, graceMs: 1000 });
  await store.createRun(record, { ...planInput, name });
  return { runId, originEpochMs, record, slices };
}

/**
 * What every result store promises (file store, Azure Blob + Table store). `make` returns a store
 * over empty storage; each test creates its own runs.
 */
export function runResultStoreContract(name: string, make: () => Promise<ResultStore>): void {
  describe(`${name} — result store contract`, () => {
    it('creates, reads and updates a run, and refuses a duplicate id', async () => {
      const store = await make();
      const { runId, record } = await newRun(store);
      expect(await store.getRun(runId)).toEqual(record);
      expect(await store.getPlan(runId)).toEqual(planInput);
      await store.updateRun({ ...record, status: 'running' });
      expect((await store.getRun(runId))?.status).toBe('running');
      await expect(store.createRun(record, planInput)).rejects.toThrow();
      expect(await store.getRun('20000101T000000Z-aaaaaaaaaaaaaaaaaaaa')).toBeUndefined();
    });

    it('lists runs newest first, paged, and by name', async () => {
      const store = await make();
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        ids.push((await newRun(store, i === 1 ? 'other' : 'listed')).runId);
        await new Promise((r) => setTimeout(r, 1100)); // run ids sort by their start second
      }
      const all = await store.listRuns({ limit: 100 });
      const positions = ids.map((id) => all.runs.findIndex((r) => r.runId === id));
      expect(positions.every((p) => p >= 0)).toBe(true);
      expect(positions[2]).toBeLessThan(positions[1]);
      expect(positions[1]).toBeLessThan(positions[0]);
      const first = await store.listRuns({ limit: 1 });
      expect(first.runs).toHaveLength(1);
      expect(first.continuationToken).toBeDefined();
      const second = await store.listRuns({ limit: 1, continuationToken: first.continuationToken });
      expect(second.runs).toHaveLength(1);
      expect(second.runs[0].runId).not.toBe(first.runs[0].runId);
      const listed = await store.listRuns({ name: 'listed', limit: 100 });
      expect(listed.runs.map((r) => r.runId)).toEqual(expect.arrayContaining([ids[0], ids[2]]));
      expect(listed.runs.some((r) => r.runId === ids[1])).toBe(false);
    });

    it('stores each slice once however often it is saved, with its histograms intact', async () => {
      const store = await make();
      const { runId, originEpochMs } = await newRun(store);
      const a = outcomeFor(runId, 'w000-k000', 0, originEpochMs, 10);
      const b = outcomeFor(runId, 'w001-k000', 1, originEpochMs, 10);
      await store.saveSlice(a);
      await store.saveSlice(a);
      await store.saveSlice(b);
      const slices = await store.listSlices(runId);
      expect(slices.map((s) => s.sliceId).sort()).toEqual(['w000-k000', 'w001-k000']);
      const merged = new Aggregate();
      for (const s of slices) merged.merge(s.aggregate);
      expect(merged.counts.sent).toBe(20);
      expect(merged.responseTime.getValueAtPercentile(99)).toBe(new Aggregate().merge(a.aggregate).merge(b.aggregate).responseTime.getValueAtPercentile(99));
      expect(slices.find((s) => s.sliceId === 'w000-k000')?.aggregate.byDeployment.get('blue')?.completed).toBe(10);
    });

    it('lets exactly one finalizer claim a run', async () => {
      const store = await make();
      const { runId } = await newRun(store);
      const claims = await Promise.all([store.claim(runId, 'finalize', 'a'), store.claim(runId, 'finalize', 'b'), store.claim(runId, 'finalize', 'c')]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await store.claim(runId, 'finalize', 'd')).toBe(false);
      // Other stages are claimed on their own.
      expect(await store.claim(runId, 'step-1', 'e')).toBe(true);
      expect(await store.claim(runId, 'step-1', 'f')).toBe(false);
      await expect(store.claim(runId, '../x', 'g')).rejects.toThrow(/not a valid stage/);
    });

    it('saves and reads the summary, time series and report', async () => {
      const store = await make();
      const { runId, originEpochMs } = await newRun(store);
      const slices = [outcomeFor(runId, 'w000-k000', 0, originEpochMs, 10), outcomeFor(runId, 'w001-k000', 1, originEpochMs, 10)];
      const { summary, aggregate } = summarizeRun({ runId, plan, slices, originEpochMs });
      const rows = timeseriesRows(aggregate, pacerForLoad(plan.load), originEpochMs);
      await store.saveResults(runId, summary, rows);
      expect(await store.getSummary(runId)).toEqual(summary);
      expect(await store.getTimeseries(runId)).toEqual(rows);
      await store.saveReport(runId, '<html>report</html>');
      expect(await store.getReport(runId)).toBe('<html>report</html>');
      expect(await store.getSummary('20000101T000000Z-aaaaaaaaaaaaaaaaaaaa')).toBeUndefined();
    });

    it('streams raw rows per slice, header first, and starts a re-opened slice over', async () => {
      const store = await make();
      const { runId } = await newRun(store);
      const writer = store.openRawWriter(runId, 'w000-k000');
      writer.append('1,2,3,4,200,,10,5,0,blue\n');
      await writer.flush();
      writer.append('5,6,7,8,429,,10,5,0,blue\n');
      await writer.close();
      expect(await store.readRawSamples(runId, 'w000-k000')).toBe(RAW_SAMPLE_HEADER + '1,2,3,4,200,,10,5,0,blue\n5,6,7,8,429,,10,5,0,blue\n');
      const again = store.openRawWriter(runId, 'w000-k000');
      again.append('9,9,9,9,200,,1,1,0,\n');
      await again.close();
      expect(await store.readRawSamples(runId, 'w000-k000')).toBe(RAW_SAMPLE_HEADER + '9,9,9,9,200,,1,1,0,\n');
      expect(await store.listRawSlices(runId)).toEqual(['w000-k000']);
    });

    it('takes raw rows as UTF-8 bytes too (what the recorder hands over), in order with text rows', async () => {
      const store = await make();
      const { runId } = await newRun(store);
      const writer = store.openRawWriter(runId, 'w001-k000');
      const bytes = Buffer.from('0,1,2,3,4,200,,10,5,1,grün\n');
      // A view into a larger buffer, as RawRowBuffer hands it over.
      writer.append(bytes.subarray(2));
      writer.append('5,6,7,8,200,,10,5,1,blue\n');
      await writer.close();
      expect(await store.readRawSamples(runId, 'w001-k000')).toBe(RAW_SAMPLE_HEADER + '1,2,3,4,200,,10,5,1,grün\n5,6,7,8,200,,10,5,1,blue\n');
    });
  });
}
