import type { FinalizedRun } from '../core/finalize-run.js';
import type { PercentilesMs } from '../core/histogram.js';
import { redactPlan, scrubSecrets } from '../core/redact.js';
import { MIN_DELIVERED_SHARE, type RunSummary } from '../core/run-summary.js';
import type { ThresholdResult } from '../core/thresholds.js';
import { escapeHtml } from './html-escape.js';
import { table } from './html-table.js';
import { formatCount, formatDurationS, formatMs, formatRps, formatShare, formatUtc } from './report-format.js';

/**
 * The report's figures as HTML: summary tiles and tables. Every value a user wrote is escaped here;
 * numbers go through report-format so the output does not depend on the machine's locale.
 */

/** Plans are shown in full up to this many characters (a large inline payload is cut, not the page). */
const MAX_PLAN_CHARS = 100_000;

/** The summary section: headline figures as tiles (red where they fail the run) and the thresholds. */
export function summaryBody(run: FinalizedRun): string {
  const s = run.summary;
  const failed = new Set(s.thresholds.filter((t) => !t.passed).map((t) => t.metric));
  const tiles: string[] = [
    tile('Requests sent', formatCount(s.requests.sent), '', `of ${formatCount(s.requests.planned)} planned`, s.requests.sent < MIN_DELIVERED_SHARE * s.requests.planned),
    tile('Achieved rate', formatRps(s.rate.achieved), 'rps', `target ${formatRps(s.rate.target)} rps`, failed.has('minAchievedRps')),
    tile('Throughput (2xx)', formatRps(s.rate.throughput), 'rps', `${formatCount(s.requests.ok)} ok`, false),
    tile('Latency p50', formatMs(s.latencyMs.p50), 'ms', `mean ${formatMs(s.latencyMs.mean)} ms`, failed.has('p50Ms') || failed.has('meanMs')),
    tile('Latency p95', formatMs(s.latencyMs.p95), 'ms', `p90 ${formatMs(s.latencyMs.p90)} ms`, failed.has('p90Ms') || failed.has('p95Ms')),
    tile('Latency p99', formatMs(s.latencyMs.p99), 'ms', `max ${formatMs(s.latencyMs.max)} ms`, failed.has('p99Ms') || failed.has('p999Ms') || failed.has('maxMs')),
    tile('Error rate', formatShare(s.errorRate), '', `${formatCount(s.requests.errors)} not 2xx`, failed.has('errorRate')),
    tile('Throttled (429)', formatShare(s.throttleRate), '', `${formatCount(s.requests.throttled)} responses`, failed.has('throttleRate')),
    tile('Dropped', formatCount(s.requests.dropped), '', 'at the in-flight cap', s.requests.dropped > 0),
    tile('In-flight peak', formatCount(s.inFlightPeak), '', `cap ${formatCount(run.plan.maxInFlight)}`, false),
  ];
  return `<div class="tiles">${tiles.join('')}</div>
<h3>Thresholds</h3>
${thresholdsTable(s.thresholds)}`;
}

function tile(label: string, value: string, unit: string, sub: string, bad: boolean): string {
  return `<div class="tile${bad ? ' bad' : ''}"><div class="label">${escapeHtml(label)}</div><div class="value">${escapeHtml(value)}${unit ? `<span class="unit">${escapeHtml(unit)}</span>` : ''}</div><div class="sub">${escapeHtml(sub)}</div></div>`;
}

const THRESHOLD_LABELS: Record<ThresholdResult['metric'], string> = {
  p50Ms: 'Latency p50',
  p90Ms: 'Latency p90',
  p95Ms: 'Latency p95',
  p99Ms: 'Latency p99',
  p999Ms: 'Latency p99.9',
  maxMs: 'Latency max',
  meanMs: 'Latency mean',
  errorRate: 'Error rate',
  throttleRate: 'Throttle rate (429)',
  minAchievedRps: 'Achieved send rate',
};

function thresholdValue(metric: ThresholdResult['metric'], value: number): string {
  if (metric === 'errorRate' || metric === 'throttleRate') return formatShare(value);
  if (metric === 'minAchievedRps') return `${formatRps(value)} rps`;
  return `${formatMs(value)} ms`;
}

function thresholdsTable(thresholds: readonly ThresholdResult[]): string {
  if (thresholds.length === 0) return '<p class="empty">The plan sets no thresholds.</p>';
  return table(
    ['Metric', 'Limit', 'Actual', 'Result'],
    ['key', 'num', 'num', 'key'],
    thresholds.map((t) => [
      `${escapeHtml(THRESHOLD_LABELS[t.metric] ?? t.metric)} <code class="muted">${escapeHtml(t.metric)}</code>`,
      `${t.metric === 'minAchievedRps' ? '≥' : '≤'} ${escapeHtml(thresholdValue(t.metric, t.limit))}`,
      escapeHtml(thresholdValue(t.metric, t.actual)),
      t.passed ? '<span class="pass">✓ pass</span>' : '<span class="fail">✗ fail</span>',
    ]),
  );
}

const STATUS_MEANINGS: Record<string, string> = {
  '200': 'OK',
  '201': 'Created',
  '202': 'Accepted',
  '204': 'No content',
  '400': 'Bad request',
  '401': 'Unauthorized (key or token)',
  '403': 'Forbidden',
  '404': 'Not found (URL or deployment)',
  '408': 'Request timeout (request_timeout_ms exceeded)',
  '413': 'Payload too large',
  '424': 'Model error (the scoring script failed)',
  '429': 'Too many requests (throttled)',
  '500': 'Internal server error',
  '502': 'Bad gateway',
  '503': 'Service unavailable',
  '504': 'Gateway timeout',
};

const ERROR_MEANINGS: Record<string, string> = {
  connect_timeout: 'Could not connect in time',
  econnrefused: 'Connection refused',
  econnreset: 'Connection reset',
  timeout: 'No complete response within the plan\u2019s timeoutMs',
  body_too_large: 'Response larger than maxResponseBytes',
  dns: 'Host name did not resolve',
  unreachable: 'Network unreachable',
  tls: 'TLS handshake failed',
  protocol_error: 'HTTP protocol error',
  client_closed: 'Stopped by the load runner',
  empty_stream: 'Empty response stream',
  unknown: 'Other failure',
  target_refused: 'Refused by ALLOWED_TARGET_HOSTS at connect time',
};

function byCount(tally: Record<string, number>, numericKeys: boolean): [string, number][] {
  return Object.entries(tally).sort(([a], [b]) => (numericKeys ? Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0) : a < b ? -1 : a > b ? 1 : 0));
}

export function statusTables(s: RunSummary): string {
  const sent = Math.max(1, s.requests.sent);
  const codes = byCount(s.statusCodes, true);
  const errors = byCount(s.errorsByCode, false);
  const codesTable =
    codes.length === 0
      ? '<p class="empty">No HTTP responses.</p>'
      : table(
          ['Status', 'Meaning', 'Requests', 'Share of sent'],
          ['key', 'text', 'num', 'num'],
          codes.map(([code, n]) => [`<code>${escapeHtml(code)}</code>`, escapeHtml(STATUS_MEANINGS[code] ?? ''), formatCount(n), formatShare(n / sent)]),
        );
  const errorsTable =
    errors.length === 0
      ? '<p class="empty">No transport errors.</p>'
      : table(
          ['Error', 'Meaning', 'Requests', 'Share of sent'],
          ['key', 'text', 'num', 'num'],
          errors.map(([code, n]) => [`<code>${escapeHtml(code)}</code>`, escapeHtml(ERROR_MEANINGS[code] ?? ''), formatCount(n), formatShare(n / sent)]),
        );
  return `<div class="columns"><div><h3>HTTP status codes</h3>${codesTable}</div><div><h3>Transport errors (no response)</h3>${errorsTable}</div></div>`;
}

export function workersTable(s: RunSummary): string {
  if (s.workers.length === 0) return '<p class="empty">No worker reported.</p>';
  return table(
    ['Worker', 'Planned', 'Sent', 'Delivered', 'Achieved rate', 'Schedule lag p99', 'Started late'],
    ['key', 'num', 'num', 'num', 'num', 'num', 'num'],
    s.workers.map((w) => [
      escapeHtml(String(w.worker)),
      formatCount(w.planned),
      formatCount(w.sent),
      w.planned > 0 ? formatShare(w.sent / w.planned) : '–',
      `${formatRps(w.achievedRate)} rps`,
      `${formatMs(w.scheduleLagP99Ms)} ms`,
      `${formatMs(w.lateMs)} ms`,
    ]),
  );
}

export function deploymentsTable(s: RunSummary): string {
  const entries = Object.entries(s.byDeployment).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return table(
    ['Deployment', 'Completed', 'OK', 'Errors', '429', 'p50', 'p95', 'p99', 'Max'],
    ['wrap', 'num', 'num', 'num', 'num', 'num', 'num', 'num', 'num'],
    entries.map(([name, d]) => [
      escapeHtml(name),
      formatCount(d.completed),
      formatCount(d.ok),
      formatCount(d.errors),
      formatCount(d.throttled),
      `${formatMs(d.latencyMs.p50)} ms`,
      `${formatMs(d.latencyMs.p95)} ms`,
      `${formatMs(d.latencyMs.p99)} ms`,
      `${formatMs(d.latencyMs.max)} ms`,
    ]),
  );
}

export function figuresBody(s: RunSummary): string {
  const r = s.requests;
  const requests = table(
    ['Requests', 'Count', 'Meaning'],
    ['key', 'num', 'text'],
    [
      ['Planned', r.planned, 'Arrivals the plan scheduled'],
      ['Sent', r.sent, 'Requests that left the load generator'],
      ['Completed', r.completed, 'Got an HTTP response (any status)'],
      ['OK', r.ok, '2xx responses'],
      ['Errors', r.errors, 'Everything not 2xx, 429s and transport errors included'],
      ['Throttled', r.throttled, '429 responses'],
      ['Dropped', r.dropped, 'Arrivals never sent: the in-flight cap was reached'],
      ['Missed', r.missed, 'Planned in slices that started too late or never reported'],
    ].map(([name, n, meaning]) => [escapeHtml(name), formatCount(n as number), escapeHtml(meaning)]),
  );
  const rates = table(
    ['Rate', 'Value'],
    ['text', 'num'],
    [
      ['Target (planned ÷ duration)', `${formatRps(s.rate.target)} rps`],
      ['Achieved send rate', `${formatRps(s.rate.achieved)} rps`],
      ['Throughput (2xx completed)', `${formatRps(s.rate.throughput)} rps`],
      ['Error rate', formatShare(s.errorRate)],
      ['Throttle rate (429)', formatShare(s.throttleRate)],
      ['In-flight peak', formatCount(s.inFlightPeak)],
      ['Duration', formatDurationS(s.durationS)],
      ['Slices reported', `${formatCount(s.slices.reported)} of ${formatCount(s.slices.expected)}`],
    ].map(([name, value]) => [escapeHtml(name), escapeHtml(value)]),
  );
  const ms = (v: number | undefined) => (v === undefined ? '–' : escapeHtml(formatMs(v)));
  const latencyRow = (name: string, p: Partial<PercentilesMs>) => [escapeHtml(name), ms(p.p50), ms(p.p90), ms(p.p95), ms(p.p99), ms(p.p999), ms(p.max), ms(p.mean)];
  const latency = table(
    ['Milliseconds', 'p50', 'p90', 'p95', 'p99', 'p99.9', 'max', 'mean'],
    ['text', 'num', 'num', 'num', 'num', 'num', 'num', 'num'],
    [
      latencyRow('Response time (from intended send)', s.latencyMs),
      latencyRow('Service time (from actual send)', s.serviceTimeMs),
      latencyRow('Schedule lag (actual − intended send)', s.scheduleLagMs),
    ],
  );
  const sliceNotes: string[] = [];
  if (s.slices.missing.length > 0) sliceNotes.push(`Never reported: ${s.slices.missing.join(', ')}`);
  if (s.slices.missed.length > 0) sliceNotes.push(`Started after their window: ${s.slices.missed.join(', ')}`);
  if (s.slices.failed.length > 0) sliceNotes.push(`Failed: ${s.slices.failed.join(', ')}`);
  return `<div class="columns"><div>${requests}</div><div>${rates}</div></div>
<h3>Latency</h3>
${latency}
${sliceNotes.map((n) => `<p class="muted">${escapeHtml(n)}</p>`).join('\n')}`;
}

export function planBody(run: FinalizedRun): string {
  const { summary, record, plan } = run;
  const tags = Object.entries(summary.tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const tagsHtml =
    tags.length === 0
      ? '<p class="empty">No tags.</p>'
      : table(['Tag', 'Value'], ['wrap', 'wrap'], tags.map(([k, v]) => [escapeHtml(k), escapeHtml(String(v))]));
  const info = table(
    ['Run', ''],
    ['key', 'wrap'],
    [
      ['Run id', `<code>${escapeHtml(summary.runId)}</code>`],
      ['Status', escapeHtml(summary.status)],
      ['Target URL', `<code>${escapeHtml(summary.target.url)}</code>`],
      ['Created', escapeHtml(formatUtc(record.createdAt))],
      ['Load started', escapeHtml(formatUtc(summary.startedAt))],
      ['Load ended', escapeHtml(formatUtc(summary.endedAt))],
      ['Finished', escapeHtml(formatUtc(record.finishedAt))],
      ['Slices', escapeHtml(`${record.workers} worker(s) × ${record.windows} window(s)`)],
    ],
  );
  // The stored plan is already redacted; redacting again costs nothing and guards against any path
  // that hands this function an unredacted one. Bearer tokens under other header names are scrubbed too.
  let planJson = scrubSecrets(JSON.stringify(redactPlan(plan), null, 2), []);
  if (planJson.length > MAX_PLAN_CHARS) planJson = `${planJson.slice(0, MAX_PLAN_CHARS)}\n… (${formatCount(planJson.length - MAX_PLAN_CHARS)} more characters not shown)`;
  return `<div class="columns"><div><h3>Tags</h3>${tagsHtml}</div><div><h3>Run</h3>${info}</div></div>
<details open><summary>Plan (JSON, secrets redacted)</summary><pre class="plan"><code>${escapeHtml(planJson)}</code></pre></details>`;
}
