import { peakRps } from './pacers/pacer-for-load.js';
import type { Plan } from './plan.js';

export interface WorkerLimits {
  /** Highest rate one worker is trusted to deliver (WORKER_MAX_RPS). */
  workerMaxRps: number;
  /** Connections one worker may hold to the target (WORKER_MAX_CONNECTIONS; outbound SNAT ports are finite). */
  workerMaxConnections: number;
  /** Upper bound on workers (MAX_WORKERS). */
  maxWorkers: number;
}

export const DEFAULT_WORKER_LIMITS: WorkerLimits = { workerMaxRps: 1000, workerMaxConnections: 128, maxWorkers: 20 };

/**
 * Workers for `workers: "auto"`:
 *   N = max(1, ⌈peak rps ÷ workerMaxRps⌉, ⌈peak rps × expected latency (s) ÷ workerMaxConnections⌉)
 * capped at maxWorkers. Expected latency is the plan's tightest latency threshold (p99Ms, p95Ms, …),
 * else 1 s; by Little's law, rate × latency is the number of requests in flight, each needing a connection.
 * A closed model needs ⌈vus ÷ workerMaxConnections⌉.
 */
export function autoWorkers(plan: Plan, limits: WorkerLimits = DEFAULT_WORKER_LIMITS): number {
  if (plan.load.model === 'concurrency') return clamp(Math.ceil(plan.load.vus / limits.workerMaxConnections), limits.maxWorkers);
  const rate = peakRps(plan.load);
  const t = plan.thresholds;
  const expectedLatencyS = (t.p99Ms ?? t.p95Ms ?? t.p90Ms ?? t.p50Ms ?? 1000) / 1000;
  return clamp(Math.max(Math.ceil(rate / limits.workerMaxRps), Math.ceil((rate * expectedLatencyS) / limits.workerMaxConnections)), limits.maxWorkers);
}

/** The number of workers a plan runs with: an explicit override, the plan's number, or "auto". */
export function resolveWorkers(plan: Plan, override: number | 'auto' | undefined, limits: WorkerLimits = DEFAULT_WORKER_LIMITS): number {
  const asked = override ?? plan.workers;
  return asked === 'auto' ? autoWorkers(plan, limits) : asked;
}

function clamp(n: number, max: number): number {
  return Math.max(1, Math.min(max, n));
}
