/**
 * The server's side of a run: Azure Monitor platform metrics of the Azure ML online endpoint and its
 * deployment, and (optionally) aggregates of the endpoint's traffic log, over a time window.
 * Implemented by adapters/azure-monitor-metrics-source.ts. Everything here is plain JSON: it is what
 * `endpoint-metrics.json` holds.
 */

/** Which resource a series comes from; `trafficLog` rows come from Log Analytics. */
export type MetricResource = 'endpoint' | 'deployment';

export type MetricAggregation = 'Average' | 'Maximum' | 'Minimum' | 'Total' | 'Count';

export interface EndpointMetricsQuery {
  /** ARM id of the online endpoint: /subscriptions/…/workspaces/<ws>/onlineEndpoints/<name>. */
  endpointResourceId?: string;
  /** ARM id of the deployment: <endpoint id>/deployments/<name>. */
  deploymentResourceId?: string;
  /** Log Analytics workspace id (a GUID, the workspace's "Workspace ID") holding AmlOnlineEndpointTrafficLog. */
  logAnalyticsWorkspaceId?: string;
  /** Endpoint and deployment names for the traffic-log filter (taken from the ids when absent). */
  endpointName?: string;
  deploymentName?: string;
  /** The window, inclusive start, exclusive end. */
  start: Date;
  end: Date;
  abortSignal?: AbortSignal;
}

export interface MetricPoint {
  /** Start of the time grain, ISO 8601 UTC. */
  timestamp: string;
  value: number;
}

/** One metric of one resource with one aggregation, at the finest grain the resource offers (≤ 1 min). */
export interface MetricSeries {
  resource: MetricResource;
  /** Azure Monitor metric name (the REST API name), e.g. CpuUtilizationPercentage. */
  metric: string;
  aggregation: MetricAggregation;
  /** Azure's unit name: Percent, Milliseconds, Count, BytesPerSecond, CountPerSecond … */
  unit: string;
  /** ISO 8601 duration of one point, e.g. PT1M. */
  grain: string;
  /** Points that have a value (grains without data are left out). */
  points: MetricPoint[];
}

/** Something that could not be fetched, and why. `metric: '*'` means every metric of that resource. */
export interface UnavailableMetric {
  metric: string;
  resource?: MetricResource | 'trafficLog';
  reason: string;
}

/** Percentiles of one duration column of the traffic log, in milliseconds. */
export interface DurationPercentiles {
  p50: number;
  p95: number;
  p99: number;
}

/** Aggregates of AmlOnlineEndpointTrafficLog rows (one request each) over a window or one minute. */
export interface TrafficLogStats {
  requests: number;
  /** ResponseCode 2xx. */
  ok: number;
  /** ResponseCode 429. */
  throttled: number;
  /** ResponseCode not 2xx (429 included). */
  errors: number;
  /** Request start → last response byte sent to the client (what the endpoint saw end to end). */
  totalMs: DurationPercentiles;
  /** Request start → last request byte received from the client (upload). */
  requestMs: DurationPercentiles;
  /** Request start → first response byte read from the model. */
  responseMs: DurationPercentiles;
  /** ResponseDurationMs − RequestDurationMs per request: queueing in the endpoint + model time to first byte. */
  modelMs: DurationPercentiles;
  /** Delay added by bandwidth throttling (endpoint over its MBps limit). */
  requestThrottlingDelayMs: { p95: number; max: number };
  responseThrottlingDelayMs: { p95: number; max: number };
}

export interface TrafficLogMinute extends TrafficLogStats {
  /** Start of the minute, ISO 8601 UTC. */
  timestamp: string;
}

export interface TrafficLogAggregates {
  workspaceId: string;
  table: 'AmlOnlineEndpointTrafficLog';
  endpointName: string;
  deploymentName?: string;
  /** Whole window: percentiles over all its requests (Kusto's percentile() estimate), not averaged minutes. */
  total: TrafficLogStats;
  perMinute: TrafficLogMinute[];
  /** Requests by final response code and model status code (most frequent first). */
  codes: { responseCode: number; modelStatusCode: number; requests: number }[];
}

/** What a fetch returns: what it could get, and for everything else the reason. */
export interface EndpointMetrics {
  version: 1;
  fetchedAt: string;
  window: { start: string; end: string };
  endpointResourceId?: string;
  deploymentResourceId?: string;
  logAnalyticsWorkspaceId?: string;
  series: MetricSeries[];
  trafficLog?: TrafficLogAggregates;
  unavailable: UnavailableMetric[];
}

/**
 * Given the endpoint/deployment resource ids and a time window, returns their metric series at the
 * finest grain ≤ 1 minute and, when a Log Analytics workspace is given, traffic-log aggregates.
 * Metrics a resource does not expose, and failures (no permission, throttled, missing resource,
 * network), end up in `unavailable` with a reason: a fetch resolves rather than throws.
 */
export interface EndpointMetricsSource {
  fetch(query: EndpointMetricsQuery): Promise<EndpointMetrics>;
}
