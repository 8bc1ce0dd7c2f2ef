import type { MetricComparison, MetricVerdict, RunComparison } from '../core/compare-runs.js';
import { escapeHtml } from './html-escape.js';
import { table } from './html-table.js';
import { formatCount, formatMs, formatRps, formatShare, formatUtc } from './report-format.js';
import type { ReportSection } from './render-report.js';

/** Verdict badges reuse the report's status badge colours: green better, red worse, grey same. */
const VERDICT_CLASS: Record<MetricVerdict, string> = { better: 'badge-passed', worse: 'badge-failed', same: 'badge-other' };

export function verdictBadge(verdict: MetricVerdict): string {
  return `<span class="badge ${VERDICT_CLASS[verdict]}">${escapeHtml(verdict)}</span>`;
}

/** A metric value in its unit, as the report writes figures. */
export function formatMetricValue(unit: MetricComparison['unit'], value: number): string {
  if (unit === 'ms') return `${formatMs(value)} ms`;
  if (unit === 'rps') return `${formatRps(value)} rps`;
  if (unit === 'share') return formatShare(value);
  return formatCount(value);
}

/** B − A with its sign; shares as percentage points. */
export function formatMetricDelta(m: Pick<MetricComparison, 'unit' | 'delta'>): string {
  const sign = m.delta > 0 ? '+' : m.delta < 0 ? '−' : '±';
  const abs = Math.abs(m.delta);
  if (m.unit === 'share') return `${sign}${Number((abs * 100).toFixed(3))} pt`;
  return `${sign}${formatMetricValue(m.unit, abs)}`;
}

export function formatDeltaPct(deltaPct: number | null): string {
  if (deltaPct === null) return 'n/a';
  const sign = deltaPct > 0 ? '+' : deltaPct < 0 ? '−' : '±';
  return `${sign}${Math.abs(deltaPct).toFixed(1)}%`;
}

function runLine(label: string, run: RunComparison['a']): string {
  return `<li><strong>${escapeHtml(label)}</strong> <code>${escapeHtml(run.runId)}</code> · ${escapeHtml(run.name)} · ${escapeHtml(run.status)} · ${escapeHtml(formatUtc(run.startedAt))} · target ${escapeHtml(formatRps(run.targetRps))} rps</li>`;
}

/**
 * A comparison as a report section: both runs, then one row per metric with A, B, the delta, the
 * percentage, which direction is better and a verdict badge.
 */
export function comparisonSection(comparison: RunComparison, options: { id?: string; title?: string } = {}): ReportSection {
  const { a, b, metrics, counts, notes } = comparison;
  const rows = metrics.map((m) => [
    `${escapeHtml(m.label)} <code class="muted">${escapeHtml(m.metric)}</code>`,
    escapeHtml(formatMetricValue(m.unit, m.a)),
    escapeHtml(formatMetricValue(m.unit, m.b)),
    escapeHtml(formatMetricDelta(m)),
    escapeHtml(formatDeltaPct(m.deltaPct)),
    escapeHtml(m.better === 'lower' ? 'lower' : 'higher'),
    verdictBadge(m.verdict),
  ]);
  const notesHtml = notes.length > 0 ? `<ul class="muted">${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : '';
  const html = `<p class="caption">Run B against run A: the delta is B − A. Inside the noise band a metric is “same”: latency ±max(5%, 1 ms), rates ±5%, error and throttle rate ±0.1 percentage point, dropped ±0.1% of the plan.</p>
<ul>${runLine('A', a)}${runLine('B', b)}</ul>
${notesHtml}
<p>${verdictBadge('better')} ${counts.better} · ${verdictBadge('worse')} ${counts.worse} · ${verdictBadge('same')} ${counts.same}</p>
${table(['Metric', 'A', 'B', 'Δ', 'Δ%', 'Better', 'Verdict'], ['key', 'num', 'num', 'num', 'num', 'key', 'key'], rows)}`;
  return { id: options.id ?? 'comparison', title: options.title ?? 'Comparison', html };
}
