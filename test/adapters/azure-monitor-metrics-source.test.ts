/**
 * The Azure Monitor adapter against a local HTTPS server that answers like Azure Monitor's metrics API
 * (Azure Resource Manager) and the Log Analytics query API: the real @azure/monitor-query SDK, its
 * retry policy and bearer-token policy included.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AzureMonitorMetricsSource, durationSeconds } from '../../src/adapters/azure-monitor-metrics-source.js';
import type { EndpointMetricsQuery } from '../../src/core/ports/endpoint-metrics-source.js';
import { DEPLOYMENT_ID, ENDPOINT_ID, FakeCredential, startFakeMonitor, WORKSPACE_ID, type FakeMetric, type FakeMonitor, type FakeMonitorOptions } from '../helpers/fake-azure-monitor.js';


/** 01:59 → 02:05 UTC: six minutes. */
const START = new Date('2025-01-15T01:59:00Z');
const END = new Date('2025-01-15T02:05:00Z');
const minuteOf = (t: Date) => Math.round((t.getTime() - START.getTime()) / 60_000);

/** The deployment's metrics: CPU rising 40, 50, … %; 2 instances then 3; no GPU data; no GPU memory metric at all. */
function deploymentMetrics(): FakeMetric[] {
  return [
    { name: 'CpuUtilizationPercentage', unit: 'Percent', value: (t, agg) => (agg === 'Maximum' ? 40 + 10 * minuteOf(t) : 1) },
    { name: 'CpuMemoryUtilizationPercentage', unit: 'Percent', value: () => 30 },
    { name: 'GpuUtilizationPercentage', unit: 'Percent', value: () => null },
    { name: 'DiskUtilization', unit: 'Percent', value: () => 12.5 },
    { name: 'DeploymentCapacity', unit: 'Count', value: (t) => (minuteOf(t) < 3 ? 2 : 3) },
    { name: 'RequestLatency_P95', unit: 'Milliseconds', aggregations: ['Average'], value: (t) => (minuteOf(t) === 0 || minuteOf(t) === 5 ? null : 100 + minuteOf(t)) },
    { name: 'RequestLatency_P99', unit: 'Milliseconds', aggregations: ['Average'], value: () => 180 },
    { name: 'RequestsPerMinute', unit: 'Count', aggregations: ['Average'], value: (t) => (minuteOf(t) === 0 || minuteOf(t) === 5 ? null : 600) },
    { name: 'DataCollectionErrorsPerMinute', unit: 'Count', value: () => 0 },
  ];
}

/** The endpoint's metrics, without NetworkBytes. */
function endpointMetrics(): FakeMetric[] {
  return [
    { name: 'RequestLatency', unit: 'Milliseconds', aggregations: ['Average'], value: () => 60 },
    { name: 'RequestLatency_P50', unit: 'Milliseconds', aggregations: ['Average'], value: () => 50 },
    { name: 'RequestLatency_P90', unit: 'Milliseconds', aggregations: ['Average'], value: () => 90 },
    { name: 'RequestLatency_P95', unit: 'Milliseconds', aggregations: ['Average'], value: () => 95 },
    { name: 'RequestLatency_P99', unit: 'Milliseconds', aggregations: ['Average'], value: () => 99 },
    { name: 'RequestsPerMinute', unit: 'Count', aggregations: ['Average'], value: () => 610 },
    { name: 'ConnectionsActive', unit: 'Count', aggregations: ['Average'], value: (t) => 8 + minuteOf(t) },
    { name: 'NewConnectionsPerSecond', unit: 'CountPerSecond', aggregations: ['Average'], value: () => 0.5 },
    { name: 'DataCollectionErrorsPerMinute', unit: 'Count', value: () => 0 },
  ];
}

const STATS = {
  Requests: 2400,
  Ok: 2390,
  Throttled: 6,
  Errors: 10,
  TotalP50: 40,
  TotalP95: 97,
  TotalP99: 150,
  RequestP50: 1,
  RequestP95: 2,
  RequestP99: 3,
  ResponseP50: 35,
  ResponseP95: 90,
  ResponseP99: 140,
  ModelP50: 34,
  ModelP95: 88,
  ModelP99: 137,
  RequestThrottleP95: 0,
  RequestThrottleMax: 0,
  ResponseThrottleP95: 0,
  ResponseThrottleMax: 5,
};

function trafficLogRows(): NonNullable<Extract<FakeMonitorOptions['logs'], { perMinute: unknown }>> {
  return {
    perMinute: [1, 2, 3, 4].map((m) => ({ Timestamp: new Date(START.getTime() + m * 60_000).toISOString(), ...STATS, Requests: 600, Ok: 597 })),
    total: [STATS],
    codes: [
      { FinalCode: 200, ModelCode: 200, Requests: 2390 },
      { FinalCode: 429, ModelCode: 0, Requests: 6 },
      { FinalCode: 424, ModelCode: 500, Requests: 4 },
    ],
  };
}

const QUERY: EndpointMetricsQuery = {
  endpointResourceId: ENDPOINT_ID,
  deploymentResourceId: DEPLOYMENT_ID,
  logAnalyticsWorkspaceId: WORKSPACE_ID,
  start: START,
  end: END,
};

let monitor: FakeMonitor | undefined;
afterEach(async () => {
  await monitor?.close();
  monitor = undefined;
});

async function setUp(options: Partial<FakeMonitorOptions> = {}, source: { timeoutMs?: number; maxRetries?: number } = {}) {
  monitor = await startFakeMonitor({
    resources: { [ENDPOINT_ID]: { metrics: endpointMetrics() }, [DEPLOYMENT_ID]: { metrics: deploymentMetrics() } },
    logs: trafficLogRows(),
    ...options,
  });
  const credential = new FakeCredential();
  const adapter = new AzureMonitorMetricsSource({
    credential,
    metricsEndpoint: monitor.url,
    logsEndpoint: monitor.url,
    retry: { maxRetries: source.maxRetries ?? 2, retryDelayMs: 10, maxRetryDelayMs: 50 },
    timeoutMs: source.timeoutMs ?? 10_000,
    clientOptions: { tlsOptions: { ca: monitor.ca } },
  });
  return { adapter, credential, monitor };
}

const metricRequests = (m: FakeMonitor) => m.requests.filter((r) => r.path.endsWith('/providers/Microsoft.Insights/metrics'));

describe('AzureMonitorMetricsSource', () => {
  it('fetches deployment and endpoint series at PT1M with the aggregation each metric needs, over HTTPS with a bearer token', async () => {
    const { adapter, credential, monitor } = await setUp();
    const result = await adapter.fetch(QUERY);

    expect(result.window).toEqual({ start: START.toISOString(), end: END.toISOString() });
    const cpu = result.series.find((s) => s.resource === 'deployment' && s.metric === 'CpuUtilizationPercentage');
    expect(cpu).toMatchObject({ aggregation: 'Maximum', unit: 'Percent', grain: 'PT1M' });
    expect(cpu!.points.map((p) => p.value)).toEqual([40, 50, 60, 70, 80, 90]);
    expect(cpu!.points[0].timestamp).toBe('2025-01-15T01:59:00.000Z');
    expect(result.series.find((s) => s.metric === 'DeploymentCapacity')!.points.map((p) => p.value)).toEqual([2, 2, 2, 3, 3, 3]);
    // Minutes without data are left out.
    expect(result.series.find((s) => s.resource === 'deployment' && s.metric === 'RequestLatency_P95')!.points.map((p) => p.value)).toEqual([101, 102, 103, 104]);
    expect(result.series.find((s) => s.resource === 'endpoint' && s.metric === 'ConnectionsActive')).toMatchObject({ aggregation: 'Average', unit: 'Count' });

    // Skipped, not errors: a metric the resource does not expose, one without data.
    expect(result.unavailable).toEqual(
      expect.arrayContaining([
        { metric: 'GpuMemoryUtilizationPercentage', resource: 'deployment', reason: expect.stringMatching(/not exposed/) },
        { metric: 'GpuUtilizationPercentage', resource: 'deployment', reason: expect.stringMatching(/no data in the window/) },
        { metric: 'NetworkBytes', resource: 'endpoint', reason: expect.stringMatching(/not exposed/) },
      ]),
    );
    expect(result.unavailable).toHaveLength(3);

    // What went over the wire.
    const requests = metricRequests(monitor);
    expect(requests.length).toBeGreaterThanOrEqual(4);
    for (const r of requests) {
      expect(r.query.get('interval')).toBe('PT1M');
      expect(r.query.get('timespan')).toBe(`${START.toISOString()}/${END.toISOString()}`);
      expect(r.query.get('metricnames')!.split(',').length).toBeLessThanOrEqual(20);
    }
    const cpuRequest = requests.find((r) => r.query.get('metricnames')!.split(',').includes('CpuUtilizationPercentage'))!;
    expect(cpuRequest.path).toBe(`${DEPLOYMENT_ID}/providers/Microsoft.Insights/metrics`); // one slash: the id goes in without its leading one
    expect(cpuRequest.query.get('aggregation')).toBe('Maximum');
    expect(monitor.requests.every((r) => r.authorization === 'Bearer fake-token-123')).toBe(true);
    expect(credential.calls).toEqual(expect.arrayContaining(['https://management.azure.com//.default', 'https://api.loganalytics.io/.default']));
  });

  it('queries AmlOnlineEndpointTrafficLog for the window and reads totals, minutes and codes', async () => {
    const { adapter, monitor } = await setUp();
    const result = await adapter.fetch(QUERY);
    const log = result.trafficLog!;
    expect(log).toMatchObject({ workspaceId: WORKSPACE_ID, endpointName: 'fraud', deploymentName: 'blue', table: 'AmlOnlineEndpointTrafficLog' });
    expect(log.total).toMatchObject({ requests: 2400, ok: 2390, throttled: 6, errors: 10, totalMs: { p50: 40, p95: 97, p99: 150 }, modelMs: { p50: 34, p95: 88, p99: 137 } });
    expect(log.total.responseThrottlingDelayMs).toEqual({ p95: 0, max: 5 });
    expect(log.perMinute.map((m) => m.timestamp)).toEqual(['2025-01-15T02:00:00.000Z', '2025-01-15T02:01:00.000Z', '2025-01-15T02:02:00.000Z', '2025-01-15T02:03:00.000Z']);
    expect(log.codes).toEqual([
      { responseCode: 200, modelStatusCode: 200, requests: 2390 },
      { responseCode: 429, modelStatusCode: 0, requests: 6 },
      { responseCode: 424, modelStatusCode: 500, requests: 4 },
    ]);
    const logRequests = monitor.requests.filter((r) => r.path === `/v1/workspaces/${WORKSPACE_ID}/query`);
    expect(logRequests).toHaveLength(3);
    for (const r of logRequests) {
      const body = JSON.parse(r.body) as { query: string; timespan: string };
      expect(body.timespan).toBe(`${START.toISOString()}/${END.toISOString()}`);
      expect(body.query).toContain('AmlOnlineEndpointTrafficLog');
      expect(body.query).toContain("EndpointName =~ 'fraud'");
      expect(body.query).toContain("DeploymentName =~ 'blue'");
      expect(body.query).toContain(`TimeGenerated >= datetime(${START.toISOString()})`);
    }
  });

  it('retries 429 with retry-after and gets the data when Azure Monitor recovers', async () => {
    let throttled = 0;
    const { adapter, monitor } = await setUp({
      intercept: (r) => (r.path.endsWith('/metrics') && throttled++ < 2 ? { status: 429, code: 'TooManyRequests', message: 'Too many requests', headers: { 'retry-after': '0' } } : undefined),
    });
    const result = await adapter.fetch(QUERY);
    expect(throttled).toBeGreaterThanOrEqual(2);
    expect(result.series.some((s) => s.metric === 'CpuUtilizationPercentage')).toBe(true);
    expect(result.unavailable.filter((u) => /throttled/.test(u.reason))).toEqual([]);
    expect(metricRequests(monitor).length).toBeGreaterThan(4);
  });

  it('gives up on a resource that keeps answering 429 after a bounded number of fast retries, and says why', async () => {
    const { adapter, monitor } = await setUp({
      intercept: (r) => (r.path.startsWith(DEPLOYMENT_ID) ? { status: 429, code: 'TooManyRequests', message: 'Too many requests', headers: { 'retry-after-ms': '5' } } : undefined),
    });
    const started = Date.now();
    const result = await adapter.fetch(QUERY);
    expect(Date.now() - started).toBeLessThan(5_000);
    // Definitions: 1 try + 2 retries; nothing else asked of that resource.
    expect(monitor.requests.filter((r) => r.path.startsWith(DEPLOYMENT_ID))).toHaveLength(3);
    expect(result.unavailable).toContainEqual({ metric: '*', resource: 'deployment', reason: expect.stringMatching(/throttled by Azure Monitor \(HTTP 429.*after 2 retries.*--refresh-metrics/) });
    expect(result.series.filter((s) => s.resource === 'deployment')).toEqual([]);
    expect(result.series.filter((s) => s.resource === 'endpoint').length).toBeGreaterThan(0);
  });

  it('stops at its time limit when Retry-After asks for minutes, or the server never answers', async () => {
    const { adapter } = await setUp(
      {
        intercept: (r) =>
          r.path.startsWith(DEPLOYMENT_ID) ? { status: 429, code: 'TooManyRequests', message: 'slow down', headers: { 'retry-after': '120' } } : r.path.startsWith('/v1/') ? 'hang' : undefined,
      },
      { timeoutMs: 1_500 },
    );
    const started = Date.now();
    const result = await adapter.fetch(QUERY);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(result.unavailable).toContainEqual({ metric: '*', resource: 'deployment', reason: 'timed out after 2 s waiting for Azure Monitor' });
    expect(result.unavailable).toContainEqual({ metric: 'AmlOnlineEndpointTrafficLog', resource: 'trafficLog', reason: 'timed out after 2 s waiting for Azure Monitor' });
    expect(result.series.some((s) => s.resource === 'endpoint')).toBe(true);
  });

  it('names the missing role on 403, the missing resource on 404, and keeps what it could fetch', async () => {
    const { adapter } = await setUp({
      resources: {
        [ENDPOINT_ID]: { metrics: endpointMetrics() },
        [DEPLOYMENT_ID]: { status: 403, code: 'AuthorizationFailed', message: "The client 'abc' does not have authorization to perform action 'microsoft.insights/metricDefinitions/read'" },
      },
      logs: { status: 403, code: 'InsufficientAccessError', message: 'The provided credentials have insufficient access to perform the requested operation' },
    });
    const result = await adapter.fetch(QUERY);
    expect(result.unavailable).toContainEqual({ metric: '*', resource: 'deployment', reason: 'no permission (HTTP 403 AuthorizationFailed): the identity needs Monitoring Reader on the deployment' });
    expect(result.unavailable).toContainEqual({ metric: 'AmlOnlineEndpointTrafficLog', resource: 'trafficLog', reason: expect.stringMatching(/^no permission \(HTTP 403.*Log Analytics Reader on the workspace$/) });
    expect(result.trafficLog).toBeUndefined();
    expect(result.series.filter((s) => s.resource === 'endpoint').length).toBe(9);

    const missing = await adapter.fetch({ ...QUERY, deploymentResourceId: `${ENDPOINT_ID}/deployments/green`, logAnalyticsWorkspaceId: undefined });
    expect(missing.unavailable).toContainEqual({ metric: '*', resource: 'deployment', reason: expect.stringMatching(/^not found \(HTTP 404 ResourceNotFound\): check target.deploymentResourceId/) });
  });

  it('says when the workspace has no traffic-log table', async () => {
    const { adapter } = await setUp({
      logs: { status: 400, code: 'BadArgumentError', message: "'where' operator: Failed to resolve table or column expression named 'AmlOnlineEndpointTrafficLog'" },
    });
    const result = await adapter.fetch(QUERY);
    expect(result.unavailable).toContainEqual({ metric: 'AmlOnlineEndpointTrafficLog', resource: 'trafficLog', reason: expect.stringMatching(/no AmlOnlineEndpointTrafficLog table.*diagnostic setting/) });
  });

  it('asks metric by metric when a request is rejected, so one bad metric does not hide the rest', async () => {
    const { adapter } = await setUp({
      intercept: (r) =>
        r.path.endsWith('/metrics') && (r.query.get('metricnames') ?? '').split(',').includes('DiskUtilization')
          ? { status: 400, code: 'BadRequest', message: 'Metric DiskUtilization is not supported for this query' }
          : undefined,
    });
    const result = await adapter.fetch(QUERY);
    expect(result.unavailable).toContainEqual({ metric: 'DiskUtilization', resource: 'deployment', reason: expect.stringMatching(/^rejected \(HTTP 400/) });
    expect(result.series.find((s) => s.metric === 'CpuUtilizationPercentage')).toBeDefined();
    expect(result.series.find((s) => s.metric === 'DeploymentCapacity')).toBeDefined();
  });

  it('reports a network failure per resource', async () => {
    const { adapter } = await setUp();
    const closed = new AzureMonitorMetricsSource({
      credential: new FakeCredential(),
      metricsEndpoint: 'https://127.0.0.1:1',
      logsEndpoint: 'https://127.0.0.1:1',
      retry: { maxRetries: 1, retryDelayMs: 5, maxRetryDelayMs: 10 },
      timeoutMs: 5_000,
    });
    void adapter;
    const result = await closed.fetch(QUERY);
    expect(result.series).toEqual([]);
    expect(result.unavailable.map((u) => u.reason)).toEqual(Array(3).fill(expect.stringMatching(/^network error \(ECONNREFUSED\)/)));
  });
});

describe('AzureMonitorMetricsSource without a credential', () => {
  it('says how to get one', async () => {
    const noCredential = {
      getToken: async () => {
        throw Object.assign(new Error('ChainedTokenCredential authentication failed.\nCredentialUnavailableError: …'), { name: 'AggregateAuthenticationError' });
      },
    };
    const adapter = new AzureMonitorMetricsSource({ credential: noCredential, metricsEndpoint: 'https://127.0.0.1:1', retry: { maxRetries: 0 } });
    const result = await adapter.fetch({ endpointResourceId: ENDPOINT_ID, start: START, end: END });
    expect(result.unavailable).toEqual([{ metric: '*', resource: 'endpoint', reason: "no Azure credential (ChainedTokenCredential authentication failed): sign in with az login locally; in Azure the app's managed identity is used" }]);
  });
});

describe('durationSeconds', () => {
  it('reads ISO 8601 time grains', () => {
    expect(durationSeconds('PT1M')).toBe(60);
    expect(durationSeconds('PT30S')).toBe(30);
    expect(durationSeconds('PT1H')).toBe(3600);
    expect(durationSeconds('P1D')).toBe(86_400);
    expect(durationSeconds('nonsense')).toBeUndefined();
  });
});
