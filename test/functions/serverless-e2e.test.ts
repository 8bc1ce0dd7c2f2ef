import { BlobServiceClient } from '@azure/storage-blob';
import { TableServiceClient, TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AzureResultStore } from '../../src/adapters/azure-result-store.js';
import { parseRawSamples } from '../../src/core/raw-sample-csv.js';
import { startServe, type RunningServe } from '../../src/cli/commands/serve-command.js';
import { startAzurite, type AzuriteInstance } from '../helpers/azurite.js';
import { runCli } from '../helpers/cli.js';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const KEY = 'k3y-VALUE-that-must-never-be-stored-0123456789';
let azurite: AzuriteInstance;
let target: LoopbackServer;
const authHeaders: string[] = [];

beforeAll(async () => {
  azurite = await startAzurite();
  target = await startLoopbackServer((req, res) => {
    authHeaders.push(String(req.headers.authorization));
    res.setHeader('content-type', 'application/json');
    res.end('{"predictions":[0.5]}');
  });
});
afterAll(async () => {
  await target?.close();
  await azurite?.stop();
});

/** Every blob and table entity in the account, as text, for secret scans. */
async function everythingStored(connectionString: string): Promise<string> {
  let text = '';
  const blobs = BlobServiceClient.fromConnectionString(connectionString);
  for await (const container of blobs.listContainers()) {
    const client = blobs.getContainerClient(container.name);
    for await (const blob of client.listBlobsFlat()) text += (await client.getBlobClient(blob.name).downloadToBuffer()).toString('utf8');
  }
  const tables = TableServiceClient.fromConnectionString(connectionString, { allowInsecureConnection: true });
  for await (const table of tables.listTables()) {
    const client = TableClient.fromConnectionString(connectionString, table.name!, { allowInsecureConnection: true });
    for await (const entity of client.listEntities()) text += JSON.stringify(entity);
  }
  return text;
}

async function rawRowCount(store: AzureResultStore, runId: string): Promise<number> {
  let rows = 0;
  for (const sliceId of await store.listRawSlices(runId)) rows += parseRawSamples((await store.readRawSamples(runId, sliceId))!).length;
  return rows;
}

async function tableRows(table: string, partitionKey: string) {
  const client = TableClient.fromConnectionString(azurite.connectionString, table, { allowInsecureConnection: true });
  const rows: Record<string, unknown>[] = [];
  for await (const entity of client.listEntities({ queryOptions: { filter: `PartitionKey eq '${partitionKey}'` } })) rows.push(entity);
  return rows;
}

describe('serverless path through Azurite', () => {
  let serve: RunningServe;
  beforeAll(async () => {
    serve = await startServe(
      { host: '127.0.0.1', port: '0', out: 'unused', storage: azurite.connectionString, quiet: true },
      { ALLOWED_TARGET_HOSTS: '127.0.0.1', START_LEAD_SECONDS: '1', MAX_SLICE_SECONDS: '2', SLICE_GRACE_SECONDS: '30', TEST_ENDPOINT_KEY: KEY },
    );
  });
  afterAll(() => serve?.close());

  it('mlload serve: POST a plan → 2 workers × 2 windows via the queue → exact counts in Blob and Table, a report, no secret stored', async () => {
    const plan = {
      name: 'serve-e2e',
      target: { url: `${target.url}/score`, auth: { type: 'key', setting: 'TEST_ENDPOINT_KEY' } },
      payload: { body: { input_data: [[1, 2]] } },
      load: { model: 'constant', rps: 30, duration: '4s' },
      workers: 2,
      tags: { modelVersion: '3' },
    };
    const before = target.count;
    const response = await fetch(`${serve.server.url}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(plan) });
    expect(response.status).toBe(202);
    const { runId, statusUrl } = (await response.json()) as { runId: string; statusUrl: string };
    expect(statusUrl).toBe(`${serve.server.url}/api/runs/${runId}`);

    let status = '';
    let body: { status: string; summary?: { requests: Record<string, number> }; sliceIds: string[]; progress: { slicesReported: number } } | undefined;
    for (let i = 0; i < 60 && !['passed', 'failed', 'partial', 'error'].includes(status); i++) {
      await new Promise((r) => setTimeout(r, 500));
      body = (await (await fetch(statusUrl)).json()) as typeof body;
      status = body!.status;
    }
    expect(status, JSON.stringify(body)).toBe('passed');
    expect(body!.sliceIds.sort()).toEqual(['w000-k000', 'w000-k001', 'w001-k000', 'w001-k001']);
    expect(body!.progress.slicesReported).toBe(4);
    expect(body!.summary!.requests).toMatchObject({ planned: 120, sent: 120, ok: 120, errors: 0, dropped: 0, missed: 0 });
    expect(target.count - before).toBe(120);
    expect(authHeaders.slice(-120).every((h) => h === `Bearer ${KEY}`)).toBe(true);

    const store = AzureResultStore.fromConnectionString(azurite.connectionString);
    expect(await rawRowCount(store, runId)).toBe(120);
    const runRows = await tableRows('runs', 'run');
    const runRow = runRows.find((r) => r.runId === runId)!;
    expect(runRow).toMatchObject({ status: 'passed', sent: 120, ok: 120, planned: 120, tag_modelVersion: '3', thresholdsPassed: true });
    const sliceRows = await tableRows('slices', runId);
    expect(sliceRows).toHaveLength(4);
    expect(sliceRows.reduce((n, r) => n + (r.sent as number), 0)).toBe(120);
    const windows = await tableRows('timeseries', runId);
    expect(windows.reduce((n, r) => n + (r.ok as number), 0)).toBe(120);

    const report = await fetch(`${serve.server.url}/api/runs/${runId}/report`);
    expect(report.headers.get('content-type')).toMatch(/text\/html/);
    expect(await report.text()).toContain('serve-e2e');

    const list = (await (await fetch(`${serve.server.url}/api/runs?limit=5`)).json()) as { runs: { runId: string }[] };
    expect(list.runs.map((r) => r.runId)).toContain(runId);

    expect(await everythingStored(azurite.connectionString)).not.toContain(KEY);
  });

  it('mlload serve answers 400 with every problem and 404 for unknown runs', async () => {
    const bad = await fetch(`${serve.server.url}/api/runs`, { method: 'POST', body: JSON.stringify({ target: { url: 'http://169.254.169.254/' }, load: { model: 'constant', rps: 1 } }) });
    expect(bad.status).toBe(400);
    const text = await bad.text();
    expect(text).toContain('never allowed');
    expect(text).toContain('$.load.duration');
    expect((await fetch(`${serve.server.url}/api/runs/20260101T000000Z-aaaaaaaaaaaaaaaaaaaa`)).status).toBe(404);
    expect((await fetch(`${serve.server.url}/api/nothing`)).status).toBe(404);
  });
});

describe('mlload run --storage', () => {
  it('runs 2 workers × 2 windows locally through Blob and Table with exact counts', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlload-storage-'));
    const planFile = path.join(dir, 'plan.json');
    writeFileSync(planFile, JSON.stringify({ name: 'cli-storage', target: { url: `${target.url}/score` }, load: { model: 'constant', rps: 25, duration: '4s' }, workers: 2 }));
    const result = await runCli(['run', planFile, '--storage', azurite.connectionString, '--window', '2s', '--json'], { timeoutMs: 60_000 });
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as { runId: string; requests: Record<string, number>; slices: { reported: number } };
    expect(summary.requests).toMatchObject({ planned: 100, sent: 100, ok: 100 });
    expect(summary.slices.reported).toBe(4);
    expect(result.stdout + result.stderr).not.toContain(azurite.connectionString.match(/AccountKey=([^;]+)/)![1]);
    const store = AzureResultStore.fromConnectionString(azurite.connectionString);
    expect(await rawRowCount(store, summary.runId)).toBe(100);
    expect((await tableRows('slices', summary.runId)).length).toBe(4);
    expect((await store.getRun(summary.runId))?.status).toBe('passed');
    expect(await store.getReport(summary.runId)).toContain('cli-storage');
  });
});
