import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { AzureResultStore } from '../../adapters/azure-result-store.js';
import { BlobPlanSource } from '../../adapters/blob-plan-source.js';
import { FileResultStore } from '../../adapters/file-result-store.js';
import { FolderPlanSource } from '../../adapters/folder-plan-source.js';
import { InProcessSliceQueue } from '../../adapters/in-process-slice-queue.js';
import { StorageQueuePoller } from '../../adapters/storage-queue-poller.js';
import { StorageSliceQueue } from '../../adapters/storage-slice-queue.js';
import { tokenProviderForAuth } from '../../adapters/token-provider-for-auth.js';
import type { ResultStore } from '../../core/ports/result-store.js';
import type { SliceMessageHandler, SliceQueue } from '../../core/ports/slice-queue.js';
import { reapRuns } from '../../core/reap-runs.js';
import { runSlice } from '../../core/run-slice.js';
import { MalformedSliceMessage } from '../../core/slice-message.js';
import { readAppSettings } from '../../functions/app-settings.js';
import { finalizeHooks, limitsFromSettings, setAppServices, type AppServices } from '../../functions/app-services.js';
import { endpointMetricsStoreFor, endpointMetricsWiring } from '../../functions/endpoint-metrics-wiring.js';
import { CliError, EXIT } from '../exit-codes.js';
import { startFunctionsHttpServer, type FunctionsHttpServer } from '../serve/functions-http-server.js';

export interface ServeOptions {
  host: string;
  port: string;
  out: string;
  storage?: string;
  plans?: string;
  quiet?: boolean;
  /** Seconds between reaper passes (hidden option, for tests; default 30). */
  reapInterval?: string;
}

export interface RunningServe {
  server: FunctionsHttpServer;
  services: AppServices;
  close(): Promise<void>;
}

/**
 * The Function app's routes and workers in one local process: the same handlers behind Node's http
 * server, slices run from an in-process queue (file store) or from the Azurite/Azure queue (--storage).
 */
export async function startServe(options: ServeOptions, env: Record<string, string | undefined> = process.env): Promise<RunningServe> {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port must be a port number, not ${JSON.stringify(options.port)}`, EXIT.usage);
  const reapMs = reapIntervalMs(options.reapInterval);
  let settings;
  try {
    settings = readAppSettings(env);
  } catch (error) {
    throw new CliError((error as Error).message, EXIT.usage);
  }
  const log = options.quiet ? () => {} : (line: string) => process.stderr.write(`${line}\n`);
  const store: ResultStore = options.storage ? AzureResultStore.fromConnectionString(options.storage) : new FileResultStore(path.resolve(options.out));
  const services: AppServices = {
    settings,
    limits: limitsFromSettings(settings),
    store,
    queue: undefined as unknown as SliceQueue,
    plans: options.plans
      ? new FolderPlanSource(path.resolve(options.plans))
      : options.storage
        ? new BlobPlanSource(BlobServiceClient.fromConnectionString(options.storage).getContainerClient('plans'))
        : new FolderPlanSource(path.resolve('plans')),
    tokenProviderFor: (auth) => tokenProviderForAuth(auth, env),
    finalize: finalizeHooks(store, endpointMetricsWiring({ store: endpointMetricsStoreFor(options.storage ? { kind: 'azure', connectionString: options.storage } : { kind: 'file', root: path.resolve(options.out) }), log })),
  };
  const handler: SliceMessageHandler = async (text) => {
    try {
      await runSlice(text, { store, tokenProviderFor: services.tokenProviderFor, finalize: services.finalize, readPayloadFile: (name) => services.plans.readFile(name), log, allowedTargetHosts: services.limits.allowedTargetHosts,
        queue: services.queue, startLeadMs: settings.startLeadSeconds * 1000, graceMs: settings.sliceGraceSeconds * 1000 });
    } catch (error) {
      if (!(error instanceof MalformedSliceMessage)) throw error;
      log(`dropped a queue message: ${error.message}`);
    }
  };
  let stopConsumer: () => Promise<void>;
  if (options.storage) {
    services.queue = StorageSliceQueue.fromConnectionString(options.storage);
    // One slice per handler at a time, and enough handlers for every worker of the largest run allowed.
    const poller = new StorageQueuePoller({ connectionString: options.storage, handler, concurrency: settings.maxWorkers, onError: (error) => log(`queue: ${error.message}`) });
    poller.start();
    stopConsumer = () => poller.stop();
  } else {
    const queue = new InProcessSliceQueue(handler);
    services.queue = queue;
    stopConsumer = async () => queue.close();
  }
  setAppServices(services);
  const reaper = setInterval(() => {
    reapRuns(store, Date.now(), services.finalize, (runId, error) => log(`reaper: run ${runId} not finalized: ${error.message}`)).then(
      (reaped) => reaped.forEach((r) => log(`run ${r.record.runId} finalized ${r.summary.status} by the reaper`)),
      (error: Error) => log(`reaper: ${error.message}`),
    );
  }, reapMs);
  const server = await startFunctionsHttpServer({ host: options.host, port, log });
  return {
    server,
    services,
    close: async () => {
      clearInterval(reaper);
      await server.close();
      await stopConsumer();
      setAppServices(undefined);
    },
  };
}

function reapIntervalMs(text: string | undefined): number {
  if (text === undefined) return 30_000;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 0.1 || seconds > 3600) throw new CliError(`--reap-interval must be seconds from 0.1 to 3600, not ${JSON.stringify(text)}`, EXIT.usage);
  return seconds * 1000;
}

/** `mlload serve`: until SIGINT/SIGTERM. */
export async function serveCommand(options: ServeOptions): Promise<number> {
  const running = await startServe(options);
  process.stdout.write(
    `Function app routes on ${running.server.url}/api/runs (POST a plan; GET /api/runs, /api/runs/{runId}, /api/runs/{runId}/report)\n` +
      `results: ${options.storage ? 'Azure Storage (--storage)' : path.resolve(options.out)}; allowed targets: ${running.services.settings.allowedTargetHosts.join(', ')}\n` +
      'Press Ctrl+C to stop.\n',
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await running.close();
  return EXIT.passed;
}
