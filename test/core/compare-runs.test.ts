import { describe, expect, it } from 'vitest';
import { compareRuns, noiseBand, NOISE_BANDS, type MetricComparison } from '../../src/core/compare-runs.js';
import type { RunSummary } from '../../src/core/run-summary.js';
import { craftedSummary } from '../helpers/crafted-summary.js';

const A_ID = '20250115T020000Z-aaaaaaaaaaaaaaaaaaaa';
const B_ID = '20250116T020000Z-bbbbbbbbbbbbbbbbbbbb';

const base = () => craftedSummary({ runId: A_ID, latencyMs: 20 });
const metric = (c: ReturnType<typeof compareRuns>, id: string): MetricComparison => {
  const m = c.metrics.find((x) => x.metric === id);
  if (!m) throw new Error(`no metric ${id}`);
  return m;
};
function variant(change: (s: RunSummary) => void): RunSummary {
  const s = structuredClone(base());
  s.runId = B_ID;
  change(s);
  return s;
}

describe('compareRuns', () => {
  it('lists every headline metric with A, B, delta, percentage, direction and verdict', () => {
    const a = base();
    const c = compareRuns(a, variant(() => {}));
    expect(c.metrics.map((m) => m.metric)).toEqual([
      'latencyMs.p50',
      'latencyMs.p95',
      'latencyMs.p99',
      'latencyMs.p999',
      'latencyMs.max',
      'latencyMs.mean',
      'serviceTimeMs.p95',
      'serviceTimeMs.p99',
      'rate.achieved',
      'rate.throughput',
      'errorRate',
      'throttleRate',
      'requests.dropped',
      'scheduleLagMs.p99',
    ]);
    expect(c.metrics.every((m) => m.verdict === 'same' && m.delta === 0)).toBe(true);
    expect(c.counts).toEqual({ better: 0, worse: 0, same: 14 });
    expect(metric(c, 'latencyMs.p95')).toMatchObject({ a: a.latencyMs.p95, b: a.latencyMs.p95, unit: 'ms', better: 'lower', kind: 'latency' });
    expect(metric(c, 'rate.throughput')).toMatchObject({ better: 'higher', unit: 'rps' });
    expect(c.a).toMatchObject({ runId: A_ID, name: 'nightly', status: 'passed' });
    expect(c.b.runId).toBe(B_ID);
    expect(c.notes).toEqual([]);
  });

  it('calls higher latency worse and lower latency better, with delta and percentage', () => {
    const a = base();
    const slower = compareRuns(a, craftedSummary({ runId: B_ID, latencyMs: 40 }));
    for (const id of ['latencyMs.p50', 'latencyMs.p95', 'latencyMs.p99', 'latencyMs.p999', 'latencyMs.max', 'latencyMs.mean']) {
      const m = metric(slower, id);
      expect(m.verdict, id).toBe('worse');
      expect(m.delta).toBeCloseTo(m.b - m.a, 6);
      expect(m.deltaPct).toBeCloseTo(100, 0);
    }
    const faster = compareRuns(craftedSummary({ runId: B_ID, latencyMs: 40 }), a);
    expect(metric(faster, 'latencyMs.p95').verdict).toBe('better');
    expect(metric(faster, 'latencyMs.p95').deltaPct).toBeCloseTo(-50, 0);
  });

  it('judges each metric in its own direction', () => {
    const a = base();
    const cases: [string, (s: RunSummary) => void, 'better' | 'worse'][] = [
      ['serviceTimeMs.p95', (s) => (s.serviceTimeMs.p95 = a.serviceTimeMs.p95 * 2), 'worse'],
      ['serviceTimeMs.p99', (s) => (s.serviceTimeMs.p99 = a.serviceTimeMs.p99 / 2), 'better'],
      ['rate.achieved', (s) => (s.rate.achieved = a.rate.achieved * 0.8), 'worse'],
      ['rate.throughput', (s) => (s.rate.throughput = a.rate.throughput * 1.2), 'better'],
      ['rate.throughput', (s) => (s.rate.throughput = a.rate.throughput * 0.9), 'worse'],
      ['errorRate', (s) => (s.errorRate = a.errorRate + 0.01), 'worse'],
      ['throttleRate', (s) => (s.throttleRate = 0.02), 'worse'],
      ['requests.dropped', (s) => (s.requests.dropped = 5), 'worse'],
      ['scheduleLagMs.p99', (s) => (s.scheduleLagMs.p99 = a.scheduleLagMs.p99 + 25), 'worse'],
    ];
    for (const [id, change, verdict] of cases) {
      const c = compareRuns(a, variant(change));
      expect(metric(c, id).verdict, id).toBe(verdict);
      expect(c.metrics.filter((m) => m.verdict !== 'same').map((m) => m.metric), id).toEqual([id]);
    }
    const fewerErrors = compareRuns(variant((s) => (s.errorRate = 0.05)), a);
    expect(metric(fewerErrors, 'errorRate').verdict).toBe('better');
  });

  it('counts changes inside the noise band as the same', () => {
    const a = base();
    // Latency: within 5% (20 ms → 20.9 ms) is the same; 6% is not.
    expect(metric(compareRuns(a, variant((s) => (s.latencyMs.p95 = a.latencyMs.p95 * 1.045))), 'latencyMs.p95').verdict).toBe('same');
    // The 1 ms floor: 0.4 → 0.9 ms is +125% but under a millisecond.
    const tiny = variant((s) => (s.latencyMs.p50 = 0.4));
    expect(metric(compareRuns(tiny, variant((s) => (s.latencyMs.p50 = 0.9))), 'latencyMs.p50').verdict).toBe('same');
    // A long run's 5%: 1000 ms → 1040 ms same, 1060 ms worse.
    const long = variant((s) => (s.latencyMs.p99 = 1000));
    expect(metric(compareRuns(long, variant((s) => (s.latencyMs.p99 = 1040))), 'latencyMs.p99').verdict).toBe('same');
    expect(metric(compareRuns(long, variant((s) => (s.latencyMs.p99 = 1060))), 'latencyMs.p99').verdict).toBe('worse');
    // Rates: ±0.1 percentage point.
    expect(metric(compareRuns(a, variant((s) => (s.errorRate = a.errorRate + 0.0009))), 'errorRate').verdict).toBe('same');
    expect(metric(compareRuns(a, variant((s) => (s.errorRate = a.errorRate + 0.0011))), 'errorRate').verdict).toBe('worse');
    // Throughput: within 5%.
    expect(metric(compareRuns(a, variant((s) => (s.rate.throughput = a.rate.throughput * 0.96))), 'rate.throughput').verdict).toBe('same');
    // Dropped: 0.1% of the plan (20 planned → nothing is noise; 10,000 planned → 10 drops are).
    expect(metric(compareRuns(a, variant((s) => (s.requests.dropped = 1))), 'requests.dropped').verdict).toBe('worse');
    const big = variant((s) => (s.requests.planned = 10_000));
    expect(metric(compareRuns(big, variant((s) => ((s.requests.planned = 10_000), (s.requests.dropped = 10)))), 'requests.dropped').verdict).toBe('same');
  });

  it('documents its bands as constants the verdicts use', () => {
    expect(NOISE_BANDS.latency).toEqual({ relative: 0.05, absolute: 1 });
    expect(NOISE_BANDS.share.absolute).toBe(0.001);
    expect(noiseBand('latency', 100)).toBe(5);
    expect(noiseBand('latency', 4)).toBe(1);
    expect(noiseBand('rate', 200)).toBe(10);
    expect(noiseBand('share', 0.3)).toBe(0.001);
    expect(noiseBand('count', 0, 5000)).toBe(5);
  });

  it('has no finite percentage from zero, and 0% from zero to zero', () => {
    const a = base();
    const c = compareRuns(a, variant((s) => (s.throttleRate = 0.5)));
    expect(metric(c, 'throttleRate')).toMatchObject({ a: 0, b: 0.5, delta: 0.5, deltaPct: null, verdict: 'worse' });
    expect(metric(c, 'requests.dropped').deltaPct).toBe(0);
  });

  it('compares time to first token only when both runs streamed', () => {
    const streaming = (ttftP95: number) => ({ requests: 10, ttftMs: { p50: 1, p90: 2, p95: ttftP95, p99: 4 }, interTokenMs: { p50: 1, p90: 1, p95: 1, p99: 1 }, tpotMs: { p50: 1, p90: 1, p95: 1, p99: 1 }, outputTokens: 100, tokensPerSecond: 50, tokenCount: 'usage' as const });
    const a = variant((s) => (s.streaming = streaming(100)));
    const b = variant((s) => (s.streaming = streaming(150)));
    expect(metric(compareRuns(a, b), 'streaming.ttftMs.p95')).toMatchObject({ a: 100, b: 150, verdict: 'worse' });
    const one = compareRuns(a, base());
    expect(one.metrics.some((m) => m.metric === 'streaming.ttftMs.p95')).toBe(false);
    expect(one.notes.join(' ')).toMatch(/only one of the runs streamed/);
  });

  it('notes what makes the comparison less like for like', () => {
    const a = base();
    const b = variant((s) => {
      s.name = 'other-plan';
      s.rate.target = 100;
      s.status = 'failed';
    });
    const notes = compareRuns(a, b).notes.join('\n');
    expect(notes).toMatch(/different plans/);
    expect(notes).toMatch(/target rates differ/);
    expect(notes).toMatch(/run B is failed/);
  });
});
