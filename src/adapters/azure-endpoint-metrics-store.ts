import type { TokenCredential } from '@azure/core-auth';
import type { TableClient, TransactionAction } from '@azure/data-tables';
import type { ContainerClient } from '@azure/storage-blob';
import type { EndpointMetrics } from '../core/ports/endpoint-metrics-source.js';
import type { EndpointMetricsStore } from '../core/ports/endpoint-metrics-store.js';
import { RUNS_CONTAINER } from './azure-result-store.js';
import { endpointMetricEntities, ENDPOINT_METRICS_TABLE } from './endpoint-metrics-table-row.js';
import { ENDPOINT_METRICS_FILE } from './file-endpoint-metrics-store.js';
import { blobServiceClient, connectionSecrets, tableClient, type StorageConnection, type StorageRetryOptions } from './storage-connection.js';
import { codeOf, statusOf, storageError } from './storage-error.js';

/** Entities per table transaction (the service's limit). */
const TRANSACTION_SIZE = 100;

/**
 * Blob `runs/<runId>/endpoint-metrics.json` (authoritative, what reports read) and table
 * `endpointmetrics` (one typed row per point, for Power BI). The container and table are created on
 * first use; errors name the blob or table and never a key.
 */
export class AzureEndpointMetricsStore implements EndpointMetricsStore {
  private readonly container: ContainerClient;
  private readonly table: TableClient;
  private readonly secrets: readonly string[];
  private containerReady: Promise<void> | undefined;
  private tableReady: Promise<void> | undefined;

  static fromConnectionString(connectionString: string, retry?: StorageRetryOptions): AzureEndpointMetricsStore {
    return new AzureEndpointMetricsStore({ kind: 'connectionString', connectionString }, retry);
  }

  static fromAccount(account: { blobServiceUrl: string; tableServiceUrl: string; credential: TokenCredential }, retry?: StorageRetryOptions): AzureEndpointMetricsStore {
    return new AzureEndpointMetricsStore({ kind: 'account', ...account }, retry);
  }

  private constructor(connection: StorageConnection, retry?: StorageRetryOptions) {
    this.secrets = connectionSecrets(connection);
    this.container = blobServiceClient(connection, retry).getContainerClient(RUNS_CONTAINER);
    this.table = tableClient(connection, ENDPOINT_METRICS_TABLE, retry);
  }

  async saveEndpointMetrics(runId: string, metrics: EndpointMetrics): Promise<void> {
    const name = blobName(runId);
    const body = Buffer.from(JSON.stringify(metrics, null, 2) + '\n', 'utf8');
    try {
      await this.ensureContainer();
      await this.container.getBlockBlobClient(name).upload(body, body.length, { blobHTTPHeaders: { blobContentType: 'application/json' } });
    } catch (error) {
      throw storageError('writing', `blob ${RUNS_CONTAINER}/${name}`, error, this.secrets);
    }
    const rows = endpointMetricEntities(runId, metrics);
    if (rows.length === 0) return;
    try {
      await this.ensureTable();
    } catch (error) {
      throw storageError('creating', `table ${ENDPOINT_METRICS_TABLE}`, error, this.secrets);
    }
    for (let i = 0; i < rows.length; i += TRANSACTION_SIZE) {
      const batch: TransactionAction[] = rows.slice(i, i + TRANSACTION_SIZE).map((row) => ['upsert', row, 'Replace']);
      try {
        await this.table.submitTransaction(batch);
      } catch (error) {
        throw storageError('writing endpoint metric rows', `${runId} (${i + 1}–${i + batch.length} of ${rows.length}) in table ${ENDPOINT_METRICS_TABLE}`, error, this.secrets);
      }
    }
  }

  async getEndpointMetrics(runId: string): Promise<EndpointMetrics | undefined> {
    const name = blobName(runId);
    let text: string;
    try {
      const response = await this.container.getBlobClient(name).download();
      const chunks: Buffer[] = [];
      for await (const chunk of response.readableStreamBody ?? []) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
      text = Buffer.concat(chunks).toString('utf8');
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw storageError('reading', `blob ${RUNS_CONTAINER}/${name}`, error, this.secrets);
    }
    try {
      return JSON.parse(text) as EndpointMetrics;
    } catch {
      throw new Error(`blob ${RUNS_CONTAINER}/${name} is not valid JSON`);
    }
  }

  private ensureContainer(): Promise<void> {
    this.containerReady ??= this.container.createIfNotExists().then(
      () => undefined,
      (error: unknown) => {
        // 409: created meanwhile; 403: the identity may not create containers, so use it as it is.
        if (statusOf(error) === 409 || statusOf(error) === 403) return;
        this.containerReady = undefined;
        throw error;
      },
    );
    return this.containerReady;
  }

  private ensureTable(): Promise<void> {
    this.tableReady ??= this.table.createTable().then(
      () => undefined,
      (error: unknown) => {
        if (statusOf(error) === 409 || statusOf(error) === 403 || codeOf(error) === 'TableAlreadyExists') return;
        this.tableReady = undefined;
        throw error;
      },
    );
    return this.tableReady;
  }
}

function blobName(runId: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(runId) || runId.startsWith('.') || runId.length > 200) throw new Error(`not a valid id: ${JSON.stringify(runId.slice(0, 80))}`);
  return `${runId}/${ENDPOINT_METRICS_FILE}`;
}
