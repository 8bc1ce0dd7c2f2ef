import type { FunctionsPricing } from '../core/run-summary.js';
import { BlobServiceClient } from '@azure/storage-blob';
import { BlobPlanSource } from '../adapters/blob-plan-source.js';
import { AzureResultStore } from '../adapters/azure-result-store.js';
import { defaultCredential } from '../adapters/managed-identity-token-provider.js';
import { StorageSliceQueue } from '../adapters/storage-slice-queue.js';
import { tokenProviderForAuth } from '../adapters/token-provider-for-auth.js';
import type { FinalizedRun, FinalizeRunOptions } from '../core/finalize-run.js';
import { renderReport } from '../report/render-report.js';
import { baselineAmender } from '../core/baseline.js';
import type { AuthSpec } from '../core/plan.js';
import type { PlanSource } from '../core/ports/plan-source.js';
import type { ResultStore } from '../core/ports/result-store.js';
import type { SliceQueue } from '../core/ports/slice-queue.js';
import type { TokenProvider } from '../core/ports/token-provider.js';
import type { RunLimits } from '../core/start-run.js';
import { readAppSettings, type AppSettings } from './app-settings.js';
import { AzureEndpointMetricsStore } from '../adapters/azure-endpoint-metrics-store.js';
import { chainAmenders, endpointMetricsWiring, type EndpointMetricsWiring } from './endpoint-metrics-wiring.js';

/** What the triggers work with; built once per instance from the app settings, replaceable in tests and `mlload serve`. */
export interface AppServices {
  settings: AppSettings;
  limits: RunLimits;
  store: ResultStore;
  queue: SliceQueue;
  plans: PlanSource;
  tokenProviderFor: (auth: AuthSpec) => TokenProvider;
  finalize: Omit<FinalizeRunOptions, 'allowMissing'>;
}

let current: Promise<AppServices> | undefined;

export function appServices(): Promise<AppServices> {
  current ??= buildFromSettings(readAppSettings());
  return current;
}

export function setAppServices(services: AppServices | undefined): void {
  current = services ? Promise.resolve(services) : undefined;
}

/**
 * The fan-in hooks: the HTML report, and the baseline verdict (plan field `baseline`) judged from the run's own store;
 * with `endpoint`, also the endpoint's Azure Monitor metrics and the sizing recommendation (docs/endpoint-metrics.md).
 */
export function finalizeHooks(store: ResultStore, endpoint?: EndpointMetricsWiring): AppServices['finalize'] {
  if (!endpoint) return { renderReport: (run: FinalizedRun) => renderReport(run), amendSummary: baselineAmender(store) };
  return {
    renderReport: async (run: FinalizedRun) => renderReport(run, { sections: await endpoint.reportSections(run) }),
    amendSummary: chainAmenders(baselineAmender(store), endpoint.amendSummary),
  };
}

/** What the Function app's own workers cost (reported per run as GB-s × price). */
export function functionsPricing(settings: AppSettings): FunctionsPricing {
  return { instanceMemoryMb: settings.instanceMemoryMb, pricePerGbSecond: settings.gbSecondPrice };
}

export function limitsFromSettings(settings: AppSettings): RunLimits {
  return {
    maxRps: settings.maxRps,
    maxDurationSeconds: settings.maxDurationSeconds,
    maxWorkers: settings.maxWorkers,
    maxSliceSeconds: settings.maxSliceSeconds,
    startLeadSeconds: settings.startLeadSeconds,
    sliceGraceSeconds: settings.sliceGraceSeconds,
    workerMaxRps: settings.workerMaxRps,
    workerMaxConnections: settings.workerMaxConnections,
    maxBodyBytes: settings.maxBodyBytes,
    maxResponseBytes: settings.maxResponseBytes,
    allowedTargetHosts: settings.allowedTargetHosts,
  };
}

async function buildFromSettings(settings: AppSettings): Promise<AppServices> {
  const base = {
    settings,
    limits: limitsFromSettings(settings),
    tokenProviderFor: (auth: AuthSpec) => tokenProviderForAuth(auth, { ...process.env, AZURE_CLIENT_ID: settings.clientId }),
  };
  if (settings.storageConnectionString) {
    const connectionString = settings.storageConnectionString;
    const store = AzureResultStore.fromConnectionString(connectionString);
    return {
      ...base,
      store,
      finalize: { ...finalizeHooks(store, endpointMetricsWiring({ store: AzureEndpointMetricsStore.fromConnectionString(connectionString), credential: () => defaultCredential(settings.clientId) })), functionsPricing: functionsPricing(settings) },
      queue: StorageSliceQueue.fromConnectionString(connectionString),
      plans: new BlobPlanSource(BlobServiceClient.fromConnectionString(connectionString).getContainerClient('plans')),
    };
  }
  if (!settings.storageAccountName) throw new Error('no storage configured: set AzureWebJobsStorage (connection string) or AzureWebJobsStorage__accountName (identity)');
  const credential = defaultCredential(settings.clientId);
  const account = settings.storageAccountName;
  const blobServiceUrl = `https://${account}.blob.core.windows.net`;
  const queueServiceUrl = `https://${account}.queue.core.windows.net`;
  const tableServiceUrl = `https://${account}.table.core.windows.net`;
  const store = AzureResultStore.fromAccount({ blobServiceUrl, queueServiceUrl, tableServiceUrl, credential });
  return {
    ...base,
    store,
    finalize: { ...finalizeHooks(store, endpointMetricsWiring({ store: AzureEndpointMetricsStore.fromAccount({ blobServiceUrl, tableServiceUrl, credential }), credential: () => credential })), functionsPricing: functionsPricing(settings) },
    queue: StorageSliceQueue.fromAccount({ queueServiceUrl, credential }),
    plans: new BlobPlanSource(new BlobServiceClient(blobServiceUrl, credential).getContainerClient('plans')),
  };
}
