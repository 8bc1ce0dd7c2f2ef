import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDurationMs } from '../../src/core/duration.js';
import { parsePlanText, validatePlan } from '../../src/core/validate-plan.js';
import { pacerForLoad } from '../../src/core/pacers/pacer-for-load.js';

const target = { url: 'https://fraud.eastus.inference.ml.azure.com/score' };

function problemsOf(input: unknown) {
  const result = validatePlan(input);
  if (result.ok) throw new Error('expected the plan to be invalid');
  return result.problems;
}

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
    [90, 90_000],
    ['12', 12_000],
  ])('%s is %d ms', (text, ms) => expect(parseDurationMs(text)).toBe(ms));
  it.each(['', 'soon', '5 minutes', '-3s', '3x', '1h-5m', null, -1, Number.NaN])('%s is not a duration', (text) =>
    expect(parseDurationMs(text)).toBeUndefined(),
  );
});

describe('validatePlan: every load model', () => {
  it.each([
    { model: 'constant', rps: 50, duration: '5m' },
    { model: 'ramp', startRps: 0, stages: [{ rps: 100, duration: '2m' }, { rps: 100, duration: '1m' }] },
    { model: 'step', steps: [{ rps: 10, duration: '30s' }, { rps: 20, duration: '30s' }] },
    { model: 'spike', baseRps: 10, spikeRps: 200, duration: '2m', spikeAt: '1m', spikeDuration: '10s' },
    { model: 'burst', requests: 100 },
    { model: 'concurrency', vus: 20, duration: '2m' },
    { model: 'phases', phases: [{ model: 'constant', rps: 1, duration: 5 }, { model: 'burst', requests: 3 }] },
  ])('accepts $model', (load) => {
    const result = validatePlan({ name: 'p', target, load });
    expect(result.ok).toBe(true);
  });

  it('fills defaults a user would expect', () => {
    const result = validatePlan({ target, load: { model: 'constant', rps: 5, duration: '10s' } });
    if (!result.ok) throw new Error('invalid');
    const plan = result.value.plan;
    expect(plan.target.method).toBe('POST');
    expect(plan.target.auth).toEqual({ type: 'none' });
    expect(plan.target.timeoutMs).toBe(30_000);
    expect(plan.workers).toBe(1);
    expect(plan.load).toMatchObject({ duration: 10_000 });
  });

  it('reads the DESIGN example plan (managed identity, deployment, thresholds, tags)', () => {
    const result = validatePlan({
      name: 'fraud-model-nightly',
      target: {
        url: target.url,
        method: 'POST',
        deployment: 'blue',
        auth: { type: 'managedIdentity', scope: 'https://ml.azure.com/.default', clientId: '00000000-0000-0000-0000-000000000000' },
        headers: { 'x-ms-client-request-id': '{{uuid}}' },
        timeoutMs: 30000,
      },
      payload: { body: { input_data: [[1, 2, 3]] } },
      load: { model: 'constant', rps: 50, duration: '5m' },
      workers: 4,
      maxInFlight: 2000,
      thresholds: { p95Ms: 500, errorRate: 0.01 },
      tags: { modelVersion: '12', sku: 'Standard_DS3_v2', instances: 2 },
    });
    expect(result.ok).toBe(true);
  });
});

describe('validatePlan: bad plans report every problem with its path', () => {
  it('lists several problems at once', () => {
    const problems = problemsOf({
      name: 'bad name!',
      target: { url: 'ftp://x/score', timeoutMs: -5, extra: 1 },
      load: { model: 'ramp', stages: [{ rps: -1, duration: 'soon' }] },
      workers: 0,
      thresholds: { errorRate: 2 },
    });
    const paths = problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '$.name',
        '$.target.url',
        '$.target.timeoutMs',
        '$.target.extra',
        '$.load.stages[0].rps',
        '$.load.stages[0].duration',
        '$.workers',
        '$.thresholds.errorRate',
      ]),
    );
    expect(problems.find((p) => p.path === '$.target.extra')?.message).toBe('is not a known field');
    expect(problems.find((p) => p.path === '$.load.stages[0].duration')?.message).toContain('"soon" is not a duration');
    expect(problems.find((p) => p.path === '$.target.url')?.message).toContain('http');
  });

  it.each([
    [{ target, load: { model: 'warp', rps: 1 } }, '$.load.model', 'must be one of'],
    [{ target, load: { model: 'constant', rps: 0, duration: '1s' } }, '$.load.rps', ''],
    [{ target, load: { model: 'constant', duration: '1s' } }, '$.load.rps', 'is required'],
    [{ target, load: { model: 'ramp', stages: [] } }, '$.load.stages', ''],
    [{ target, load: { model: 'spike', baseRps: 1, spikeRps: 5, duration: '10s', spikeAt: '8s', spikeDuration: '5s' } }, '$.load.spikeDuration', 'must not exceed'],
    [{ target, load: { model: 'burst', requests: 1.5 } }, '$.load.requests', ''],
    [{ target, load: { model: 'concurrency', vus: 0, duration: '1s' } }, '$.load.vus', ''],
    [{ target, load: { model: 'phases', phases: [{ model: 'concurrency', vus: 1, duration: 1 }] } }, '$.load.phases[0].model', 'must be one of'],
    [{ target: { url: target.url, auth: { type: 'key', setting: 'abc def' } }, load: { model: 'burst', requests: 1 } }, '$.target.auth.setting', 'not the key itself'],
    [{ target: { url: target.url, auth: { type: 'token' } }, load: { model: 'burst', requests: 1 } }, '$.target.auth.type', 'must be one of'],
    [{ target, payload: { body: {}, text: 'x' }, load: { model: 'burst', requests: 1 } }, '$.payload.text', 'give one of body, text or file'],
    [{ load: { model: 'burst', requests: 1 } }, '$.target', 'is required'],
    [{ target: { ...target, headers: { 'Content-Length': '3' } }, load: { model: 'burst', requests: 1 } }, '$.target.headers["Content-Length"]', 'is set by mlload'],
    [{ target: { ...target, headers: { 'transfer-encoding': 'chunked' } }, load: { model: 'burst', requests: 1 } }, '$.target.headers["transfer-encoding"]', 'is set by mlload'],
    [{ target: { ...target, headers: { 'x bad': '1' } }, load: { model: 'burst', requests: 1 } }, '$.target.headers["x bad"]', 'not a valid header name'],
    [{ target: { ...target, headers: { 'x-ok': 'a\r\nx-injected: 1' } }, load: { model: 'burst', requests: 1 } }, '$.target.headers["x-ok"]', 'line break'],
    [{ target }, '$.load', 'is required'],
  ])('%#: %s → %s', (input, path, message) => {
    const problems = problemsOf(input);
    const problem = problems.find((p) => p.path === path);
    expect(problem, JSON.stringify(problems)).toBeDefined();
    expect(problem!.message).toContain(message);
  });

  it('refuses non-objects', () => {
    expect(problemsOf([1, 2])).toEqual([{ path: '$', message: 'a plan must be an object' }]);
    expect(problemsOf('plan')).toEqual([{ path: '$', message: 'a plan must be an object' }]);
  });
});

describe('plan text', () => {
  it('reads YAML', () => {
    const parsed = parsePlanText('name: y\ntarget:\n  url: http://127.0.0.1:1/score\nload:\n  model: constant\n  rps: 2\n  duration: 3s\n', 'plan.yaml');
    expect(parsed.ok && validatePlan(parsed.value).ok).toBe(true);
  });
  it('names a JSON syntax error instead of throwing', () => {
    const parsed = parsePlanText('{ "name": ', 'plan.json');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problems[0].message).toMatch(/plan\.json is not valid JSON/);
  });
});

describe("the blog post's load_config.json", () => {
  const config = JSON.parse(readFileSync(new URL('../../examples/load_config.json', import.meta.url), 'utf8'));

  it('runs unchanged: each profile becomes a phase with the rate it asks for', () => {
    const result = validatePlan(config);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const { plan } = result.value;
    expect(plan.target.url).toBe(config.url);
    expect(plan.target.headers).toEqual(config.headers);
    expect(plan.payload.body).toEqual(config.data);
    expect(plan.load).toMatchObject({
      model: 'phases',
      phases: [
        { model: 'constant', name: 'constant_load', rps: 10, duration: 60_000 },
        { model: 'ramp', name: 'ramp_up', startRps: 10, stages: [{ rps: 100, duration: 120_000 }] },
      ],
    });
    // 10 rps × 60 s, then 10 → 100 rps over 120 s (area 6600): every requested request is planned.
    expect(pacerForLoad(plan.load)).toMatchObject({ totalHits: 600 + 6600, durationUs: 180_000_000 });
  });

  it('reports problems in its own terms', () => {
    const problems = problemsOf({ ...config, load_profiles: [{ name: 'x', type: 'sine', duration: 5 }, { type: 'constant', requests_per_second: -1, duration: 5 }] });
    expect(problems.map((p) => p.path)).toEqual(expect.arrayContaining(['$.load_profiles[0].type', '$.load_profiles[1].requests_per_second']));
  });
});
