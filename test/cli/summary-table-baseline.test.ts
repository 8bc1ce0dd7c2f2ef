import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../src/cli/commands/run-command.js';
import { formatSummaryTable } from '../../src/cli/summary-table.js';
import { judgeBaseline } from '../../src/core/baseline.js';
import { craftedSummary, withFigures } from '../helpers/crafted-summary.js';

const previous = craftedSummary({ runId: '20250114T020000Z-cccccccccccccccccccc', latencyMs: 20 });

describe('the baseline in the CLI summary and exit code', () => {
  it('shows the verdict line, and exits 1 for a passed run that regressed', () => {
    const slow = craftedSummary({ runId: '20250115T020000Z-aaaaaaaaaaaaaaaaaaaa', latencyMs: 60 });
    slow.baseline = judgeBaseline(slow, [previous]);
    expect(slow.status).toBe('passed');
    const text = formatSummaryTable(slow).replace(/\x1b\[[0-9;]*m/g, '');
    expect(text).toMatch(/baseline\s+✘ REGRESSED p95Ms\s+vs median of 1 previous passed run: p95 20(\.\d+)? ms, error rate 0%, throughput 10\/s/);
    expect(exitCodeFor(slow)).toBe(1);
  });

  it('exits 0 for ok and no-baseline, and keeps 1 / 3 for failed / error runs', () => {
    const same = craftedSummary({ runId: '20250115T020000Z-aaaaaaaaaaaaaaaaaaaa', latencyMs: 20 });
    same.baseline = judgeBaseline(same, [previous]);
    expect(formatSummaryTable(same).replace(/\x1b\[[0-9;]*m/g, '')).toMatch(/baseline\s+✔ OK/);
    expect(exitCodeFor(same)).toBe(0);
    same.baseline = judgeBaseline(same, []);
    expect(formatSummaryTable(same).replace(/\x1b\[[0-9;]*m/g, '')).toMatch(/baseline\s+NO-BASELINE/);
    expect(exitCodeFor(same)).toBe(0);
    const regressedAndFailed = withFigures(same, { status: 'failed' });
    regressedAndFailed.baseline = { ...judgeBaseline(same, [previous]), verdict: 'regressed' };
    expect(exitCodeFor(regressedAndFailed)).toBe(1);
    expect(exitCodeFor(withFigures(regressedAndFailed, { status: 'error' }))).toBe(3);
    expect(formatSummaryTable(craftedSummary({ runId: '20250115T020000Z-aaaaaaaaaaaaaaaaaaaa' }))).not.toMatch(/baseline/);
  });
});
