import { createHash } from 'node:crypto';
import type { FinalizedRun } from '../core/finalize-run.js';
import { baselineSection } from './baseline-section.js';
import { mlSections } from './ml-sections.js';
import { escapeHtml, inlineSafe, jsonForScript, safeId } from './html-escape.js';
import { inlineAssets } from './inline-assets.js';
import { reportData } from './report-data.js';
import { formatUtc } from './report-format.js';
import { reportHeader } from './report-header.js';
import { REPORT_SCRIPT } from './report-script.js';
import { REPORT_CSS } from './report-styles.js';
import { deploymentsTable, figuresBody, planBody, statusTables, summaryBody, workersTable } from './report-tables.js';

/** A section other code adds to the report (comparison, baseline verdict, capacity, endpoint metrics). */
export interface ReportSection {
  /** Anchor of the section; characters other than letters, digits, `-` and `_` become `-`. */
  id: string;
  /** Heading, shown as text (escaped here). */
  title: string;
  /**
   * Body, inserted as it is: whoever builds it escapes what users wrote (see html-escape.ts). Scripts
   * in it do not run (the page's Content-Security-Policy admits only the report's own); inline styles do.
   */
  html: string;
}

export interface ReportOptions {
  /** Inserted after the summary, in this order, each with an entry in the table of contents. */
  sections?: ReportSection[];
  /** Shown in the footer; the only part of the output that is not a function of the run. Default: now. */
  generatedAt?: Date;
}

interface Section {
  id: string;
  /** Short name for the table of contents. */
  nav: string;
  title: string;
  html: string;
}

/**
 * The self-contained HTML report of one run: one file, readable offline, with uPlot, the styles, the
 * chart script and the run's chart data all inline. A Content-Security-Policy admits only those
 * scripts (by hash) and forbids every fetch, so nothing leaves the page. Deterministic for a given run
 * except for `generatedAt`.
 */
export function renderReport(run: FinalizedRun, options: ReportOptions = {}): string {
  const { summary } = run;
  const assets = inlineAssets();
  const script = inlineSafe(REPORT_SCRIPT, 'script');
  const data = reportData(run);
  const generatedAt = (options.generatedAt ?? new Date()).toISOString();

  const sections: Section[] = [{ id: 'summary', nav: 'Summary', title: 'Summary', html: summaryBody(run) }];
  const used = new Set(['summary', 'request-rate', 'latency-over-time', 'latency-distribution', 'status-codes', 'in-flight', 'workers', 'deployments', 'figures', 'plan']);
  // A baseline verdict (plan field `baseline`) always gets its section, first after the summary.
  for (const extra of [...(summary.baseline ? [baselineSection(summary.baseline)] : []), ...(options.sections ?? [])]) {
    let id = safeId(extra.id);
    while (used.has(id)) id = `${id}-more`;
    used.add(id);
    sections.push({ id, nav: extra.title, title: extra.title, html: extra.html });
  }
  sections.push(
    chartSection('request-rate', 'Rate', 'Request rate', 'chart-rate', 'Target rate from the plan, achieved send rate and completed (2xx) throughput, per second.'),
    chartSection('latency-over-time', 'Latency', 'Latency over time', 'chart-latency', 'Response time p50, p95 and p99 of the requests that finished in each second, measured from the intended send time (max is in the legend). Gaps are seconds where nothing finished.'),
    chartSection(
      'latency-distribution',
      'Distribution',
      'Latency distribution',
      'chart-percentiles',
      'The whole run as an HDR percentile curve: the x axis spreads the tail (90%, 99%, 99.9% …). Response time runs from the intended send time (it includes queueing in the load generator); service time from the actual send. The last point is the maximum.',
    ),
    chartSection('status-codes', 'Status', 'Status codes and errors', 'chart-status', 'Requests finished per second by outcome, stacked. 429 (throttled), 408 (timeout), 424 (model error), 5xx and transport errors (no HTTP response) apart.', statusTables(summary)),
    chartSection('in-flight', 'In flight', 'Requests in flight', 'chart-inflight', 'Peak requests in flight in each second, all workers added up (an upper bound when workers peak at different instants).'),
    chartSection('workers', 'Workers', 'Workers', 'chart-workers', 'Requests each worker was planned to send against what it sent (bars), and its schedule lag p99 (points, right axis): how late sends left compared with the plan.', workersTable(summary)),
  );
  if (data.deployments) {
    sections.push(
      chartSection('deployments', 'Deployments', 'Deployments', 'chart-deployments', 'Requests and latency of each deployment that answered (named by the azureml-model-deployment response header): completed and error bars, p95 and p99 points on the right axis.', deploymentsTable(summary)),
    );
  }
  for (const extra of mlSections(summary)) {
    used.add(extra.id);
    sections.push({ id: extra.id, nav: extra.title, title: extra.title, html: extra.html });
  }
  sections.push({ id: 'figures', nav: 'Figures', title: 'All figures', html: figuresBody(summary) });
  sections.push({ id: 'plan', nav: 'Plan', title: 'Plan, tags and run', html: planBody(run) });

  const title = `${summary.name} · ${summary.status} · load test report`;
  const csp = [
    "default-src 'none'",
    `script-src ${[assets.uplotJs, script].map((s) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`).join(' ')}`,
    "style-src 'unsafe-inline'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="generator" content="ml-load-runner">
<title>${escapeHtml(title)}</title>
<style>${assets.uplotCss}</style>
<style>${inlineSafe(REPORT_CSS, 'style')}</style>
</head>
<body>
<div class="page">
${reportHeader(run)}
<nav class="toc" aria-label="Contents"><ol>
${sections.map((s) => `<li><a href="#${s.id}">${escapeHtml(s.nav)}</a></li>`).join('\n')}
</ol></nav>
<noscript><p class="empty">The charts need JavaScript; every figure is also in the tables.</p></noscript>
<main>
${sections.map((s) => `<section class="card" id="${s.id}" aria-labelledby="${s.id}-title">\n<h2 id="${s.id}-title">${escapeHtml(s.title)}</h2>\n${s.html}\n</section>`).join('\n')}
</main>
<footer>Generated by ml-load-runner on ${escapeHtml(formatUtc(generatedAt))}. Charts drawn with uPlot; this file needs no network.</footer>
</div>
<script type="application/json" id="report-data">${jsonForScript(data)}</script>
<script>${assets.uplotJs}</script>
<script>${script}</script>
</body>
</html>
`;
}

// ── charts ──────────────────────────────────────────────────────────────────────────────────────

function caption(text: string): string {
  return `<p class="caption">${escapeHtml(text)}</p>`;
}

/** The chart's box: the script draws into it and sets data-points once drawn. */
function chartHtml(chartId: string, label: string): string {
  return `<div class="chart" id="${chartId}" role="img" aria-label="${escapeHtml(`Chart: ${label}`)}"></div>`;
}

/** A section of one chart, its caption, and (after) a table with the same figures. */
function chartSection(id: string, nav: string, title: string, chartId: string, text: string, after = ''): Section {
  return { id, nav, title, html: caption(text) + chartHtml(chartId, title) + after };
}
