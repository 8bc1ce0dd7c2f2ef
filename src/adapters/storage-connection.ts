import type { TokenCredential } from '@azure/core-auth';
import { TableClient } from '@azure/data-tables';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { scrubSecrets } from './storage-error.js';

/** Retries of each storage request by the SDK (its defaults when unset). */
export interface StorageRetryOptions {
  /** Attempts per request, first one included. */
  maxTries?: number;
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Blob and queue only: time limit of one attempt. */
  tryTimeoutMs?: number;
}

/** Where the storage account is and how to reach it: a connection string (keys, Azurite) or identity. */
export type StorageConnection =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'account'; blobServiceUrl?: string; queueServiceUrl?: string; tableServiceUrl?: string; credential: TokenCredential };

const DEVELOPMENT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** The secret values of a connection string (account key, SAS and its signature), to scrub from messages. */
export function connectionSecrets(connection: StorageConnection): string[] {
  if (connection.kind !== 'connectionString') return [];
  const secrets: string[] = [];
  for (const part of connection.connectionString.split(';')) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    const key = part.slice(0, at).trim().toLowerCase();
    const value = part.slice(at + 1).trim();
    if (key === 'accountkey' || key === 'sharedaccesssignature' || key === 'sharedaccesskey') {
      secrets.push(value);
      const sig = /(?:^|[?&])sig=([^&]+)/i.exec(value)?.[1];
      if (sig) secrets.push(sig, decodeURIComponent(sig));
    }
    if (key === 'usedevelopmentstorage' && value.toLowerCase() === 'true') secrets.push(DEVELOPMENT_KEY);
  }
  return secrets.filter((s) => s.length > 0);
}

function blobRetry(retry: StorageRetryOptions | undefined) {
  if (!retry) return undefined;
  return { maxTries: retry.maxTries, retryDelayInMs: retry.retryDelayMs, maxRetryDelayInMs: retry.maxRetryDelayMs, tryTimeoutInMs: retry.tryTimeoutMs };
}

function tableRetry(retry: StorageRetryOptions | undefined) {
  if (!retry) return undefined;
  return { maxRetries: retry.maxTries !== undefined ? Math.max(0, retry.maxTries - 1) : undefined, retryDelayInMs: retry.retryDelayMs, maxRetryDelayInMs: retry.maxRetryDelayMs };
}

/** Runs an SDK constructor; its parse errors are re-worded without echoing the connection string. */
function build<T>(what: string, connection: StorageConnection, make: () => T): T {
  try {
    return make();
  } catch (error) {
    throw new Error(`cannot use the storage ${what}: ${scrubSecrets((error as Error).message ?? String(error), connectionSecrets(connection))}`);
  }
}

export function blobServiceClient(connection: StorageConnection, retry?: StorageRetryOptions): BlobServiceClient {
  const options = { retryOptions: blobRetry(retry) };
  if (connection.kind === 'connectionString') {
    return build('connection string (blob)', connection, () => BlobServiceClient.fromConnectionString(connection.connectionString, options));
  }
  if (!connection.blobServiceUrl) throw new Error('a blob service URL is needed (e.g. https://<account>.blob.core.windows.net)');
  return build('blob service URL', connection, () => new BlobServiceClient(connection.blobServiceUrl!, connection.credential, options));
}

export function queueServiceClient(connection: StorageConnection, retry?: StorageRetryOptions): QueueServiceClient {
  const options = { retryOptions: blobRetry(retry) };
  if (connection.kind === 'connectionString') {
    return build('connection string (queue)', connection, () => QueueServiceClient.fromConnectionString(connection.connectionString, options));
  }
  if (!connection.queueServiceUrl) throw new Error('a queue service URL is needed (e.g. https://<account>.queue.core.windows.net)');
  return build('queue service URL', connection, () => new QueueServiceClient(connection.queueServiceUrl!, connection.credential, options));
}

export function tableClient(connection: StorageConnection, tableName: string, retry?: StorageRetryOptions): TableClient {
  const retryOptions = tableRetry(retry);
  if (connection.kind === 'connectionString') {
    return build('connection string (table)', connection, () =>
      TableClient.fromConnectionString(connection.connectionString, tableName, { retryOptions, allowInsecureConnection: /(^|;)\s*(TableEndpoint=http:|DefaultEndpointsProtocol=http;)/i.test(connection.connectionString) }),
    );
  }
  const url = connection.tableServiceUrl;
  if (!url) throw new Error('a table service URL is needed (e.g. https://<account>.table.core.windows.net)');
  return build('table service URL', connection, () => new TableClient(url, tableName, connection.credential, { retryOptions, allowInsecureConnection: url.startsWith('http:') }));
}
