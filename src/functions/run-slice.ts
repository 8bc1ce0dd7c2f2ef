import { app, type InvocationContext } from '@azure/functions';
import { MalformedSliceMessage } from '../core/slice-message.js';
import { runSlice } from '../core/run-slice.js';
import { appServices } from './app-services.js';

/**
 * Queue trigger on `slices`: one slice per instance at a time (host.json: batchSize 1, newBatchThreshold 0).
 * A malformed message is logged and dropped (not retried); a storage failure throws, so the queue redelivers.
 */
export async function runSliceHandler(queueItem: unknown, context: InvocationContext): Promise<void> {
  const text = typeof queueItem === 'string' ? queueItem : JSON.stringify(queueItem);
  const services = await appServices();
  try {
    await runSlice(text, { store: services.store, tokenProviderFor: services.tokenProviderFor, finalize: services.finalize, readPayloadFile: (name) => services.plans.readFile(name), log: (m) => context.log(m), allowedTargetHosts: services.limits.allowedTargetHosts,
      queue: services.queue, startLeadMs: services.settings.startLeadSeconds * 1000, graceMs: services.settings.sliceGraceSeconds * 1000 });
  } catch (error) {
    if (error instanceof MalformedSliceMessage) {
      context.warn(`dropped a queue message: ${error.message}`);
      return;
    }
    throw error;
  }
}

app.storageQueue('runSlice', { queueName: 'slices', connection: 'AzureWebJobsStorage', handler: runSliceHandler });
