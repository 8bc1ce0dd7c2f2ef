import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { CHAT_DEFAULTS, ChatModel } from './chat-completions.js';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { DeploymentPool, type PoolOutcome } from './deployment-pool.js';
import { routeRequest } from './deployment-router.js';
import { MAX_PARSED_BODY_BYTES, predictionsFor } from './fake-model.js';
import { createRandom, type RandomSource } from './seeded-random.js';
import { describeServiceTime, meanServiceTimeMs } from './service-time.js';
import {
  resolveSimulatorOptions,
  type ResolvedDeployment,
  type ResolvedSimulatorOptions,
  type SimulatorOptions,
} from './simulator-options.js';
import { SimulatorStatsRecorder, type SimulatorStats } from './simulator-stats.js';

export { validateSimulatorOptions } from './simulator-options.js';
export type { ServiceTimeSpec, SimulatorDeployment, SimulatorOptions } from './simulator-options.js';
export type { SimulatorStats } from './simulator-stats.js';

export interface RunningSimulator {
  /** Base URL without a trailing slash: POST to it, or to `${url}/score` like an Azure ML scoring URI. */
  url: string;
  port: number;
  stats(): SimulatorStats;
  /** Requests per second the weighted deployments can complete (see simulatorCapacityRps). */
  capacityRps: number;
  /** Drops in-flight requests, clears every timer and closes every connection. */
  close(): Promise<void>;
}

/** Request header that picks a deployment; the simulator also answers with it to say which one served. */
const DEPLOYMENT_HEADER = 'azureml-model-deployment';
/** Longer than common client idle timeouts, so load runners' pooled connections are not cut under them. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;
const LISTEN_BACKLOG = 4096;

const TIMEOUT_BODY = 'upstream request timeout';
const TOO_MANY_BODY = JSON.stringify({ message: 'Too many pending requests' });
const MODEL_ERROR_BODY = JSON.stringify({ message: 'The model returned an error (simulated): status 500' });
const SERVER_ERROR_BODY = JSON.stringify({ message: 'Internal server error (simulated)' });
const UNAUTHORIZED_BODY = JSON.stringify({ message: 'Unauthorized: send Authorization: Bearer <endpoint key>' });
const SWAGGER_BODY = JSON.stringify({
  swagger: '2.0',
  info: { title: 'ml-load-runner Azure ML endpoint simulator', version: '1.0' },
  paths: { '/score': { post: { consumes: ['application/json'], produces: ['application/json'] } } },
});

const JSON_TYPE = 'application/json';
const TEXT_TYPE = 'text/plain; charset=utf-8';

interface LiveDeployment extends ResolvedDeployment {
  pool: DeploymentPool;
}

/** Requests per second the deployments with weight > 0 complete at most: Σ slots ÷ mean service time. */
function capacityOf(resolved: ResolvedSimulatorOptions): number {
  let rps = 0;
  for (const d of resolved.deployments) {
    if (d.weight > 0) rps += d.slots / (meanServiceTimeMs(d.serviceTime) / 1000);
  }
  return rps;
}

export function simulatorCapacityRps(options: SimulatorOptions = {}): number {
  return capacityOf(resolveSimulatorOptions(options));
}

function formatRps(rps: number): string {
  return rps >= 100 ? String(Math.round(rps)) : String(Math.round(rps * 10) / 10);
}

/** Several lines for people: where to send requests and what the endpoint can take. Never shows the key. */
export function describeSimulator(sim: RunningSimulator, options: SimulatorOptions = {}): string {
  const resolved = resolveSimulatorOptions(options);
  const totalWeight = resolved.deployments.reduce((sum, d) => sum + (d.weight > 0 ? d.weight : 0), 0);
  const lines = [`Azure ML endpoint simulator: POST ${sim.url}/score`];
  for (const d of resolved.deployments) {
    const traffic =
      d.weight > 0
        ? `weight ${d.weight} (${Math.round((100 * d.weight) / totalWeight)}% of traffic)`
        : `weight 0 (only with header ${DEPLOYMENT_HEADER}: ${d.name})`;
    lines.push(
      `  deployment ${d.name}, ${traffic}: ${d.instances} instance(s) × ${d.maxConcurrentRequestsPerInstance} ` +
        `concurrent = ${d.slots} slot(s), service time ${describeServiceTime(d.serviceTime)}, ` +
        `429 past ${2 * d.slots} in flight`,
    );
  }
  lines.push(`  request timeout ${resolved.requestTimeoutMs} ms (408 after)`);
  if (resolved.errorRate424 > 0 || resolved.errorRate500 > 0) {
    const percent = (share: number) => `${Math.round(share * 10_000) / 100}%`;
    lines.push(`  injected errors: 424 ${percent(resolved.errorRate424)}, 500 ${percent(resolved.errorRate500)}`);
  }
  lines.push(resolved.key === undefined ? '  auth: none' : '  auth: key (Authorization: Bearer <key>)');
  lines.push(`  capacity ≈ ${formatRps(sim.capacityRps)} rps`);
  const chat = { ...CHAT_DEFAULTS, ...options?.chat };
  lines.push(
    `  chat: POST ${sim.url}/v1/chat/completions (OpenAI-compatible, SSE with "stream": true): first token after ${chat.ttftMs} ms, ` +
      `then one every ${chat.interTokenMs} ms, ${chat.outputTokens} tokens, ${chat.maxConcurrent} at once`,
  );
  return lines.join('\n');
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Compares digests in constant time, so response timing says nothing about the key. */
function hasKey(authorization: string | undefined, keyDigest: Buffer): boolean {
  const match = authorization === undefined ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
  return match !== null && timingSafeEqual(sha256(match[1]), keyDigest);
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function pathOf(url: string | undefined): string {
  const path = url ?? '/';
  const query = path.indexOf('?');
  return query === -1 ? path : path.slice(0, query);
}

/** A URL clients can connect to: wildcard addresses become loopback, IPv6 gets brackets. */
function urlFor(host: string, port: number): string {
  const connectHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${connectHost.includes(':') ? `[${connectHost}]` : connectHost}:${port}`;
}

/** Reads the whole body (keep-alive needs it drained); keeps it only while small enough to parse. */
function readBody(req: http.IncomingMessage, onEnd: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  let bytes = 0;
  req.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes <= MAX_PARSED_BODY_BYTES) chunks.push(chunk);
  });
  req.on('end', () => onEnd(bytes <= MAX_PARSED_BODY_BYTES ? Buffer.concat(chunks, bytes) : Buffer.alloc(0)));
  // An aborted upload just ends the exchange; the response's 'close' cleans up.
  req.on('error', () => {});
}

function send(
  res: http.ServerResponse,
  status: number,
  body: string,
  contentType: string,
  headers: Record<string, string> = {},
): boolean {
  if (res.headersSent || res.destroyed) return false;
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'x-request-id': randomUUID(),
    ...headers,
  });
  res.end(body);
  return true;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const resolved = resolveSimulatorOptions(options);
  const random: RandomSource = createRandom(resolved.seed);
  const stats = new SimulatorStatsRecorder();
  const keyDigest = resolved.key === undefined ? undefined : sha256(resolved.key);
  const deployments: LiveDeployment[] = resolved.deployments.map((d) => ({
    ...d,
    pool: new DeploymentPool({
      slots: d.slots,
      serviceTime: d.serviceTime,
      requestTimeoutMs: resolved.requestTimeoutMs,
      random,
      observer: stats,
    }),
  }));
  const chat = new ChatModel(options.chat);
  // Scoring responses not yet answered, so close() can drop them.
  const pending = new Set<http.ServerResponse>();
  let closing = false;

  const sendScoring = (
    res: http.ServerResponse,
    status: number,
    body: string,
    contentType: string,
    headers?: Record<string, string>,
  ): void => {
    if (send(res, status, body, contentType, headers)) stats.responseSent(status);
  };

  const answer = (res: http.ServerResponse, deployment: LiveDeployment, outcome: PoolOutcome, body: Buffer): void => {
    const served = { [DEPLOYMENT_HEADER]: deployment.name };
    if (outcome === 'timeout') return sendScoring(res, 408, TIMEOUT_BODY, TEXT_TYPE, served);
    // One draw for both error kinds, so each rate is its share of all processed requests.
    const errorRate = resolved.errorRate424 + resolved.errorRate500;
    const draw = errorRate > 0 ? random() : 1;
    if (draw < resolved.errorRate424) {
      return sendScoring(res, 424, MODEL_ERROR_BODY, JSON_TYPE, {
        ...served,
        'ms-azureml-model-error-statuscode': '500',
        'ms-azureml-model-error-reason': 'model_error',
      });
    }
    if (draw < errorRate) return sendScoring(res, 500, SERVER_ERROR_BODY, JSON_TYPE, served);
    sendScoring(res, 200, JSON.stringify({ predictions: predictionsFor(body) }), JSON_TYPE, served);
  };

  const score = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, arrivalMs: number): void => {
    if (keyDigest !== undefined && !hasKey(headerText(req.headers.authorization), keyDigest)) {
      return sendScoring(res, 401, UNAUTHORIZED_BODY, JSON_TYPE, { 'www-authenticate': 'Bearer' });
    }
    const route = routeRequest(deployments, headerText(req.headers[DEPLOYMENT_HEADER]), random);
    if ('status' in route) return sendScoring(res, 404, JSON.stringify({ message: route.message }), JSON_TYPE);
    const deployment = route.deployment;
    stats.routed(deployment.name);
    const ticket = deployment.pool.admit(arrivalMs, (outcome) => answer(res, deployment, outcome, body));
    if (ticket === undefined) {
      return sendScoring(res, 429, TOO_MANY_BODY, JSON_TYPE, { [DEPLOYMENT_HEADER]: deployment.name });
    }
    // A client that gives up while queued leaves the queue; one being processed still uses its slot.
    res.once('close', () => ticket.cancel());
  };

  const completeChat = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void => {
    if (keyDigest !== undefined && !hasKey(headerText(req.headers.authorization), keyDigest)) {
      return sendScoring(res, 401, UNAUTHORIZED_BODY, JSON_TYPE, { 'www-authenticate': 'Bearer' });
    }
    const route = routeRequest(deployments, headerText(req.headers[DEPLOYMENT_HEADER]), random);
    if ('status' in route) return sendScoring(res, 404, JSON.stringify({ message: route.message }), JSON_TYPE);
    stats.routed(route.deployment.name);
    const status = chat.handle(res, body, route.deployment.name);
    res.once('finish', () => stats.responseSent(status));
  };

  const other = (req: http.IncomingMessage, res: http.ServerResponse, path: string): void => {
    if (req.method === 'GET' && path === '/') send(res, 200, 'Healthy', TEXT_TYPE);
    else if (req.method === 'GET' && path === '/swagger.json') send(res, 200, SWAGGER_BODY, JSON_TYPE);
    else send(res, 404, 'Not Found', TEXT_TYPE);
  };

  const server = http.createServer({ keepAlive: true }, (req, res) => {
    const arrivalMs = performance.now();
    const path = pathOf(req.url);
    const chatting = req.method === 'POST' && (path === '/v1/chat/completions' || path === '/chat/completions');
    const scoring = req.method === 'POST' && (path === '/score' || path === '/' || chatting);
    if (scoring) {
      stats.requestReceived();
      pending.add(res);
      res.once('close', () => pending.delete(res));
    }
    readBody(req, (body) => {
      if (closing) res.destroy();
      else if (chatting) completeChat(req, res, body);
      else if (scoring) score(req, res, body, arrivalMs);
      else other(req, res, path);
    });
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: resolved.host, port: resolved.port, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Later server errors (e.g. accept failing under fd pressure) must not crash the host process;
  // the library prints nothing, and the affected connections fail on their own.
  server.on('error', () => {});

  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    url: urlFor(resolved.host, port),
    port,
    capacityRps: capacityOf(resolved),
    stats: () => stats.snapshot(),
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        closing = true;
        for (const d of deployments) d.pool.close();
        chat.close();
        for (const res of pending) res.destroy();
        pending.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
