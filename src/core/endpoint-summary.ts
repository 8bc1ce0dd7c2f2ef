import type { Aggregate } from './aggregate.js';
import { createHistogram, percentilesMs } from './histogram.js';
import type { EndpointMetrics, MetricResource, MetricSeries, UnavailableMetric } from './ports/endpoint-metrics-source.js';

/**
 * `summary.endpoint`: what the endpoint itself saw during the run, next to what the client saw.
 * Peaks are over the minutes the load ran in (the first partial minute included); latency compares
 * the client p95 (from intended send time) with the endpoint's p95.
 */
export interface EndpointSummary {
  endpointResourceId?: string;
  deploymentResourceId?: string;
  logAnalyticsWorkspaceId?: string;
  /** Window fetched: the load ± 1 minute. */
  window: { start: string; end: string };
  fetchedAt: string;
  /** False when Azure Monitor had no data yet for the run's last minute (metrics arrive minutes late). */
  complete: boolean;
  /** Why the figures may be partial, and what to do. */
  notes: string[];
  peakCpuPercent?: number;
  peakMemoryPercent?: number;
  peakGpuPercent?: number;
  peakGpuMemoryPercent?: number;
  peakDiskPercent?: number;
  /** Largest and smallest DeploymentCapacity during the run (they differ when autoscale acted). */
  peakInstances?: number;
  minInstances?: number;
  peakConnectionsActive?: number;
  /** Requests the endpoint (or deployment) counted in its busiest minute. */
  peakRequestsPerMinute?: number;
  latencyP95Ms: {
    /** summary.latencyMs.p95: from the intended send time, at the client. */
    client: number;
    /** The endpoint's p95, when known. */
    server?: number;
    /** Where `server` came from and how it was combined. */
    serverFrom?: string;
    /** client − server: network, TLS, connection set-up and client-side queueing (approximate: percentiles do not subtract exactly). */
    outsideEndpoint?: number;
    /** Traffic log: p95 of ResponseDurationMs − RequestDurationMs, queueing in the endpoint plus model time to first byte. */
    model?: number;
  };
  /** From AmlOnlineEndpointTrafficLog, when a workspace was given and it had rows. */
  trafficLog?: {
    requests: number;
    ok: number;
    throttled: number;
    errors: number;
    totalP95Ms: number;
    requestP95Ms: number;
    modelP95Ms: number;
    requestThrottlingDelayP95Ms: number;
    responseThrottlingDelayP95Ms: number;
    responseCodes: Record<string, number>;
    modelStatusCodes: Record<string, number>;
  };
  /** Series fetched, as `resource/metric`. */
  series: string[];
  /** What could not be fetched, and why. */
  unavailable: UnavailableMetric[];
}

/** Per-minute client figures merged exactly from the per-second windows (histograms added, not averaged). */
export interface ClientMinute {
  timestamp: string;
  sent: number;
  completed: number;
  p95Ms: number;
}

export function clientMinutes(aggregate: Aggregate): ClientMinute[] {
  const byMinute = new Map<number, { sent: number; completed: number; h: ReturnType<typeof createHistogram> }>();
  for (const [second, w] of aggregate.windows) {
    const minute = Math.floor(second / 60) * 60;
    let m = byMinute.get(minute);
    if (!m) byMinute.set(minute, (m = { sent: 0, completed: 0, h: createHistogram() }));
    m.sent += w.sent;
    m.completed += w.completed;
    m.h.add(w.responseTime);
  }
  return [...byMinute]
    .sort(([a], [b]) => a - b)
    .map(([minute, m]) => ({ timestamp: new Date(minute * 1000).toISOString(), sent: m.sent, completed: m.completed, p95Ms: percentilesMs(m.h).p95 }));
}

export interface RunWindow {
  /** Load start and end (summary.startedAt / endedAt). */
  startedAt: string;
  endedAt: string;
  clientP95Ms: number;
}

const MINUTE_MS = 60_000;

/** Points of a series that fall in the run: from the minute the load started in up to its end. */
function runPoints(series: MetricSeries | undefined, run: RunWindow): { t: number; value: number }[] {
  if (!series) return [];
  const from = Math.floor(Date.parse(run.startedAt) / MINUTE_MS) * MINUTE_MS;
  const to = Date.parse(run.endedAt);
  return series.points.map((p) => ({ t: Date.parse(p.timestamp), value: p.value })).filter((p) => p.t >= from && p.t <= to);
}

function find(metrics: EndpointMetrics, resource: MetricResource, metric: string): MetricSeries | undefined {
  return metrics.series.find((s) => s.resource === resource && s.metric === metric);
}

function peak(metrics: EndpointMetrics, resource: MetricResource, metric: string, run: RunWindow): number | undefined {
  const points = runPoints(find(metrics, resource, metric), run);
  return points.length > 0 ? round(Math.max(...points.map((p) => p.value))) : undefined;
}

/** Per-minute p95s combined over the run: weighted by the requests of each minute when known. */
function combinedP95(metrics: EndpointMetrics, resource: MetricResource, run: RunWindow): { value: number; weighted: boolean } | undefined {
  const p95 = runPoints(find(metrics, resource, 'RequestLatency_P95'), run);
  if (p95.length === 0) return undefined;
  const rpm = new Map(runPoints(find(metrics, resource, 'RequestsPerMinute'), run).map((p) => [p.t, p.value]));
  const weights = p95.map((p) => rpm.get(p.t) ?? 0);
  const total = weights.reduce((a, b) => a + b, 0);
  if (total > 0) return { value: round(p95.reduce((sum, p, i) => sum + p.value * weights[i], 0) / total), weighted: true };
  return { value: round(p95.reduce((sum, p) => sum + p.value, 0) / p95.length), weighted: false };
}

export function summarizeEndpointMetrics(metrics: EndpointMetrics, run: RunWindow): EndpointSummary {
  const notes: string[] = [];
  const summary: EndpointSummary = {
    endpointResourceId: metrics.endpointResourceId,
    deploymentResourceId: metrics.deploymentResourceId,
    logAnalyticsWorkspaceId: metrics.logAnalyticsWorkspaceId,
    window: metrics.window,
    fetchedAt: metrics.fetchedAt,
    complete: false,
    notes,
    latencyP95Ms: { client: run.clientP95Ms },
    series: metrics.series.map((s) => `${s.resource}/${s.metric}`),
    unavailable: [...metrics.unavailable],
  };
  const set = <K extends keyof EndpointSummary>(key: K, value: EndpointSummary[K] | undefined) => {
    if (value !== undefined) summary[key] = value;
  };
  set('peakCpuPercent', peak(metrics, 'deployment', 'CpuUtilizationPercentage', run));
  set('peakMemoryPercent', peak(metrics, 'deployment', 'CpuMemoryUtilizationPercentage', run));
  set('peakGpuPercent', peak(metrics, 'deployment', 'GpuUtilizationPercentage', run));
  set('peakGpuMemoryPercent', peak(metrics, 'deployment', 'GpuMemoryUtilizationPercentage', run));
  set('peakDiskPercent', peak(metrics, 'deployment', 'DiskUtilization', run));
  const instances = runPoints(find(metrics, 'deployment', 'DeploymentCapacity'), run);
  if (instances.length > 0) {
    summary.peakInstances = Math.round(Math.max(...instances.map((p) => p.value)));
    summary.minInstances = Math.round(Math.min(...instances.map((p) => p.value)));
  }
  set('peakConnectionsActive', peak(metrics, 'endpoint', 'ConnectionsActive', run));
  set('peakRequestsPerMinute', peak(metrics, 'deployment', 'RequestsPerMinute', run) ?? peak(metrics, 'endpoint', 'RequestsPerMinute', run));

  // Server-side p95: the traffic log's percentile over the run's requests when it has rows, else the per-minute metric.
  const log = metrics.trafficLog;
  if (log && log.total.requests > 0) {
    summary.latencyP95Ms.server = log.total.totalMs.p95;
    summary.latencyP95Ms.serverFrom = `traffic log: p95 of TotalDurationMs over ${log.total.requests} requests`;
    summary.latencyP95Ms.model = log.total.modelMs.p95;
    const responseCodes: Record<string, number> = {};
    const modelStatusCodes: Record<string, number> = {};
    for (const c of log.codes) {
      responseCodes[String(c.responseCode)] = (responseCodes[String(c.responseCode)] ?? 0) + c.requests;
      modelStatusCodes[String(c.modelStatusCode)] = (modelStatusCodes[String(c.modelStatusCode)] ?? 0) + c.requests;
    }
    summary.trafficLog = {
      requests: log.total.requests,
      ok: log.total.ok,
      throttled: log.total.throttled,
      errors: log.total.errors,
      totalP95Ms: log.total.totalMs.p95,
      requestP95Ms: log.total.requestMs.p95,
      modelP95Ms: log.total.modelMs.p95,
      requestThrottlingDelayP95Ms: log.total.requestThrottlingDelayMs.p95,
      responseThrottlingDelayP95Ms: log.total.responseThrottlingDelayMs.p95,
      responseCodes,
      modelStatusCodes,
    };
  } else {
    for (const resource of ['deployment', 'endpoint'] as const) {
      const combined = combinedP95(metrics, resource, run);
      if (!combined) continue;
      summary.latencyP95Ms.server = combined.value;
      summary.latencyP95Ms.serverFrom = `${resource} metric RequestLatency_P95: per-minute values, ${combined.weighted ? 'mean weighted by RequestsPerMinute' : 'plain mean'} over the run's minutes`;
      break;
    }
  }
  if (summary.latencyP95Ms.server !== undefined) summary.latencyP95Ms.outsideEndpoint = round(run.clientP95Ms - summary.latencyP95Ms.server);

  // Complete once some series has a point in the run's last minute.
  const lastMinute = Math.floor((Date.parse(run.endedAt) - 1) / MINUTE_MS) * MINUTE_MS;
  summary.complete = metrics.series.some((s) => s.points.some((p) => Date.parse(p.timestamp) >= lastMinute));
  if (metrics.series.length === 0 && !(log && log.total.requests > 0)) notes.push('No endpoint metrics could be fetched: see unavailable.');
  else if (!summary.complete) {
    notes.push(
      `Azure Monitor had no data yet for the run's last minute (${new Date(lastMinute).toISOString().slice(11, 16)} UTC): platform metrics arrive a few minutes late. Fetch them again later with mlload report <runId> --refresh-metrics.`,
    );
  }
  if (metrics.logAnalyticsWorkspaceId && !(log && log.total.requests > 0) && !metrics.unavailable.some((u) => u.resource === 'trafficLog')) {
    summary.unavailable.push({ metric: 'AmlOnlineEndpointTrafficLog', resource: 'trafficLog', reason: 'no rows for the run yet: the traffic log reaches Log Analytics minutes late (up to an hour after diagnostic settings are first enabled); refresh later' });
  }
  return summary;
}

function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
