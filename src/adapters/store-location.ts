import type { ResultStore } from '../core/ports/result-store.js';
import { FileResultStore } from './file-result-store.js';

/** Where results go, in a form that can cross to a worker thread. */
export type StoreLocation = { kind: 'file'; root: string } | { kind: 'azure'; connectionString: string };

export async function openStore(location: StoreLocation): Promise<ResultStore> {
  if (location.kind === 'file') return new FileResultStore(location.root);
  throw new Error('the Azure store is not available yet');
}
