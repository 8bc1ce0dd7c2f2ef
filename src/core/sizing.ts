import type { Plan } from './plan.js';
import type { RunSummary } from './run-summary.js';

/**
 * How many instances an Azure ML online deployment needs for a rate, from the run's own figures.
 * The formula is the one Azure ML's troubleshooting guide gives (Little's law with headroom):
 *
 *     instances = ceil(rps × latency_s ÷ target_utilization ÷ max_concurrent_requests_per_instance)
 *
 * rps × latency_s is how many requests are in flight on average; each instance serves
 * max_concurrent_requests_per_instance of them at once, and only target_utilization of that is
 * planned to be used (the rest absorbs bursts: past 2 × max_concurrent × instances requests in
 * flight the endpoint answers 429).
 */
export const SIZING_FORMULA = 'instances = ceil(rps × latency_s ÷ target_utilization ÷ max_concurrent_requests_per_instance)';

/** Azure ML's default max_concurrent_requests_per_instance (request_settings). */
export const AZURE_ML_DEFAULT_MAX_CONCURRENT = 1;
export const DEFAULT_TARGET_UTILIZATION = 0.7;

export interface SizingResult {
  available: true;
  formula: string;
  /** The rate sized for, and where it came from. */
  targetRps: number;
  targetRpsFrom: string;
  /** The latency used (seconds), and where it came from. */
  latencyS: number;
  latencyFrom: string;
  targetUtilization: number;
  maxConcurrentRequestsPerInstance: number;
  maxConcurrentFrom: string;
  /** rps × latency_s: requests in flight on average at the target rate (Little's law). */
  inFlight: number;
  /** The formula before rounding up. */
  instancesExact: number;
  /** ceil(instancesExact), at least 1. */
  instances: number;
  /** Instances the run was served by, when known, and from where. */
  currentInstances?: number;
  currentInstancesFrom?: string;
  /** instances − currentInstances. */
  change?: number;
  currency?: string;
  instanceHourlyPrice?: number;
  /** instances × instanceHourlyPrice. */
  costPerHour?: number;
  /** change × instanceHourlyPrice. */
  changePerHour?: number;
  /** The recommendation in one plain sentence. */
  sentence: string;
  /** Caveats on the inputs. */
  notes: string[];
}

export interface SizingUnavailable {
  available: false;
  /** Why no recommendation could be made. */
  sentence: string;
}

export type SizingRecommendation = SizingResult | SizingUnavailable;

export interface SizingInputs {
  targetRps: number;
  targetRpsFrom?: string;
  latencyS: number;
  latencyFrom?: string;
  targetUtilization?: number;
  maxConcurrentRequestsPerInstance: number;
  maxConcurrentFrom?: string;
  currentInstances?: number;
  currentInstancesFrom?: string;
  instanceHourlyPrice?: number;
  currency?: string;
  /** Phrase for the rate in the sentence (default "<rps> rps"). */
  rateText?: string;
  notes?: string[];
}

/** The formula itself: rounding to 9 decimals first keeps 36.00000000000001 from becoming 37. */
export function instancesFor(rps: number, latencyS: number, targetUtilization: number, maxConcurrent: number): { exact: number; instances: number } {
  const exact = (rps * latencyS) / targetUtilization / maxConcurrent;
  return { exact, instances: Math.max(1, Math.ceil(Number(exact.toFixed(9)))) };
}

export function recommendSizing(input: SizingInputs): SizingResult {
  const u = input.targetUtilization ?? DEFAULT_TARGET_UTILIZATION;
  if (!(u > 0 && u <= 1)) throw new RangeError('targetUtilization must be in (0, 1]');
  if (!(input.maxConcurrentRequestsPerInstance >= 1)) throw new RangeError('maxConcurrentRequestsPerInstance must be ≥ 1');
  if (!(input.targetRps >= 0) || !(input.latencyS >= 0)) throw new RangeError('rate and latency must be ≥ 0');
  const { exact, instances } = instancesFor(input.targetRps, input.latencyS, u, input.maxConcurrentRequestsPerInstance);
  const result: SizingResult = {
    available: true,
    formula: SIZING_FORMULA,
    targetRps: round(input.targetRps, 3),
    targetRpsFrom: input.targetRpsFrom ?? 'given',
    latencyS: round(input.latencyS, 6),
    latencyFrom: input.latencyFrom ?? 'given',
    targetUtilization: u,
    maxConcurrentRequestsPerInstance: input.maxConcurrentRequestsPerInstance,
    maxConcurrentFrom: input.maxConcurrentFrom ?? 'given',
    inFlight: round(input.targetRps * input.latencyS, 3),
    instancesExact: round(exact, 4),
    instances,
    sentence: '',
    notes: [...(input.notes ?? [])],
  };
  if (input.currentInstances !== undefined) {
    result.currentInstances = input.currentInstances;
    result.currentInstancesFrom = input.currentInstancesFrom ?? 'given';
    result.change = instances - input.currentInstances;
  }
  if (input.instanceHourlyPrice !== undefined) {
    result.currency = input.currency ?? 'USD';
    result.instanceHourlyPrice = input.instanceHourlyPrice;
    result.costPerHour = round(instances * input.instanceHourlyPrice, 4);
    if (result.change !== undefined) result.changePerHour = round(result.change * input.instanceHourlyPrice, 4);
  }
  result.sentence = sizingSentence(result, input.rateText);
  return result;
}

/**
 * "To serve 120 rps at p95 0.42 s with 70% utilization you need 36 instances of 2 concurrent requests
 * each (you ran 2): +34 instances, about $108.80/hour more."
 */
export function sizingSentence(s: SizingResult, rateText?: string): string {
  const rate = rateText ?? `${fmt(s.targetRps, 1)} rps`;
  const latencyWord = /p\d+/.exec(s.latencyFrom)?.[0] ?? 'latency';
  const each = `${s.maxConcurrentRequestsPerInstance} concurrent request${s.maxConcurrentRequestsPerInstance === 1 ? '' : 's'} each`;
  let text = `To serve ${rate} at ${latencyWord} ${fmt(s.latencyS, 3)} s with ${fmt(s.targetUtilization * 100, 0)}% utilization you need ${s.instances} instance${s.instances === 1 ? '' : 's'} of ${each}`;
  if (s.currentInstances !== undefined && s.change !== undefined) {
    text += ` (you ran ${s.currentInstances})`;
    if (s.change === 0) text += ': no change';
    else text += `: ${s.change > 0 ? '+' : '−'}${Math.abs(s.change)} instance${Math.abs(s.change) === 1 ? '' : 's'}`;
    if (s.changePerHour !== undefined && s.change !== 0) text += `, about ${money(Math.abs(s.changePerHour), s.currency)}/hour ${s.change > 0 ? 'more' : 'less'}`;
    else if (s.costPerHour !== undefined) text += `, about ${money(s.costPerHour, s.currency)}/hour`;
  } else if (s.costPerHour !== undefined) {
    text += `, about ${money(s.costPerHour, s.currency)}/hour`;
  }
  return `${text}.`;
}

const SYMBOLS: Record<string, string> = { USD: '$', EUR: '€', GBP: '£' };

export function money(amount: number, currency = 'USD'): string {
  const symbol = SYMBOLS[currency.toUpperCase()];
  const text = amount.toFixed(2);
  return symbol ? `${symbol}${text}` : `${text} ${currency}`;
}

function fmt(value: number, digits: number): string {
  return String(Number(value.toFixed(digits)));
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

// ── from a run ────────────────────────────────────────────────────────────────────────────────────

function positiveNumber(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** True when a run should get a sizing recommendation: the plan asks for one or describes an Azure ML deployment. */
export function wantsSizing(plan: Plan): boolean {
  return plan.sizing !== undefined || plan.tags.maxConcurrentRequestsPerInstance !== undefined || plan.target.resourceId !== undefined || plan.target.deploymentResourceId !== undefined;
}

/**
 * The recommendation for a finished run: the plan's sizing target (else the capacity found by a
 * capacity search, else the achieved rate), the plan's latency (else the run's client p95),
 * max_concurrent_requests_per_instance and the instance count from the plan (sizing, cost, tags) or,
 * for instances, from the endpoint metrics.
 */
export function sizingForRun(plan: Plan, summary: RunSummary, observedInstances?: number): SizingRecommendation {
  const sizing: Partial<NonNullable<Plan['sizing']>> = plan.sizing ?? {};
  const notes: string[] = [];

  const capacity = summary.capacity?.maxRps;
  let targetRps: number;
  let targetRpsFrom: string;
  let rateText: string | undefined;
  if (sizing.targetRps !== undefined) {
    targetRps = sizing.targetRps;
    targetRpsFrom = 'plan sizing.targetRps';
  } else if (capacity !== undefined && capacity > 0) {
    targetRps = capacity;
    targetRpsFrom = 'capacity found by the search (summary.capacity.maxRps)';
    rateText = `${fmt(capacity, 1)} rps (the capacity found)`;
  } else {
    targetRps = summary.rate.achieved;
    targetRpsFrom = 'achieved send rate of the run';
    rateText = `${fmt(targetRps, 1)} rps (the rate this run achieved)`;
  }
  if (!(targetRps > 0)) return { available: false, sentence: 'No sizing recommendation: the run sent nothing, so there is no rate to size for (set sizing.targetRps).' };

  let latencyS: number;
  let latencyFrom: string;
  if (sizing.latencyMs !== undefined) {
    latencyS = sizing.latencyMs / 1000;
    latencyFrom = 'plan sizing.latencyMs';
  } else {
    if (summary.requests.ok === 0 || !(summary.latencyMs.p95 > 0)) {
      return { available: false, sentence: 'No sizing recommendation: no request succeeded, so the run measured no latency to size with (set sizing.latencyMs).' };
    }
    latencyS = summary.latencyMs.p95 / 1000;
    latencyFrom = 'client p95 of the run (from intended send time)';
    if (summary.errorRate > 0.05) notes.push(`${(summary.errorRate * 100).toFixed(1)}% of requests failed: the p95 includes fast failures (e.g. 429s) and may understate the latency of served requests.`);
  }

  let maxConcurrent: number;
  let maxConcurrentFrom: string;
  const tagConcurrent = positiveNumber(plan.tags.maxConcurrentRequestsPerInstance);
  if (sizing.maxConcurrentRequestsPerInstance !== undefined) {
    maxConcurrent = sizing.maxConcurrentRequestsPerInstance;
    maxConcurrentFrom = 'plan sizing.maxConcurrentRequestsPerInstance';
  } else if (tagConcurrent !== undefined) {
    maxConcurrent = Math.floor(tagConcurrent);
    maxConcurrentFrom = 'plan tag maxConcurrentRequestsPerInstance';
  } else {
    maxConcurrent = AZURE_ML_DEFAULT_MAX_CONCURRENT;
    maxConcurrentFrom = 'Azure ML default (1): set sizing.maxConcurrentRequestsPerInstance to your deployment\'s request_settings';
    notes.push('max_concurrent_requests_per_instance is not in the plan: assumed Azure ML\'s default of 1.');
  }

  let currentInstances: number | undefined;
  let currentInstancesFrom: string | undefined;
  const tagInstances = positiveNumber(plan.tags.instances);
  if (sizing.instances !== undefined) [currentInstances, currentInstancesFrom] = [sizing.instances, 'plan sizing.instances'];
  else if (plan.cost?.instances !== undefined) [currentInstances, currentInstancesFrom] = [plan.cost.instances, 'plan cost.instances'];
  else if (tagInstances !== undefined) [currentInstances, currentInstancesFrom] = [Math.floor(tagInstances), 'plan tag instances'];
  else if (observedInstances !== undefined && observedInstances > 0) [currentInstances, currentInstancesFrom] = [observedInstances, 'endpoint metrics (peak DeploymentCapacity)'];

  const price = sizing.instanceHourlyPrice ?? plan.cost?.instanceHourlyPrice;
  return recommendSizing({
    targetRps,
    targetRpsFrom,
    rateText,
    latencyS,
    latencyFrom,
    targetUtilization: sizing.targetUtilization ?? DEFAULT_TARGET_UTILIZATION,
    maxConcurrentRequestsPerInstance: maxConcurrent,
    maxConcurrentFrom,
    currentInstances,
    currentInstancesFrom,
    instanceHourlyPrice: price,
    currency: plan.cost?.currency ?? sizing.currency ?? 'USD',
    notes,
  });
}
