import type { FinalizedRun } from '../core/finalize-run.js';
import { scrubSecrets } from '../core/redact.js';
import { escapeHtml } from './html-escape.js';
import { formatDurationS, formatRps, formatUtc } from './report-format.js';

const STATUS_CLASSES = new Set(['passed', 'failed', 'partial', 'error']);
const REASON_HEADINGS: Record<string, string> = {
  failed: 'Why the run failed',
  partial: 'Why the run is partial',
  error: 'Why the run is in error',
};

/** The top of the report: run name, status badge, run id, time, target, load, and why it did not pass. */
export function reportHeader(run: FinalizedRun): string {
  const { summary, record } = run;
  const status = summary.status;
  const badgeClass = STATUS_CLASSES.has(status) ? `badge-${status}` : 'badge-other';
  const deployments = Object.keys(summary.byDeployment).sort();
  const meta: [string, string][] = [
    ['Run', `<code>${escapeHtml(summary.runId)}</code>`],
    ['Started', escapeHtml(formatUtc(summary.startedAt))],
    ['Duration', escapeHtml(formatDurationS(summary.durationS))],
    ['Target', escapeHtml(summary.target.host)],
  ];
  if (summary.target.deployment) meta.push(['Deployment', escapeHtml(summary.target.deployment)]);
  else if (deployments.length > 0) meta.push(['Served by', escapeHtml(deployments.join(', '))]);
  meta.push(['Load', escapeHtml(`${summary.target.model}, peak ${formatRps(summary.target.peakRps)} rps, ${record.workers} worker${record.workers === 1 ? '' : 's'}`)]);

  const reasons = [...summary.reasons];
  if (record.error && !reasons.includes(record.error)) reasons.push(record.error);
  let reasonsHtml = '';
  if (status !== 'passed') {
    const items = reasons.length > 0 ? reasons.map((r) => `<li>${escapeHtml(scrubSecrets(r, []))}</li>`).join('') : '<li>No reason was recorded.</li>';
    reasonsHtml = `<div class="reasons status-${escapeHtml(status)}" role="status"><strong>${escapeHtml(REASON_HEADINGS[status] ?? `Why the run is ${status}`)}</strong><ul>${items}</ul></div>`;
  }
  return `<header class="report-header">
<div class="title-row"><h1>${escapeHtml(summary.name)}</h1><span class="badge ${badgeClass}">${escapeHtml(status)}</span></div>
<dl class="meta">${meta.map(([k, v]) => `<div><dt>${k}</dt><dd>${v}</dd></div>`).join('')}</dl>
${reasonsHtml}
</header>`;
}
