import type { Plan } from './plan.js';

/**
 * The latency a successful request must meet to count toward goodput (requests per second that met the
 * objective, as vLLM and GenAI-Perf report it): a capacity search's latency SLO, else the plan's
 * tightest-percentile latency threshold (p99, p95, p90, p50, then max). Undefined when the plan sets none:
 * every 2xx response then counts.
 */
export function goodputLimitMs(plan: Plan): number | undefined {
  if (plan.load.model === 'capacity') return plan.load.slo.p99Ms ?? plan.load.slo.p95Ms;
  const t = plan.thresholds;
  return t.p99Ms ?? t.p95Ms ?? t.p90Ms ?? t.p50Ms ?? t.maxMs;
}
