/**
 * KQL over AmlOnlineEndpointTrafficLog (one row per request an Azure ML online endpoint received), for
 * a run's window. Documented in docs/endpoint-metrics.md; the column names are those of the Azure
 * Monitor table reference. ResponseCode and ModelStatusCode go through toint() because the sample
 * queries compare ResponseCode with strings while the reference types it int.
 */

export interface TrafficLogFilter {
  endpointName: string;
  deploymentName?: string;
  start: Date;
  end: Date;
}

/** Names are letters, digits, '-', '_' and '.'; anything else is refused rather than quoted. */
function name(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(value)) throw new Error(`not a valid endpoint or deployment name: ${JSON.stringify(value.slice(0, 80))}`);
  return `'${value}'`;
}

function source(f: TrafficLogFilter): string {
  const lines = [
    'AmlOnlineEndpointTrafficLog',
    `| where TimeGenerated >= datetime(${f.start.toISOString()}) and TimeGenerated < datetime(${f.end.toISOString()})`,
    `| where EndpointName =~ ${name(f.endpointName)}`,
  ];
  if (f.deploymentName) lines.push(`| where DeploymentName =~ ${name(f.deploymentName)}`);
  lines.push('| extend Code = toint(ResponseCode), ModelMs = toint(ResponseDurationMs) - toint(RequestDurationMs)');
  return lines.join('\n');
}

/** The aggregates per row: counts, duration percentiles and throttling delays. */
const STATS = [
  'Requests = count()',
  'Ok = countif(Code between (200 .. 299))',
  'Throttled = countif(Code == 429)',
  'Errors = countif(Code < 200 or Code > 299)',
  'TotalP50 = percentile(TotalDurationMs, 50), TotalP95 = percentile(TotalDurationMs, 95), TotalP99 = percentile(TotalDurationMs, 99)',
  'RequestP50 = percentile(RequestDurationMs, 50), RequestP95 = percentile(RequestDurationMs, 95), RequestP99 = percentile(RequestDurationMs, 99)',
  'ResponseP50 = percentile(ResponseDurationMs, 50), ResponseP95 = percentile(ResponseDurationMs, 95), ResponseP99 = percentile(ResponseDurationMs, 99)',
  'ModelP50 = percentile(ModelMs, 50), ModelP95 = percentile(ModelMs, 95), ModelP99 = percentile(ModelMs, 99)',
  'RequestThrottleP95 = percentile(RequestThrottlingDelayMs, 95), RequestThrottleMax = max(RequestThrottlingDelayMs)',
  'ResponseThrottleP95 = percentile(ResponseThrottlingDelayMs, 95), ResponseThrottleMax = max(ResponseThrottlingDelayMs)',
].join(',\n    ');

/** One row per minute of the window that had requests. */
export function perMinuteQuery(f: TrafficLogFilter): string {
  return `${source(f)}\n| summarize ${STATS}\n    by Timestamp = bin(TimeGenerated, 1m)\n| order by Timestamp asc`;
}

/** One row for the whole window: percentiles over all its requests (Kusto's percentile() is an estimate, not averaged minutes). */
export function totalQuery(f: TrafficLogFilter): string {
  return `${source(f)}\n| summarize ${STATS}`;
}

/** Requests by final response code and the model's status code. */
export function codesQuery(f: TrafficLogFilter): string {
  return `${source(f)}\n| summarize Requests = count() by FinalCode = Code, ModelCode = toint(ModelStatusCode)\n| order by Requests desc\n| take 100`;
}
