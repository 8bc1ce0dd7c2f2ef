import type { EndpointMetrics } from './endpoint-metrics-source.js';

/**
 * Keeps a run's endpoint metrics beside its results: `<runId>/endpoint-metrics.json` (file store and
 * blob container `runs`), and in Azure also one row per point in table `endpointmetrics` for Power BI.
 * A separate port so that RunStore stays as it is. Saving again replaces what was saved.
 */
export interface EndpointMetricsStore {
  saveEndpointMetrics(runId: string, metrics: EndpointMetrics): Promise<void>;
  getEndpointMetrics(runId: string): Promise<EndpointMetrics | undefined>;
}
