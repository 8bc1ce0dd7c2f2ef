import type { TokenCredential } from '@azure/core-auth';
import { AzureEndpointMetricsStore } from '../adapters/azure-endpoint-metrics-store.js';
import { AzureMonitorMetricsSource } from '../adapters/azure-monitor-metrics-source.js';
import { FileEndpointMetricsStore } from '../adapters/file-endpoint-metrics-store.js';
import { defaultCredential } from '../adapters/managed-identity-token-provider.js';
import type { StoreLocation } from '../adapters/store-location.js';
import { endpointMetricsAmender } from '../core/endpoint-amender.js';
import type { FinalizedRun, FinalizeRunOptions } from '../core/finalize-run.js';
import type { EndpointMetrics, EndpointMetricsSource } from '../core/ports/endpoint-metrics-source.js';
import type { EndpointMetricsStore } from '../core/ports/endpoint-metrics-store.js';
import type { RunStore } from '../core/ports/run-store.js';
import type { RunSummary } from '../core/run-summary.js';
import { endpointSection } from '../report/endpoint-section.js';
import type { ReportSection } from '../report/render-report.js';
import { sizingSection } from '../report/sizing-section.js';

/**
 * Composition of the endpoint-metrics feature for the Function app, `mlload serve`, `mlload run` and
 * `mlload report`: the fan-in hook that fetches and joins the metrics (plus the sizing
 * recommendation), and the report sections that show them.
 */
export interface EndpointMetricsWiring {
  /** FinalizeRunOptions.amendSummary: sets summary.endpoint and summary.sizing; never throws. */
  amendSummary: (run: FinalizedRun) => Promise<void>;
  /** The "Endpoint (server side)" and "Sizing" sections for renderReport's `sections`; never throws. */
  reportSections: (run: FinalizedRun) => Promise<ReportSection[]>;
  store: EndpointMetricsStore;
}

export interface EndpointMetricsWiringOptions {
  store: EndpointMetricsStore;
  /** Identity for Azure Monitor, made only when a plan names an endpoint (default: managed identity in Azure, DefaultAzureCredential elsewhere). */
  credential?: () => TokenCredential;
  /** Replaces the Azure Monitor source (tests). */
  source?: EndpointMetricsSource;
  log?: (line: string) => void;
}

export function endpointMetricsWiring(options: EndpointMetricsWiringOptions): EndpointMetricsWiring {
  let source = options.source;
  const sourceOnDemand = () => (source ??= new AzureMonitorMetricsSource({ credential: (options.credential ?? (() => defaultCredential()))() }));
  return {
    store: options.store,
    amendSummary: endpointMetricsAmender({ source: sourceOnDemand, store: options.store, log: options.log }),
    reportSections: async (run) => {
      let metrics: EndpointMetrics | undefined;
      if (run.summary.endpoint) {
        try {
          metrics = await options.store.getEndpointMetrics(run.summary.runId);
        } catch (error) {
          options.log?.(`endpoint metrics of ${run.summary.runId}: ${(error as Error).message}`);
        }
      }
      return [endpointSection(run, metrics), sizingSection(run.summary.sizing)].filter((s): s is ReportSection => s !== undefined);
    },
  };
}

/** The endpoint-metrics store beside a result store: the same folder, or the same storage account. */
export function endpointMetricsStoreFor(location: StoreLocation): EndpointMetricsStore {
  return location.kind === 'file' ? new FileEndpointMetricsStore(location.root) : AzureEndpointMetricsStore.fromConnectionString(location.connectionString);
}

/** Runs amendSummary hooks one after the other (e.g. the baseline verdict, then the endpoint metrics). */
export function chainAmenders(...hooks: (FinalizeRunOptions['amendSummary'] | undefined)[]): NonNullable<FinalizeRunOptions['amendSummary']> {
  return async (run) => {
    for (const hook of hooks) await hook?.(run);
  };
}

/**
 * `mlload report <runId> --refresh-metrics`: fetches the endpoint metrics of a final run again (Azure
 * Monitor publishes them minutes after the fact), and saves the updated summary. The caller renders
 * the report again.
 */
export async function refreshEndpointMetrics(store: RunStore, run: FinalizedRun, wiring: EndpointMetricsWiring): Promise<void> {
  await wiring.amendSummary(run);
  await store.saveResults(run.summary.runId, run.summary, run.timeseries);
  run.record = { ...run.record, summary: run.summary };
  await store.updateRun(run.record);
}

/** One line on what a refresh found, for the CLI. */
export function endpointRefreshLine(summary: RunSummary): string {
  const e = summary.endpoint;
  if (!e) return 'endpoint metrics: the plan names no endpoint (target.resourceId); nothing to fetch';
  const fetched = `${e.series.length} series${e.unavailable.length > 0 ? `, ${e.unavailable.length} not fetched (see the report)` : ''}`;
  return `endpoint metrics: ${fetched}; ${e.complete ? 'complete for the run\'s last minute' : 'still incomplete: try again in a few minutes'}`;
}
