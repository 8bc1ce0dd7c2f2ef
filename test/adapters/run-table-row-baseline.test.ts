import { describe, expect, it } from 'vitest';
import { recordJsonOf, runEntity } from '../../src/adapters/run-table-row.js';
import { judgeBaseline } from '../../src/core/baseline.js';
import type { RunRecord } from '../../src/core/run-record.js';
import { craftedSummary, withFigures } from '../helpers/crafted-summary.js';

const RUN_ID = '20250115T020000Z-aaaaaaaaaaaaaaaaaaaa';

function record(summary?: RunRecord['summary']): RunRecord {
  return {
    runId: RUN_ID,
    name: 'nightly',
    status: summary?.status ?? 'running',
    createdAt: '2025-01-15T02:00:00.000Z',
    originAt: '2025-01-15T02:00:00.000Z',
    deadlineAt: '2025-01-15T02:10:00.000Z',
    sliceIds: ['w000-k000'],
    workers: 1,
    windows: 1,
    targetHost: '127.0.0.1:9',
    model: 'constant',
    targetRps: 10,
    tags: {},
    summary,
  };
}

describe('runs table row: baseline columns', () => {
  it('carries baselineVerdict and regressedMetrics as strings', () => {
    const summary = craftedSummary({ runId: RUN_ID, latencyMs: 50, errors: 5 });
    const previous = withFigures(craftedSummary({ runId: '20250114T020000Z-cccccccccccccccccccc', latencyMs: 20 }), { throughputRps: 100 });
    summary.baseline = judgeBaseline(summary, [previous]);
    const r = record(summary);
    const row = runEntity(r, recordJsonOf(r), false);
    expect(row.baselineVerdict).toBe('regressed');
    expect(row.regressedMetrics).toBe('p95Ms,errorRate,throughputRps');
  });

  it('has the columns empty when there is no verdict (no baseline in the plan, or not final yet)', () => {
    for (const r of [record(), record(craftedSummary({ runId: RUN_ID }))]) {
      const row = runEntity(r, recordJsonOf(r), false);
      expect(row.baselineVerdict).toBe('');
      expect(row.regressedMetrics).toBe('');
    }
    const ok = craftedSummary({ runId: RUN_ID });
    ok.baseline = judgeBaseline(ok, []);
    const r = record(ok);
    expect(runEntity(r, recordJsonOf(r), false)).toMatchObject({ baselineVerdict: 'no-baseline', regressedMetrics: '' });
  });
});
