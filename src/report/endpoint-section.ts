import { catalogEntry } from '../core/endpoint-metric-catalog.js';
import { clientMinutes, type EndpointSummary } from '../core/endpoint-summary.js';
import type { FinalizedRun } from '../core/finalize-run.js';
import type { EndpointMetrics, MetricResource, MetricSeries } from '../core/ports/endpoint-metrics-source.js';
import { escapeHtml } from './html-escape.js';
import { table } from './html-table.js';
import type { ReportSection } from './render-report.js';
import { formatCount, formatMs, formatUtc } from './report-format.js';
import { svgChart, type SvgSeries } from './svg-chart.js';

/**
 * The report section "Endpoint (server side)": what Azure Monitor saw during the run next to what the
 * client saw, on one UTC time axis — charts drawn here as inline SVG (no script), the figures of
 * `summary.endpoint`, what could not be fetched and why, and the traffic log when there is one.
 */
export function endpointSection(run: FinalizedRun, metrics: EndpointMetrics | undefined): ReportSection | undefined {
  const e = run.summary.endpoint;
  if (!e) return undefined;
  const parts: string[] = [
    `<p class="caption">${escapeHtml(
      'What the endpoint itself measured (Azure Monitor platform metrics, 1-minute grain) beside what the client measured, on the same UTC time axis; the shaded band is the load. Server-side latency excludes the network, TLS and client-side queueing that the client p95 (from the intended send time) includes.',
    )}</p>`,
  ];
  if (e.notes.length > 0) {
    parts.push(`<div class="reasons status-partial" role="status"><ul>${e.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul></div>`);
  }
  parts.push(tiles(e));
  if (metrics) parts.push(charts(run, metrics));
  else parts.push(`<p class="empty">${escapeHtml('The fetched series (endpoint-metrics.json) are not available to chart.')}</p>`);
  if (metrics?.trafficLog && metrics.trafficLog.total.requests > 0) parts.push(trafficLogTables(metrics));
  if (metrics && metrics.series.length > 0) parts.push(`<h3>Series fetched</h3>${seriesTable(metrics, run)}`);
  if (e.unavailable.length > 0) {
    parts.push(
      `<h3>Not fetched</h3>${table(
        ['Metric', 'Resource', 'Why'],
        ['key', 'key', 'wrap'],
        e.unavailable.map((u) => [escapeHtml(u.metric === '*' ? 'all metrics' : u.metric), escapeHtml(u.resource ?? ''), escapeHtml(u.reason)]),
      )}`,
    );
  }
  const ids = [e.endpointResourceId, e.deploymentResourceId].filter((x): x is string => Boolean(x));
  parts.push(
    `<p class="caption">${escapeHtml(`Fetched ${formatUtc(e.fetchedAt)} for ${formatUtc(e.window.start)} – ${formatUtc(e.window.end)}.`)}${ids.map((id) => `<br><code style="overflow-wrap:anywhere">${escapeHtml(id)}</code>`).join('')}</p>`,
  );
  return { id: 'endpoint', title: 'Endpoint (server side)', html: parts.join('\n') };
}

function tile(label: string, value: string, unit: string, sub: string): string {
  return `<div class="tile"><div class="label">${escapeHtml(label)}</div><div class="value">${escapeHtml(value)}${unit ? `<span class="unit">${escapeHtml(unit)}</span>` : ''}</div><div class="sub">${escapeHtml(sub)}</div></div>`;
}

function pct(value: number | undefined): string {
  return value === undefined ? '–' : formatCount(Number(value.toFixed(1)));
}

function tiles(e: EndpointSummary): string {
  const l = e.latencyP95Ms;
  const t: string[] = [
    tile('Client p95', formatMs(l.client), 'ms', 'from intended send time'),
    tile('Server p95', l.server === undefined ? '–' : formatMs(l.server), l.server === undefined ? '' : 'ms', l.serverFrom ? (l.serverFrom.startsWith('traffic log') ? 'traffic log' : 'Azure Monitor metric') : 'not available'),
  ];
  if (l.outsideEndpoint !== undefined) t.push(tile('Outside the endpoint', formatMs(l.outsideEndpoint), 'ms', 'client p95 − server p95'));
  if (l.model !== undefined) t.push(tile('Model p95', formatMs(l.model), 'ms', 'queue + model, traffic log'));
  t.push(tile('Peak CPU', pct(e.peakCpuPercent), e.peakCpuPercent === undefined ? '' : '%', 'hottest instance'));
  t.push(tile('Peak memory', pct(e.peakMemoryPercent), e.peakMemoryPercent === undefined ? '' : '%', 'hottest instance'));
  if (e.peakGpuPercent !== undefined) t.push(tile('Peak GPU', pct(e.peakGpuPercent), '%', 'hottest instance'));
  if (e.peakGpuMemoryPercent !== undefined) t.push(tile('Peak GPU memory', pct(e.peakGpuMemoryPercent), '%', 'hottest instance'));
  if (e.peakInstances !== undefined) {
    t.push(tile('Instances', e.minInstances !== undefined && e.minInstances !== e.peakInstances ? `${e.minInstances}–${e.peakInstances}` : String(e.peakInstances), '', e.minInstances !== e.peakInstances ? 'autoscale acted' : 'during the run'));
  }
  if (e.peakConnectionsActive !== undefined) t.push(tile('Active connections', pct(e.peakConnectionsActive), '', 'peak minute'));
  return `<div class="tiles">${t.join('')}</div>`;
}

const MINUTE = 60_000;

function seriesPoints(s: MetricSeries | undefined, scale = 1): [number, number][] {
  return (s?.points ?? []).map((p) => [Date.parse(p.timestamp), p.value * scale]);
}

function charts(run: FinalizedRun, metrics: EndpointMetrics): string {
  const start = Date.parse(metrics.window.start);
  const end = Date.parse(metrics.window.end);
  const shade: [number, number] = [Date.parse(run.summary.startedAt), Date.parse(run.summary.endedAt)];
  const find = (resource: MetricResource, metric: string) => metrics.series.find((s) => s.resource === resource && s.metric === metric);
  const stepOf = (s: MetricSeries | undefined) => {
    const m = /^PT(\d+)M$/i.exec(s?.grain ?? '');
    return m ? Number(m[1]) * MINUTE : MINUTE;
  };
  const perSecond = run.timeseries.map((r) => ({ t: Date.parse(r.windowStart), row: r }));
  const minutes = clientMinutes(run.aggregate);
  const log = metrics.trafficLog;
  const logMinutes = (read: (m: NonNullable<typeof log>['perMinute'][number]) => number): [number, number][] => (log?.perMinute ?? []).map((m) => [Date.parse(m.timestamp), read(m)]);
  const server = (resource: MetricResource, metric: string, label: string, color: string, scale = 1, dashed = false): SvgSeries => {
    const s = find(resource, metric);
    return { label, color, points: seriesPoints(s, scale), stepMs: stepOf(s), dashed };
  };

  const latency = svgChart({
    title: 'Latency p95',
    unit: 'ms',
    start,
    end,
    shade,
    series: [
      { label: 'client p95 per second', color: 'var(--c-p95)', faint: true, points: perSecond.filter((p) => p.row.completed > 0).map((p) => [p.t + 500, p.row.p95Ms]) },
      { label: 'client p95 per minute', color: 'var(--c-p95)', stepMs: MINUTE, points: minutes.filter((m) => m.completed > 0).map((m) => [Date.parse(m.timestamp), m.p95Ms]) },
      server('endpoint', 'RequestLatency_P95', 'endpoint RequestLatency_P95', 'var(--c-service)'),
      server('deployment', 'RequestLatency_P95', 'deployment RequestLatency_P95', 'var(--c-408)', 1, true),
      { label: 'traffic log TotalDurationMs p95', color: 'var(--c-throughput)', stepMs: MINUTE, points: logMinutes((m) => m.totalMs.p95) },
      { label: 'traffic log model p95', color: 'var(--c-inflight)', stepMs: MINUTE, dashed: true, points: logMinutes((m) => m.modelMs.p95) },
    ],
  });
  const rate = svgChart({
    title: 'Requests per second',
    unit: 'rps',
    start,
    end,
    shade,
    series: [
      { label: 'client sent per second', color: 'var(--c-sent)', faint: true, points: perSecond.map((p) => [p.t + 500, p.row.sentRps]) },
      { label: 'client sent per minute ÷ 60', color: 'var(--c-sent)', stepMs: MINUTE, points: minutes.map((m) => [Date.parse(m.timestamp), m.sent / 60]) },
      server('endpoint', 'RequestsPerMinute', 'endpoint RequestsPerMinute ÷ 60', 'var(--c-service)', 1 / 60),
      server('deployment', 'RequestsPerMinute', 'deployment RequestsPerMinute ÷ 60', 'var(--c-408)', 1 / 60, true),
      { label: 'traffic log requests ÷ 60', color: 'var(--c-throughput)', stepMs: MINUTE, points: logMinutes((m) => m.requests / 60) },
    ],
  });
  const utilization = svgChart({
    title: 'Utilization (hottest instance)',
    unit: '%',
    start,
    end,
    shade,
    yMax: 100,
    series: [
      server('deployment', 'CpuUtilizationPercentage', 'CPU', 'var(--c-5xx)'),
      server('deployment', 'CpuMemoryUtilizationPercentage', 'memory', 'var(--c-sent)'),
      server('deployment', 'GpuUtilizationPercentage', 'GPU', 'var(--c-424)'),
      server('deployment', 'GpuMemoryUtilizationPercentage', 'GPU memory', 'var(--c-p95)', 1, true),
      server('deployment', 'DiskUtilization', 'disk', 'var(--c-other)', 1, true),
    ],
  });
  const instances = svgChart({ title: 'Instances', unit: 'instances', start, end, shade, series: [server('deployment', 'DeploymentCapacity', 'DeploymentCapacity', 'var(--c-inflight)')] });
  const connections = svgChart({
    title: 'Connections',
    unit: 'connections',
    start,
    end,
    shade,
    series: [server('endpoint', 'ConnectionsActive', 'active connections', 'var(--c-sent)'), server('endpoint', 'NewConnectionsPerSecond', 'new connections per second', 'var(--c-other)', 1, true)],
  });
  const all = [latency, rate, utilization, instances, connections].filter(Boolean).join('\n');
  return all || `<p class="empty">${escapeHtml('No series to chart.')}</p>`;
}

function seriesTable(metrics: EndpointMetrics, run: FinalizedRun): string {
  const from = Math.floor(Date.parse(run.summary.startedAt) / MINUTE) * MINUTE;
  const to = Date.parse(run.summary.endedAt);
  const rows = metrics.series.map((s) => {
    const inRun = s.points.filter((p) => Date.parse(p.timestamp) >= from && Date.parse(p.timestamp) <= to).map((p) => p.value);
    const entry = catalogEntry(s.resource, s.metric);
    const mean = inRun.length > 0 ? inRun.reduce((a, b) => a + b, 0) / inRun.length : undefined;
    const fmt = (v: number | undefined) => (v === undefined ? '–' : formatCount(Number(v.toFixed(v < 10 ? 2 : 1))));
    return [
      `<code>${escapeHtml(s.metric)}</code>`,
      escapeHtml(s.resource),
      escapeHtml(s.aggregation),
      escapeHtml(s.unit),
      fmt(inRun.length > 0 ? Math.max(...inRun) : undefined),
      fmt(mean),
      formatCount(s.points.length),
      escapeHtml(entry?.meaning ?? ''),
    ];
  });
  return table(['Metric', 'Resource', 'Aggregation', 'Unit', 'Max (run)', 'Mean (run)', 'Points', 'What it tells you'], ['key', 'key', 'key', 'key', 'num', 'num', 'num', 'text'], rows);
}

function trafficLogTables(metrics: EndpointMetrics): string {
  const log = metrics.trafficLog!;
  const t = log.total;
  const p = (x: { p50: number; p95: number; p99: number }) => [formatMs(x.p50), formatMs(x.p95), formatMs(x.p99)];
  const durations = table(
    ['Duration (server side)', 'p50 ms', 'p95 ms', 'p99 ms'],
    ['text', 'num', 'num', 'num'],
    [
      ['Total: request start → last response byte sent', ...p(t.totalMs)],
      ['Request: start → last request byte received (upload)', ...p(t.requestMs)],
      ['Response: start → first byte from the model', ...p(t.responseMs)],
      ['Model: response − request (queue in endpoint + model)', ...p(t.modelMs)],
    ].map((r) => [escapeHtml(r[0]), ...r.slice(1)]),
  );
  const codes = table(
    ['Response code', 'Model status code', 'Requests'],
    ['key', 'key', 'num'],
    log.codes.map((c) => [escapeHtml(String(c.responseCode)), escapeHtml(String(c.modelStatusCode)), formatCount(c.requests)]),
  );
  const throttling = `<p class="caption">${escapeHtml(
    `${formatCount(t.requests)} requests in the traffic log (${formatCount(t.ok)} 2xx, ${formatCount(t.throttled)} 429). Bandwidth throttling delay: request p95 ${formatMs(t.requestThrottlingDelayMs.p95)} ms (max ${formatMs(t.requestThrottlingDelayMs.max)}), response p95 ${formatMs(t.responseThrottlingDelayMs.p95)} ms (max ${formatMs(t.responseThrottlingDelayMs.max)}).`,
  )}</p>`;
  return `<h3>Traffic log (AmlOnlineEndpointTrafficLog)</h3>${throttling}<div class="columns"><div>${durations}</div><div>${codes}</div></div>`;
}
