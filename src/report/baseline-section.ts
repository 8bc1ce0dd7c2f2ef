import type { BaselineMetric, BaselineVerdict } from '../core/baseline.js';
import { escapeHtml } from './html-escape.js';
import { table } from './html-table.js';
import { formatMs, formatRps, formatShare } from './report-format.js';
import type { ReportSection } from './render-report.js';

const VERDICT_CLASS: Record<BaselineVerdict['verdict'], string> = { ok: 'badge-passed', regressed: 'badge-failed', 'no-baseline': 'badge-other' };

const ROWS: { metric: BaselineMetric; label: string; format: (v: number) => string; allowed: (b: BaselineVerdict['settings']) => string }[] = [
  { metric: 'p95Ms', label: 'Latency p95', format: (v) => `${formatMs(v)} ms`, allowed: (s) => `rise ≤ ${s.p95Pct}%` },
  { metric: 'errorRate', label: 'Error rate', format: (v) => formatShare(v), allowed: (s) => `rise ≤ ${Number((s.errorRateAbs * 100).toFixed(3))} pt` },
  { metric: 'throughputRps', label: 'Throughput (2xx)', format: (v) => `${formatRps(v)} rps`, allowed: (s) => `fall ≤ ${s.throughputPct}%` },
];

/** The baseline verdict as a report section: the badge, what it was judged on, and baseline against this run. */
export function baselineSection(verdict: BaselineVerdict): ReportSection {
  const badge = `<span class="badge ${VERDICT_CLASS[verdict.verdict] ?? 'badge-other'}">${escapeHtml(verdict.verdict)}</span>`;
  const n = verdict.runs.length;
  const intro =
    verdict.verdict === 'no-baseline'
      ? 'No previous passed run of this plan: this run starts the baseline.'
      : `Baseline: the median of the ${n} previous passed run${n === 1 ? '' : 's'} of this plan (at most ${verdict.settings.runs}).`;
  const regressed = new Map(verdict.regressed.map((r) => [r.metric, r]));
  const rows = ROWS.map((row) => {
    const base = verdict.baseline?.[row.metric];
    const current = verdict.current[row.metric];
    const r = regressed.get(row.metric);
    let change = '–';
    if (base !== undefined) {
      if (row.metric === 'errorRate') change = `${current - base >= 0 ? '+' : '−'}${Number((Math.abs(current - base) * 100).toFixed(3))} pt`;
      else change = base === 0 ? 'n/a' : `${current - base >= 0 ? '+' : '−'}${Math.abs(((current - base) / base) * 100).toFixed(1)}%`;
    }
    const result = base === undefined ? '<span class="muted">–</span>' : r ? '<span class="fail">✗ regressed</span>' : '<span class="pass">✓ ok</span>';
    return [escapeHtml(row.label), base === undefined ? '–' : escapeHtml(row.format(base)), escapeHtml(row.format(current)), escapeHtml(change), escapeHtml(row.allowed(verdict.settings)), result];
  });
  const messages = verdict.regressed.length > 0 ? `<ul>${verdict.regressed.map((r) => `<li>${escapeHtml(r.message)}</li>`).join('')}</ul>` : '';
  const runs = n > 0 ? `<details><summary>Runs in the baseline (${n})</summary><ul>${verdict.runs.map((id) => `<li><code>${escapeHtml(id)}</code></li>`).join('')}</ul></details>` : '';
  const html = `<p>${badge} ${escapeHtml(intro)}</p>
${messages}
${table(['Metric', 'Baseline', 'This run', 'Change', 'Allowed', 'Result'], ['key', 'num', 'num', 'num', 'key', 'key'], rows)}
${runs}`;
  return { id: 'baseline', title: 'Baseline', html };
}
