import { stageName } from '../core/run-id.js';
import type { TokenCredential } from '@azure/core-auth';
import { odata, type TableClient, type TableEntityResult, type TransactionAction } from '@azure/data-tables';
import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import type { SliceOutcome } from '../core/execute-slice.js';
import type { PlanInput } from '../core/plan.js';
import type { RawSampleWriter } from '../core/ports/raw-sample-writer.js';
import type { ResultStore } from '../core/ports/result-store.js';
import type { ListRunsOptions, RunPage } from '../core/ports/run-store.js';
import type { RunRecord } from '../core/run-record.js';
import type { RunSummary } from '../core/run-summary.js';
import { sliceOutcomeFromJson, sliceOutcomeToJson } from '../core/slice-outcome-json.js';
import { timeseriesCsv, type TimeseriesRow } from '../core/timeseries.js';
import { AzureRawSampleWriter, type AzureRawSampleWriterOptions } from './azure-raw-sample-writer.js';
import { parseTimeseriesCsv } from './file-result-store.js';
import { fitsInRow, recordFromRow, recordJsonOf, RUN_PARTITION, runEntity, runIdEpochMs, runRowKey, type StoredRunRow } from './run-table-row.js';
import { sliceEntity } from './slice-table-row.js';
import { blobServiceClient, connectionSecrets, tableClient, type StorageConnection, type StorageRetryOptions } from './storage-connection.js';
import { codeOf, statusOf, storageError } from './storage-error.js';
import { timeseriesEntity } from './timeseries-table-row.js';

export interface AzureResultStoreOptions {
  /** SDK retries of each storage request (SDK defaults when unset). */
  retry?: StorageRetryOptions;
  /** Options of the raw sample writers this store opens. */
  rawWriter?: AzureRawSampleWriterOptions;
  /** Blob reads run in parallel by listSlices and listRuns (default 8). */
  readConcurrency?: number;
}

export interface AzureAccountOptions {
  /** e.g. https://<account>.blob.core.windows.net */
  blobServiceUrl: string;
  /** Not used by the result store; accepted so one settings object serves the store and the queue. */
  queueServiceUrl?: string;
  /** e.g. https://<account>.table.core.windows.net */
  tableServiceUrl: string;
  /** Entra identity (managed identity in Azure); needs Storage Blob Data Contributor and Storage Table Data Contributor. */
  credential: TokenCredential;
}

/** Blob container and table names (lowercase: Power BI's Table connector wants them so). */
export const RUNS_CONTAINER = 'runs';
export const RUNS_TABLE = 'runs';
export const SLICES_TABLE = 'slices';
export const TIMESERIES_TABLE = 'timeseries';

/** Entities of one `submitTransaction` (the service's limit). */
const TRANSACTION_SIZE = 100;
/** Most entities one table query returns. */
const MAX_PAGE = 1000;
const SAFE_ID = /^[A-Za-z0-9._-]+$/;
const CONTAINER_KEY = `container:${RUNS_CONTAINER}`;
const RUN_ROW_SELECT = ['runId', 'recordJson', 'recordInBlob', 'hasSummary'];

/**
 * The Azure store: Blob container `runs` with `<runId>/plan.json`, `summary.json`, `timeseries.csv`,
 * `report.html`, `slices/<sliceId>.json`, `raw/<sliceId>.csv` and `finalize.lock` (the same layout as the
 * file store), plus the tables `runs` (one flat typed row per run), `slices` and `timeseries` for
 * queries and Power BI. Blobs are authoritative where both hold a thing (slices, time series).
 * Containers and tables are created on first use, once per store. Errors name the operation and the
 * blob or table, never the connection string or a key.
 */
export class AzureResultStore implements ResultStore {
  private readonly blobService: BlobServiceClient;
  private readonly container: ContainerClient;
  private readonly runsTable: TableClient;
  private readonly slicesTable: TableClient;
  private readonly timeseriesTable: TableClient;
  private readonly secrets: readonly string[];
  private readonly ready = new Map<string, Promise<void>>();
  private readonly readConcurrency: number;

  static fromConnectionString(connectionString: string, options: AzureResultStoreOptions = {}): AzureResultStore {
    return new AzureResultStore({ kind: 'connectionString', connectionString }, options);
  }

  static fromAccount(account: AzureAccountOptions, options: AzureResultStoreOptions = {}): AzureResultStore {
    return new AzureResultStore({ kind: 'account', ...account }, options);
  }

  private constructor(
    connection: StorageConnection,
    private readonly options: AzureResultStoreOptions,
  ) {
    this.secrets = connectionSecrets(connection);
    this.blobService = blobServiceClient(connection, options.retry);
    this.container = this.blobService.getContainerClient(RUNS_CONTAINER);
    this.runsTable = tableClient(connection, RUNS_TABLE, options.retry);
    this.slicesTable = tableClient(connection, SLICES_TABLE, options.retry);
    this.timeseriesTable = tableClient(connection, TIMESERIES_TABLE, options.retry);
    this.readConcurrency = Math.max(1, options.readConcurrency ?? 8);
  }

  // ── runs ────────────────────────────────────────────────────────────────────────────────────────

  async createRun(record: RunRecord, redactedPlan: PlanInput): Promise<void> {
    const runId = runIdOf(record.runId);
    // plan.json is written only if absent: the duplicate guard.
    const created = await this.putText(`${runId}/plan.json`, JSON.stringify(redactedPlan, null, 2) + '\n', 'application/json', true);
    if (!created) throw new Error(`run ${runId} already exists`);
    await this.writeRunRow(record, 'create');
  }

  async updateRun(record: RunRecord): Promise<void> {
    const runId = runIdOf(record.runId);
    // The row says "has a summary" only once summary.json holds exactly this summary.
    if (record.summary) await this.putJson(`${runId}/summary.json`, record.summary);
    await this.writeRunRow(record, 'replace');
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const row = await this.readRunRow(runIdOf(runId));
    return row && this.recordOfRow(row);
  }

  async listRuns(options: ListRunsOptions = {}): Promise<RunPage> {
    const limit = Math.max(1, Math.floor(options.limit ?? 50));
    const filter = options.name === undefined ? odata`PartitionKey eq ${RUN_PARTITION}` : odata`PartitionKey eq ${RUN_PARTITION} and name eq ${options.name}`;
    const rows: StoredRunRow[] = [];
    let token = options.continuationToken;
    try {
      do {
        // A filtered page may come back short (or empty) with a token: keep reading until the page is full.
        const page = await this.onTable(this.runsTable, RUNS_TABLE, async () => {
          const pages = this.runsTable
            .listEntities<StoredRunRow>({ queryOptions: { filter, select: RUN_ROW_SELECT } })
            .byPage({ maxPageSize: Math.min(MAX_PAGE, limit - rows.length), continuationToken: token });
          return (await pages.next()).value as (TableEntityResult<StoredRunRow>[] & { continuationToken?: string }) | undefined;
        });
        rows.push(...(page ?? []));
        token = page?.continuationToken;
      } while (token !== undefined && rows.length < limit);
    } catch (error) {
      if (error instanceof SyntaxError || /continuation/i.test((error as Error).message ?? '')) throw new Error('listing runs failed: not a valid continuation token');
      throw storageError('listing runs in', `table ${RUNS_TABLE}`, error, this.secrets);
    }
    const runs = await mapLimit(rows, this.readConcurrency, (row) => this.recordOfRow(row));
    return token === undefined ? { runs } : { runs, continuationToken: token };
  }

  getPlan(runId: string): Promise<PlanInput | undefined> {
    return this.getJson<PlanInput>(`${runIdOf(runId)}/plan.json`);
  }

  async claim(runId: string, stage: string, claimant: string): Promise<boolean> {
    return this.putText(`${runIdOf(runId)}/${stageName(stage)}.lock`, claimant, 'text/plain; charset=utf-8', true);
  }

  async saveResults(runId: string, summary: RunSummary, timeseries: readonly TimeseriesRow[]): Promise<void> {
    runIdOf(runId);
    await this.putText(`${runId}/timeseries.csv`, timeseriesCsv(timeseries), 'text/csv; charset=utf-8');
    await this.writeTimeseriesRows(runId, timeseries);
    // Last: a summary.json means the results are complete.
    await this.putJson(`${runId}/summary.json`, summary);
  }

  getSummary(runId: string): Promise<RunSummary | undefined> {
    return this.getJson<RunSummary>(`${runIdOf(runId)}/summary.json`);
  }

  async getTimeseries(runId: string): Promise<TimeseriesRow[] | undefined> {
    const csv = await this.getText(`${runIdOf(runId)}/timeseries.csv`);
    return csv === undefined ? undefined : parseTimeseriesCsv(csv);
  }

  async saveReport(runId: string, html: string): Promise<void> {
    await this.putText(`${runIdOf(runId)}/report.html`, html, 'text/html; charset=utf-8');
  }

  getReport(runId: string): Promise<string | undefined> {
    return this.getText(`${runIdOf(runId)}/report.html`);
  }

  // ── slices ──────────────────────────────────────────────────────────────────────────────────────

  async saveSlice(outcome: SliceOutcome): Promise<void> {
    const runId = runIdOf(outcome.runId);
    const sliceId = idOf(outcome.sliceId);
    const json = sliceOutcomeToJson(outcome);
    // The blob first (authoritative), then the row; both are replaced by a second save.
    await this.putText(`${runId}/slices/${sliceId}.json`, JSON.stringify(json), 'application/json');
    try {
      await this.onTable(this.slicesTable, SLICES_TABLE, () => this.slicesTable.upsertEntity(sliceEntity(json), 'Replace'));
    } catch (error) {
      throw storageError('writing slice row', `${runId}/${sliceId} in table ${SLICES_TABLE}`, error, this.secrets);
    }
  }

  async listSlices(runId: string): Promise<SliceOutcome[]> {
    const names = (await this.listBlobNames(`${runIdOf(runId)}/slices/`)).filter((n) => n.endsWith('.json')).sort();
    const outcomes = await mapLimit(names, this.readConcurrency, async (name) => {
      const json = await this.getJson<unknown>(name);
      return json === undefined ? undefined : sliceOutcomeFromJson(json);
    });
    return outcomes.filter((o): o is SliceOutcome => o !== undefined);
  }

  // ── raw samples ─────────────────────────────────────────────────────────────────────────────────

  openRawWriter(runId: string, sliceId: string): RawSampleWriter {
    const name = `${runIdOf(runId)}/raw/${idOf(sliceId)}.csv`;
    return new AzureRawSampleWriter(
      { blob: this.container.getBlockBlobClient(name), description: `blob ${RUNS_CONTAINER}/${name}`, prepare: () => this.ensureContainer(), onContainerMissing: () => this.forget(CONTAINER_KEY), secrets: this.secrets },
      this.options.rawWriter,
    );
  }

  async listRawSlices(runId: string): Promise<string[]> {
    const prefix = `${runIdOf(runId)}/raw/`;
    const names = await this.listBlobNames(prefix);
    return names.filter((n) => n.endsWith('.csv')).map((n) => n.slice(prefix.length, -4)).sort();
  }

  readRawSamples(runId: string, sliceId: string): Promise<string | undefined> {
    return this.getText(`${runIdOf(runId)}/raw/${idOf(sliceId)}.csv`);
  }

  // ── rows ────────────────────────────────────────────────────────────────────────────────────────

  private async writeRunRow(record: RunRecord, mode: 'create' | 'replace'): Promise<void> {
    const runId = record.runId;
    const recordJson = recordJsonOf(record);
    const inBlob = !fitsInRow(recordJson);
    // A record too large for a Table string (very many slice ids) is kept in run.json instead.
    if (inBlob) await this.putText(`${runId}/run.json`, recordJson, 'application/json');
    const entity = runEntity(record, recordJson, inBlob);
    try {
      await this.onTable(this.runsTable, RUNS_TABLE, () => (mode === 'create' ? this.runsTable.createEntity(entity) : this.runsTable.upsertEntity(entity, 'Replace')));
    } catch (error) {
      if (mode === 'create' && statusOf(error) === 409) throw new Error(`run ${runId} already exists`);
      throw storageError(mode === 'create' ? 'creating run row' : 'writing run row', `${runId} in table ${RUNS_TABLE}`, error, this.secrets);
    }
  }

  private async readRunRow(runId: string): Promise<StoredRunRow | undefined> {
    try {
      return await this.onTable(this.runsTable, RUNS_TABLE, () => this.runsTable.getEntity<StoredRunRow>(RUN_PARTITION, runRowKey(runId), { queryOptions: { select: RUN_ROW_SELECT } }));
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw storageError('reading run row', `${runId} in table ${RUNS_TABLE}`, error, this.secrets);
    }
  }

  /** The full record of a row: from recordJson (or run.json), with summary.json attached when it has one. */
  private async recordOfRow(row: StoredRunRow): Promise<RunRecord> {
    const runId = String(row.runId);
    let record = recordFromRow(row);
    if (record === undefined) {
      record = await this.getJson<RunRecord>(`${runId}/run.json`);
      if (record === undefined) throw new Error(`run ${runId}: its record is missing from run.json`);
    }
    if (row.hasSummary === true) {
      const summary = await this.getSummary(runId);
      if (summary !== undefined) record.summary = summary;
    }
    return record;
  }

  private async writeTimeseriesRows(runId: string, rows: readonly TimeseriesRow[]): Promise<void> {
    if (rows.length === 0) return;
    for (let i = 0; i < rows.length; i += TRANSACTION_SIZE) {
      const batch: TransactionAction[] = rows.slice(i, i + TRANSACTION_SIZE).map((row) => ['upsert', timeseriesEntity(runId, row), 'Replace']);
      try {
        await this.onTable(this.timeseriesTable, TIMESERIES_TABLE, () => this.timeseriesTable.submitTransaction(batch));
      } catch (error) {
        throw storageError('writing time series rows', `${runId} (${i + 1}–${i + batch.length} of ${rows.length}) in table ${TIMESERIES_TABLE}`, error, this.secrets);
      }
    }
  }

  // ── blobs ───────────────────────────────────────────────────────────────────────────────────────

  /** Uploads a blob; with `onlyIfAbsent`, returns false (and writes nothing) when it already exists. */
  private async putText(name: string, text: string, contentType: string, onlyIfAbsent = false): Promise<boolean> {
    const body = Buffer.from(text, 'utf8');
    try {
      await this.onContainer(() =>
        this.container.getBlockBlobClient(name).upload(body, body.length, {
          blobHTTPHeaders: { blobContentType: contentType },
          conditions: onlyIfAbsent ? { ifNoneMatch: '*' } : undefined,
        }),
      );
      return true;
    } catch (error) {
      const status = statusOf(error);
      if (onlyIfAbsent && (status === 409 || status === 412 || codeOf(error) === 'BlobAlreadyExists')) return false;
      throw storageError('writing', `blob ${RUNS_CONTAINER}/${name}`, error, this.secrets);
    }
  }

  private putJson(name: string, value: unknown): Promise<boolean> {
    return this.putText(name, JSON.stringify(value, null, 2) + '\n', 'application/json');
  }

  private async getText(name: string): Promise<string | undefined> {
    try {
      return await this.onContainer(async () => {
        const response = await this.container.getBlobClient(name).download();
        return readAll(response.readableStreamBody);
      });
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw storageError('reading', `blob ${RUNS_CONTAINER}/${name}`, error, this.secrets);
    }
  }

  private async getJson<T>(name: string): Promise<T | undefined> {
    const text = await this.getText(name);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new Error(`blob ${RUNS_CONTAINER}/${name} is not valid JSON`);
    }
  }

  private async listBlobNames(prefix: string): Promise<string[]> {
    try {
      return await this.onContainer(async () => {
        const names: string[] = [];
        for await (const blob of this.container.listBlobsFlat({ prefix })) names.push(blob.name);
        return names;
      });
    } catch (error) {
      throw storageError('listing', `blobs ${RUNS_CONTAINER}/${prefix}`, error, this.secrets);
    }
  }

  // ── creation on first use ───────────────────────────────────────────────────────────────────────

  /**
   * Runs a blob operation once the container exists. If the container is gone all the same (deleted,
   * or a local emulator restarted), it is created again and the operation retried once.
   */
  private async onContainer<T>(operation: () => Promise<T>): Promise<T> {
    await this.ensureContainer();
    try {
      return await operation();
    } catch (error) {
      if (codeOf(error) !== 'ContainerNotFound') throw error;
      this.forget(CONTAINER_KEY);
      await this.ensureContainer();
      return operation();
    }
  }

  /** Same for a table (TableNotFound). */
  private async onTable<T>(table: TableClient, name: string, operation: () => Promise<T>): Promise<T> {
    await this.ensureTable(table, name);
    try {
      return await operation();
    } catch (error) {
      if (codeOf(error) !== 'TableNotFound') throw error;
      this.forget(`table:${name}`);
      await this.ensureTable(table, name);
      return operation();
    }
  }

  private forget(key: string): void {
    this.ready.delete(key);
  }

  private ensureContainer(): Promise<void> {
    return this.once(CONTAINER_KEY, async () => {
      try {
        await this.container.createIfNotExists();
      } catch (error) {
        // 409: created meanwhile; 403: the identity may not create containers, so use it as it is.
        if (statusOf(error) === 409 || statusOf(error) === 403) return;
        throw storageError('creating', `blob container ${RUNS_CONTAINER}`, error, this.secrets);
      }
    });
  }

  private ensureTable(table: TableClient, name: string): Promise<void> {
    return this.once(`table:${name}`, async () => {
      try {
        await table.createTable();
      } catch (error) {
        if (statusOf(error) === 409 || statusOf(error) === 403) return;
        throw storageError('creating', `table ${name}`, error, this.secrets);
      }
    });
  }

  /** Runs `create` once per store; a failure is forgotten so the next call tries again. */
  private once(key: string, create: () => Promise<void>): Promise<void> {
    let pending = this.ready.get(key);
    if (!pending) {
      pending = create();
      this.ready.set(key, pending);
      pending.catch(() => this.ready.delete(key));
    }
    return pending;
  }
}

/** Run ids become blob paths and table keys: anything but a well-formed run id is refused. */
function runIdOf(runId: string): string {
  runIdEpochMs(runId);
  return runId;
}

function idOf(id: string): string {
  if (!SAFE_ID.test(id) || id.startsWith('.') || id.length > 200) throw new Error(`not a valid id: ${JSON.stringify(id.slice(0, 80))}`);
  return id;
}

async function readAll(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  if (!stream) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
