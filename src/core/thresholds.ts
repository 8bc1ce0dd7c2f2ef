import type { Thresholds } from './plan.js';

export interface ThresholdResult {
  metric: keyof Thresholds;
  limit: number;
  actual: number;
  passed: boolean;
}

export interface ThresholdInputs {
  latencyMs: { p50: number; p90: number; p95: number; p99: number; p999: number; max: number; mean: number };
  errorRate: number;
  throttleRate: number;
  achievedRps: number;
}

/** Every threshold in the plan, judged on the merged result. Latency and rates are upper limits; minAchievedRps is a lower one. */
export function evaluateThresholds(thresholds: Thresholds, inputs: ThresholdInputs): ThresholdResult[] {
  const actualOf: Record<keyof Thresholds, number> = {
    p50Ms: inputs.latencyMs.p50,
    p90Ms: inputs.latencyMs.p90,
    p95Ms: inputs.latencyMs.p95,
    p99Ms: inputs.latencyMs.p99,
    p999Ms: inputs.latencyMs.p999,
    maxMs: inputs.latencyMs.max,
    meanMs: inputs.latencyMs.mean,
    errorRate: inputs.errorRate,
    throttleRate: inputs.throttleRate,
    minAchievedRps: inputs.achievedRps,
  };
  const results: ThresholdResult[] = [];
  for (const metric of Object.keys(actualOf) as (keyof Thresholds)[]) {
    const limit = thresholds[metric];
    if (limit === undefined) continue;
    const actual = actualOf[metric];
    const passed = metric === 'minAchievedRps' ? actual >= limit : actual <= limit;
    results.push({ metric, limit, actual, passed });
  }
  return results;
}
