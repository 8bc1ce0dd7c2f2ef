import type { ResultStore } from '../core/ports/result-store.js';
import { FileResultStore } from './file-result-store.js';

/** Where results go, in a form that can cross to a worker thread. */
export type StoreLocation = { kind: 'file'; root: string } | { kind: 'azure'; connectionString: string };

export async function openStore(location: StoreLocation): Promise<ResultStore> {
  if (location.kind === 'file') return new FileResultStore(location.root);
  const { AzureResultStore } = await import('./azure-result-store.js');
  return AzureResultStore.fromConnectionString(location.connectionString);
}
