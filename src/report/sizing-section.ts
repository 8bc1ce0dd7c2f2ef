import type { SizingRecommendation } from '../core/sizing.js';
import { money } from '../core/sizing.js';
import { escapeHtml } from './html-escape.js';
import { table } from './html-table.js';
import type { ReportSection } from './render-report.js';
import { formatCount } from './report-format.js';

/** The report section "Sizing": the recommendation in a sentence, then every number it used. */
export function sizingSection(sizing: SizingRecommendation | undefined): ReportSection | undefined {
  if (!sizing) return undefined;
  if (!sizing.available) return { id: 'sizing', title: 'Sizing', html: `<p class="empty">${escapeHtml(sizing.sentence)}</p>` };
  const s = sizing;
  const n = (v: number, digits = 3) => formatCount(Number(v.toFixed(digits)));
  const worked = `ceil(${n(s.targetRps, 2)} rps × ${n(s.latencyS, 4)} s ÷ ${n(s.targetUtilization, 2)} ÷ ${s.maxConcurrentRequestsPerInstance}) = ceil(${n(s.instancesExact, 3)}) = ${s.instances}`;
  const rows: [string, string, string][] = [
    ['Target rate', `${n(s.targetRps, 2)} rps`, s.targetRpsFrom],
    ['Latency', `${n(s.latencyS * 1000, 1)} ms`, s.latencyFrom],
    ['Target utilization', `${n(s.targetUtilization * 100, 1)}%`, 'share of each instance\'s concurrency planned busy'],
    ['Max concurrent requests per instance', String(s.maxConcurrentRequestsPerInstance), s.maxConcurrentFrom],
    ['Requests in flight at the target', n(s.inFlight, 2), 'rate × latency (Little\'s law)'],
    ['Instances needed', String(s.instances), worked],
  ];
  if (s.currentInstances !== undefined) rows.push(['Instances during the run', String(s.currentInstances), s.currentInstancesFrom ?? '']);
  if (s.costPerHour !== undefined) rows.push(['Cost of the recommendation', `${money(s.costPerHour, s.currency)}/hour`, `${s.instances} × ${money(s.instanceHourlyPrice ?? 0, s.currency)}`]);
  if (s.changePerHour !== undefined && s.change !== undefined && s.change !== 0) rows.push(['Change', `${s.change > 0 ? '+' : '−'}${Math.abs(s.change)} (${s.changePerHour > 0 ? '+' : '−'}${money(Math.abs(s.changePerHour), s.currency)}/hour)`, 'against the instances during the run']);
  const notes = s.notes.length > 0 ? `<ul>${s.notes.map((x) => `<li>${escapeHtml(x)}</li>`).join('')}</ul>` : '';
  return {
    id: 'sizing',
    title: 'Sizing',
    html: `<p><strong>${escapeHtml(s.sentence)}</strong></p>
<p class="caption">${escapeHtml(s.formula)} — Azure ML's sizing rule. Past 2 × max concurrent × instances requests in flight the endpoint answers 429.</p>
${table(['Input', 'Value', 'From'], ['text', 'num', 'wrap'], rows.map(([a, b, c]) => [escapeHtml(a), escapeHtml(b), escapeHtml(c)]))}
${notes}`,
  };
}
