import { z } from 'zod';
import { planSchema } from '../core/plan.js';

/**
 * The JSON Schema of a plan, for editors (`"$schema": "…/schema/plan.schema.json"` in a plan, or the
 * yaml-language-server modeline in YAML). Generated from the zod plan schema in core/plan.ts — the one
 * definition — in zod's **input** mode: what a user may write, before defaults and transforms. So fields
 * with defaults are optional, and durations are "a number of seconds or a string".
 *
 * `npm run schema` writes it to schema/plan.schema.json (via the hidden `mlload schema --out`); a test
 * fails when that file is stale. The blog post's load_config.json format is converted by the loader and
 * is deliberately not part of this schema (nothing here requires it, and nothing describes it).
 */

/** What `parseDurationMs` accepts as text (surrounding spaces allowed): "90", "1.5", "500ms", "1h30m". */
export const DURATION_PATTERN = '^\\s*(\\d+(\\.\\d+)?|(\\d+(\\.\\d+)?(ms|s|m|h))+)\\s*$';

const DURATION_TEXT = 'A duration: a number of seconds, or text such as "500ms", "30s", "5m", "1h30m".';

/** Descriptions for fields the zod schema leaves undescribed (JSON pointer-ish paths under `properties`). */
const DESCRIPTIONS: Record<string, string> = {
  $schema: 'The JSON Schema of plans, for editors (e.g. "./node_modules/ml-load-runner/schema/plan.schema.json"). Ignored by the runner.',
  name: 'Plan name: 1–64 letters, digits, ".", "_" or "-". Runs of one name form a history (mlload runs --name, the baseline). Default: the file name.',
  description: 'Free text.',
  target: 'What to hit: the scoring URL, method, auth, headers and limits.',
  'target.method': 'HTTP method.',
  'target.auth': 'How requests authenticate: none, a key read from an environment variable / app setting, or a managed-identity (Entra) token.',
  payload: 'What to send with every request: a JSON body, raw text, or a JSONL file of bodies.',
  load: 'How hard, over time: the load model and its rates and durations.',
  workers: 'Workers sharing the load (each sends an interleaved share; all start at one instant), or "auto" to size from the peak rate.',
  thresholds: 'What counts as passing, judged on the merged result of all workers. Latencies in ms from the intended send time.',
  'thresholds.p50Ms': 'Largest allowed latency p50, ms.',
  'thresholds.p90Ms': 'Largest allowed latency p90, ms.',
  'thresholds.p95Ms': 'Largest allowed latency p95, ms.',
  'thresholds.p99Ms': 'Largest allowed latency p99, ms.',
  'thresholds.p999Ms': 'Largest allowed latency p99.9, ms.',
  'thresholds.maxMs': 'Largest allowed maximum latency, ms.',
  'thresholds.meanMs': 'Largest allowed mean latency, ms.',
  retry: 'Retries of throttled requests.',
  tags: 'Carried into results (model version, SKU, instance count…): strings, numbers or booleans.',
};

type JsonSchema = Record<string, unknown>;

/** The plan's JSON Schema (draft 2020-12), annotated for editors. */
export function planJsonSchema(): JsonSchema {
  const generated = z.toJSONSchema(planSchema, { io: 'input', target: 'draft-2020-12' }) as JsonSchema;
  const { $schema, ...rest } = generated;
  const schema: JsonSchema = {
    $schema,
    title: 'ml-load-runner plan',
    description: 'A load test plan for ML inference endpoints (mlload run / the Function app). Reference: docs/plan-reference.md.',
    ...rest,
  };
  for (const [path, text] of Object.entries(DESCRIPTIONS)) {
    const node = propertyAt(schema, path.split('.'));
    if (node && node.description === undefined) node.description = text;
  }
  walk(schema, annotate);
  return schema;
}

/** The file's text: stable key order from the zod schema, two-space indent, final newline. */
export function planJsonSchemaText(): string {
  return `${JSON.stringify(planJsonSchema(), null, 2)}\n`;
}

function propertyAt(schema: JsonSchema, path: string[]): JsonSchema | undefined {
  let node: JsonSchema | undefined = schema;
  for (const key of path) {
    const properties = node?.properties as Record<string, JsonSchema> | undefined;
    node = properties?.[key];
    if (node === undefined) return undefined;
  }
  return node;
}

function walk(node: unknown, visit: (schema: JsonSchema) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, visit);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  visit(node as JsonSchema);
  for (const value of Object.values(node)) walk(value, visit);
}

function annotate(schema: JsonSchema): void {
  // Durations: number of seconds or text. Give the text branch the pattern the parser accepts.
  if (isDuration(schema)) {
    const [, text] = schema.anyOf as JsonSchema[];
    text.pattern ??= DURATION_PATTERN;
    const described = typeof schema.description === 'string' ? schema.description : '';
    if (!/duration/i.test(described)) schema.description = described ? `${described} ${DURATION_TEXT}` : DURATION_TEXT;
  }
  // Each load model (and auth type) gets a title: editors show it when offering the alternatives.
  for (const key of ['oneOf', 'anyOf'] as const) {
    const options = schema[key];
    if (!Array.isArray(options)) continue;
    for (const option of options as JsonSchema[]) {
      const props = option.properties as Record<string, JsonSchema> | undefined;
      const tag = props?.model?.const ?? props?.type?.const;
      if (typeof tag === 'string' && option.title === undefined) option.title = props?.model ? `${tag} load` : `auth: ${tag}`;
    }
  }
}

function isDuration(schema: JsonSchema): boolean {
  const options = schema.anyOf;
  if (!Array.isArray(options) || options.length !== 2) return false;
  const [num, text] = options as JsonSchema[];
  return num.type === 'number' && num.minimum === 0 && text.type === 'string' && Object.keys(text).every((k) => k === 'type' || k === 'pattern');
}
