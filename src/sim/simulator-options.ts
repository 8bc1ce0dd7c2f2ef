import { validateChatOptions, type ChatModelOptions } from './chat-completions.js';
import type { ServiceTimeSpec } from './service-time.js';

export type { ServiceTimeSpec } from './service-time.js';

/** One deployment behind the endpoint; unset values come from the top-level options. */
export interface SimulatorDeployment {
  name: string;
  /** Share of traffic without an azureml-model-deployment header (relative to the other weights). */
  weight: number;
  instances?: number;
  maxConcurrentRequestsPerInstance?: number;
  serviceTime?: ServiceTimeSpec;
}

export interface SimulatorOptions {
  host?: string;
  port?: number;
  instances?: number;
  maxConcurrentRequestsPerInstance?: number;
  serviceTime?: ServiceTimeSpec;
  requestTimeoutMs?: number;
  /** Share 0..1 of processed requests answered 424 (model error). */
  errorRate424?: number;
  /** Share 0..1 of processed requests answered 500; together with errorRate424 at most 1. */
  errorRate500?: number;
  /** When set, requests must carry `Authorization: Bearer <key>`. */
  key?: string;
  deployments?: SimulatorDeployment[];
  /** Seeds routing, service times and injected errors, for repeatable tests. */
  seed?: number;
  /** The OpenAI-compatible POST /v1/chat/completions (streams when asked). */
  chat?: ChatModelOptions;
}

/** Defaults are Azure ML's own where it has one (max_concurrent_requests_per_instance, request_timeout_ms). */
export const SIMULATOR_DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  instances: 1,
  maxConcurrentRequestsPerInstance: 1,
  serviceTime: { fixedMs: 50 } as ServiceTimeSpec,
  requestTimeoutMs: 5000,
  errorRate424: 0,
  errorRate500: 0,
  deployments: [{ name: 'blue', weight: 100 }] as SimulatorDeployment[],
} as const;

/** Azure ML's ceiling for request_timeout_ms. */
export const MAX_REQUEST_TIMEOUT_MS = 180_000;

export interface ResolvedDeployment {
  name: string;
  weight: number;
  instances: number;
  maxConcurrentRequestsPerInstance: number;
  /** instances × maxConcurrentRequestsPerInstance: requests processed at once. */
  slots: number;
  serviceTime: ServiceTimeSpec;
}

export interface ResolvedSimulatorOptions {
  host: string;
  port: number;
  requestTimeoutMs: number;
  errorRate424: number;
  errorRate500: number;
  key: string | undefined;
  deployments: ResolvedDeployment[];
  seed: number | undefined;
}

// Names may be echoed in a response header, so they stay header-safe.
const DEPLOYMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

type Problems = string[];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function checkPositiveInteger(value: unknown, name: string, problems: Problems): void {
  if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 1)) {
    problems.push(`${name} must be an integer ≥ 1`);
  }
}

function checkShare(value: unknown, name: string, problems: Problems): void {
  if (value !== undefined && !(isFiniteNumber(value) && value >= 0 && value <= 1)) {
    problems.push(`${name} must be a number from 0 to 1`);
  }
}

function checkServiceTime(value: unknown, name: string, problems: Problems): void {
  if (value === undefined) return;
  if (!isObject(value)) {
    problems.push(`${name} must be { fixedMs } or { medianMs, p99Ms }`);
    return;
  }
  if ('fixedMs' in value) {
    if (!(isFiniteNumber(value.fixedMs) && value.fixedMs > 0)) problems.push(`${name}.fixedMs must be a number > 0`);
    return;
  }
  if (!('medianMs' in value) && !('p99Ms' in value)) {
    problems.push(`${name} must be { fixedMs } or { medianMs, p99Ms }`);
    return;
  }
  const { medianMs, p99Ms } = value;
  const medianOk = isFiniteNumber(medianMs) && medianMs > 0;
  if (!medianOk) problems.push(`${name}.medianMs must be a number > 0`);
  if (!(isFiniteNumber(p99Ms) && p99Ms > 0)) problems.push(`${name}.p99Ms must be a number > 0`);
  else if (medianOk && p99Ms < (medianMs as number)) problems.push(`${name}.p99Ms must be ≥ medianMs`);
}

function checkDeployments(value: unknown, problems: Problems): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.length === 0) {
    problems.push('deployments must be a non-empty list');
    return;
  }
  const seen = new Set<string>();
  value.forEach((d: unknown, i) => {
    const at = `deployments[${i}]`;
    if (!isObject(d)) {
      problems.push(`${at} must be an object { name, weight }`);
      return;
    }
    if (typeof d.name !== 'string' || !DEPLOYMENT_NAME.test(d.name)) {
      problems.push(`${at}.name must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`);
    } else if (seen.has(d.name)) {
      problems.push(`${at}.name '${d.name}' is used twice`);
    } else {
      seen.add(d.name);
    }
    if (!(isFiniteNumber(d.weight) && d.weight >= 0)) problems.push(`${at}.weight must be a number ≥ 0`);
    checkPositiveInteger(d.instances, `${at}.instances`, problems);
    checkPositiveInteger(d.maxConcurrentRequestsPerInstance, `${at}.maxConcurrentRequestsPerInstance`, problems);
    checkServiceTime(d.serviceTime, `${at}.serviceTime`, problems);
  });
}

/** Every problem at once, each naming its option; empty when the options are fine. Unknown keys are ignored. */
export function validateSimulatorOptions(options: unknown): string[] {
  if (options === undefined) return [];
  if (!isObject(options)) return ['options must be an object'];
  const o = options;
  const problems: Problems = [];
  if (o.host !== undefined && (typeof o.host !== 'string' || o.host.trim() === '')) {
    problems.push('host must be a non-empty string');
  }
  if (o.port !== undefined && !(Number.isInteger(o.port) && (o.port as number) >= 0 && (o.port as number) <= 65535)) {
    problems.push('port must be an integer from 0 to 65535 (0 picks a free port)');
  }
  checkPositiveInteger(o.instances, 'instances', problems);
  checkPositiveInteger(o.maxConcurrentRequestsPerInstance, 'maxConcurrentRequestsPerInstance', problems);
  checkServiceTime(o.serviceTime, 'serviceTime', problems);
  if (
    o.requestTimeoutMs !== undefined &&
    !(isFiniteNumber(o.requestTimeoutMs) && o.requestTimeoutMs > 0 && o.requestTimeoutMs <= MAX_REQUEST_TIMEOUT_MS)
  ) {
    problems.push(`requestTimeoutMs must be a number > 0 and ≤ ${MAX_REQUEST_TIMEOUT_MS} (Azure ML's maximum)`);
  }
  checkShare(o.errorRate424, 'errorRate424', problems);
  checkShare(o.errorRate500, 'errorRate500', problems);
  if (isFiniteNumber(o.errorRate424) && isFiniteNumber(o.errorRate500) && o.errorRate424 + o.errorRate500 > 1) {
    problems.push('errorRate424 + errorRate500 must be ≤ 1');
  }
  // Never quote the key's value: it is a secret.
  if (o.key !== undefined && (typeof o.key !== 'string' || o.key === '' || /[\s\0-\x1f\x7f]/.test(o.key))) {
    problems.push('key must be a non-empty string without spaces or control characters');
  }
  checkDeployments(o.deployments, problems);
  problems.push(...validateChatOptions(o.chat));
  if (o.seed !== undefined && !Number.isInteger(o.seed)) problems.push('seed must be an integer');
  return problems;
}

/** Options with every default filled in; throws with all problems when the options are invalid. */
export function resolveSimulatorOptions(options: SimulatorOptions = {}): ResolvedSimulatorOptions {
  const problems = validateSimulatorOptions(options);
  if (problems.length > 0) throw new Error(`Invalid simulator options:\n- ${problems.join('\n- ')}`);
  const d = SIMULATOR_DEFAULTS;
  const instances = options.instances ?? d.instances;
  const concurrency = options.maxConcurrentRequestsPerInstance ?? d.maxConcurrentRequestsPerInstance;
  const serviceTime = options.serviceTime ?? d.serviceTime;
  return {
    host: options.host ?? d.host,
    port: options.port ?? d.port,
    requestTimeoutMs: options.requestTimeoutMs ?? d.requestTimeoutMs,
    errorRate424: options.errorRate424 ?? d.errorRate424,
    errorRate500: options.errorRate500 ?? d.errorRate500,
    key: options.key,
    seed: options.seed,
    deployments: (options.deployments ?? d.deployments).map((dep) => {
      const depInstances = dep.instances ?? instances;
      const depConcurrency = dep.maxConcurrentRequestsPerInstance ?? concurrency;
      return {
        name: dep.name,
        weight: dep.weight,
        instances: depInstances,
        maxConcurrentRequestsPerInstance: depConcurrency,
        slots: depInstances * depConcurrency,
        serviceTime: dep.serviceTime ?? serviceTime,
      };
    }),
  };
}
