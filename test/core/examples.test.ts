import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePlanText, validatePlan } from '../../src/core/validate-plan.js';

const dir = new URL('../../examples/', import.meta.url);
const files = readdirSync(dir).filter((f) => /\.(json|ya?ml)$/.test(f));

describe('examples/', () => {
  it.each(files)('%s is a valid plan', (file) => {
    const parsed = parsePlanText(readFileSync(new URL(file, dir), 'utf8'), file);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const result = validatePlan(parsed.value);
    expect(result.ok ? [] : result.problems).toEqual([]);
  });

  it('holds a plan for every load model and the blog post\'s load_config.json', () => {
    const models = new Set<string>();
    for (const file of files) {
      const parsed = parsePlanText(readFileSync(new URL(file, dir), 'utf8'), file);
      const result = parsed.ok ? validatePlan(parsed.value) : undefined;
      if (result?.ok) models.add(result.value.plan.load.model);
    }
    expect([...models].sort()).toEqual(expect.arrayContaining(['burst', 'capacity', 'concurrency', 'constant', 'phases', 'ramp', 'spike', 'step']));
    expect(files).toContain('load_config.json');
  });
});
