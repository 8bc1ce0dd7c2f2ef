import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileResultStore } from '../../src/adapters/file-result-store.js';
import { runEntity, recordJsonOf } from '../../src/adapters/run-table-row.js';
import type { SliceOutcome } from '../../src/core/execute-slice.js';
import { finalizeRun } from '../../src/core/finalize-run.js';
import type { Exchange } from '../../src/core/http-client.js';
import { planSchema, type PlanInput } from '../../src/core/plan.js';
import { newRunId } from '../../src/core/run-id.js';
import { newRunRecord } from '../../src/core/run-record.js';
import { SliceRecorder } from '../../src/core/slice-recorder.js';
import { planSlices } from '../../src/core/slice.js';
import { finalizeHooks } from '../../src/functions/app-services.js';

/** The serverless fan-in (`AppServices.finalize`, also what `mlload serve` uses) judges the baseline. */
const planInput: PlanInput = {
  name: 'fn-nightly',
  target: { url: 'http://127.0.0.1:9/score' },
  load: { model: 'constant', rps: 10, duration: '2s' },
  baseline: { runs: 3 },
};
const plan = planSchema.parse(planInput);

async function finishedRun(store: FileResultStore, day: number, latencyMs: number) {
  const originEpochMs = Date.UTC(2025, 3, 1 + day, 2, 0, 0);
  const runId = newRunId(new Date(originEpochMs));
  const slices = planSlices(runId, plan, 1, originEpochMs);
  await store.createRun(newRunRecord({ runId, plan, slices, originEpochMs, graceMs: 1000, now: new Date(originEpochMs) }), planInput);
  const recorder = new SliceRecorder(originEpochMs * 1000, 0, null);
  for (let i = 0; i < 20; i++) {
    const t = i * 100_000;
    recorder.planned(t);
    recorder.sent(t, t + 100);
    recorder.done({ intendedUs: t, sentUs: t + 100, endUs: t + latencyMs * 1000, status: 200, errorCode: '', bytesIn: 1, bytesOut: 1, deployment: '' } as Exchange);
  }
  const outcome = { runId, sliceId: slices[0].sliceId, worker: 0, window: 0, status: 'done', planned: 20, sent: 20, lateMs: 0, missed: 0, startedAtMs: originEpochMs, endedAtMs: originEpochMs + 2000, aggregate: recorder.aggregate } as SliceOutcome;
  await store.saveSlice(outcome);
  const finalized = await finalizeRun(store, runId, finalizeHooks(store));
  if (!finalized) throw new Error('not finalized');
  return finalized;
}

describe('finalizeHooks (Function app and mlload serve)', () => {
  it('puts the baseline verdict in the summary, the record, the runs row and the report', async () => {
    const store = new FileResultStore(mkdtempSync(path.join(os.tmpdir(), 'mlload-fn-baseline-')));
    const first = await finishedRun(store, 1, 20);
    expect(first.summary.baseline?.verdict).toBe('no-baseline');
    const second = await finishedRun(store, 2, 21);
    expect(second.summary.baseline?.verdict).toBe('ok');
    const third = await finishedRun(store, 3, 60);
    expect(third.summary.status).toBe('passed');
    expect(third.summary.baseline).toMatchObject({ verdict: 'regressed', runs: [second.summary.runId, first.summary.runId] });
    expect(third.summary.reasons[0]).toMatch(/^regressed against the baseline/);

    const runId = third.summary.runId;
    expect((await store.getSummary(runId))?.baseline?.verdict).toBe('regressed');
    const record = await store.getRun(runId);
    expect(record?.summary?.baseline?.verdict).toBe('regressed');
    expect(runEntity(record!, recordJsonOf(record!), false)).toMatchObject({ baselineVerdict: 'regressed', regressedMetrics: 'p95Ms' });
    const report = readFileSync(path.join(store.dir(runId), 'report.html'), 'utf8');
    expect(report).toContain('id="baseline"');
    expect(report).toContain('<span class="badge badge-failed">regressed</span>');
  });
});
