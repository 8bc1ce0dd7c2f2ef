/**
 * A local stand-in for Azure Monitor: the metrics REST API of Azure Resource Manager
 * (`/<resourceId>/providers/Microsoft.Insights/metricDefinitions` and `/metrics`) and the Log Analytics
 * query API (`/v1/workspaces/<id>/query`), answering with their documented response shapes, over
 * HTTPS on 127.0.0.1 with a self-signed certificate made by openssl at test time (the SDK's bearer
 * token policy refuses plain http). Tests pass `ca` to the SDK through `tlsOptions`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessToken, TokenCredential } from '@azure/core-auth';

/** Ids of a made-up online endpoint, its deployment and a Log Analytics workspace. */
export const ENDPOINT_ID = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/ws1/onlineEndpoints/fraud';
export const DEPLOYMENT_ID = `${ENDPOINT_ID}/deployments/blue`;
export const WORKSPACE_ID = '11111111-2222-3333-4444-555555555555';

export interface SelfSignedCert {
  cert: string;
  key: string;
}

let cached: SelfSignedCert | undefined;

/** A throw-away certificate for 127.0.0.1 (one per test process). */
export function selfSignedCert(): SelfSignedCert {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'mlload-cert-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
      { stdio: 'ignore' },
    );
    cached = { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A TokenCredential that hands out a fixed token and counts the calls. */
export class FakeCredential implements TokenCredential {
  calls: string[] = [];
  async getToken(scopes: string | string[]): Promise<AccessToken> {
    this.calls.push(Array.isArray(scopes) ? scopes.join(' ') : scopes);
    return { token: 'fake-token-123', expiresOnTimestamp: Date.now() + 3_600_000 };
  }
}

export interface FakeMetric {
  name: string;
  unit: string;
  /** Supported aggregations (default Average, Minimum, Maximum). */
  aggregations?: string[];
  /** Value of the grain starting at t; null = no data in that minute. */
  value?: (t: Date, aggregation: string) => number | null;
}

export type FakeFailure = { status: number; code: string; message: string; headers?: Record<string, string> };

export interface FakeResource {
  metrics: FakeMetric[];
}

export interface FakeLogs {
  perMinute: Record<string, unknown>[];
  total: Record<string, unknown>[];
  codes: Record<string, unknown>[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization?: string;
  body: string;
}

export interface FakeMonitorOptions {
  /** Keyed by resource id (any case). */
  resources: Record<string, FakeResource | FakeFailure>;
  /** Log Analytics answers, or a failure. */
  logs?: FakeLogs | FakeFailure;
  /** Called first for every request: an answer here wins (429 sequences, slow answers…). */
  intercept?: (req: RecordedRequest, seq: number) => FakeFailure | { status: number; body: unknown; headers?: Record<string, string> } | 'hang' | undefined;
}

export interface FakeMonitor {
  url: string;
  ca: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { Timestamp: 'datetime' };

function table(rows: Record<string, unknown>[]): { name: string; columns: { name: string; type: string }[]; rows: unknown[][] } {
  const names = rows.length > 0 ? Object.keys(rows[0]) : ['Requests'];
  return {
    name: 'PrimaryResult',
    columns: names.map((name) => ({ name, type: TYPES[name] ?? (name.endsWith('Code') || name === 'Requests' ? 'long' : 'real') })),
    rows: rows.map((r) => names.map((n) => r[n])),
  };
}

function isFailure(value: unknown): value is FakeFailure {
  return typeof (value as FakeFailure)?.status === 'number';
}

export async function startFakeMonitor(options: FakeMonitorOptions): Promise<FakeMonitor> {
  const { cert, key } = selfSignedCert();
  const requests: RecordedRequest[] = [];
  const resources = new Map(Object.entries(options.resources).map(([id, r]) => [id.toLowerCase(), r]));
  const hanging: ServerResponse[] = [];

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-ms-request-id': 'fake', ...headers });
    res.end(JSON.stringify(body));
  };
  const fail = (res: ServerResponse, f: FakeFailure, logs: boolean) =>
    send(res, f.status, logs ? { error: { code: f.code, message: f.message } } : { error: { code: f.code, message: f.message } }, f.headers);

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    // Concatenated, not resolved: a path starting with // must not turn into a host name.
    const url = new URL(`https://127.0.0.1${req.url ?? '/'}`);
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path: decodeURIComponent(url.pathname), query: url.searchParams, authorization: req.headers.authorization, body };
    const seq = requests.push(recorded) - 1;
    const intercepted = options.intercept?.(recorded, seq);
    if (intercepted === 'hang') {
      hanging.push(res);
      return;
    }
    if (intercepted) {
      if ('code' in intercepted) return fail(res, intercepted, recorded.path.startsWith('/v1/'));
      return send(res, intercepted.status, intercepted.body, intercepted.headers);
    }

    // Log Analytics: POST /v1/workspaces/<id>/query { query, timespan }
    const logMatch = /^\/v1\/workspaces\/([^/]+)\/query$/.exec(recorded.path);
    if (logMatch) {
      const logs = options.logs;
      if (!logs) return fail(res, { status: 404, code: 'WorkspaceNotFoundError', message: `Workspace ${logMatch[1]} not found` }, true);
      if (isFailure(logs)) return fail(res, logs, true);
      const query = (JSON.parse(body || '{}') as { query?: string }).query ?? '';
      const rows = query.includes('bin(TimeGenerated') ? logs.perMinute : query.includes('FinalCode') ? logs.codes : logs.total;
      return send(res, 200, { tables: [table(rows)] });
    }

    // ARM metrics: /<resourceId>/providers/Microsoft.Insights/<metricDefinitions|metrics>
    const armMatch = /^(.*)\/providers\/microsoft\.insights\/(metricdefinitions|metrics)$/i.exec(recorded.path);
    if (!armMatch) return send(res, 404, { error: { code: 'NotFound', message: `no route ${recorded.path}` } });
    const resourceId = armMatch[1];
    const resource = resources.get(resourceId.toLowerCase());
    if (!resource) return fail(res, { status: 404, code: 'ResourceNotFound', message: `The Resource '${resourceId}' was not found.` }, false);
    if (isFailure(resource)) return fail(res, resource, false);

    if (armMatch[2].toLowerCase() === 'metricdefinitions') {
      return send(res, 200, {
        value: resource.metrics.map((m) => ({
          id: `${resourceId}/providers/microsoft.insights/metricdefinitions/${m.name}`,
          resourceId,
          namespace: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints',
          name: { value: m.name, localizedValue: m.name },
          displayDescription: `${m.name} (fake)`,
          isDimensionRequired: false,
          unit: m.unit,
          primaryAggregationType: (m.aggregations ?? ['Average'])[0],
          supportedAggregationTypes: m.aggregations ?? ['Average', 'Minimum', 'Maximum'],
          metricAvailabilities: [
            { timeGrain: 'PT1M', retention: 'P93D' },
            { timeGrain: 'PT5M', retention: 'P93D' },
            { timeGrain: 'PT1H', retention: 'P93D' },
          ],
        })),
      });
    }

    const names = (recorded.query.get('metricnames') ?? '').split(',').filter(Boolean);
    const aggregation = (recorded.query.get('aggregation') ?? 'Average').split(',')[0];
    const [from, to] = (recorded.query.get('timespan') ?? '').split('/').map((t) => Date.parse(t));
    const unknown = names.filter((n) => !resource.metrics.some((m) => m.name.toLowerCase() === n.toLowerCase()));
    if (unknown.length > 0) {
      return send(res, 400, {
        code: 'BadRequest',
        message: `Failed to find metric configuration for provider: Microsoft.MachineLearningServices, resource Id: ${resourceId}, metric: '${unknown[0]}', Valid metrics: ${resource.metrics.map((m) => m.name).join(',')}`,
      });
    }
    const key = aggregation.toLowerCase();
    const value = names.map((n) => {
      const m = resource.metrics.find((x) => x.name.toLowerCase() === n.toLowerCase())!;
      const data: Record<string, unknown>[] = [];
      for (let t = Math.floor(from / 60_000) * 60_000; t < to; t += 60_000) {
        const v = m.value?.(new Date(t), aggregation) ?? null;
        data.push(v === null ? { timeStamp: new Date(t).toISOString().replace('.000Z', 'Z') } : { timeStamp: new Date(t).toISOString().replace('.000Z', 'Z'), [key]: v });
      }
      return {
        id: `${resourceId}/providers/Microsoft.Insights/metrics/${m.name}`,
        type: 'Microsoft.Insights/metrics',
        name: { value: m.name, localizedValue: m.name },
        displayDescription: '',
        unit: m.unit,
        timeseries: [{ metadatavalues: [], data }],
        errorCode: 'Success',
      };
    });
    return send(res, 200, { cost: 0, timespan: recorded.query.get('timespan'), interval: recorded.query.get('interval') ?? 'PT1M', value, namespace: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints', resourceregion: 'eastus' });
  };

  const server = https.createServer({ cert, key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    ca: cert,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
