import type { Edm } from '@azure/data-tables';
import type { EndpointMetrics, TrafficLogStats } from '../core/ports/endpoint-metrics-source.js';
import { double } from './table-values.js';

/**
 * The `endpointmetrics` table, for Power BI: one row per metric point. PartitionKey runId; RowKey
 * `<metric>|<timestamp ISO>|<resource>` (the resource last, because the endpoint and the deployment
 * both publish e.g. RequestLatency_P95). Columns: metric, windowStart (the point's time, ISO — not
 * `timestamp`, which the Table service and its SDK reserve for the row's own Timestamp), value (Edm.Double), unit,
 * aggregation, resource (`endpoint`, `deployment`, or `trafficLog` for the per-minute traffic-log
 * aggregates, whose metric names are listed in TRAFFIC_LOG_ROW_METRICS).
 */
export const ENDPOINT_METRICS_TABLE = 'endpointmetrics';

export type EndpointMetricEntity = {
  partitionKey: string;
  rowKey: string;
  metric: string;
  windowStart: string;
  value: Edm<'Double'>;
  unit: string;
  aggregation: string;
  resource: string;
};

/** Per-minute traffic-log figures written as rows: metric name, unit, aggregation, and how to read it. */
export const TRAFFIC_LOG_ROW_METRICS: readonly { metric: string; unit: string; aggregation: string; read: (s: TrafficLogStats) => number }[] = [
  { metric: 'Requests', unit: 'Count', aggregation: 'Count', read: (s) => s.requests },
  { metric: 'Ok', unit: 'Count', aggregation: 'Count', read: (s) => s.ok },
  { metric: 'Throttled', unit: 'Count', aggregation: 'Count', read: (s) => s.throttled },
  { metric: 'Errors', unit: 'Count', aggregation: 'Count', read: (s) => s.errors },
  { metric: 'TotalDurationMs_P50', unit: 'Milliseconds', aggregation: 'P50', read: (s) => s.totalMs.p50 },
  { metric: 'TotalDurationMs_P95', unit: 'Milliseconds', aggregation: 'P95', read: (s) => s.totalMs.p95 },
  { metric: 'TotalDurationMs_P99', unit: 'Milliseconds', aggregation: 'P99', read: (s) => s.totalMs.p99 },
  { metric: 'RequestDurationMs_P95', unit: 'Milliseconds', aggregation: 'P95', read: (s) => s.requestMs.p95 },
  { metric: 'ResponseDurationMs_P95', unit: 'Milliseconds', aggregation: 'P95', read: (s) => s.responseMs.p95 },
  { metric: 'ModelDurationMs_P50', unit: 'Milliseconds', aggregation: 'P50', read: (s) => s.modelMs.p50 },
  { metric: 'ModelDurationMs_P95', unit: 'Milliseconds', aggregation: 'P95', read: (s) => s.modelMs.p95 },
  { metric: 'ModelDurationMs_P99', unit: 'Milliseconds', aggregation: 'P99', read: (s) => s.modelMs.p99 },
  { metric: 'RequestThrottlingDelayMs_P95', unit: 'Milliseconds', aggregation: 'P95', read: (s) => s.requestThrottlingDelayMs.p95 },
  { metric: 'ResponseThrottlingDelayMs_P95', unit: 'Milliseconds', aggregation: 'P95', read: (s) => s.responseThrottlingDelayMs.p95 },
];

export function endpointMetricEntities(runId: string, metrics: EndpointMetrics): EndpointMetricEntity[] {
  const rows: EndpointMetricEntity[] = [];
  const add = (resource: string, metric: string, timestamp: string, value: number, unit: string, aggregation: string) =>
    rows.push({ partitionKey: runId, rowKey: `${metric}|${timestamp}|${resource}`, metric, windowStart: timestamp, value: double(value), unit, aggregation, resource });
  for (const s of metrics.series) for (const p of s.points) add(s.resource, s.metric, p.timestamp, p.value, s.unit, s.aggregation);
  for (const minute of metrics.trafficLog?.perMinute ?? []) {
    for (const m of TRAFFIC_LOG_ROW_METRICS) add('trafficLog', m.metric, minute.timestamp, m.read(minute), m.unit, m.aggregation);
  }
  return rows;
}
