import { TableClient } from '@azure/data-tables';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AzureRawSampleWriter } from '../../src/adapters/azure-raw-sample-writer.js';
import { AzureResultStore } from '../../src/adapters/azure-result-store.js';
import { runRowKey } from '../../src/adapters/run-table-row.js';
import { Aggregate } from '../../src/core/aggregate.js';
import { planSchema, type PlanInput } from '../../src/core/plan.js';
import { RAW_SAMPLE_HEADER } from '../../src/core/raw-sample-csv.js';
import { newRunId } from '../../src/core/run-id.js';
import { newRunRecord, type RunRecord } from '../../src/core/run-record.js';
import { summarizeRun } from '../../src/core/run-summary.js';
import { planSlices } from '../../src/core/slice.js';
import type { TimeseriesRow } from '../../src/core/timeseries.js';
import { AZURITE_KEY, freePorts, startAzurite, azuriteConnectionString, type AzuriteInstance } from '../helpers/azurite.js';
import { runResultStoreContract } from '../contract/result-store.contract.js';

let azurite: AzuriteInstance;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});

runResultStoreContract('AzureResultStore', async () => AzureResultStore.fromConnectionString(azurite.connectionString));

const planInput: PlanInput = {
  name: 'azure-store',
  target: { url: 'http://127.0.0.1:9/score', deployment: 'blue' },
  load: { model: 'constant', rps: 10, duration: '2s' },
  workers: 2,
  thresholds: { p95Ms: 500 },
  tags: { modelVersion: '7', instances: 2, canary: true, 'sku.name': 'DS3 v2' },
};

async function createRun(store: AzureResultStore, name = 'azure-store', runId = newRunId()): Promise<RunRecord> {
  // Plan names are restricted by the schema; the store must be safe with any name all the same.
  const plan = { ...planSchema.parse(planInput), name };
  const originEpochMs = Date.now();
  const slices = planSlices(runId, plan, 2, originEpochMs);
  const record = newRunRecord({ runId, plan, slices, originEpochMs, graceMs: 1000 });
  await store.createRun(record, { ...planInput, name });
  return record;
}

function table(name: string): TableClient {
  return TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('AzureResultStore on Azurite', () => {
  it('keeps one flat, typed runs row per run, with the same columns before and after the summary', async () => {
    const store = AzureResultStore.fromConnectionString(azurite.connectionString);
    const record = await createRun(store);
    const before = await table('runs').getEntity<Record<string, unknown>>('run', runRowKey(record.runId));
    const plan = planSchema.parse(planInput);
    const { summary } = summarizeRun({ runId: record.runId, plan, slices: [], missingSlices: [], originEpochMs: Date.parse(record.originAt), runError: 'nothing ran' });
    const final: RunRecord = { ...record, status: summary.status, summary, finishedAt: new Date().toISOString(), error: 'nothing ran' };
    await store.updateRun(final);
    const row = await table('runs').getEntity<Record<string, unknown>>('run', runRowKey(record.runId));

    const columns = (entity: Record<string, unknown>) => Object.keys(entity).filter((k) => !['etag', 'timestamp'].includes(k)).sort();
    expect(columns(row)).toEqual(columns(before));
    for (const column of ['targetRps', 'achievedRps', 'throughputRps', 'planned', 'sent', 'ok', 'errors', 'throttled', 'dropped', 'missed', 'p50Ms', 'p90Ms', 'p95Ms', 'p99Ms', 'maxMs', 'meanMs', 'errorRate', 'throttleRate', 'workers', 'windows']) {
      expect(typeof row[column], column).toBe('number');
    }
    for (const column of ['runId', 'name', 'status', 'createdAt', 'originAt', 'finishedAt', 'deadlineAt', 'targetHost', 'deployment', 'model', 'recordJson']) {
      expect(typeof row[column], column).toBe('string');
    }
    expect(row).toMatchObject({ runId: record.runId, name: 'azure-store', status: 'error', targetRps: 10, workers: 2, windows: 1, deployment: 'blue', model: 'constant', error: 'nothing ran' });
    expect(summary.thresholds.length).toBeGreaterThan(0);
    expect(row.thresholdsPassed).toBe(summary.thresholds.every((t) => t.passed));
    expect(typeof row.thresholdsPassed).toBe('boolean');
    expect(before.thresholdsPassed).toBe(false); // no summary yet
    expect(row.hasSummary).toBe(true);
    expect(before.hasSummary).toBe(false);
    expect(before.finishedAt).toBe('');
    expect(row).toMatchObject({ tag_modelVersion: '7', tag_instances: '2', tag_canary: 'true', tag_sku_name: 'DS3 v2' });
    expect(JSON.parse(row.recordJson as string).summary).toBeUndefined();
    expect(await store.getRun(record.runId)).toEqual(final);
  });

  it('sorts run row keys newest first, computed from the run id alone', () => {
    const older = runRowKey('20260101T000000Z-aaaaaaaaaaaaaaaaaaaa');
    const newer = runRowKey('20260101T000001Z-aaaaaaaaaaaaaaaaaaaa');
    expect(newer < older).toBe(true);
    expect(older).toMatch(/^\d{19}_20260101T000000Z-a{20}$/);
    expect(() => runRowKey('../../etc')).toThrow(/not a valid id/);
  });

  it('filters listRuns by a name with quotes safely', async () => {
    const store = AzureResultStore.fromConnectionString(azurite.connectionString);
    const quoted = `o'brien's "run" ${Date.now()}`;
    const a = await createRun(store, quoted);
    const b = await createRun(store, `o`);
    const listed = await store.listRuns({ name: quoted, limit: 100 });
    expect(listed.runs.map((r) => r.runId)).toEqual([a.runId]);
    const injected = await store.listRuns({ name: `x' or name ne '`, limit: 100 });
    expect(injected.runs).toEqual([]);
    expect((await store.listRuns({ name: 'o', limit: 100 })).runs.map((r) => r.runId)).toContain(b.runId);
    await expect(store.listRuns({ continuationToken: 'not-a-token' })).rejects.toThrow(/not a valid continuation token/);
  });

  it('keeps a record too large for a table string in run.json and reads it back', async () => {
    const store = AzureResultStore.fromConnectionString(azurite.connectionString);
    const record = await createRun(store);
    const big: RunRecord = { ...record, sliceIds: Array.from({ length: 4000 }, (_, i) => `w${String(i % 100).padStart(3, '0')}-k${String(Math.floor(i / 100)).padStart(3, '0')}`) };
    await store.updateRun(big);
    const row = await table('runs').getEntity<Record<string, unknown>>('run', runRowKey(record.runId));
    expect(row.recordInBlob).toBe(true);
    expect(row.recordJson).toBe('');
    expect(await store.getRun(record.runId)).toEqual(big);
  });

  it('writes a typed slices row per slice (upserted) with the encoded histograms', async () => {
    const store = AzureResultStore.fromConnectionString(azurite.connectionString);
    const record = await createRun(store);
    const aggregate = new Aggregate();
    aggregate.counts.sent = 3;
    aggregate.counts.ok = 3;
    aggregate.counts.completed = 3;
    aggregate.responseTime.recordValue(1500);
    const outcome = { runId: record.runId, sliceId: 'w000-k000', worker: 0, window: 0, status: 'done' as const, planned: 3, sent: 3, lateMs: 1.5, missed: 0, startedAtMs: Date.now(), endedAtMs: Date.now() + 1000, aggregate };
    await store.saveSlice(outcome);
    await store.saveSlice(outcome);
    const rows: Record<string, unknown>[] = [];
    for await (const entity of table('slices').listEntities<Record<string, unknown>>({ queryOptions: { filter: `PartitionKey eq '${record.runId}'` } })) rows.push(entity);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ rowKey: 'w000-k000', worker: 0, window: 0, status: 'done', planned: 3, sent: 3, ok: 3, lateMs: 1.5 });
    expect(rows[0].responseTimeHdr).toMatch(/^HISTF/);
    expect(typeof rows[0].serviceTimeHdr).toBe('string');
    expect(typeof rows[0].scheduleLagHdr).toBe('string');
  });

  it('writes time series rows in batches of at most 100 and serves the report as text/html', async () => {
    const store = AzureResultStore.fromConnectionString(azurite.connectionString);
    const record = await createRun(store);
    const start = Math.floor(Date.now() / 1000) * 1000;
    const rows: TimeseriesRow[] = Array.from({ length: 230 }, (_, i) => ({
      windowStart: new Date(start + i * 1000).toISOString(), targetRps: 10, sentRps: 10, throughputRps: 9, completed: 10, ok: 9, errors: 1, throttled: 1,
      status408: 0, status424: 0, status5xx: 0, transportErrors: 0, dropped: 0, inFlightPeak: 2, p50Ms: 5, p95Ms: 9.5, p99Ms: 12.25, maxMs: 20,
    }));
    const plan = planSchema.parse(planInput);
    const { summary } = summarizeRun({ runId: record.runId, plan, slices: [], originEpochMs: start });
    await store.saveResults(record.runId, summary, rows);
    const stored: Record<string, unknown>[] = [];
    for await (const entity of table('timeseries').listEntities<Record<string, unknown>>({ queryOptions: { filter: `PartitionKey eq '${record.runId}'` } })) stored.push(entity);
    expect(stored).toHaveLength(230);
    expect(stored[0]).toMatchObject({ rowKey: rows[0].windowStart, windowStart: rows[0].windowStart, p95Ms: 9.5, p50Ms: 5, ok: 9 });
    expect(await store.getTimeseries(record.runId)).toEqual(rows);

    await store.saveReport(record.runId, '<html>r</html>');
    const blob = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('runs').getBlobClient(`${record.runId}/report.html`);
    expect((await blob.getProperties()).contentType).toMatch(/^text\/html/);
  });

  it('flushes raw rows as blocks on its interval, readable before close', async () => {
    const store = AzureResultStore.fromConnectionString(azurite.connectionString, { rawWriter: { flushIntervalMs: 200 } });
    const record = await createRun(store);
    const writer = store.openRawWriter(record.runId, 'w000-k000');
    writer.append('1,2,3,4,200,,10,5,0,blue\n');
    await sleep(700);
    expect(await store.readRawSamples(record.runId, 'w000-k000')).toBe(RAW_SAMPLE_HEADER + '1,2,3,4,200,,10,5,0,blue\n');
    writer.append('5,6,7,8,200,,10,5,0,blue\n');
    await sleep(700);
    expect(await store.readRawSamples(record.runId, 'w000-k000')).toBe(RAW_SAMPLE_HEADER + '1,2,3,4,200,,10,5,0,blue\n5,6,7,8,200,,10,5,0,blue\n');
    await writer.close();
    const blocks = await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('runs').getBlockBlobClient(`${record.runId}/raw/w000-k000.csv`).getBlockList('committed');
    expect(blocks.committedBlocks?.length).toBe(3); // header, then one block per flush
  });

  it('starts the raw blob over after storage lost it (emulator restart), counting the lost rows', async () => {
    const own = await startAzurite();
    try {
      const store = AzureResultStore.fromConnectionString(own.connectionString, { retry: { maxTries: 1 }, rawWriter: { flushIntervalMs: 100 } });
      const runId = newRunId();
      const writer = store.openRawWriter(runId, 'w000-k000') as AzureRawSampleWriter;
      writer.append('1,1,1,1,200,,1,1,0,\n');
      await writer.flush();
      await own.restart(); // all data gone
      writer.append('2,2,2,2,200,,1,1,0,\n');
      await writer.close();
      expect(await store.readRawSamples(runId, 'w000-k000')).toBe(RAW_SAMPLE_HEADER + '2,2,2,2,200,,1,1,0,\n');
      expect(writer.droppedRows).toBe(1); // the row storage lost
    } finally {
      await own.stop();
    }
  });
});

describe('AzureResultStore when storage is unreachable', () => {
  let dead: string;
  beforeAll(async () => {
    const [b, q, t] = await freePorts(3); // nothing listens there
    dead = azuriteConnectionString(b, q, t);
  });

  it('fails with messages that name the operation and never hold the account key', async () => {
    const store = AzureResultStore.fromConnectionString(dead, { retry: { maxTries: 1 } });
    const runId = newRunId();
    const failures = await Promise.all([
      store.getRun(runId).then(() => 'resolved', (e: Error) => e.message),
      store.getPlan(runId).then(() => 'resolved', (e: Error) => e.message),
      store.claim(runId, 'finalize', 'me').then(() => 'resolved', (e: Error) => e.message),
      store.listRuns().then(() => 'resolved', (e: Error) => e.message),
    ]);
    for (const message of failures) {
      expect(message).not.toBe('resolved');
      expect(message).not.toContain(AZURITE_KEY);
      expect(message).not.toContain(AZURITE_KEY.slice(0, 20));
      expect(message).not.toMatch(/AccountKey/i);
    }
    expect(failures[0]).toMatch(new RegExp(`^reading run row ${runId} in table runs: creating table runs failed: .*ECONNREFUSED`));
    expect(failures[1]).toMatch(new RegExp(`^reading blob runs/${runId}/plan\\.json: creating blob container runs failed`));
    expect(failures[2]).toMatch(new RegExp(`^writing blob runs/${runId}/finalize\\.lock`));
    expect(failures[3]).toMatch(/^listing runs in table runs/);
  });

  it('raw writer: append never throws, the buffer is capped (oldest rows dropped and counted), close gives up in bounded time', async () => {
    const store = AzureResultStore.fromConnectionString(dead, { retry: { maxTries: 1 }, rawWriter: { flushIntervalMs: 50, maxBufferedBytes: 1000, closeTimeoutMs: 800 } });
    const writer = store.openRawWriter(newRunId(), 'w000-k000') as AzureRawSampleWriter;
    const row = '1700000000000000,1700000000000100,5000,4900,200,,10,5,0,blue\n';
    for (let i = 0; i < 100; i++) writer.append(row);
    expect(writer.droppedRows).toBeGreaterThan(80);
    expect(writer.bufferedBytes).toBeLessThanOrEqual(1000);
    await sleep(200);
    const started = Date.now();
    const error = await writer.close().then(() => undefined, (e: Error) => e);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(error?.message).toMatch(/gave up writing raw samples to blob runs\/.*raw\/w000-k000\.csv/);
    expect(error?.message).not.toContain(AZURITE_KEY);
    expect(writer.droppedRows).toBe(100);
    writer.append(row); // after close: counted, not thrown
    expect(writer.droppedRows).toBe(101);
  });
});
