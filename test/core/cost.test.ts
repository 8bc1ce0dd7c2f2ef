import { describe, expect, it } from 'vitest';
import { Aggregate } from '../../src/core/aggregate.js';
import type { SliceOutcome } from '../../src/core/execute-slice.js';
import { planSchema } from '../../src/core/plan.js';
import { summarizeRun } from '../../src/core/run-summary.js';

function slice(worker: number, seconds: number, ok: number): SliceOutcome {
  const aggregate = new Aggregate();
  aggregate.counts.planned = aggregate.counts.sent = aggregate.counts.completed = aggregate.counts.ok = aggregate.counts.good = ok;
  aggregate.firstSentMs = 1_000_000;
  aggregate.lastDoneMs = 1_000_000 + 10_000;
  return { runId: 'r', sliceId: `w00${worker}-k000`, worker, window: 0, status: 'done', planned: ok, sent: ok, lateMs: 0, missed: 0, startedAtMs: 0, endedAtMs: seconds * 1000, aggregate };
}

describe('cost', () => {
  it('prices the endpoint per 1,000 requests and the run on Functions by GB-s', () => {
    const plan = planSchema.parse({ target: { url: 'http://127.0.0.1/' }, load: { model: 'constant', rps: 100, duration: '10s' }, cost: { instanceHourlyPrice: 3.6, instances: 2 } });
    const { summary } = summarizeRun({
      runId: 'r',
      plan,
      slices: [slice(0, 30, 500), slice(1, 30, 500)],
      originEpochMs: 1_000_000,
      functionsPricing: { instanceMemoryMb: 2048, pricePerGbSecond: 0.000026 },
    });
    // 1,000 ok over 10 s = 100 rps; $7.20/hour ÷ (100 × 3600) × 1000 = $0.02 per 1,000 requests.
    expect(summary.rate.throughput).toBe(100);
    expect(summary.cost).toMatchObject({ currency: 'USD', endpointPerHour: 7.2, per1000RequestsAtThroughput: 0.02 });
    // 2 slices × 30 s × 2 GB = 120 GB-s × 0.000026 = 0.00312.
    expect(summary.cost!.functions).toEqual({ gbSeconds: 120, pricePerGbSecond: 0.000026, cost: 0.00312, instanceMemoryMb: 2048 });
    expect(summary.goodput).toEqual({ rps: 100, requests: 1000, latencyLimitMs: null });
  });
});
