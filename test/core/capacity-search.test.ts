import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Aggregate } from '../../src/core/aggregate.js';
import { judgeCapacityStep, nextCapacityStep, type CapacityStep } from '../../src/core/capacity-search.js';
import { capacityLoadSchema } from '../../src/core/plan.js';
import { validatePlan } from '../../src/core/validate-plan.js';
import { startSimulator } from '../../src/sim/simulator.js';
import { runCli } from '../helpers/cli.js';

const load = capacityLoadSchema.parse({ model: 'capacity', startRps: 10, maxRps: 1000, stepDuration: '10s', slo: { p95Ms: 200 } });

/** Steps with verdicts: [rps, passed]. */
function steps(...results: [number, boolean][]): CapacityStep[] {
  return results.map(([rps, passed], window) => ({
    window,
    rps,
    fromUs: 0,
    toUs: 1,
    result: { p95Ms: 1, p99Ms: 1, errorRate: 0, throttleRate: 0, planned: 1, sent: 1, dropped: 0, passed, reasons: [] },
  }));
}

describe('nextCapacityStep', () => {
  it.each([
    ['starts at startRps', [] as [number, boolean][], { done: false, rps: 10 }],
    ['doubles while steps pass', [[10, true], [20, true]], { done: false, rps: 40 }],
    ['never steps above maxRps', [[10, true], [20, true], [40, true], [80, true], [160, true], [320, true], [640, true]], { done: false, rps: 1000 }],
    ['stops at maxRps, capped, when it still passes', [[640, true], [1000, true]], { done: true, maxRps: 1000, capped: true }],
    ['bisects between the last pass and the first fail', [[10, true], [20, true], [40, false]], { done: false, rps: 30 }],
    ['keeps bisecting', [[10, true], [20, true], [40, false], [30, true]], { done: false, rps: 35 }],
    ['stops within 5% of the last pass', [[100, true], [104, false]], { done: true, maxRps: 100, capped: false }],
    ['halves when even the first step fails', [[10, false]], { done: false, rps: 5 }],
    ['reports 0 when nothing passes down to 1/64', [[10, false], [5, false], [2.5, false], [1.25, false], [0.63, false], [0.31, false], [0.16, false]], { done: true, maxRps: 0, capped: false }],
  ])('%s', (_name, history, decision) => {
    expect(nextCapacityStep(load, steps(...(history as [number, boolean][])))).toEqual(decision);
  });

  it('stops after maxSteps with the best pass so far', () => {
    const small = { ...load, maxSteps: 3 };
    expect(nextCapacityStep(small, steps([10, true], [20, true], [40, false]))).toEqual({ done: true, maxRps: 20, capped: false });
  });

  it('judges from the whole second nearest the warm-up’s end, so a short step is judged on most of its load', () => {
    const short = capacityLoadSchema.parse({ model: 'capacity', startRps: 10, maxRps: 1000, warmup: '300ms', stepDuration: '1s', slo: { p95Ms: 200 } });
    /** A step whose per-second windows are: second 100 all 2xx (mostly after the warm-up), second 101 all 429s. */
    const judgeWithWarmUpEndingAt = (warmUpEndMs: number) => {
      const merged = new Aggregate();
      const first = merged.window(100);
      first.ok = 200;
      first.completed = 200;
      for (let i = 0; i < 200; i++) first.responseTime.recordValue(20_000);
      const second = merged.window(101);
      second.errors = 50;
      second.throttled = 50;
      second.completed = 50;
      for (let i = 0; i < 50; i++) second.responseTime.recordValue(1_000);
      merged.counts.sent = 250;
      return judgeCapacityStep(short, { window: 0, rps: 250, fromUs: 0, toUs: 1_300_000 }, warmUpEndMs - 300, merged, 250);
    };
    // Warm-up ends 0.2 s into second 100: second 100 (0.8 s of judged load) counts with second 101.
    const early = judgeWithWarmUpEndingAt(100_200);
    expect(early.errorRate).toBe(0.2);
    expect(early.passed).toBe(false);
    // Warm-up ends 0.7 s into second 100: most of that second is warm-up, so judging starts at 101.
    const late = judgeWithWarmUpEndingAt(100_700);
    expect(late.errorRate).toBe(1);
    expect(late.throttleRate).toBe(1);
  });

  it('validates the plan', () => {
    const bad = validatePlan({ target: { url: 'http://127.0.0.1/' }, load: { model: 'capacity', startRps: 50, maxRps: 10, stepDuration: '5s', slo: { errorRate: 0.01 } } });
    expect(bad.ok ? [] : bad.problems.map((p) => p.path)).toEqual(expect.arrayContaining(['$.load.startRps', '$.load.slo']));
  });
});

describe('capacity search end to end (mlload run, 2 workers stepping together)', () => {
  it('finds the capacity of a target whose capacity is known, and reports goodput and cost', async () => {
    // 1 instance × 4 concurrent requests × 20 ms fixed service time: 200 rps; past 8 in flight, 429.
    const sim = await startSimulator({ instances: 1, maxConcurrentRequestsPerInstance: 4, serviceTime: { fixedMs: 20 } });
    try {
      expect(sim.capacityRps).toBe(200);
      const dir = mkdtempSync(path.join(os.tmpdir(), 'mlload-capacity-'));
      const plan = path.join(dir, 'capacity.json');
      writeFileSync(
        plan,
        JSON.stringify({
          name: 'capacity',
          target: { url: `${sim.url}/score`, timeoutMs: 5000 },
          payload: { body: { input_data: [[1]] } },
          load: { model: 'capacity', startRps: 50, maxRps: 800, warmup: '300ms', stepDuration: '1200ms', slo: { p95Ms: 150, errorRate: 0.01 }, tolerancePct: 10 },
          workers: 2,
          cost: { instanceHourlyPrice: 1.8, instances: 1 },
        }),
      );
      const result = await runCli(['run', plan, '--json', '--out', path.join(dir, 'results')], { timeoutMs: 90_000 });
      expect([0, 1], result.stderr).toContain(result.code);
      const summary = JSON.parse(result.stdout);
      expect(summary.status).toBe('passed');
      const capacity = summary.capacity;
      expect(capacity.done).toBe(true);
      expect(capacity.maxRps).toBeGreaterThanOrEqual(100);
      expect(capacity.maxRps).toBeLessThanOrEqual(210);
      // It doubled from 50, went past the knee, and bisected back.
      expect(capacity.steps.slice(0, 3).map((s: { rps: number }) => s.rps)).toEqual([50, 100, 200]);
      expect(capacity.steps.some((s: { passed: boolean }) => !s.passed)).toBe(true);
      for (const step of capacity.steps) expect(step.passed).toBe(step.rps <= capacity.maxRps);
      // Both workers took part in every step.
      expect(summary.workers.map((w: { worker: number }) => w.worker)).toEqual([0, 1]);
      expect(summary.slices.reported).toBe(capacity.steps.length * 2);
      expect(summary.goodput.latencyLimitMs).toBe(150);
      expect(summary.goodput.requests).toBeLessThanOrEqual(summary.requests.ok);
      expect(summary.cost.per1000RequestsAtCapacity).toBeCloseTo((1.8 / (capacity.maxRps * 3600)) * 1000, 6);
    } finally {
      await sim.close();
    }
  }, 120_000);
});
