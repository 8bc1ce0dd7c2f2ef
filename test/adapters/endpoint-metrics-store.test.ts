/** Both EndpointMetricsStore implementations: the same round trip; the Azure one also writes the Power BI rows. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { odata, TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AzureEndpointMetricsStore } from '../../src/adapters/azure-endpoint-metrics-store.js';
import { endpointMetricEntities, ENDPOINT_METRICS_TABLE } from '../../src/adapters/endpoint-metrics-table-row.js';
import { FileEndpointMetricsStore } from '../../src/adapters/file-endpoint-metrics-store.js';
import type { EndpointMetrics, TrafficLogStats } from '../../src/core/ports/endpoint-metrics-source.js';
import type { EndpointMetricsStore } from '../../src/core/ports/endpoint-metrics-store.js';
import { newRunId } from '../../src/core/run-id.js';
import { startAzurite, type AzuriteInstance } from '../helpers/azurite.js';
import { DEPLOYMENT_ID, ENDPOINT_ID, WORKSPACE_ID } from '../helpers/fake-azure-monitor.js';

const stats: TrafficLogStats = {
  requests: 600,
  ok: 597,
  throttled: 3,
  errors: 3,
  totalMs: { p50: 40, p95: 97, p99: 150 },
  requestMs: { p50: 1, p95: 2, p99: 3 },
  responseMs: { p50: 35, p95: 90, p99: 140 },
  modelMs: { p50: 34, p95: 88, p99: 137 },
  requestThrottlingDelayMs: { p95: 0, max: 0 },
  responseThrottlingDelayMs: { p95: 0, max: 5 },
};

function sample(): EndpointMetrics {
  return {
    version: 1,
    fetchedAt: '2025-01-15T02:10:00.000Z',
    window: { start: '2025-01-15T01:59:00.000Z', end: '2025-01-15T02:02:00.000Z' },
    endpointResourceId: ENDPOINT_ID,
    deploymentResourceId: DEPLOYMENT_ID,
    logAnalyticsWorkspaceId: WORKSPACE_ID,
    series: [
      { resource: 'deployment', metric: 'CpuUtilizationPercentage', aggregation: 'Maximum', unit: 'Percent', grain: 'PT1M', points: [{ timestamp: '2025-01-15T02:00:00.000Z', value: 62.5 }, { timestamp: '2025-01-15T02:01:00.000Z', value: 81 }] },
      { resource: 'deployment', metric: 'RequestLatency_P95', aggregation: 'Average', unit: 'Milliseconds', grain: 'PT1M', points: [{ timestamp: '2025-01-15T02:00:00.000Z', value: 101 }] },
      { resource: 'endpoint', metric: 'RequestLatency_P95', aggregation: 'Average', unit: 'Milliseconds', grain: 'PT1M', points: [{ timestamp: '2025-01-15T02:00:00.000Z', value: 95 }] },
    ],
    trafficLog: { workspaceId: WORKSPACE_ID, table: 'AmlOnlineEndpointTrafficLog', endpointName: 'fraud', deploymentName: 'blue', total: stats, perMinute: [{ timestamp: '2025-01-15T02:00:00.000Z', ...stats }], codes: [{ responseCode: 200, modelStatusCode: 200, requests: 597 }] },
    unavailable: [{ metric: 'NetworkBytes', resource: 'endpoint', reason: 'not exposed by this endpoint' }],
  };
}

async function roundTrip(store: EndpointMetricsStore): Promise<string> {
  const runId = newRunId();
  expect(await store.getEndpointMetrics(runId)).toBeUndefined();
  await store.saveEndpointMetrics(runId, sample());
  expect(await store.getEndpointMetrics(runId)).toEqual(sample());
  // Saving again replaces.
  const again = { ...sample(), fetchedAt: '2025-01-15T02:30:00.000Z' };
  await store.saveEndpointMetrics(runId, again);
  expect((await store.getEndpointMetrics(runId))?.fetchedAt).toBe('2025-01-15T02:30:00.000Z');
  await expect(store.saveEndpointMetrics('../escape', sample())).rejects.toThrow(/not a valid id/);
  return runId;
}

describe('FileEndpointMetricsStore', () => {
  it('keeps endpoint-metrics.json in the run folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlload-em-'));
    try {
      await roundTrip(new FileEndpointMetricsStore(dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('AzureEndpointMetricsStore (Azurite)', () => {
  let azurite: AzuriteInstance;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(async () => {
    await azurite?.stop();
  });

  it('writes blob runs/<runId>/endpoint-metrics.json and one typed table row per point', async () => {
    const store = AzureEndpointMetricsStore.fromConnectionString(azurite.connectionString, { maxTries: 1 });
    const runId = await roundTrip(store);
    const table = TableClient.fromConnectionString(azurite.connectionString, ENDPOINT_METRICS_TABLE, { allowInsecureConnection: true });
    const rows: Record<string, unknown>[] = [];
    for await (const row of table.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${runId}` } })) rows.push(row);
    // 2 + 1 + 1 metric points, and 14 traffic-log figures for its one minute.
    expect(rows).toHaveLength(4 + 14);
    const cpu = rows.find((r) => r.rowKey === 'CpuUtilizationPercentage|2025-01-15T02:01:00.000Z|deployment');
    expect(cpu).toMatchObject({ metric: 'CpuUtilizationPercentage', windowStart: '2025-01-15T02:01:00.000Z', value: 81, unit: 'Percent', aggregation: 'Maximum', resource: 'deployment' });
    // The same metric from both resources: two rows.
    expect(rows.filter((r) => r.metric === 'RequestLatency_P95').map((r) => r.resource).sort()).toEqual(['deployment', 'endpoint']);
    expect(rows.find((r) => r.rowKey === 'TotalDurationMs_P95|2025-01-15T02:00:00.000Z|trafficLog')).toMatchObject({ value: 97, unit: 'Milliseconds', aggregation: 'P95', resource: 'trafficLog' });
    // Values are written as Edm.Double on every row, whole numbers included (Power BI wants one type per column).
    const requests = endpointMetricEntities(runId, sample()).find((r) => r.rowKey === 'Requests|2025-01-15T02:00:00.000Z|trafficLog');
    expect(requests?.value).toEqual({ value: 600, type: 'Double' });
  });
});
