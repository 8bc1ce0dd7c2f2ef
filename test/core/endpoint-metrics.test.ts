/**
 * The join: endpoint metrics fetched at fan-in, summarized into summary.endpoint next to the client's
 * figures, saved beside the results, charted in the report — and never a reason for a run to fail.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AzureMonitorMetricsSource } from '../../src/adapters/azure-monitor-metrics-source.js';
import { FileEndpointMetricsStore } from '../../src/adapters/file-endpoint-metrics-store.js';
import { FileResultStore } from '../../src/adapters/file-result-store.js';
import { endpointMetricsAmender, endpointTargetOf, metricsWindow } from '../../src/core/endpoint-amender.js';
import { clientMinutes, summarizeEndpointMetrics } from '../../src/core/endpoint-summary.js';
import { executeSlice } from '../../src/core/execute-slice.js';
import { finalizeRun, loadFinalizedRun } from '../../src/core/finalize-run.js';
import { planSchema, type PlanInput } from '../../src/core/plan.js';
import type { EndpointMetrics, EndpointMetricsQuery, EndpointMetricsSource, MetricSeries } from '../../src/core/ports/endpoint-metrics-source.js';
import type { EndpointMetricsStore } from '../../src/core/ports/endpoint-metrics-store.js';
import { newRunId } from '../../src/core/run-id.js';
import { newRunRecord } from '../../src/core/run-record.js';
import type { SizingResult } from '../../src/core/sizing.js';
import { planSlices } from '../../src/core/slice.js';
import { endpointMetricsWiring, refreshEndpointMetrics } from '../../src/functions/endpoint-metrics-wiring.js';
import { renderReport } from '../../src/report/render-report.js';
import { DEPLOYMENT_ID, ENDPOINT_ID, FakeCredential, startFakeMonitor, WORKSPACE_ID, type FakeMonitor } from '../helpers/fake-azure-monitor.js';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';
import { CRAFTED_ORIGIN_MS, craftedRun } from '../report/crafted-run.js';

const series = (resource: MetricSeries['resource'], metric: string, aggregation: MetricSeries['aggregation'], unit: string, points: [string, number][]): MetricSeries => ({
  resource,
  metric,
  aggregation,
  unit,
  grain: 'PT1M',
  points: points.map(([t, value]) => ({ timestamp: `2025-01-15T${t}:00.000Z`, value })),
});

function metrics(over: Partial<EndpointMetrics> = {}): EndpointMetrics {
  return {
    version: 1,
    fetchedAt: '2025-01-15T02:10:00.000Z',
    window: { start: '2025-01-15T01:59:00.000Z', end: '2025-01-15T02:03:30.000Z' },
    endpointResourceId: ENDPOINT_ID,
    deploymentResourceId: DEPLOYMENT_ID,
    series: [
      // 01:59 is before the load (02:00:00.5 → 02:01:30): left out of peaks and latency.
      series('deployment', 'CpuUtilizationPercentage', 'Maximum', 'Percent', [['01:59', 99], ['02:00', 62.5], ['02:01', 81.25], ['02:02', 20]]),
      series('deployment', 'CpuMemoryUtilizationPercentage', 'Maximum', 'Percent', [['02:00', 40], ['02:01', 44]]),
      series('deployment', 'DeploymentCapacity', 'Maximum', 'Count', [['02:00', 2], ['02:01', 3]]),
      series('deployment', 'RequestLatency_P95', 'Average', 'Milliseconds', [['01:59', 500], ['02:00', 100], ['02:01', 130]]),
      series('deployment', 'RequestsPerMinute', 'Average', 'Count', [['01:59', 1], ['02:00', 600], ['02:01', 300]]),
      series('endpoint', 'RequestLatency_P95', 'Average', 'Milliseconds', [['02:00', 90], ['02:01', 90]]),
      series('endpoint', 'ConnectionsActive', 'Average', 'Count', [['02:00', 12], ['02:01', 16]]),
    ],
    unavailable: [{ metric: 'GpuUtilizationPercentage', resource: 'deployment', reason: 'no data in the window' }],
    ...over,
  };
}

const RUN = { startedAt: '2025-01-15T02:00:00.500Z', endedAt: '2025-01-15T02:01:30.000Z', clientP95Ms: 150 };

describe('summarizeEndpointMetrics', () => {
  it('takes peaks over the run\'s minutes and the server p95 weighted by requests per minute', () => {
    const e = summarizeEndpointMetrics(metrics(), RUN);
    expect(e).toMatchObject({ peakCpuPercent: 81.25, peakMemoryPercent: 40 + 4, peakInstances: 3, minInstances: 2, peakConnectionsActive: 16, peakRequestsPerMinute: 600, complete: true, notes: [] });
    // (100 × 600 + 130 × 300) ÷ 900 = 110; the deployment's own metric wins over the endpoint's.
    expect(e.latencyP95Ms).toEqual({ client: 150, server: 110, outsideEndpoint: 40, serverFrom: expect.stringMatching(/^deployment metric RequestLatency_P95.*weighted by RequestsPerMinute/) });
    expect(e.peakGpuPercent).toBeUndefined();
    expect(e.unavailable).toEqual([{ metric: 'GpuUtilizationPercentage', resource: 'deployment', reason: 'no data in the window' }]);
    expect(e.series).toContain('deployment/CpuUtilizationPercentage');
  });

  it('prefers the traffic log\'s exact p95 and reports model time and codes', () => {
    const stats = { requests: 900, ok: 890, throttled: 6, errors: 10, totalMs: { p50: 60, p95: 97, p99: 140 }, requestMs: { p50: 1, p95: 2, p99: 3 }, responseMs: { p50: 55, p95: 90, p99: 130 }, modelMs: { p50: 54, p95: 88, p99: 127 }, requestThrottlingDelayMs: { p95: 0, max: 0 }, responseThrottlingDelayMs: { p95: 0, max: 4 } };
    const e = summarizeEndpointMetrics(
      metrics({
        logAnalyticsWorkspaceId: WORKSPACE_ID,
        trafficLog: { workspaceId: WORKSPACE_ID, table: 'AmlOnlineEndpointTrafficLog', endpointName: 'fraud', total: stats, perMinute: [], codes: [{ responseCode: 200, modelStatusCode: 200, requests: 890 }, { responseCode: 429, modelStatusCode: 0, requests: 6 }, { responseCode: 424, modelStatusCode: 500, requests: 4 }] },
      }),
      RUN,
    );
    expect(e.latencyP95Ms).toEqual({ client: 150, server: 97, model: 88, outsideEndpoint: 53, serverFrom: 'traffic log: p95 of TotalDurationMs over 900 requests' });
    expect(e.trafficLog).toMatchObject({ requests: 900, throttled: 6, responseCodes: { '200': 890, '429': 6, '424': 4 }, modelStatusCodes: { '200': 890, '0': 6, '500': 4 } });
  });

  it('says the metrics are incomplete when the run\'s last minute has no data yet, and when the traffic log is empty', () => {
    const m = metrics({ logAnalyticsWorkspaceId: WORKSPACE_ID });
    m.series = m.series.map((s) => ({ ...s, points: s.points.filter((p) => !p.timestamp.includes('T02:01') && !p.timestamp.includes('T02:02')) }));
    const e = summarizeEndpointMetrics(m, RUN);
    expect(e.complete).toBe(false);
    expect(e.notes.join(' ')).toMatch(/no data yet for the run's last minute \(02:01 UTC\).*--refresh-metrics/);
    expect(e.unavailable).toContainEqual({ metric: 'AmlOnlineEndpointTrafficLog', resource: 'trafficLog', reason: expect.stringMatching(/no rows for the run yet/) });
  });
});

describe('clientMinutes', () => {
  it('merges the per-second histograms of each minute exactly', () => {
    const run = craftedRun();
    const minutes = clientMinutes(run.aggregate);
    expect(minutes.map((m) => m.timestamp)).toEqual(['2025-01-15T02:00:00.000Z']);
    expect(minutes[0].sent).toBe(run.summary.requests.sent);
    expect(minutes[0].p95Ms).toBe(run.summary.latencyMs.p95);
  });
});

class MemorySource implements EndpointMetricsSource {
  queries: EndpointMetricsQuery[] = [];
  constructor(private readonly answer: (q: EndpointMetricsQuery) => EndpointMetrics | Promise<EndpointMetrics>) {}
  async fetch(query: EndpointMetricsQuery): Promise<EndpointMetrics> {
    this.queries.push(query);
    return this.answer(query);
  }
}

class MemoryStore implements EndpointMetricsStore {
  saved = new Map<string, EndpointMetrics>();
  fail?: Error;
  async saveEndpointMetrics(runId: string, m: EndpointMetrics): Promise<void> {
    if (this.fail) throw this.fail;
    this.saved.set(runId, m);
  }
  async getEndpointMetrics(runId: string): Promise<EndpointMetrics | undefined> {
    return this.saved.get(runId);
  }
}

describe('endpointMetricsAmender', () => {
  const target = { url: 'https://fraud.eastus.inference.ml.azure.com/score', resourceId: ENDPOINT_ID, deployment: 'blue', timeoutMs: 5000 };

  it('resolves the deployment id from target.deployment and fetches the load ± 1 minute', async () => {
    const run = craftedRun({ plan: { target } });
    expect(endpointTargetOf(run.plan)).toEqual({ endpointResourceId: ENDPOINT_ID, deploymentResourceId: DEPLOYMENT_ID, endpointName: 'fraud', deploymentName: 'blue', logAnalyticsWorkspaceId: undefined });
    const source = new MemorySource(() => metrics());
    const store = new MemoryStore();
    await endpointMetricsAmender({ source: () => source, store })(run);
    expect(source.queries).toHaveLength(1);
    expect(source.queries[0].start.toISOString()).toBe(new Date(CRAFTED_ORIGIN_MS - 60_000).toISOString());
    expect(source.queries[0].end.getTime()).toBe(Date.parse(run.summary.endedAt) + 60_000);
    expect(metricsWindow(run.summary).start.toISOString()).toBe('2025-01-15T01:59:00.500Z');
    expect(store.saved.get('run-crafted')).toEqual(metrics());
    // The crafted load lasts 3 s (02:00:00.5 → 02:00:03.5): only the 02:00 minute counts.
    expect(run.summary.endpoint?.peakCpuPercent).toBe(62.5);
    expect(run.summary.endpoint?.latencyP95Ms.client).toBe(run.summary.latencyMs.p95);
    // The plan names an endpoint: a sizing recommendation comes with it (instances from the plan tag).
    expect(run.summary.sizing).toMatchObject({ available: true, currentInstances: 2, currentInstancesFrom: 'plan tag instances' });
  });

  it('leaves a run that names no endpoint alone and makes no source', async () => {
    const run = craftedRun();
    let made = 0;
    await endpointMetricsAmender({ source: () => (made++, new MemorySource(() => metrics())) })(run);
    expect(made).toBe(0);
    expect(run.summary.endpoint).toBeUndefined();
    expect(run.summary.sizing).toBeUndefined();
  });

  it('never fails the run: a failing source or store becomes a reason in the summary', async () => {
    const run = craftedRun({ plan: { target } });
    const before = run.summary.status;
    const store = new MemoryStore();
    store.fail = new Error('blob runs/x/endpoint-metrics.json: HTTP 503');
    await endpointMetricsAmender({ source: new MemorySource(() => Promise.reject(new Error('credential exploded\nstack…'))), store })(run);
    expect(run.summary.status).toBe(before);
    expect(run.summary.endpoint?.unavailable).toEqual([{ metric: '*', reason: 'fetching failed: credential exploded' }]);
    expect(run.summary.endpoint?.notes).toContain('No endpoint metrics could be fetched: see unavailable.');
    expect(run.summary.endpoint?.notes.join(' ')).toMatch(/could not be saved.*HTTP 503/);
    // With no source configured at all, it says so.
    const bare = craftedRun({ plan: { target } });
    await endpointMetricsAmender({})(bare);
    expect(bare.summary.endpoint?.unavailable[0].reason).toMatch(/no metrics source is configured/);
  });
});

// ── through the real fan-in, the Azure Monitor adapter, the file stores and the report ───────────────

describe('fan-in with endpoint metrics (file store, Azure Monitor stand-in)', () => {
  let dir: string;
  let target: LoopbackServer;
  let monitor: FakeMonitor;
  let deploymentDenied = true;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mlload-endpoint-'));
    target = await startLoopbackServer((_req, res) => setTimeout(() => res.end('{"ok":1}'), 3));
    monitor = await startFakeMonitor({
      resources: {
        [ENDPOINT_ID]: {
          metrics: [
            { name: 'RequestLatency_P95', unit: 'Milliseconds', aggregations: ['Average'], value: () => 2.5 },
            { name: 'RequestsPerMinute', unit: 'Count', aggregations: ['Average'], value: () => 600 },
            { name: 'ConnectionsActive', unit: 'Count', aggregations: ['Average'], value: () => 4 },
          ],
        },
        [DEPLOYMENT_ID]: {
          metrics: [
            { name: 'CpuUtilizationPercentage', unit: 'Percent', value: () => 73 },
            { name: 'CpuMemoryUtilizationPercentage', unit: 'Percent', value: () => 41 },
            { name: 'DeploymentCapacity', unit: 'Count', value: () => 2 },
          ],
        },
      },
      intercept: (r) => (deploymentDenied && r.path.startsWith(DEPLOYMENT_ID) ? { status: 403, code: 'AuthorizationFailed', message: 'no' } : undefined),
    });
  });
  afterAll(async () => {
    await target?.close();
    await monitor?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    deploymentDenied = true;
  });

  function wiring() {
    const source = new AzureMonitorMetricsSource({
      credential: new FakeCredential(),
      metricsEndpoint: monitor.url,
      logsEndpoint: monitor.url,
      retry: { maxRetries: 1, retryDelayMs: 5, maxRetryDelayMs: 10 },
      timeoutMs: 10_000,
      clientOptions: { tlsOptions: { ca: monitor.ca } },
    });
    return endpointMetricsWiring({ store: new FileEndpointMetricsStore(dir), source });
  }

  it('joins what it can fetch into the summary and report, says why the rest is missing, and refreshes later', async () => {
    const store = new FileResultStore(dir);
    const input: PlanInput = {
      name: 'endpoint-join',
      target: { url: `${target.url}/score`, resourceId: ENDPOINT_ID, deployment: 'blue' },
      load: { model: 'constant', rps: 20, duration: '2s' },
      sizing: { maxConcurrentRequestsPerInstance: 2 },
    };
    const plan = planSchema.parse(input);
    const runId = newRunId();
    const originEpochMs = Date.now() + 100;
    const slices = planSlices(runId, plan, 1, originEpochMs);
    await store.createRun(newRunRecord({ runId, plan, slices, originEpochMs, graceMs: 60_000 }), input);
    for (const slice of slices) await store.saveSlice(await executeSlice(slice, plan));
    const w = wiring();
    const finalized = await finalizeRun(store, runId, { amendSummary: w.amendSummary, renderReport: async (run) => renderReport(run, { sections: await w.reportSections(run) }) });

    const summary = (await store.getSummary(runId))!;
    expect(summary.status).toBe(finalized!.summary.status);
    expect(summary.requests.sent).toBe(40);
    const e = summary.endpoint!;
    expect(e.latencyP95Ms.server).toBe(2.5);
    expect(e.latencyP95Ms.serverFrom).toMatch(/^endpoint metric RequestLatency_P95/);
    expect(e.peakConnectionsActive).toBe(4);
    expect(e.peakCpuPercent).toBeUndefined();
    expect(e.unavailable).toContainEqual({ metric: '*', resource: 'deployment', reason: 'no permission (HTTP 403 AuthorizationFailed): the identity needs Monitoring Reader on the deployment' });
    expect(summary.sizing).toMatchObject({ available: true, maxConcurrentRequestsPerInstance: 2 });
    expect((summary.sizing as SizingResult).currentInstances).toBeUndefined();

    const saved = JSON.parse(readFileSync(join(dir, runId, 'endpoint-metrics.json'), 'utf8')) as EndpointMetrics;
    expect(saved.series.map((s) => `${s.resource}/${s.metric}`)).toEqual(['endpoint/RequestLatency_P95', 'endpoint/RequestsPerMinute', 'endpoint/ConnectionsActive']);

    const report = (await store.getReport(runId))!;
    expect(report).toContain('id="endpoint"');
    expect(report).toContain('id="sizing"');
    expect(report).toContain('Monitoring Reader on the deployment');
    const endpointHtml = report.slice(report.indexOf('id="endpoint"'), report.indexOf('id="sizing"'));
    expect(endpointHtml).toContain('<svg');
    expect(endpointHtml).not.toContain('<script');

    // Later, with the role granted: the refresh fills in the deployment.
    deploymentDenied = false;
    const run = (await loadFinalizedRun(store, runId))!;
    await refreshEndpointMetrics(store, run, w);
    const refreshed = (await store.getSummary(runId))!;
    expect(refreshed.endpoint?.peakCpuPercent).toBe(73);
    expect(refreshed.endpoint?.peakInstances).toBe(2);
    expect(refreshed.endpoint?.unavailable.filter((u) => u.metric === '*')).toEqual([]);
    expect((refreshed.sizing as SizingResult).currentInstances).toBe(2);
    expect((await store.getRun(runId))?.summary?.endpoint?.peakCpuPercent).toBe(73);
    const sections = await w.reportSections(run);
    expect(sections.map((s) => s.id)).toEqual(['endpoint', 'sizing']);
    expect(sections[0].html).toContain('CPU');
  });
});
