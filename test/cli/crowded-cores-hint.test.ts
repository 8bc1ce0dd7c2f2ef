import { describe, expect, it } from 'vitest';
import { crowdedCoresHint } from '../../src/cli/crowded-cores-hint.js';
import { planSchema, type Plan } from '../../src/core/plan.js';

function plan(url: string, load: object): Plan {
  return planSchema.parse({ target: { url, method: 'GET' }, load });
}

const fast = { model: 'constant', rps: 20_000, duration: '5s' };

describe('crowdedCoresHint', () => {
  it('warns when as many polling workers as cores share the machine with a loopback target', () => {
    const hint = crowdedCoresHint(plan('http://127.0.0.1:8080/score', fast), 2, 2);
    expect(hint).toMatch(/^note: 2 workers on 2 cores with the target on this machine/);
    expect(hint).toContain('--workers 1');
    expect(crowdedCoresHint(plan('http://localhost:8080/', fast), 4, 4)).toContain('--workers 3');
    expect(crowdedCoresHint(plan('http://[::1]:8080/', fast), 8, 4)).toContain('8 workers on 4 cores');
  });

  it('stays quiet for one worker, fewer workers than cores, a remote target or a slow rate', () => {
    expect(crowdedCoresHint(plan('http://127.0.0.1:8080/', fast), 1, 1)).toBeUndefined();
    expect(crowdedCoresHint(plan('http://127.0.0.1:8080/', fast), 3, 4)).toBeUndefined();
    expect(crowdedCoresHint(plan('https://example.inference.ml.azure.com/score', fast), 2, 2)).toBeUndefined();
    expect(crowdedCoresHint(plan('http://127.0.0.1:8080/', { model: 'constant', rps: 900, duration: '5s' }), 2, 2)).toBeUndefined();
    expect(crowdedCoresHint(plan('http://127.0.0.1:8080/', { model: 'concurrency', vus: 64, duration: '5s' }), 2, 2)).toBeUndefined();
  });
});
