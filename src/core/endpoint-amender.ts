import { parseEndpointResourceId } from './endpoint-metric-catalog.js';
import { summarizeEndpointMetrics, type EndpointSummary } from './endpoint-summary.js';
import type { FinalizedRun } from './finalize-run.js';
import type { Plan } from './plan.js';
import type { EndpointMetrics, EndpointMetricsSource } from './ports/endpoint-metrics-source.js';
import type { EndpointMetricsStore } from './ports/endpoint-metrics-store.js';
import type { RunSummary } from './run-summary.js';
import { sizingForRun, wantsSizing } from './sizing.js';

/** Where a plan's endpoint lives in Azure, resolved from target.resourceId / deploymentResourceId / deployment. */
export interface EndpointTarget {
  endpointResourceId?: string;
  deploymentResourceId?: string;
  logAnalyticsWorkspaceId?: string;
  endpointName: string;
  deploymentName?: string;
}

/**
 * The plan's endpoint, or undefined when it names none. A deployment id is derived from the endpoint
 * id and target.deployment; an endpoint id from a deployment id.
 */
export function endpointTargetOf(plan: Plan): EndpointTarget | undefined {
  const t = plan.target;
  let endpointResourceId = t.resourceId?.replace(/\/+$/, '');
  let deploymentResourceId = t.deploymentResourceId?.replace(/\/+$/, '');
  if (!endpointResourceId && !deploymentResourceId) return undefined;
  if (!deploymentResourceId && endpointResourceId && t.deployment) deploymentResourceId = `${endpointResourceId}/deployments/${t.deployment}`;
  if (!endpointResourceId && deploymentResourceId) endpointResourceId = deploymentResourceId.replace(/\/deployments\/[^/]+$/i, '');
  const parts = parseEndpointResourceId(deploymentResourceId ?? endpointResourceId!);
  if (!parts) return undefined;
  return {
    endpointResourceId,
    deploymentResourceId,
    logAnalyticsWorkspaceId: t.logAnalyticsWorkspaceId,
    endpointName: parts.endpoint,
    deploymentName: parts.deployment ?? t.deployment,
  };
}

/** Azure Monitor metrics are published a few minutes after the fact; fetch the load ± this. */
export const METRICS_MARGIN_MS = 60_000;

/** The window fetched for a run: [load start − 1 min, load end + 1 min]. */
export function metricsWindow(summary: Pick<RunSummary, 'startedAt' | 'endedAt'>, marginMs = METRICS_MARGIN_MS): { start: Date; end: Date } {
  return { start: new Date(Date.parse(summary.startedAt) - marginMs), end: new Date(Date.parse(summary.endedAt) + marginMs) };
}

export interface EndpointAmenderOptions {
  /** The metrics source, or a factory called only when a plan names an endpoint (so no credential is made otherwise). */
  source?: EndpointMetricsSource | (() => EndpointMetricsSource);
  /** Where endpoint-metrics.json (and the Power BI rows) go. */
  store?: EndpointMetricsStore;
  marginMs?: number;
  log?: (line: string) => void;
}

/**
 * A FinalizeRunOptions.amendSummary hook, run at fan-in before the summary is saved: fetches the
 * endpoint's metrics for the run's window (when the plan names an endpoint), saves them with the
 * results, and sets `summary.endpoint` and `summary.sizing`. Nothing here can fail the run: what could
 * not be fetched or saved is named in `summary.endpoint.unavailable` / `notes`.
 */
export function endpointMetricsAmender(options: EndpointAmenderOptions = {}): (run: FinalizedRun) => Promise<void> {
  return async (run) => {
    try {
      await amendEndpoint(run, options);
    } catch (error) {
      // Belt and braces: a bug here must not cost the run its results.
      options.log?.(`endpoint metrics: ${messageOf(error)}`);
    }
  };
}

async function amendEndpoint(run: FinalizedRun, options: EndpointAmenderOptions): Promise<void> {
  const { plan, summary } = run;
  const target = endpointTargetOf(plan);
  if (target) {
    const metrics = await fetchMetrics(target, summary, options);
    const endpoint = summarizeEndpointMetrics(metrics, { startedAt: summary.startedAt, endedAt: summary.endedAt, clientP95Ms: summary.latencyMs.p95 });
    if (options.store) {
      try {
        await options.store.saveEndpointMetrics(summary.runId, metrics);
      } catch (error) {
        endpoint.notes.push(`The metrics could not be saved beside the results (endpoint-metrics.json): ${messageOf(error)}`);
      }
    }
    summary.endpoint = endpoint;
  }
  if (wantsSizing(plan)) summary.sizing = sizingForRun(plan, summary, summary.endpoint?.peakInstances);
}

async function fetchMetrics(target: EndpointTarget, summary: RunSummary, options: EndpointAmenderOptions): Promise<EndpointMetrics> {
  const window = metricsWindow(summary, options.marginMs);
  const base: EndpointMetrics = {
    version: 1,
    fetchedAt: new Date().toISOString(),
    window: { start: window.start.toISOString(), end: window.end.toISOString() },
    endpointResourceId: target.endpointResourceId,
    deploymentResourceId: target.deploymentResourceId,
    logAnalyticsWorkspaceId: target.logAnalyticsWorkspaceId,
    series: [],
    unavailable: [],
  };
  if (!options.source) {
    return { ...base, unavailable: [{ metric: '*', reason: 'no metrics source is configured where this run was finalized' }] };
  }
  try {
    const source = typeof options.source === 'function' ? options.source() : options.source;
    return await source.fetch({ ...target, start: window.start, end: window.end });
  } catch (error) {
    return { ...base, unavailable: [{ metric: '*', reason: `fetching failed: ${messageOf(error)}` }] };
  }
}

function messageOf(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0].slice(0, 300);
}

