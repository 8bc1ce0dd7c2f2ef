import type { MetricAggregation, MetricResource } from './ports/endpoint-metrics-source.js';

/**
 * The Azure Monitor platform metrics a run fetches, by resource type. Names, units and time grains are
 * those of Azure Monitor's "Supported metrics" reference for
 * Microsoft.MachineLearningServices/workspaces/onlineEndpoints and …/onlineEndpoints/deployments
 * (see docs/endpoint-metrics.md). One aggregation per metric: for per-instance utilization the
 * Maximum over instances (the hottest instance in each minute), for the rest the aggregation the
 * metric is published with (Average).
 */
export interface CatalogMetric {
  resource: MetricResource;
  metric: string;
  aggregation: MetricAggregation;
  /** Azure's unit, used when the metric definition does not say. */
  unit: string;
  /** Short label for tables and charts. */
  label: string;
  /** What it tells a load tester. */
  meaning: string;
}

export const ENDPOINT_METRIC_CATALOG: readonly CatalogMetric[] = [
  // ── deployment (…/onlineEndpoints/<e>/deployments/<d>) ──
  { resource: 'deployment', metric: 'CpuUtilizationPercentage', aggregation: 'Maximum', unit: 'Percent', label: 'CPU % (hottest instance)', meaning: 'CPU-bound models saturate here first; near 100% while latency climbs means add instances or a bigger SKU.' },
  { resource: 'deployment', metric: 'CpuMemoryUtilizationPercentage', aggregation: 'Maximum', unit: 'Percent', label: 'Memory % (hottest instance)', meaning: 'Memory pressure: rising with load points at per-request buffers or too many workers per instance.' },
  { resource: 'deployment', metric: 'GpuUtilizationPercentage', aggregation: 'Maximum', unit: 'Percent', label: 'GPU % (hottest instance)', meaning: 'GPU SKUs only: low GPU use at high latency means the bottleneck is elsewhere (CPU pre-processing, batching, concurrency).' },
  { resource: 'deployment', metric: 'GpuMemoryUtilizationPercentage', aggregation: 'Maximum', unit: 'Percent', label: 'GPU memory % (hottest instance)', meaning: 'GPU SKUs only: headroom for larger batches or more concurrent requests.' },
  { resource: 'deployment', metric: 'DiskUtilization', aggregation: 'Maximum', unit: 'Percent', label: 'Disk % (hottest instance)', meaning: 'Disk filling up (logs, temp files) during the run.' },
  { resource: 'deployment', metric: 'DeploymentCapacity', aggregation: 'Maximum', unit: 'Count', label: 'Instances', meaning: 'Instances in the deployment: shows autoscale acting (or not) during the run.' },
  { resource: 'deployment', metric: 'RequestLatency_P95', aggregation: 'Average', unit: 'Milliseconds', label: 'Server p95 ms (deployment)', meaning: 'Latency the deployment itself measured, per minute: compare with the client p95 to see time spent outside it.' },
  { resource: 'deployment', metric: 'RequestLatency_P99', aggregation: 'Average', unit: 'Milliseconds', label: 'Server p99 ms (deployment)', meaning: 'Tail latency the deployment measured, per minute.' },
  { resource: 'deployment', metric: 'RequestsPerMinute', aggregation: 'Average', unit: 'Count', label: 'Requests/min (deployment)', meaning: 'Requests the deployment received each minute: should match the rate the run sent to it.' },
  { resource: 'deployment', metric: 'DataCollectionErrorsPerMinute', aggregation: 'Maximum', unit: 'Count', label: 'Data collection errors/min', meaning: 'Model data collector dropping events under load (only when data collection is on).' },
  // ── endpoint (…/workspaces/<ws>/onlineEndpoints/<e>) ──
  { resource: 'endpoint', metric: 'RequestLatency', aggregation: 'Average', unit: 'Milliseconds', label: 'Server mean ms', meaning: 'Average time the endpoint took to answer, per minute.' },
  { resource: 'endpoint', metric: 'RequestLatency_P50', aggregation: 'Average', unit: 'Milliseconds', label: 'Server p50 ms', meaning: 'Median latency measured at the endpoint, per minute.' },
  { resource: 'endpoint', metric: 'RequestLatency_P90', aggregation: 'Average', unit: 'Milliseconds', label: 'Server p90 ms', meaning: 'p90 latency measured at the endpoint, per minute.' },
  { resource: 'endpoint', metric: 'RequestLatency_P95', aggregation: 'Average', unit: 'Milliseconds', label: 'Server p95 ms', meaning: 'p95 latency measured at the endpoint, per minute: the client p95 minus this is network, TLS and client-side queueing.' },
  { resource: 'endpoint', metric: 'RequestLatency_P99', aggregation: 'Average', unit: 'Milliseconds', label: 'Server p99 ms', meaning: 'p99 latency measured at the endpoint, per minute.' },
  { resource: 'endpoint', metric: 'RequestsPerMinute', aggregation: 'Average', unit: 'Count', label: 'Requests/min', meaning: 'Requests the endpoint received each minute (all deployments): confirms the load arrived, and shows other traffic.' },
  { resource: 'endpoint', metric: 'ConnectionsActive', aggregation: 'Average', unit: 'Count', label: 'Active connections', meaning: 'Concurrent client TCP connections; the endpoint limit is 500 per endpoint by default.' },
  { resource: 'endpoint', metric: 'NewConnectionsPerSecond', aggregation: 'Average', unit: 'CountPerSecond', label: 'New connections/s', meaning: 'Connection churn: high values mean clients are not reusing connections (limit 500/s by default).' },
  { resource: 'endpoint', metric: 'NetworkBytes', aggregation: 'Average', unit: 'BytesPerSecond', label: 'Network bytes/s', meaning: 'Bandwidth served; over the endpoint limit (5 MBps by default) requests are delayed, not rejected.' },
  { resource: 'endpoint', metric: 'DataCollectionErrorsPerMinute', aggregation: 'Maximum', unit: 'Count', label: 'Data collection errors/min', meaning: 'Model data collector dropping events under load (only when data collection is on).' },
];

export function catalogFor(resource: MetricResource): CatalogMetric[] {
  return ENDPOINT_METRIC_CATALOG.filter((m) => m.resource === resource);
}

export function catalogEntry(resource: MetricResource, metric: string): CatalogMetric | undefined {
  return ENDPOINT_METRIC_CATALOG.find((m) => m.resource === resource && m.metric === metric);
}

/** `deployment/CpuUtilizationPercentage`: how a series is named in tables and the summary. */
export function seriesKey(resource: string, metric: string): string {
  return `${resource}/${metric}`;
}

/** Parts of an online endpoint / deployment ARM id. */
export interface EndpointResourceParts {
  subscriptionId: string;
  resourceGroup: string;
  workspace: string;
  endpoint: string;
  deployment?: string;
}

const ENDPOINT_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)\/onlineEndpoints\/([^/]+)(?:\/deployments\/([^/]+))?$/i;

/** Parses an endpoint or deployment id (case-insensitive, as ARM ids are); undefined when it is neither. */
export function parseEndpointResourceId(id: string): EndpointResourceParts | undefined {
  const m = ENDPOINT_ID.exec(id.trim().replace(/\/+$/, ''));
  if (!m) return undefined;
  return { subscriptionId: m[1], resourceGroup: m[2], workspace: m[3], endpoint: m[4], deployment: m[5] };
}
