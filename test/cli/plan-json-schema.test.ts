import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { starterPlan, starterPlanYaml } from '../../src/cli/commands/init-command.js';
import { DURATION_PATTERN, planJsonSchema, planJsonSchemaText } from '../../src/cli/plan-json-schema.js';
import { isBlogConfig } from '../../src/core/blog-config.js';
import { parseDurationMs } from '../../src/core/duration.js';
import { loadSchema } from '../../src/core/plan.js';
import { parsePlanText, validatePlan } from '../../src/core/validate-plan.js';
import { validateJsonSchema } from '../helpers/mini-json-schema.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const schema = planJsonSchema();

describe('schema/plan.schema.json', () => {
  it('is up to date with the zod plan schema (run `npm run schema` after changing src/core/plan.ts)', () => {
    const onDisk = readFileSync(path.join(root, 'schema', 'plan.schema.json'), 'utf8');
    expect(onDisk, 'schema/plan.schema.json is stale: run `npm run schema`').toBe(planJsonSchemaText());
  });

  it('describes what a user writes: only target and load are required, with a title and descriptions', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.title).toBe('ml-load-runner plan');
    expect(schema.required).toEqual(['target', 'load']);
    expect(schema.additionalProperties).toBe(false);
    const properties = schema.properties as Record<string, Record<string, unknown>>;
    for (const [key, property] of Object.entries(properties)) expect(typeof property.description, key).toBe('string');
    expect(Object.keys(properties)).toContain('$schema');
    expect(Object.keys(properties)).toContain('baseline');
  });

  it('offers every load model of the zod schema, each titled', () => {
    const load = (schema.properties as Record<string, { oneOf: { title: string; properties: { model: { const: string } } }[] }>).load;
    const models = load.oneOf.map((o) => o.properties.model.const);
    expect(new Set(models)).toEqual(new Set(loadSchema.options.map((o) => (o.shape.model as { value: string }).value)));
    expect(load.oneOf.every((o) => o.title === `${o.properties.model.const} load`)).toBe(true);
  });

  it('accepts durations as numbers or strings, with the pattern the parser accepts', () => {
    const check = (duration: unknown) => validateJsonSchema(schema, { target: { url: 'https://x.example/score' }, load: { model: 'constant', rps: 1, duration } });
    for (const ok of [30, 0.5, '30', '1.5', '500ms', '30s', '5m', '1h30m', ' 2m ']) {
      expect(check(ok), String(ok)).toEqual([]);
      expect(parseDurationMs(ok), String(ok)).toBeDefined();
    }
    for (const bad of ['5 minutes', 'soon', '', '1d', -1]) {
      expect(check(bad).length, String(bad)).toBeGreaterThan(0);
      expect(parseDurationMs(bad), String(bad)).toBeUndefined();
    }
    const pattern = new RegExp(DURATION_PATTERN);
    for (const text of ['0', '10ms', '1h', '2h5m3s', '1.25s', 'ms', 's5', '1 h', '1hh']) expect(pattern.test(text), text).toBe(parseDurationMs(text) !== undefined);
  });

  it('accepts every example plan (the blog post load_config.json is converted by the loader, not described)', () => {
    const dir = path.join(root, 'examples');
    const files = readdirSync(dir).filter((f) => /\.(json|ya?ml)$/i.test(f));
    expect(files.length).toBeGreaterThan(5);
    let checked = 0;
    for (const file of files) {
      const parsed = parsePlanText(readFileSync(path.join(dir, file), 'utf8'), file);
      if (!parsed.ok) throw new Error(`${file} does not parse`);
      expect(validatePlan(parsed.value, 'example').ok, file).toBe(true);
      if (isBlogConfig(parsed.value)) {
        expect(validateJsonSchema(schema, parsed.value).length, `${file} is a blog config`).toBeGreaterThan(0);
        continue;
      }
      expect(validateJsonSchema(schema, parsed.value), file).toEqual([]);
      checked++;
    }
    expect(checked).toBe(files.length - 1);
  });

  it('accepts the starter plans of mlload init', () => {
    expect(validateJsonSchema(schema, starterPlan('starter', '../schema/plan.schema.json'))).toEqual([]);
    const yaml = parseYaml(starterPlanYaml('starter', '../schema/plan.schema.json'));
    expect(yaml).toEqual(starterPlan('starter', '../schema/plan.schema.json'));
  });

  it('rejects what the zod schema rejects', () => {
    const good = { target: { url: 'https://x.example/score' }, load: { model: 'constant', rps: 10, duration: '1m' } };
    expect(validateJsonSchema(schema, good)).toEqual([]);
    const bad: [string, unknown][] = [
      ['no target', { load: good.load }],
      ['no load', { target: good.target }],
      ['unknown field', { ...good, treshold: {} }],
      ['unknown load model', { ...good, load: { model: 'sinus', rps: 1, duration: 1 } }],
      ['negative rps', { ...good, load: { model: 'constant', rps: -1, duration: 1 } }],
      ['workers 0', { ...good, workers: 0 }],
      ['workers text', { ...good, workers: 'many' }],
      ['auth type', { ...good, target: { url: 'https://x.example/score', auth: { type: 'password' } } }],
      ['method', { ...good, target: { url: 'https://x.example/score', method: 'FETCH' } }],
      ['baseline runs', { ...good, baseline: { runs: 0 } }],
      ['baseline field', { ...good, baseline: { p99Pct: 5 } }],
      ['tag value', { ...good, tags: { a: { b: 1 } } }],
      ['name', { ...good, name: '-bad name' }],
    ];
    for (const [what, plan] of bad) {
      expect(validateJsonSchema(schema, plan).length, `JSON schema: ${what}`).toBeGreaterThan(0);
      expect(validatePlan(plan).ok, `zod: ${what}`).toBe(false);
    }
    expect(validateJsonSchema(schema, { ...good, baseline: {} })).toEqual([]);
    expect(validateJsonSchema(schema, { ...good, $schema: './plan.schema.json' })).toEqual([]);
  });
});
