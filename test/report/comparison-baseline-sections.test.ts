import { describe, expect, it } from 'vitest';
import { judgeBaseline } from '../../src/core/baseline.js';
import { compareRuns } from '../../src/core/compare-runs.js';
import { baselineSection } from '../../src/report/baseline-section.js';
import { comparisonSection, formatDeltaPct, formatMetricDelta } from '../../src/report/comparison-section.js';
import { renderReport } from '../../src/report/render-report.js';
import { craftedSummary, withFigures } from '../helpers/crafted-summary.js';
import { craftedRun } from './crafted-run.js';

// Plan names cannot hold markup, but a summary read back from storage is data: the sections escape it anyway.
const A = withFigures(craftedSummary({ runId: '20250115T020000Z-aaaaaaaaaaaaaaaaaaaa', latencyMs: 20 }), { name: 'evil<script>' });
const B = withFigures(craftedSummary({ runId: '20250116T020000Z-bbbbbbbbbbbbbbbbbbbb', latencyMs: 40 }), { name: 'evil<script>' });
const sectionIds = (page: string) => [...page.matchAll(/<section class="card" id="([^"]+)"/g)].map((m) => m[1]);

describe('comparisonSection', () => {
  it('renders both runs, every metric with its delta and a verdict badge, escaping what users wrote', () => {
    const c = compareRuns(A, B);
    const section = comparisonSection(c);
    expect(section).toMatchObject({ id: 'comparison', title: 'Comparison' });
    expect(section.html).not.toContain('<script>');
    expect(section.html).toContain('evil&lt;script&gt;');
    expect(section.html.match(/<tr>/g)?.length).toBe(c.metrics.length + 1);
    expect(section.html).toContain('<span class="badge badge-failed">worse</span>');
    expect(section.html).toContain('<span class="badge badge-other">same</span>');
    expect(section.html).toContain(
      '<code class="muted">latencyMs.p95</code></td><td class="num">20 ms</td><td class="num">40 ms</td><td class="num">+20 ms</td><td class="num">+100.0%</td><td class="key">lower</td><td class="key"><span class="badge badge-failed">worse</span></td>',
    );
  });

  it('formats deltas with their sign, shares in points, and no percentage from zero', () => {
    expect(formatMetricDelta({ unit: 'ms', delta: -1.5 })).toBe('−1.5 ms');
    expect(formatMetricDelta({ unit: 'share', delta: 0.0025 })).toBe('+0.25 pt');
    expect(formatMetricDelta({ unit: 'count', delta: 0 })).toBe('±0');
    expect(formatDeltaPct(null)).toBe('n/a');
    expect(formatDeltaPct(-12.345)).toBe('−12.3%');
  });

  it('goes right after the summary when passed to renderReport', () => {
    const page = renderReport(craftedRun(), { sections: [comparisonSection(compareRuns(A, B))] });
    expect(sectionIds(page).slice(0, 2)).toEqual(['summary', 'comparison']);
  });
});

describe('baselineSection', () => {
  const previous = [withFigures(A, { runId: '20250114T020000Z-cccccccccccccccccccc' })];

  it('shows a regressed verdict: red badge, what regressed, baseline against this run', () => {
    const verdict = judgeBaseline(B, previous, { p95Pct: 10 });
    expect(verdict.verdict).toBe('regressed');
    const section = baselineSection(verdict);
    expect(section).toMatchObject({ id: 'baseline', title: 'Baseline' });
    expect(section.html).toContain('<span class="badge badge-failed">regressed</span>');
    expect(section.html).toContain('Baseline: the median of the 1 previous passed run of this plan (at most 7).');
    expect(section.html).toMatch(/<li>latency p95 40(\.\d+)? ms is \+\d/);
    expect(section.html).toContain('✗ regressed');
    expect(section.html).toContain('rise ≤ 10%');
    expect(section.html).toContain('<code>20250114T020000Z-cccccccccccccccccccc</code>');
  });

  it('shows ok and no-baseline verdicts', () => {
    const ok = baselineSection(judgeBaseline(A, previous));
    expect(ok.html).toContain('<span class="badge badge-passed">ok</span>');
    expect(ok.html).not.toContain('✗ regressed');
    const none = baselineSection(judgeBaseline(A, []));
    expect(none.html).toContain('<span class="badge badge-other">no-baseline</span>');
    expect(none.html).toContain('No previous passed run of this plan');
  });

  it('is added by renderReport whenever the summary has a verdict, first after the summary', () => {
    const run = craftedRun();
    expect(sectionIds(renderReport(run))).not.toContain('baseline');
    run.summary.baseline = judgeBaseline(run.summary, [withFigures(run.summary, { runId: '20250114T020000Z-cccccccccccccccccccc', p95Ms: 1 })]);
    const page = renderReport(run, { sections: [comparisonSection(compareRuns(A, B))] });
    expect(sectionIds(page).slice(0, 3)).toEqual(['summary', 'baseline', 'comparison']);
    expect(page).toContain('<span class="badge badge-failed">regressed</span>');
  });
});
