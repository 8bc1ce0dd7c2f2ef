import type { TokenCredential } from '@azure/core-auth';
import {
  LogsQueryClient,
  LogsQueryResultStatus,
  MetricsQueryClient,
  type LogsQueryClientOptions,
  type LogsTable,
  type MetricDefinition,
  type MetricsClientOptions,
  type MetricsQueryResult,
} from '@azure/monitor-query';
import { ENDPOINT_METRIC_CATALOG, parseEndpointResourceId, type CatalogMetric } from '../core/endpoint-metric-catalog.js';
import type {
  DurationPercentiles,
  EndpointMetrics,
  EndpointMetricsQuery,
  EndpointMetricsSource,
  MetricAggregation,
  MetricResource,
  MetricSeries,
  TrafficLogAggregates,
  TrafficLogStats,
  UnavailableMetric,
} from '../core/ports/endpoint-metrics-source.js';
import { scrubSecrets } from './storage-error.js';
import { codesQuery, perMinuteQuery, totalQuery, type TrafficLogFilter } from './traffic-log-kql.js';

export interface AzureMonitorMetricsSourceOptions {
  /** Entra identity with Monitoring Reader on the endpoint (and Log Analytics Reader on the workspace). */
  credential: TokenCredential;
  /** Azure Resource Manager (metrics API) base URL; default https://management.azure.com. */
  metricsEndpoint?: string;
  /** Log Analytics query API base URL; default https://api.loganalytics.io. */
  logsEndpoint?: string;
  /**
   * Retries of each request by the SDK. A 429 with Retry-After is retried after the time the service
   * asks (the SDK does not cap it), other failures with exponential back-off; `timeoutMs` bounds the whole.
   */
  retry?: { maxRetries?: number; retryDelayMs?: number; maxRetryDelayMs?: number };
  /** Time limit of one fetch, every request and retry included (default 60 s): what is not in by then is reported unavailable. */
  timeoutMs?: number;
  /** Further SDK client options, e.g. `tlsOptions` for a test server. */
  clientOptions?: Omit<MetricsClientOptions & LogsQueryClientOptions, 'endpoint' | 'retryOptions'>;
  /** Metrics wanted (default ENDPOINT_METRIC_CATALOG). */
  catalog?: readonly CatalogMetric[];
}

/** Most metric names one metrics request may carry (the REST API's limit). */
const MAX_NAMES_PER_REQUEST = 20;
const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_RETRY = { maxRetries: 2, retryDelayMs: 1_000, maxRetryDelayMs: 8_000 };

/**
 * Azure Monitor adapter of EndpointMetricsSource: platform metrics through MetricsQueryClient (the
 * metrics REST API of Azure Resource Manager) and AmlOnlineEndpointTrafficLog through LogsQueryClient.
 *
 * Per resource it first lists the metric definitions, so a metric the resource does not expose is
 * skipped (with a reason) instead of failing the request for all the others, and the finest time grain
 * it offers is used (PT1M for Azure ML endpoints). A failed request marks only its own metrics
 * unavailable; the fetch itself never throws for Azure's answers.
 */
export class AzureMonitorMetricsSource implements EndpointMetricsSource {
  private readonly metrics: MetricsQueryClient;
  private readonly logs: LogsQueryClient;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly catalog: readonly CatalogMetric[];

  constructor(options: AzureMonitorMetricsSourceOptions) {
    const retry = { ...DEFAULT_RETRY, ...options.retry };
    const retryOptions = { maxRetries: retry.maxRetries, retryDelayInMs: retry.retryDelayMs, maxRetryDelayInMs: retry.maxRetryDelayMs };
    this.maxRetries = retry.maxRetries;
    this.metrics = new MetricsQueryClient(options.credential, { ...options.clientOptions, retryOptions, endpoint: options.metricsEndpoint });
    this.logs = new LogsQueryClient(options.credential, { ...options.clientOptions, retryOptions, endpoint: options.logsEndpoint });
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.catalog = options.catalog ?? ENDPOINT_METRIC_CATALOG;
  }

  async fetch(query: EndpointMetricsQuery): Promise<EndpointMetrics> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = query.abortSignal ? AbortSignal.any([query.abortSignal, timeout]) : timeout;
    const ctx: FetchContext = { start: query.start, end: query.end, signal, timedOut: () => timeout.aborted };
    const result: EndpointMetrics = {
      version: 1,
      fetchedAt: new Date().toISOString(),
      window: { start: query.start.toISOString(), end: query.end.toISOString() },
      endpointResourceId: query.endpointResourceId,
      deploymentResourceId: query.deploymentResourceId,
      logAnalyticsWorkspaceId: query.logAnalyticsWorkspaceId,
      series: [],
      unavailable: [],
    };
    const jobs: Promise<ResourceResult>[] = [];
    if (query.endpointResourceId) jobs.push(this.fetchResource('endpoint', query.endpointResourceId, ctx));
    if (query.deploymentResourceId) jobs.push(this.fetchResource('deployment', query.deploymentResourceId, ctx));
    const logJob = query.logAnalyticsWorkspaceId ? this.fetchTrafficLog(query, ctx) : Promise.resolve(undefined);
    const [resources, log] = await Promise.all([Promise.all(jobs), logJob]);
    for (const r of resources) {
      result.series.push(...r.series);
      result.unavailable.push(...r.unavailable);
    }
    if (log?.aggregates) result.trafficLog = log.aggregates;
    if (log?.unavailable) result.unavailable.push(log.unavailable);
    return result;
  }

  // ── platform metrics ──────────────────────────────────────────────────────────────────────────

  private async fetchResource(resource: MetricResource, id: string, ctx: FetchContext): Promise<ResourceResult> {
    // The REST path is /{resourceUri}/providers/…: the SDK expects the id without its leading slash.
    const resourceId = id.replace(/^\/+/, '');
    const wanted = this.catalog.filter((m) => m.resource === resource);
    const out: ResourceResult = { series: [], unavailable: [] };
    if (wanted.length === 0) return out;
    let definitions: Map<string, MetricDefinition>;
    try {
      definitions = new Map();
      for await (const d of this.metrics.listMetricDefinitions(resourceId, { abortSignal: ctx.signal })) if (d.name) definitions.set(d.name.toLowerCase(), d);
    } catch (error) {
      out.unavailable.push({ metric: '*', resource, reason: this.reasonOf(error, ctx, 'metrics', resource) });
      return out;
    }

    const grain = finestGrain([...definitions.values()]);
    // Group what the resource offers by aggregation: one request per aggregation (≤ 20 names each).
    const groups = new Map<MetricAggregation, { entry: CatalogMetric; unit: string; name: string }[]>();
    for (const entry of wanted) {
      const definition = definitions.get(entry.metric.toLowerCase());
      if (!definition) {
        out.unavailable.push({ metric: entry.metric, resource, reason: `not exposed by this ${resource} (not among its metric definitions)` });
        continue;
      }
      const supported = definition.supportedAggregationTypes;
      const aggregation: MetricAggregation =
        !supported || supported.length === 0 || supported.includes(entry.aggregation) ? entry.aggregation : ((definition.primaryAggregationType as MetricAggregation | undefined) ?? entry.aggregation);
      const group = groups.get(aggregation) ?? [];
      group.push({ entry, unit: definition.unit ?? entry.unit, name: definition.name ?? entry.metric });
      groups.set(aggregation, group);
    }
    const requests: Promise<void>[] = [];
    for (const [aggregation, members] of groups) {
      for (let i = 0; i < members.length; i += MAX_NAMES_PER_REQUEST) {
        requests.push(this.queryGroup(resource, resourceId, aggregation, members.slice(i, i + MAX_NAMES_PER_REQUEST), grain, ctx, out));
      }
    }
    await Promise.all(requests);
    out.series.sort((a, b) => wanted.findIndex((w) => w.metric === a.metric) - wanted.findIndex((w) => w.metric === b.metric));
    return out;
  }

  private async queryGroup(
    resource: MetricResource,
    resourceId: string,
    aggregation: MetricAggregation,
    members: { entry: CatalogMetric; unit: string; name: string }[],
    grain: string,
    ctx: FetchContext,
    out: ResourceResult,
  ): Promise<void> {
    let response: MetricsQueryResult;
    try {
      response = await this.metrics.queryResource(
        resourceId,
        members.map((m) => m.name),
        { granularity: grain, aggregations: [aggregation], timespan: { startTime: ctx.start, endTime: ctx.end }, abortSignal: ctx.signal },
      );
    } catch (error) {
      // A 400 may be one metric's fault: ask for each alone so the others still come back.
      if (statusOf(error) === 400 && members.length > 1) {
        await Promise.all(members.map((m) => this.queryGroup(resource, resourceId, aggregation, [m], grain, ctx, out)));
        return;
      }
      const reason = this.reasonOf(error, ctx, 'metrics', resource);
      for (const m of members) out.unavailable.push({ metric: m.entry.metric, resource, reason });
      return;
    }
    const key = aggregation.toLowerCase() as 'average' | 'maximum' | 'minimum' | 'total' | 'count';
    for (const m of members) {
      const metric = response.metrics.find((r) => r.name.toLowerCase() === m.name.toLowerCase());
      if (!metric) {
        out.unavailable.push({ metric: m.entry.metric, resource, reason: 'not returned by Azure Monitor' });
        continue;
      }
      if (metric.errorCode && metric.errorCode !== 'Success') {
        out.unavailable.push({ metric: m.entry.metric, resource, reason: clean(`Azure Monitor: ${metric.errorCode}${metric.errorMessage ? ` ${metric.errorMessage}` : ''}`) });
        continue;
      }
      const points = new Map<string, number>();
      for (const ts of metric.timeseries ?? []) {
        for (const d of ts.data ?? []) {
          const value = d[key];
          if (typeof value !== 'number' || !Number.isFinite(value)) continue;
          const at = new Date(d.timeStamp).toISOString();
          // Several series (a dimension split): keep the largest for Maximum, else add up.
          points.set(at, points.has(at) ? (aggregation === 'Maximum' ? Math.max(points.get(at)!, value) : points.get(at)! + value) : value);
        }
      }
      if (points.size === 0) {
        out.unavailable.push({
          metric: m.entry.metric,
          resource,
          reason: 'no data in the window (GPU metrics exist only on GPU SKUs; otherwise Azure Monitor has not caught up yet)',
        });
        continue;
      }
      const series: MetricSeries = {
        resource,
        metric: m.entry.metric,
        aggregation,
        unit: String(metric.unit ?? m.unit),
        grain: response.granularity ?? grain,
        points: [...points].sort(([a], [b]) => a.localeCompare(b)).map(([timestamp, value]) => ({ timestamp, value })),
      };
      out.series.push(series);
    }
  }

  // ── traffic log ───────────────────────────────────────────────────────────────────────────────

  private async fetchTrafficLog(query: EndpointMetricsQuery, ctx: FetchContext): Promise<{ aggregates?: TrafficLogAggregates; unavailable?: UnavailableMetric }> {
    const workspaceId = query.logAnalyticsWorkspaceId!;
    const ids = parseEndpointResourceId(query.deploymentResourceId ?? query.endpointResourceId ?? '');
    const endpointName = query.endpointName ?? ids?.endpoint;
    const deploymentName = query.deploymentName ?? ids?.deployment;
    const unavailable = (reason: string) => ({ unavailable: { metric: 'AmlOnlineEndpointTrafficLog', resource: 'trafficLog' as const, reason } });
    if (!endpointName) return unavailable('no endpoint name to filter the traffic log by (set target.resourceId)');
    const filter: TrafficLogFilter = { endpointName, deploymentName, start: ctx.start, end: ctx.end };
    try {
      const [perMinute, total, codes] = await Promise.all([perMinuteQuery(filter), totalQuery(filter), codesQuery(filter)].map((kql) => this.logTable(workspaceId, kql, ctx)));
      const totalRow = rowsOf(total)[0];
      return {
        aggregates: {
          workspaceId,
          table: 'AmlOnlineEndpointTrafficLog',
          endpointName,
          deploymentName,
          total: totalRow ? statsOf(totalRow) : statsOf({}),
          perMinute: rowsOf(perMinute).map((row) => ({ timestamp: isoOf(row.Timestamp), ...statsOf(row) })),
          codes: rowsOf(codes).map((row) => ({ responseCode: num(row.FinalCode), modelStatusCode: num(row.ModelCode), requests: num(row.Requests) })),
        },
      };
    } catch (error) {
      return unavailable(this.reasonOf(error, ctx, 'logs', 'trafficLog'));
    }
  }

  private async logTable(workspaceId: string, kql: string, ctx: FetchContext): Promise<LogsTable | undefined> {
    const result = await this.logs.queryWorkspace(workspaceId, kql, { startTime: ctx.start, endTime: ctx.end }, { abortSignal: ctx.signal, serverTimeoutInSeconds: Math.max(1, Math.ceil(this.timeoutMs / 1000)) });
    if (result.status === LogsQueryResultStatus.Success) return result.tables[0];
    throw Object.assign(new Error(`partial result: ${result.partialError?.message ?? 'unknown error'}`), { code: result.partialError?.code });
  }

  // ── errors ────────────────────────────────────────────────────────────────────────────────────

  /** Why something could not be fetched, in words a user can act on; never a token or a stack. */
  private reasonOf(error: unknown, ctx: FetchContext, api: 'metrics' | 'logs', resource: MetricResource | 'trafficLog'): string {
    const status = statusOf(error);
    const code = codeOf(error);
    const first = clean(String((error as Error)?.message ?? error).split('\n')[0]);
    const detail = `${status !== undefined ? `HTTP ${status}` : ''}${code && !/^\d+$/.test(code) ? `${status !== undefined ? ' ' : ''}${code}` : ''}`;
    const where = resource === 'trafficLog' ? 'the Log Analytics workspace' : `the ${resource}`;
    if (ctx.timedOut() || (error as Error)?.name === 'AbortError') return `timed out after ${Math.round(this.timeoutMs / 1000)} s waiting for Azure Monitor`;
    if (status === 401) return `not authenticated (${detail}): ${first}`;
    if (status === 403) return `no permission (${detail}): the identity needs ${api === 'logs' ? 'Log Analytics Reader on the workspace' : `Monitoring Reader on ${where}`}`;
    if (status === 404) return `not found (${detail}): check ${api === 'logs' ? 'target.logAnalyticsWorkspaceId' : resource === 'deployment' ? 'target.deploymentResourceId / target.deployment' : 'target.resourceId'}`;
    if (status === 429) return `throttled by Azure Monitor (${detail}) after ${this.maxRetries} retr${this.maxRetries === 1 ? 'y' : 'ies'}: fetch again later with mlload report <runId> --refresh-metrics`;
    if (status === 400 && api === 'logs' && /resolve table|AmlOnlineEndpointTrafficLog/i.test(first)) {
      return `the workspace has no AmlOnlineEndpointTrafficLog table (${detail}): send the endpoint's traffic logs there with a diagnostic setting`;
    }
    if (status !== undefined && status >= 500) return `Azure Monitor failed (${detail}): ${first}`;
    if (status !== undefined) return `rejected (${detail}): ${first}`;
    const name = (error as Error)?.name ?? '';
    if (/CredentialUnavailable|Authentication/i.test(name)) return `no Azure credential (${first.replace(/\.$/, '')}): sign in with az login locally; in Azure the app's managed identity is used`;
    if (code && /^(E[A-Z]+|REQUEST_SEND_ERROR)$/.test(code)) return `network error (${code}): ${first}`;
    return first || 'unknown error';
  }
}

interface FetchContext {
  start: Date;
  end: Date;
  signal: AbortSignal;
  timedOut: () => boolean;
}

interface ResourceResult {
  series: MetricSeries[];
  unavailable: UnavailableMetric[];
}

/** The finest time grain the definitions offer, ≤ 1 minute when there is one (PT1M for Azure ML). */
function finestGrain(definitions: readonly MetricDefinition[]): string {
  let best: { grain: string; seconds: number } | undefined;
  for (const d of definitions) {
    for (const a of d.metricAvailabilities ?? []) {
      const seconds = a.granularity ? durationSeconds(a.granularity) : undefined;
      if (seconds !== undefined && seconds > 0 && (!best || seconds < best.seconds)) best = { grain: a.granularity!, seconds };
    }
  }
  return best?.grain ?? 'PT1M';
}

/** Seconds of an ISO 8601 duration such as PT1M, PT30S, PT1H, P1D. */
export function durationSeconds(text: string): number | undefined {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(text);
  if (!m) return undefined;
  return Number(m[1] ?? 0) * 86_400 + Number(m[2] ?? 0) * 3_600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
}

type Row = Record<string, unknown>;

function rowsOf(table: LogsTable | undefined): Row[] {
  if (!table) return [];
  const names = table.columnDescriptors.map((c) => c.name ?? '');
  return table.rows.map((row) => Object.fromEntries(names.map((n, i) => [n, row[i]])));
}

function num(value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(n) ? Math.round(n * 1000) / 1000 : 0;
}

function isoOf(value: unknown): string {
  const date = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
}

function percentiles(row: Row, prefix: string): DurationPercentiles {
  return { p50: num(row[`${prefix}P50`]), p95: num(row[`${prefix}P95`]), p99: num(row[`${prefix}P99`]) };
}

function statsOf(row: Row): TrafficLogStats {
  return {
    requests: num(row.Requests),
    ok: num(row.Ok),
    throttled: num(row.Throttled),
    errors: num(row.Errors),
    totalMs: percentiles(row, 'Total'),
    requestMs: percentiles(row, 'Request'),
    responseMs: percentiles(row, 'Response'),
    modelMs: percentiles(row, 'Model'),
    requestThrottlingDelayMs: { p95: num(row.RequestThrottleP95), max: num(row.RequestThrottleMax) },
    responseThrottlingDelayMs: { p95: num(row.ResponseThrottleP95), max: num(row.ResponseThrottleMax) },
  };
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function clean(text: string): string {
  return scrubSecrets(text).slice(0, 300);
}
