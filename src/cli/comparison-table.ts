import pc from 'picocolors';
import type { MetricVerdict, RunComparison } from '../core/compare-runs.js';
import { formatDeltaPct, formatMetricDelta, formatMetricValue } from '../report/comparison-section.js';

const VERDICT_COLOUR: Record<MetricVerdict, (text: string) => string> = {
  better: (t) => pc.green(t),
  worse: (t) => pc.red(pc.bold(t)),
  same: (t) => pc.dim(t),
};

/** `mlload compare` as a coloured table: one row per metric, B against A. */
export function formatComparisonTable(c: RunComparison): string {
  const head = ['metric', 'A', 'B', 'Δ', 'Δ%', 'better', 'verdict'];
  const rows = c.metrics.map((m) => [m.label, formatMetricValue(m.unit, m.a), formatMetricValue(m.unit, m.b), formatMetricDelta(m), formatDeltaPct(m.deltaPct), m.better, m.verdict]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const right = new Set([1, 2, 3, 4]);
  const cell = (text: string, i: number) => (right.has(i) ? text.padStart(widths[i]) : text.padEnd(widths[i]));
  const lines = [
    `${pc.dim('A')}  ${pc.bold(c.a.runId)}  ${c.a.name}  ${c.a.status}  ${c.a.startedAt}  target ${c.a.targetRps} rps`,
    `${pc.dim('B')}  ${pc.bold(c.b.runId)}  ${c.b.name}  ${c.b.status}  ${c.b.startedAt}  target ${c.b.targetRps} rps`,
    '',
    pc.dim(head.map(cell).join('  ').trimEnd()),
    // The verdict is the last column: coloured without padding.
    ...c.metrics.map((m, r) => rows[r].map((text, i) => (i === 6 ? VERDICT_COLOUR[m.verdict](text) : cell(text, i))).join('  ')),
    '',
    `${pc.green(`${c.counts.better} better`)}  ${pc.red(`${c.counts.worse} worse`)}  ${pc.dim(`${c.counts.same} same`)}  ${pc.dim('(Δ = B − A; same within latency ±max(5%, 1 ms), rates ±5%, error/throttle rate ±0.1 pt, dropped ±0.1% of plan)')}`,
  ];
  for (const note of c.notes) lines.push(pc.yellow(`note: ${note}`));
  return lines.join('\n');
}
