/**
 * The sizing rule on worked examples, each computed by hand:
 * instances = ceil(rps × latency_s ÷ target_utilization ÷ max_concurrent_requests_per_instance).
 */
import { describe, expect, it } from 'vitest';
import { planSchema, type PlanInput } from '../../src/core/plan.js';
import type { RunSummary } from '../../src/core/run-summary.js';
import { instancesFor, recommendSizing, sizingForRun, wantsSizing, type SizingResult } from '../../src/core/sizing.js';
import { craftedRun } from '../report/crafted-run.js';

describe('instancesFor', () => {
  it.each([
    // rps, latency s, utilization, max concurrent, exact (by hand), instances
    [120, 0.42, 0.7, 2, 36, 36], // 120 × 0.42 = 50.4; ÷ 0.7 = 72; ÷ 2 = 36 (in floating point 72.00000000000001 ÷ 2: must not round up to 37)
    [50, 0.2, 0.7, 4, 3.5714, 4], // 10 in flight; ÷ 0.7 = 14.2857; ÷ 4 = 3.5714 → 4
    [70, 0.1, 0.7, 1, 10, 10], // 7 ÷ 0.7 = 10 exactly (10.000000000000002 in floating point) → 10, not 11
    [10, 0.05, 0.7, 1, 0.7143, 1], // 0.5 ÷ 0.7 = 0.714 → 1
    [400, 0.25, 0.8, 8, 15.625, 16], // 100 ÷ 0.8 = 125; ÷ 8 = 15.625 → 16
    [1000, 0.03, 1, 1, 30, 30], // utilization 100%: 30 in flight, 30 instances
    [0, 0.5, 0.7, 1, 0, 1], // nothing to serve still needs one instance
  ])('%d rps × %d s ÷ %d ÷ %d', (rps, latencyS, u, c, exact, instances) => {
    const result = instancesFor(rps, latencyS, u, c);
    expect(result.exact).toBeCloseTo(exact, 4);
    expect(result.instances).toBe(instances);
  });
});

describe('recommendSizing', () => {
  it('says it plainly, with the change and its cost against what ran', () => {
    const s = recommendSizing({ targetRps: 120, latencyS: 0.42, latencyFrom: 'client p95 of the run', targetUtilization: 0.7, maxConcurrentRequestsPerInstance: 2, currentInstances: 2, instanceHourlyPrice: 3.2, currency: 'USD' });
    expect(s).toMatchObject({ instances: 36, instancesExact: 36, inFlight: 50.4, change: 34, costPerHour: 115.2, changePerHour: 108.8 });
    expect(s.sentence).toBe('To serve 120 rps at p95 0.42 s with 70% utilization you need 36 instances of 2 concurrent requests each (you ran 2): +34 instances, about $108.80/hour more.');
  });

  it('says when fewer instances would do, in the plan\'s currency', () => {
    // 30 rps × 0.1 s = 3 in flight; ÷ 0.75 = 4; ÷ 1 = 4 → 4 instances, 1 fewer than the 5 that ran; 1 × €2 = €2.00/hour.
    const s = recommendSizing({ targetRps: 30, latencyS: 0.1, latencyFrom: 'client p95 of the run', targetUtilization: 0.75, maxConcurrentRequestsPerInstance: 1, currentInstances: 5, instanceHourlyPrice: 2, currency: 'EUR' });
    expect(s.instances).toBe(4);
    expect(s.sentence).toBe('To serve 30 rps at p95 0.1 s with 75% utilization you need 4 instances of 1 concurrent request each (you ran 5): −1 instance, about €2.00/hour less.');
  });

  it('gives the total cost when the instances that ran are unknown, and no cost without a price', () => {
    expect(recommendSizing({ targetRps: 50, latencyS: 0.2, latencyFrom: 'plan sizing.latencyMs', maxConcurrentRequestsPerInstance: 4, instanceHourlyPrice: 1.5 }).sentence).toBe(
      'To serve 50 rps at latency 0.2 s with 70% utilization you need 4 instances of 4 concurrent requests each, about $6.00/hour.',
    );
    const noPrice = recommendSizing({ targetRps: 50, latencyS: 0.2, maxConcurrentRequestsPerInstance: 4, currentInstances: 4 });
    expect(noPrice.sentence).toBe('To serve 50 rps at latency 0.2 s with 70% utilization you need 4 instances of 4 concurrent requests each (you ran 4): no change.');
    expect(noPrice.costPerHour).toBeUndefined();
  });

  it('refuses impossible inputs', () => {
    expect(() => recommendSizing({ targetRps: 1, latencyS: 1, targetUtilization: 0, maxConcurrentRequestsPerInstance: 1 })).toThrow(RangeError);
    expect(() => recommendSizing({ targetRps: 1, latencyS: 1, maxConcurrentRequestsPerInstance: 0 })).toThrow(RangeError);
  });
});

function run(plan: Partial<PlanInput>, summary: (s: RunSummary) => void = () => {}) {
  const r = craftedRun({ plan });
  summary(r.summary);
  return r;
}

describe('sizingForRun', () => {
  it('uses the plan\'s target, concurrency and price, and the run\'s client p95', () => {
    const r = run({ sizing: { targetRps: 200, maxConcurrentRequestsPerInstance: 4 }, cost: { instanceHourlyPrice: 1.5, instances: 2, currency: 'USD' } }, (s) => {
      s.latencyMs.p95 = 250;
    });
    const s = sizingForRun(r.plan, r.summary) as SizingResult;
    // 200 × 0.25 = 50 in flight; ÷ 0.7 = 71.43; ÷ 4 = 17.86 → 18; 16 more than cost.instances 2; 16 × $1.50 = $24.00.
    expect(s).toMatchObject({ available: true, targetRps: 200, targetRpsFrom: 'plan sizing.targetRps', latencyS: 0.25, maxConcurrentRequestsPerInstance: 4, instances: 18, currentInstances: 2, currentInstancesFrom: 'plan cost.instances', change: 16, changePerHour: 24 });
    expect(s.sentence).toBe('To serve 200 rps at p95 0.25 s with 70% utilization you need 18 instances of 4 concurrent requests each (you ran 2): +16 instances, about $24.00/hour more.');
  });

  it('sizes for the capacity a search found, else the achieved rate; concurrency and instances from tags', () => {
    const r = run({ tags: { maxConcurrentRequestsPerInstance: '2', instances: 3 } }, (s) => {
      s.latencyMs.p95 = 100;
      s.capacity = { maxRps: 80, capped: false, done: true, slo: { p95Ms: 200, errorRate: 0.01 }, steps: [] };
    });
    const s = sizingForRun(r.plan, r.summary) as SizingResult;
    // 80 × 0.1 = 8; ÷ 0.7 = 11.43; ÷ 2 = 5.71 → 6 (ran 3).
    expect(s).toMatchObject({ targetRps: 80, instances: 6, maxConcurrentFrom: 'plan tag maxConcurrentRequestsPerInstance', currentInstances: 3, currentInstancesFrom: 'plan tag instances' });
    expect(s.sentence).toContain('To serve 80 rps (the capacity found) at p95 0.1 s');

    delete r.summary.capacity;
    const achieved = sizingForRun(r.plan, r.summary) as SizingResult;
    expect(achieved.targetRps).toBe(r.summary.rate.achieved);
    expect(achieved.targetRpsFrom).toBe('achieved send rate of the run');
  });

  it('falls back to Azure ML\'s default concurrency of 1 and the instances the endpoint metrics saw, and says so', () => {
    const r = run({ tags: {}, sizing: { targetRps: 10 } }, (s) => {
      s.latencyMs.p95 = 700;
    });
    const s = sizingForRun(r.plan, r.summary, 3) as SizingResult;
    // 10 × 0.7 = 7; ÷ 0.7 = 10; ÷ 1 = 10 → 10 (ran 3 by DeploymentCapacity).
    expect(s).toMatchObject({ instances: 10, maxConcurrentRequestsPerInstance: 1, currentInstances: 3, currentInstancesFrom: 'endpoint metrics (peak DeploymentCapacity)' });
    expect(s.notes.join(' ')).toMatch(/assumed Azure ML's default of 1/);
  });

  it('explains instead of guessing when the run measured no latency', () => {
    const r = run({ sizing: {} }, (s) => {
      s.requests.ok = 0;
    });
    expect(sizingForRun(r.plan, r.summary)).toEqual({ available: false, sentence: expect.stringMatching(/no request succeeded.*sizing\.latencyMs/) });
  });

  it('is wanted when the plan asks for it or names an Azure ML endpoint, not for every run', () => {
    const base = { target: { url: 'https://x.example/score' }, load: { model: 'constant', rps: 1, duration: '1s' } } as const;
    expect(wantsSizing(planSchema.parse(base))).toBe(false);
    expect(wantsSizing(planSchema.parse({ ...base, sizing: {} }))).toBe(true);
    expect(wantsSizing(planSchema.parse({ ...base, tags: { maxConcurrentRequestsPerInstance: 4 } }))).toBe(true);
    expect(
      wantsSizing(planSchema.parse({ ...base, target: { ...base.target, resourceId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w/onlineEndpoints/e' } })),
    ).toBe(true);
  });
});

describe('plan fields', () => {
  const base = { target: { url: 'https://x.example/score' }, load: { model: 'constant', rps: 1, duration: '1s' } };
  const endpoint = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w/onlineEndpoints/e';

  it('accept endpoint ids, a workspace GUID and sizing with a 0.7 utilization default', () => {
    const plan = planSchema.parse({
      ...base,
      target: { ...base.target, resourceId: endpoint, deploymentResourceId: `${endpoint}/deployments/blue`, logAnalyticsWorkspaceId: '11111111-2222-3333-4444-555555555555' },
      sizing: { targetRps: 100 },
    });
    expect(plan.sizing).toEqual({ targetRps: 100, targetUtilization: 0.7 });
  });

  it('reject ids of other resources, a deployment of another endpoint and utilization outside (0, 1]', () => {
    const problems = (input: unknown) => planSchema.safeParse(input).error?.issues.map((i) => i.path.join('.')) ?? [];
    expect(problems({ ...base, target: { ...base.target, resourceId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/x' } })).toEqual(['target.resourceId']);
    expect(problems({ ...base, target: { ...base.target, resourceId: endpoint, deploymentResourceId: `${endpoint}x/deployments/blue` } })).toEqual(['target.deploymentResourceId']);
    expect(problems({ ...base, target: { ...base.target, logAnalyticsWorkspaceId: 'my-workspace' } })).toEqual(['target.logAnalyticsWorkspaceId']);
    expect(problems({ ...base, sizing: { targetUtilization: 0 } })).toEqual(['sizing.targetUtilization']);
    expect(problems({ ...base, sizing: { targetUtilization: 1.2 } })).toEqual(['sizing.targetUtilization']);
  });
});
