import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileResultStore } from '../../src/adapters/file-result-store.js';
import { baselineAmender, BASELINE_DEFAULTS, judgeBaseline, median, previousPassedRuns } from '../../src/core/baseline.js';
import type { FinalizedRun } from '../../src/core/finalize-run.js';
import { planSchema } from '../../src/core/plan.js';
import type { RunStore } from '../../src/core/ports/run-store.js';
import { newRunId } from '../../src/core/run-id.js';
import type { RunRecord } from '../../src/core/run-record.js';
import type { RunSummary } from '../../src/core/run-summary.js';
import { craftedSummary, withFigures } from '../helpers/crafted-summary.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 2, 1, 2, 0, 0);
const template = craftedSummary({ runId: newRunId(new Date(T0)), latencyMs: 20 });

/** A summary of night `day` with the three baseline figures. */
function night(day: number, figures: { p95Ms?: number; errorRate?: number; throughputRps?: number; status?: RunSummary['status']; name?: string } = {}): RunSummary {
  const at = new Date(T0 + day * DAY);
  return withFigures(template, { runId: newRunId(at), startedAt: at.toISOString(), p95Ms: 100, errorRate: 0.001, throughputRps: 50, ...figures });
}

describe('judgeBaseline', () => {
  it('is no-baseline when there are no previous runs', () => {
    const v = judgeBaseline(night(10), []);
    expect(v).toMatchObject({ verdict: 'no-baseline', runs: [], regressed: [], current: { p95Ms: 100, errorRate: 0.001, throughputRps: 50 } });
    expect(v.baseline).toBeUndefined();
    expect(v.settings).toEqual(BASELINE_DEFAULTS);
  });

  it('is ok for the same figures, for improvements, and for changes inside the allowances', () => {
    const previous = [night(3), night(2), night(1)];
    expect(judgeBaseline(night(4), previous)).toMatchObject({ verdict: 'ok', regressed: [], baseline: { p95Ms: 100, errorRate: 0.001, throughputRps: 50 } });
    expect(judgeBaseline(night(4, { p95Ms: 60, errorRate: 0, throughputRps: 80 }), previous).verdict).toBe('ok');
    // +10% p95 exactly, +0.5 pt errors exactly, −5% throughput exactly: all allowed.
    expect(judgeBaseline(night(4, { p95Ms: 110, errorRate: 0.006, throughputRps: 47.5 }), previous).verdict).toBe('ok');
  });

  it('regresses on a p95 rise over p95Pct', () => {
    const v = judgeBaseline(night(4, { p95Ms: 112 }), [night(3), night(2), night(1)]);
    expect(v.verdict).toBe('regressed');
    expect(v.regressed).toHaveLength(1);
    expect(v.regressed[0]).toMatchObject({ metric: 'p95Ms', baseline: 100, current: 112, change: 12, changePct: 12, allowed: '+10%' });
    expect(v.regressed[0].message).toMatch(/latency p95 112 ms is \+12% over the baseline 100 ms \(allowed \+10%\)/);
    expect(judgeBaseline(night(4, { p95Ms: 112 }), [night(1)], { p95Pct: 15 }).verdict).toBe('ok');
  });

  it('regresses on an absolute error-rate rise over errorRateAbs', () => {
    const v = judgeBaseline(night(4, { errorRate: 0.0075 }), [night(3), night(2), night(1)]);
    expect(v.verdict).toBe('regressed');
    expect(v.regressed.map((r) => r.metric)).toEqual(['errorRate']);
    expect(v.regressed[0]).toMatchObject({ baseline: 0.001, current: 0.0075, change: 0.0065 });
    expect(v.regressed[0].message).toMatch(/error rate 0.75% is \+0.65 pt over the baseline 0.1%/);
    expect(judgeBaseline(night(4, { errorRate: 0.0075 }), [night(1)], { errorRateAbs: 0.01 }).verdict).toBe('ok');
  });

  it('regresses on a throughput fall over throughputPct, never on a rise', () => {
    const v = judgeBaseline(night(4, { throughputRps: 45 }), [night(3), night(2), night(1)]);
    expect(v.verdict).toBe('regressed');
    expect(v.regressed[0]).toMatchObject({ metric: 'throughputRps', baseline: 50, current: 45, change: -5, changePct: -10, allowed: '−5%' });
    expect(judgeBaseline(night(4, { throughputRps: 500 }), [night(1)]).verdict).toBe('ok');
  });

  it('lists every metric that regressed', () => {
    const v = judgeBaseline(night(4, { p95Ms: 300, errorRate: 0.2, throughputRps: 10 }), [night(1)]);
    expect(v.regressed.map((r) => r.metric)).toEqual(['p95Ms', 'errorRate', 'throughputRps']);
  });

  it('takes the median, not the mean', () => {
    // p95 of 100, 100 and one slow night of 1000: median 100 (the mean, 400, would hide a rise to 150).
    const previous = [night(3, { p95Ms: 1000 }), night(2), night(1)];
    const v = judgeBaseline(night(4, { p95Ms: 150 }), previous);
    expect(v.baseline?.p95Ms).toBe(100);
    expect(v.verdict).toBe('regressed');
    expect(median([1, 2, 3, 100])).toBe(2.5);
    expect(median([5])).toBe(5);
    expect(median([3, 1, 2])).toBe(2);
    // Even count: the mean of the two middle values.
    expect(judgeBaseline(night(4), [night(2, { throughputRps: 40 }), night(1, { throughputRps: 60 })]).baseline?.throughputRps).toBe(50);
  });

  it('uses at most `runs` previous runs, the newest', () => {
    const previous = [night(5, { p95Ms: 200 }), night(4, { p95Ms: 200 }), night(3, { p95Ms: 200 }), night(2), night(1)];
    const v = judgeBaseline(night(6, { p95Ms: 210 }), previous, { runs: 3 });
    expect(v.runs).toEqual(previous.slice(0, 3).map((p) => p.runId));
    expect(v.baseline?.p95Ms).toBe(200);
    expect(v.verdict).toBe('ok');
  });
});

async function storeWith(summaries: RunSummary[], extra: (RunRecord & { planName?: string })[] = []): Promise<FileResultStore> {
  const store = new FileResultStore(mkdtempSync(path.join(os.tmpdir(), 'mlload-baseline-')));
  for (const s of summaries) await store.createRun(recordOf(s), { name: s.name, target: { url: 'http://127.0.0.1:9/score' }, load: { model: 'constant', rps: 10, duration: 2 } });
  for (const r of extra) await store.createRun(r, { name: r.name, target: { url: 'http://127.0.0.1:9/score' }, load: { model: 'constant', rps: 10, duration: 2 } });
  return store;
}

function recordOf(s: RunSummary, withSummary = true): RunRecord {
  return {
    runId: s.runId,
    name: s.name,
    status: s.status,
    createdAt: s.startedAt,
    originAt: s.startedAt,
    deadlineAt: s.endedAt,
    sliceIds: ['w000-k000'],
    workers: 1,
    windows: 1,
    targetHost: '127.0.0.1:9',
    model: 'constant',
    targetRps: 10,
    tags: {},
    summary: withSummary ? s : undefined,
    finishedAt: s.endedAt,
  };
}

describe('previousPassedRuns', () => {
  it('keeps only passed runs of the same plan name, newest first, excluding the current run and later ones', async () => {
    const current = night(10);
    const passed = [night(9), night(7), night(5)];
    const store = await storeWith([
      ...passed,
      night(8, { status: 'failed' }),
      night(6, { status: 'partial' }),
      night(4, { status: 'error' }),
      night(9.5, { name: 'another-plan' }),
      night(11), // started after the current run
      current,
    ]);
    const found = await previousPassedRuns(store, current, 7);
    expect(found.map((s) => s.runId)).toEqual(passed.map((s) => s.runId));
    expect(await previousPassedRuns(store, current, 2)).toHaveLength(2);
  });

  it('reads on past a first page of newer runs that do not count, and reads summary.json when the record has none', async () => {
    const current = night(100);
    const old = night(1);
    const failures = Array.from({ length: 55 }, (_, i) => night(2 + i, { status: 'failed' }));
    const store = await storeWith(failures, [recordOf(old, false)]);
    await store.saveResults(old.runId, old, []);
    await store.createRun(recordOf(current), { name: 'nightly', target: { url: 'http://127.0.0.1:9/score' }, load: { model: 'constant', rps: 10, duration: 2 } });
    const found = await previousPassedRuns(store, current, 7);
    expect(found.map((s) => s.runId)).toEqual([old.runId]);
  });
});

function finalizedRun(summary: RunSummary, baseline: unknown): FinalizedRun {
  const plan = planSchema.parse({ name: summary.name, target: { url: 'http://127.0.0.1:9/score' }, load: { model: 'constant', rps: 10, duration: 2 }, ...(baseline === undefined ? {} : { baseline }) });
  return { record: recordOf(summary, false), plan, summary, aggregate: undefined as never, timeseries: [] };
}

describe('baselineAmender', () => {
  it('does nothing when the plan has no baseline', async () => {
    const store = await storeWith([night(1)]);
    const run = finalizedRun(night(2, { p95Ms: 500 }), undefined);
    await baselineAmender(store)(run);
    expect(run.summary.baseline).toBeUndefined();
    expect(run.summary.reasons).toEqual([]);
  });

  it('adds the verdict and, for a regression, a reason; the status stays as it was', async () => {
    const store = await storeWith([night(3), night(2), night(1)]);
    const ok = finalizedRun(night(4), {});
    await baselineAmender(store)(ok);
    expect(ok.summary.baseline).toMatchObject({ verdict: 'ok', settings: BASELINE_DEFAULTS });
    expect(ok.summary.baseline?.runs).toHaveLength(3);
    expect(ok.summary.reasons).toEqual([]);

    const slow = finalizedRun(night(4, { p95Ms: 180 }), { runs: 2, p95Pct: 20 });
    await baselineAmender(store)(slow);
    expect(slow.summary.status).toBe('passed');
    expect(slow.summary.baseline).toMatchObject({ verdict: 'regressed', settings: { runs: 2, p95Pct: 20, errorRateAbs: 0.005, throughputPct: 5 } });
    expect(slow.summary.baseline?.runs).toHaveLength(2);
    expect(slow.summary.reasons).toHaveLength(1);
    expect(slow.summary.reasons[0]).toMatch(/^regressed against the baseline \(median of 2 previous passed runs\): latency p95 180 ms is \+80% over the baseline 100 ms/);
  });

  it('is no-baseline for the first run of a plan', async () => {
    const store = await storeWith([night(1, { name: 'someone-else' })]);
    const first = finalizedRun(night(2), {});
    await baselineAmender(store)(first);
    expect(first.summary.baseline?.verdict).toBe('no-baseline');
  });

  it('does not fail the fan-in when the store cannot be read', async () => {
    const broken = { listRuns: async () => Promise.reject(new Error('table unavailable')) } as unknown as RunStore;
    const run = finalizedRun(night(2), {});
    await baselineAmender(broken)(run);
    expect(run.summary.baseline).toBeUndefined();
    expect(run.summary.reasons.join(' ')).toMatch(/baseline not judged: .*table unavailable/);
  });
});
