import type { FinalizedRun } from './finalize-run.js';
import type { Plan } from './plan.js';
import type { RunStore } from './ports/run-store.js';
import type { RunRecord } from './run-record.js';
import type { RunSummary } from './run-summary.js';

/**
 * The nightly baseline (plan field `baseline`): is this run worse than the recent history of its plan?
 *
 * The baseline is the **median** of the last `runs` **passed** runs of the same plan name (this run and
 * runs started after it excluded), taken separately for latency p95, error rate and throughput. The run
 * `regressed` when at least one of:
 *
 * - latency p95 rose by more than `p95Pct` % of the baseline p95;
 * - the error rate rose by more than `errorRateAbs` (absolute, a share: 0.005 = 0.5 percentage point);
 * - throughput (2xx per second) fell by more than `throughputPct` % of the baseline throughput.
 *
 * `ok` otherwise, `no-baseline` when no previous passed run exists. The verdict never changes the run's
 * status; `mlload run` exits 1 for a regressed run.
 */

export type BaselineSettings = NonNullable<Plan['baseline']>;

export const BASELINE_DEFAULTS: BaselineSettings = { runs: 7, p95Pct: 10, errorRateAbs: 0.005, throughputPct: 5 };

export interface BaselineFigures {
  p95Ms: number;
  errorRate: number;
  throughputRps: number;
}

export type BaselineMetric = keyof BaselineFigures;

export interface RegressedMetric {
  metric: BaselineMetric;
  baseline: number;
  current: number;
  /** current − baseline. */
  change: number;
  /** change ÷ baseline × 100; null when the baseline is 0. */
  changePct: number | null;
  /** The allowed change, in words (e.g. "+10%", "+0.5 pt", "−5%"). */
  allowed: string;
  /** What regressed, in words (also added to the run's reasons). */
  message: string;
}

export interface BaselineVerdict {
  verdict: 'ok' | 'regressed' | 'no-baseline';
  settings: BaselineSettings;
  /** Medians over `runs`; absent when there is no baseline. */
  baseline?: BaselineFigures;
  current: BaselineFigures;
  /** Ids of the runs the medians came from, newest first. */
  runs: string[];
  /** Empty unless the verdict is `regressed`. */
  regressed: RegressedMetric[];
}

/** The three figures a baseline looks at. */
export function baselineFigures(summary: RunSummary): BaselineFigures {
  return { p95Ms: summary.latencyMs.p95, errorRate: summary.errorRate, throughputRps: summary.rate.throughput };
}

/** The median (not the mean): the middle value, or the mean of the two middle values of an even count. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Judges a run against previous runs. `previous` are the runs to use, newest first (already chosen: passed,
 * same plan, at most `settings.runs`); the function takes at most `settings.runs` of them.
 */
export function judgeBaseline(current: RunSummary, previous: readonly RunSummary[], settings: Partial<BaselineSettings> = {}): BaselineVerdict {
  const s: BaselineSettings = { ...BASELINE_DEFAULTS, ...settings };
  const used = previous.slice(0, s.runs);
  const now = baselineFigures(current);
  if (used.length === 0) return { verdict: 'no-baseline', settings: s, current: now, runs: [], regressed: [] };
  const figures = used.map(baselineFigures);
  const base: BaselineFigures = {
    p95Ms: round(median(figures.map((f) => f.p95Ms))),
    errorRate: round(median(figures.map((f) => f.errorRate)), 6),
    throughputRps: round(median(figures.map((f) => f.throughputRps))),
  };
  const regressed: RegressedMetric[] = [];
  const pctOf = (change: number, of: number) => (of === 0 ? null : round((change / of) * 100, 2));

  const p95Change = now.p95Ms - base.p95Ms;
  if (now.p95Ms > base.p95Ms * (1 + s.p95Pct / 100) + 1e-9) {
    const changePct = pctOf(p95Change, base.p95Ms);
    regressed.push({
      metric: 'p95Ms',
      baseline: base.p95Ms,
      current: now.p95Ms,
      change: round(p95Change),
      changePct,
      allowed: `+${s.p95Pct}%`,
      message: `latency p95 ${fmt(now.p95Ms)} ms is ${changePct === null ? 'above 0' : `+${changePct}%`} over the baseline ${fmt(base.p95Ms)} ms (allowed +${s.p95Pct}%)`,
    });
  }
  const errorChange = now.errorRate - base.errorRate;
  if (errorChange > s.errorRateAbs + 1e-12) {
    regressed.push({
      metric: 'errorRate',
      baseline: base.errorRate,
      current: now.errorRate,
      change: round(errorChange, 6),
      changePct: pctOf(errorChange, base.errorRate),
      allowed: `+${points(s.errorRateAbs)} pt`,
      message: `error rate ${percent(now.errorRate)} is +${points(errorChange)} pt over the baseline ${percent(base.errorRate)} (allowed +${points(s.errorRateAbs)} pt)`,
    });
  }
  const throughputChange = now.throughputRps - base.throughputRps;
  if (now.throughputRps < base.throughputRps * (1 - s.throughputPct / 100) - 1e-9) {
    const changePct = pctOf(throughputChange, base.throughputRps);
    regressed.push({
      metric: 'throughputRps',
      baseline: base.throughputRps,
      current: now.throughputRps,
      change: round(throughputChange),
      changePct,
      allowed: `−${s.throughputPct}%`,
      message: `throughput ${fmt(now.throughputRps)} rps is ${changePct}% under the baseline ${fmt(base.throughputRps)} rps (allowed −${s.throughputPct}%)`,
    });
  }
  return { verdict: regressed.length > 0 ? 'regressed' : 'ok', settings: s, baseline: base, current: now, runs: used.map((u) => u.runId), regressed };
}

/** Most run records read while looking for previous passed runs (pages of 50). */
export const MAX_BASELINE_SCAN = 1000;

/**
 * The previous passed runs of a plan, newest first, at most `count`: read from `store.listRuns({ name })`
 * page by page. The current run, runs that started after it and runs that are not `passed` are skipped.
 */
export async function previousPassedRuns(store: RunStore, current: Pick<RunSummary, 'runId' | 'name' | 'startedAt'>, count: number): Promise<RunSummary[]> {
  const found: RunSummary[] = [];
  const startedAt = Date.parse(current.startedAt);
  let token: string | undefined;
  let scanned = 0;
  do {
    const page = await store.listRuns({ name: current.name, limit: 50, continuationToken: token });
    for (const record of page.runs) {
      scanned++;
      if (!isCandidate(record, current.runId, current.name, startedAt)) continue;
      const summary = record.summary ?? (await store.getSummary(record.runId));
      if (summary === undefined || summary.status !== 'passed') continue;
      found.push(summary);
      if (found.length === count) return found;
    }
    token = page.continuationToken;
  } while (token !== undefined && scanned < MAX_BASELINE_SCAN);
  return found;
}

function isCandidate(record: RunRecord, currentId: string, name: string, startedAt: number): boolean {
  if (record.runId === currentId || record.name !== name || record.status !== 'passed') return false;
  const origin = Date.parse(record.originAt);
  return Number.isNaN(startedAt) || Number.isNaN(origin) || origin <= startedAt;
}

/**
 * The `amendSummary` hook of finalizeRun: when the plan has `baseline`, judges the run against its
 * history and puts the verdict in `summary.baseline` (a regression also becomes a line of `reasons`;
 * the status is left as it is). A store that cannot be read does not fail the fan-in: the run gets a
 * reason saying so and no verdict.
 */
export function baselineAmender(store: RunStore): (run: FinalizedRun) => Promise<void> {
  return async (run) => {
    const settings = run.plan.baseline;
    if (settings === undefined) return;
    let previous: RunSummary[];
    try {
      previous = await previousPassedRuns(store, run.summary, settings.runs);
    } catch (error) {
      run.summary.reasons.push(`baseline not judged: the previous runs could not be read (${(error as Error).message})`);
      return;
    }
    const verdict = judgeBaseline(run.summary, previous, settings);
    run.summary.baseline = verdict;
    if (verdict.verdict === 'regressed') {
      run.summary.reasons.push(`regressed against the baseline (median of ${verdict.runs.length} previous passed run${verdict.runs.length === 1 ? '' : 's'}): ${verdict.regressed.map((r) => r.message).join('; ')}`);
    }
  };
}

function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function fmt(value: number): string {
  return String(round(value, value >= 100 ? 1 : 2));
}

function percent(share: number): string {
  return `${round(share * 100, 3)}%`;
}

function points(share: number): string {
  return String(round(share * 100, 3));
}
