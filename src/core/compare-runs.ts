import type { RunSummary } from './run-summary.js';

/**
 * Compares two runs metric by metric: A is the reference, B the run judged against it, so a positive
 * delta means B is higher. Pure: no I/O, the same answer for the same two summaries.
 *
 * Noise bands (a difference inside the band is `same`):
 *
 * | kind | metrics | `same` when |
 * | --- | --- | --- |
 * | latency | latency p50/p95/p99/p99.9/max/mean, service time p95/p99, streaming TTFT p95 | \|B − A\| ≤ max(5% of A, 1 ms) |
 * | lag | schedule lag p99 | \|B − A\| ≤ max(5% of A, 1 ms) |
 * | rate | achieved send rate, throughput (2xx/s) | \|B − A\| ≤ 5% of A |
 * | share | error rate, throttle rate | \|B − A\| ≤ 0.1 percentage point (0.001) |
 * | count | dropped | \|B − A\| ≤ 0.1% of the larger planned count (i.e. the drop share moved ≤ 0.1 point) |
 *
 * The 1 ms floor keeps sub-millisecond jitter on fast endpoints (0.4 → 0.6 ms is +50%) from reading
 * as a change. Outside the band the direction decides: lower is better for latency, lag, shares and
 * drops; higher is better for rates.
 */
export const NOISE_BANDS = {
  latency: { relative: 0.05, absolute: 1 },
  lag: { relative: 0.05, absolute: 1 },
  rate: { relative: 0.05, absolute: 0 },
  share: { relative: 0, absolute: 0.001 },
  count: { relativeOfPlanned: 0.001 },
} as const;

export type MetricKind = 'latency' | 'lag' | 'rate' | 'share' | 'count';
export type MetricUnit = 'ms' | 'rps' | 'share' | 'count';
export type MetricVerdict = 'better' | 'worse' | 'same';
export type BetterDirection = 'lower' | 'higher';

export interface MetricComparison {
  /** Stable id, e.g. `latencyMs.p95`, `rate.throughput`, `errorRate`. */
  metric: string;
  label: string;
  kind: MetricKind;
  unit: MetricUnit;
  a: number;
  b: number;
  /** b − a. */
  delta: number;
  /** (b − a) ÷ a × 100; 0 when both are 0; null when only a is 0 (no finite percentage). */
  deltaPct: number | null;
  better: BetterDirection;
  /** Largest |b − a| still counted as noise. */
  noise: number;
  verdict: MetricVerdict;
}

export interface ComparedRun {
  runId: string;
  name: string;
  status: RunSummary['status'];
  startedAt: string;
  targetRps: number;
}

export interface RunComparison {
  a: ComparedRun;
  b: ComparedRun;
  metrics: MetricComparison[];
  counts: Record<MetricVerdict, number>;
  /** Things that make the comparison less meaningful (different plans, rates, a run that did not pass). */
  notes: string[];
}

interface MetricDef {
  metric: string;
  label: string;
  kind: MetricKind;
  pick: (s: RunSummary) => number | undefined;
}

const METRICS: MetricDef[] = [
  { metric: 'latencyMs.p50', label: 'Latency p50', kind: 'latency', pick: (s) => s.latencyMs.p50 },
  { metric: 'latencyMs.p95', label: 'Latency p95', kind: 'latency', pick: (s) => s.latencyMs.p95 },
  { metric: 'latencyMs.p99', label: 'Latency p99', kind: 'latency', pick: (s) => s.latencyMs.p99 },
  { metric: 'latencyMs.p999', label: 'Latency p99.9', kind: 'latency', pick: (s) => s.latencyMs.p999 },
  { metric: 'latencyMs.max', label: 'Latency max', kind: 'latency', pick: (s) => s.latencyMs.max },
  { metric: 'latencyMs.mean', label: 'Latency mean', kind: 'latency', pick: (s) => s.latencyMs.mean },
  { metric: 'serviceTimeMs.p95', label: 'Service time p95', kind: 'latency', pick: (s) => s.serviceTimeMs.p95 },
  { metric: 'serviceTimeMs.p99', label: 'Service time p99', kind: 'latency', pick: (s) => s.serviceTimeMs.p99 },
  { metric: 'rate.achieved', label: 'Achieved send rate', kind: 'rate', pick: (s) => s.rate.achieved },
  { metric: 'rate.throughput', label: 'Throughput (2xx)', kind: 'rate', pick: (s) => s.rate.throughput },
  { metric: 'errorRate', label: 'Error rate', kind: 'share', pick: (s) => s.errorRate },
  { metric: 'throttleRate', label: 'Throttle rate (429)', kind: 'share', pick: (s) => s.throttleRate },
  { metric: 'requests.dropped', label: 'Dropped', kind: 'count', pick: (s) => s.requests.dropped },
  { metric: 'scheduleLagMs.p99', label: 'Schedule lag p99', kind: 'lag', pick: (s) => s.scheduleLagMs.p99 },
  { metric: 'streaming.ttftMs.p95', label: 'Time to first token p95', kind: 'latency', pick: (s) => s.streaming?.ttftMs.p95 },
];

const UNIT: Record<MetricKind, MetricUnit> = { latency: 'ms', lag: 'ms', rate: 'rps', share: 'share', count: 'count' };

/** Compares run B against run A (the reference). Streaming TTFT is compared only when both runs streamed. */
export function compareRuns(a: RunSummary, b: RunSummary): RunComparison {
  const maxPlanned = Math.max(a.requests.planned, b.requests.planned);
  const metrics: MetricComparison[] = [];
  for (const def of METRICS) {
    const va = def.pick(a);
    const vb = def.pick(b);
    if (va === undefined || vb === undefined || !Number.isFinite(va) || !Number.isFinite(vb)) continue;
    metrics.push(compareMetric(def, va, vb, maxPlanned));
  }
  const counts: Record<MetricVerdict, number> = { better: 0, worse: 0, same: 0 };
  for (const m of metrics) counts[m.verdict]++;
  return { a: comparedRun(a), b: comparedRun(b), metrics, counts, notes: comparisonNotes(a, b) };
}

/** The largest difference counted as noise for a metric of this kind at reference value `a`. */
export function noiseBand(kind: MetricKind, a: number, maxPlanned = 0): number {
  switch (kind) {
    case 'latency':
    case 'lag':
    case 'rate': {
      const band = NOISE_BANDS[kind];
      return Math.max(Math.abs(a) * band.relative, band.absolute);
    }
    case 'share':
      return NOISE_BANDS.share.absolute;
    case 'count':
      return maxPlanned * NOISE_BANDS.count.relativeOfPlanned;
  }
}

function compareMetric(def: MetricDef, a: number, b: number, maxPlanned: number): MetricComparison {
  const better: BetterDirection = def.kind === 'rate' ? 'higher' : 'lower';
  const delta = roundTo(b - a, 6);
  const deltaPct = a === 0 ? (b === 0 ? 0 : null) : roundTo(((b - a) / Math.abs(a)) * 100, 3);
  const noise = roundTo(noiseBand(def.kind, a, maxPlanned), 6);
  let verdict: MetricVerdict = 'same';
  if (Math.abs(b - a) > noise + 1e-12) {
    const higher = b > a;
    verdict = higher === (better === 'higher') ? 'better' : 'worse';
  }
  return { metric: def.metric, label: def.label, kind: def.kind, unit: UNIT[def.kind], a, b, delta, deltaPct, better, noise, verdict };
}

function comparedRun(s: RunSummary): ComparedRun {
  return { runId: s.runId, name: s.name, status: s.status, startedAt: s.startedAt, targetRps: s.rate.target };
}

function comparisonNotes(a: RunSummary, b: RunSummary): string[] {
  const notes: string[] = [];
  if (a.runId === b.runId) notes.push('both sides are the same run');
  if (a.name !== b.name) notes.push(`the runs come from different plans ("${a.name}" and "${b.name}")`);
  if (a.target.model !== b.target.model) notes.push(`the load models differ (${a.target.model} and ${b.target.model})`);
  const ta = a.rate.target;
  const tb = b.rate.target;
  if (Math.abs(ta - tb) > 0.05 * Math.max(ta, tb)) notes.push(`the target rates differ (${ta} and ${tb} rps): rates and latencies are not like for like`);
  if (a.target.host !== b.target.host) notes.push(`the targets differ (${a.target.host} and ${b.target.host})`);
  for (const [side, s] of [['A', a], ['B', b]] as const) if (s.status !== 'passed') notes.push(`run ${side} is ${s.status}`);
  const streaming = [a.streaming, b.streaming].filter((x) => x !== undefined).length;
  if (streaming === 1) notes.push('only one of the runs streamed: time to first token is not compared');
  return notes;
}

function roundTo(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
