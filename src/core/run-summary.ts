import { Aggregate, type Counts } from './aggregate.js';
import type { BaselineVerdict } from './baseline.js';
import type { EndpointSummary } from './endpoint-summary.js';
import type { SizingRecommendation } from './sizing.js';
import type { SliceOutcome } from './execute-slice.js';
import { createHistogram, percentilesMs, type PercentilesMs } from './histogram.js';
import { peakRps, runPacer } from './pacers/pacer-for-load.js';
import type { CapacityState } from './capacity-search.js';
import { goodputLimitMs } from './goodput.js';
import type { Plan } from './plan.js';
import { redactUrl } from './redact.js';
import { evaluateThresholds, type ThresholdResult } from './thresholds.js';

export type RunStatus = 'scheduled' | 'running' | 'passed' | 'failed' | 'partial' | 'error';

export interface WorkerSummary {
  worker: number;
  planned: number;
  sent: number;
  achievedRate: number;
  scheduleLagP99Ms: number;
  /** Worst lateness of this worker's slices at start, ms. */
  lateMs: number;
}

export interface DeploymentSummary {
  completed: number;
  ok: number;
  errors: number;
  throttled: number;
  latencyMs: PercentilesMs;
}

/** The run summary (DESIGN §5): what `--json` prints and `summary.json` holds. */
export interface RunSummary {
  runId: string;
  name: string;
  status: RunStatus;
  /** Why the status is not `passed`, in words. */
  reasons: string[];
  startedAt: string;
  endedAt: string;
  durationS: number;
  target: { url: string; host: string; deployment?: string; model: string; peakRps: number };
  requests: Counts;
  rate: { target: number; achieved: number; throughput: number };
  latencyMs: PercentilesMs;
  serviceTimeMs: PercentilesMs;
  scheduleLagMs: { p50: number; p99: number; max: number };
  inFlightPeak: number;
  errorRate: number;
  throttleRate: number;
  statusCodes: Record<string, number>;
  errorsByCode: Record<string, number>;
  thresholds: ThresholdResult[];
  workers: WorkerSummary[];
  byDeployment: Record<string, DeploymentSummary>;
  slices: { expected: number; reported: number; missing: string[]; missed: string[]; failed: string[] };
  tags: Record<string, string | number | boolean>;
  /** Present when responses were token streams (SSE). */
  streaming?: StreamingSummary;
  /** 2xx responses that met the latency objective (capacity SLO, else the tightest latency threshold), per second. */
  goodput: { rps: number; requests: number; latencyLimitMs: number | null };
  /** Present for a capacity search: the highest rate that met the SLO, and every step. */
  capacity?: CapacitySummary;
  /** Present when the plan has `cost`, or when the run's own Functions cost is known. */
  cost?: CostSummary;
  /** Present when the plan retries throttled requests: latency above is end to end (first send → final answer). */
  retry?: { policy: string; retriesSent: number; succeededAfterRetry: number; firstAttemptLatencyMs: PercentilesMs };
  /** Present when the plan has `baseline`: this run against the median of the previous passed runs of its plan. */
  baseline?: BaselineVerdict;
  /** Present when the plan names an Azure ML endpoint (target.resourceId): what the endpoint's Azure Monitor metrics showed (docs/endpoint-metrics.md). */
  endpoint?: EndpointSummary;
  /** Present when the plan has `sizing`, the tag maxConcurrentRequestsPerInstance or an endpoint resource id: instances needed for the target rate. */
  sizing?: SizingRecommendation;
}

export interface CapacitySummary {
  /** Highest rate that met the SLO (0 when none did). */
  maxRps: number;
  /** The search stopped at the plan's maxRps without a failure: the capacity may be higher. */
  capped: boolean;
  /** False when the search did not finish (the run ended early). */
  done: boolean;
  slo: { p95Ms?: number; p99Ms?: number; errorRate: number };
  steps: { rps: number; p95Ms: number; p99Ms: number; errorRate: number; throttleRate: number; planned: number; sent: number; passed: boolean; reasons: string[] }[];
}

export interface CostSummary {
  currency: string;
  /** Endpoint: instanceHourlyPrice × instances. */
  endpointPerHour?: number;
  /** Endpoint cost of 1,000 successful requests at the throughput achieved: perHour ÷ (throughput × 3600) × 1000. */
  per1000RequestsAtThroughput?: number;
  /** The same at the capacity found by a capacity search. */
  per1000RequestsAtCapacity?: number;
  /** The run's own Azure Functions cost: GB-s = Σ slice run time (waiting for the start included) × instance memory (GB). */
  functions?: { gbSeconds: number; pricePerGbSecond: number; cost: number; instanceMemoryMb: number };
}

/** Prices of the serverless workers (settings of the Function app). */
export interface FunctionsPricing {
  instanceMemoryMb: number;
  pricePerGbSecond: number;
  currency?: string;
}

export interface StreamingSummary {
  /** Streamed responses with content. */
  requests: number;
  /** Time to first non-empty token, from the intended send time. */
  ttftMs: { p50: number; p90: number; p95: number; p99: number };
  /** Gaps between content chunks. */
  interTokenMs: { p50: number; p90: number; p95: number; p99: number };
  /** (end − first token) ÷ (output tokens − 1), per request. */
  tpotMs: { p50: number; p90: number; p95: number; p99: number };
  outputTokens: number;
  /** Output tokens per second over the run. */
  tokensPerSecond: number;
  /** Where token counts came from: the server's usage, content chunks counted, or both. */
  tokenCount: 'usage' | 'counted chunks' | 'mixed';
}

export interface SummarizeOptions {
  runId: string;
  plan: Plan;
  /** Outcomes of the slices that reported. */
  slices: readonly SliceOutcome[];
  /** Ids of slices that never reported (the run is then partial). */
  missingSlices?: readonly string[];
  originEpochMs: number;
  /** Set when the run failed as a whole (status error). */
  runError?: string;
  /** Known when the run ran on Azure Functions. */
  functionsPricing?: FunctionsPricing;
  /** A capacity search's steps (from the run record). */
  capacity?: CapacityState;
}

/** Sent below this share of the plan means the generator under-delivered. */
export const MIN_DELIVERED_SHARE = 0.99;

/** Merges slices exactly and judges the run: thresholds, generator honesty, completeness. */
export function summarizeRun(options: SummarizeOptions): { summary: RunSummary; aggregate: Aggregate } {
  const { plan, slices } = options;
  const aggregate = new Aggregate();
  for (const slice of slices) aggregate.merge(slice.aggregate);
  const c = aggregate.counts;
  const pacer = runPacer(plan, options.capacity);
  const open = pacer.kind === 'open';
  const requests: Counts = { ...c, planned: open ? c.planned + c.missed : c.sent };
  if (open) {
    // Slices that never reported still count in the plan.
    const reportedPlanned = slices.reduce((sum, s) => sum + s.planned, 0);
    const missingPlanned = (options.missingSlices?.length ?? 0) > 0 ? Math.max(0, pacer.totalHits - reportedPlanned) : 0;
    requests.planned += missingPlanned;
    requests.missed += missingPlanned;
  }

  const firstSentMs = aggregate.firstSentMs || options.originEpochMs;
  const sendSpanS = Math.max(0.001, (aggregate.lastDoneMs - firstSentMs) / 1000);
  // A capacity search spends time between steps judging them: its duration is the time under load.
  const loadUs = options.capacity ? options.capacity.steps.reduce((sum, s) => sum + (s.toUs - s.fromUs), 0) : pacer.durationUs;
  const durationS = loadUs > 0 ? loadUs / 1e6 : sendSpanS;
  const latencyMs = percentilesMs(aggregate.responseTime);
  const lag = percentilesMs(aggregate.scheduleLag);
  const errorRate = c.sent > 0 ? c.errors / c.sent : 0;
  const throttleRate = c.sent > 0 ? c.throttled / c.sent : 0;
  const rate = {
    target: round(requests.planned / durationS),
    achieved: round(c.sent / durationS),
    throughput: round(c.ok / Math.max(durationS, sendSpanS)),
  };
  // A capacity search is judged by its SLO, step by step, not by thresholds on its overloaded whole.
  const thresholds = options.capacity ? [] : evaluateThresholds(plan.thresholds, { latencyMs, errorRate, throttleRate, achievedRps: rate.achieved });

  const missing = [...(options.missingSlices ?? [])];
  const missed = slices.filter((s) => s.status === 'missed').map((s) => s.sliceId);
  const failed = slices.filter((s) => s.status === 'error').map((s) => s.sliceId);
  const aborted = slices.some((s) => s.status === 'aborted');
  const reasons: string[] = [];
  let status: RunStatus = 'passed';
  if (options.runError) reasons.push(options.runError);
  for (const s of slices) if (s.status === 'error' && s.error) reasons.push(`slice ${s.sliceId}: ${s.error}`);
  if (missing.length > 0) reasons.push(`${missing.length} slice(s) never reported: ${missing.join(', ')}`);
  if (missed.length > 0) reasons.push(`${missed.length} slice(s) started after their window ended: ${missed.join(', ')}`);
  if (aborted) reasons.push('the run was stopped before the end of its schedule');
  const searchUnfinished = options.capacity !== undefined && !options.capacity.done;
  if (searchUnfinished) reasons.push('the capacity search did not finish');
  if (options.runError || (slices.length > 0 && failed.length === slices.length) || slices.length === 0) status = 'error';
  else if (missing.length > 0 || missed.length > 0 || failed.length > 0 || aborted || searchUnfinished) status = 'partial';
  if (status === 'passed' && options.capacity) {
    // A search overloads the target on purpose: steps are judged one by one against the SLO (generator
    // delivery included); the run fails only when no step met it.
    const best = Math.max(0, ...options.capacity.steps.filter((s) => s.result?.passed).map((s) => s.rps));
    if (best === 0) {
      reasons.push('no step met the SLO');
      status = 'failed';
    }
  } else if (status === 'passed') {
    if (open && c.sent < MIN_DELIVERED_SHARE * requests.planned) {
      reasons.push(`the generator under-delivered: sent ${c.sent} of ${requests.planned} planned (${pct(c.sent / Math.max(1, requests.planned))}, needs ≥ 99%)`);
    }
    if (c.dropped > 0) reasons.push(`${c.dropped} arrival(s) dropped at the in-flight cap (maxInFlight ${plan.maxInFlight})`);
    if (c.sent > 0 && c.ok === 0) reasons.push(`no request succeeded (${c.sent} sent)`);
    if (c.missed > 0) reasons.push(`${c.missed} planned request(s) missed by slices that started late`);
    for (const t of thresholds) if (!t.passed) reasons.push(`threshold ${t.metric} ${t.metric === 'minAchievedRps' ? '≥' : '≤'} ${t.limit} not met: ${round(t.actual)}`);
    if (reasons.length > 0) status = 'failed';
  }

  const url = new URL(plan.target.url);
  const summary: RunSummary = {
    runId: options.runId,
    name: plan.name,
    status,
    reasons,
    startedAt: new Date(options.originEpochMs).toISOString(),
    endedAt: new Date(Math.max(aggregate.lastDoneMs, options.originEpochMs + durationS * 1000)).toISOString(),
    durationS: round(durationS),
    target: { url: redactUrl(plan.target.url), host: url.host, deployment: plan.target.deployment, model: plan.load.model, peakRps: peakRps(plan.load) },
    requests,
    rate,
    latencyMs,
    serviceTimeMs: percentilesMs(aggregate.serviceTime),
    scheduleLagMs: { p50: lag.p50, p99: lag.p99, max: lag.max },
    inFlightPeak: aggregate.inFlightPeak,
    errorRate: round(errorRate, 6),
    throttleRate: round(throttleRate, 6),
    statusCodes: aggregate.statusCodes,
    errorsByCode: aggregate.errorsByCode,
    thresholds,
    workers: workerSummaries(slices, durationS),
    byDeployment: Object.fromEntries(
      [...aggregate.byDeployment].map(([name, d]) => [name, { completed: d.completed, ok: d.ok, errors: d.errors, throttled: d.throttled, latencyMs: percentilesMs(d.responseTime) }]),
    ),
    slices: { expected: slices.length + missing.length, reported: slices.length, missing, missed, failed },
    tags: plan.tags,
    goodput: { rps: round(c.good / Math.max(durationS, sendSpanS)), requests: c.good, latencyLimitMs: goodputLimitMs(plan) ?? null },
  };
  if (plan.load.model === 'capacity' && options.capacity) {
    const state = options.capacity;
    summary.capacity = {
      maxRps: state.maxRps ?? Math.max(0, ...state.steps.filter((s) => s.result?.passed).map((s) => s.rps)),
      capped: state.capped ?? false,
      done: state.done,
      slo: plan.load.slo,
      steps: state.steps.filter((s) => s.result).map((s) => ({ rps: s.rps, ...s.result! })),
    };
  }
  const cost = costSummary(plan, rate.throughput, slices, options.functionsPricing, summary.capacity?.maxRps);
  if (cost) summary.cost = cost;
  if (plan.retry.policy !== 'none') {
    const r = aggregate.retries;
    summary.retry = {
      policy: plan.retry.policy,
      retriesSent: r?.attempts ?? 0,
      succeededAfterRetry: r?.succeededAfterRetry ?? 0,
      firstAttemptLatencyMs: percentilesMs(r?.firstAttempt ?? createHistogram()),
    };
  }
  if (aggregate.streaming !== null) {
    const s = aggregate.streaming;
    const four = (h: typeof s.ttft) => {
      const p = percentilesMs(h);
      return { p50: p.p50, p90: p.p90, p95: p.p95, p99: p.p99 };
    };
    summary.streaming = {
      requests: s.requests,
      ttftMs: four(s.ttft),
      interTokenMs: four(s.interToken),
      tpotMs: four(s.tpot),
      outputTokens: s.outputTokens,
      tokensPerSecond: round(s.outputTokens / Math.max(durationS, sendSpanS)),
      tokenCount: s.usageReported === s.requests ? 'usage' : s.usageReported === 0 ? 'counted chunks' : 'mixed',
    };
  }
  return { summary, aggregate };
}

function workerSummaries(slices: readonly SliceOutcome[], durationS: number): WorkerSummary[] {
  const byWorker = new Map<number, { planned: number; sent: number; lateMs: number; lag: ReturnType<typeof createHistogram> }>();
  for (const s of slices) {
    let w = byWorker.get(s.worker);
    if (!w) byWorker.set(s.worker, (w = { planned: 0, sent: 0, lateMs: 0, lag: createHistogram() }));
    w.planned += s.planned;
    w.sent += s.sent;
    w.lateMs = Math.max(w.lateMs, s.lateMs);
    w.lag.add(s.aggregate.scheduleLag);
  }
  return [...byWorker]
    .sort(([a], [b]) => a - b)
    .map(([worker, w]) => ({
      worker,
      planned: w.planned,
      sent: w.sent,
      achievedRate: round(w.sent / durationS),
      scheduleLagP99Ms: percentilesMs(w.lag).p99,
      lateMs: round(w.lateMs),
    }));
}

function costSummary(plan: Plan, throughputRps: number, slices: readonly SliceOutcome[], pricing?: FunctionsPricing, capacityRps?: number): CostSummary | undefined {
  if (!plan.cost && !pricing) return undefined;
  const cost: CostSummary = { currency: plan.cost?.currency ?? pricing?.currency ?? 'USD' };
  if (plan.cost) {
    const perHour = plan.cost.instanceHourlyPrice * plan.cost.instances;
    cost.endpointPerHour = round(perHour, 4);
    if (throughputRps > 0) cost.per1000RequestsAtThroughput = round((perHour / (throughputRps * 3600)) * 1000, 6);
    if (capacityRps !== undefined && capacityRps > 0) cost.per1000RequestsAtCapacity = round((perHour / (capacityRps * 3600)) * 1000, 6);
  }
  if (pricing) {
    const seconds = slices.reduce((sum, s) => sum + Math.max(0, s.endedAtMs - s.startedAtMs) / 1000, 0);
    const gbSeconds = seconds * (pricing.instanceMemoryMb / 1024);
    cost.functions = { gbSeconds: round(gbSeconds, 1), pricePerGbSecond: pricing.pricePerGbSecond, cost: round(gbSeconds * pricing.pricePerGbSecond, 6), instanceMemoryMb: pricing.instanceMemoryMb };
  }
  return cost;
}

export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function pct(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}
