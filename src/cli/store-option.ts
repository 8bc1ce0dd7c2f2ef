import path from 'node:path';
import type { StoreLocation } from '../adapters/store-location.js';
import { isRunId } from '../core/run-id.js';
import type { RunStore } from '../core/ports/run-store.js';
import type { RunSummary } from '../core/run-summary.js';
import { CliError, EXIT } from './exit-codes.js';

export interface StoreOptions {
  /** Results folder of the file store (default `results`). */
  results?: string;
  /** Azure Storage connection string. */
  storage?: string;
}

/** `--results DIR | --storage CONN` (one or the other) as a store location. */
export function storeLocationFrom(options: StoreOptions): StoreLocation {
  if (options.results !== undefined && options.storage !== undefined) throw new CliError('give either --results or --storage, not both', EXIT.usage);
  if (options.storage !== undefined) return { kind: 'azure', connectionString: options.storage };
  return { kind: 'file', root: path.resolve(options.results ?? 'results') };
}

/** Where runs were looked for, in words (never the connection string). */
export function describeLocation(location: StoreLocation): string {
  return location.kind === 'file' ? path.relative(process.cwd(), location.root) || '.' : 'the storage account';
}

/** A finished run's summary, or a usage error (exit 2) saying whether the run is unknown, unfinished or the id malformed. */
export async function summaryOrExit(store: RunStore, runId: string, location: StoreLocation): Promise<RunSummary> {
  if (!isRunId(runId)) throw new CliError(`${JSON.stringify(runId)} is not a run id (they look like 20261128T040512Z-abcdefghijklmnopqrst)`, EXIT.usage);
  const summary = await store.getSummary(runId);
  if (summary) return summary;
  const record = await store.getRun(runId);
  if (record) throw new CliError(`run ${runId} is not finished (status ${record.status}): it has no summary yet`, EXIT.usage);
  throw new CliError(`run ${runId} was not found in ${describeLocation(location)}`, EXIT.usage);
}
