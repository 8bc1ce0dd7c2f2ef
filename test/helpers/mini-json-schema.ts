/**
 * A small JSON Schema (2020-12) checker for the plan schema's tests — enough of the spec for what zod
 * generates, and strict about the rest: a keyword it does not know makes it throw, so a schema that
 * grows a new kind of constraint cannot pass these tests by being silently ignored.
 */

type Schema = Record<string, unknown> | boolean;

const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', 'default', 'examples', '$comment']);
const CHECKED = new Set([
  'type',
  'enum',
  'const',
  'properties',
  'required',
  'additionalProperties',
  'propertyNames',
  'items',
  'minItems',
  'maxItems',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'anyOf',
  'oneOf',
  'allOf',
  '$ref',
  '$defs',
]);

export interface SchemaError {
  path: string;
  message: string;
}

export function validateJsonSchema(root: Schema, value: unknown): SchemaError[] {
  const errors: SchemaError[] = [];
  check(root, value, '$', errors, root);
  return errors;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeMatches(type: string, value: unknown): boolean {
  const actual = typeOf(value);
  return type === actual || (type === 'number' && actual === 'integer');
}

function resolve(ref: string, root: Schema): Schema {
  if (!ref.startsWith('#/')) throw new Error(`unsupported $ref ${ref}`);
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) node = (node as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  if (node === undefined) throw new Error(`unresolved $ref ${ref}`);
  return node as Schema;
}

function check(schema: Schema, value: unknown, at: string, errors: SchemaError[], root: Schema): void {
  if (schema === true) return;
  if (schema === false) {
    errors.push({ path: at, message: 'no value is allowed here' });
    return;
  }
  for (const key of Object.keys(schema)) {
    if (!ANNOTATIONS.has(key) && !CHECKED.has(key)) throw new Error(`mini-json-schema does not know the keyword ${key} (at ${at})`);
  }
  const s = schema as Record<string, any>;
  if (s.$ref !== undefined) check(resolve(s.$ref, root), value, at, errors, root);
  if (s.type !== undefined) {
    const types: string[] = Array.isArray(s.type) ? s.type : [s.type];
    if (!types.some((t) => typeMatches(t, value))) {
      errors.push({ path: at, message: `expected ${types.join(' or ')}, got ${typeOf(value)}` });
      return;
    }
  }
  if (s.enum !== undefined && !s.enum.some((e: unknown) => JSON.stringify(e) === JSON.stringify(value))) errors.push({ path: at, message: `must be one of ${JSON.stringify(s.enum)}` });
  if (s.const !== undefined && JSON.stringify(s.const) !== JSON.stringify(value)) errors.push({ path: at, message: `must be ${JSON.stringify(s.const)}` });
  if (typeof value === 'number') {
    if (s.minimum !== undefined && value < s.minimum) errors.push({ path: at, message: `must be ≥ ${s.minimum}` });
    if (s.maximum !== undefined && value > s.maximum) errors.push({ path: at, message: `must be ≤ ${s.maximum}` });
    if (s.exclusiveMinimum !== undefined && value <= s.exclusiveMinimum) errors.push({ path: at, message: `must be > ${s.exclusiveMinimum}` });
    if (s.exclusiveMaximum !== undefined && value >= s.exclusiveMaximum) errors.push({ path: at, message: `must be < ${s.exclusiveMaximum}` });
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (s.minLength !== undefined && length < s.minLength) errors.push({ path: at, message: `shorter than ${s.minLength}` });
    if (s.maxLength !== undefined && length > s.maxLength) errors.push({ path: at, message: `longer than ${s.maxLength}` });
    if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(value)) errors.push({ path: at, message: `does not match ${s.pattern}` });
  }
  if (Array.isArray(value)) {
    if (s.minItems !== undefined && value.length < s.minItems) errors.push({ path: at, message: `fewer than ${s.minItems} items` });
    if (s.maxItems !== undefined && value.length > s.maxItems) errors.push({ path: at, message: `more than ${s.maxItems} items` });
    if (s.items !== undefined) value.forEach((item, i) => check(s.items, item, `${at}[${i}]`, errors, root));
  }
  if (typeOf(value) === 'object') {
    const object = value as Record<string, unknown>;
    for (const name of s.required ?? []) if (!(name in object)) errors.push({ path: at, message: `missing required property ${name}` });
    const properties: Record<string, Schema> = s.properties ?? {};
    for (const [key, item] of Object.entries(object)) {
      if (s.propertyNames !== undefined) check(s.propertyNames, key, `${at}.${key} (name)`, errors, root);
      if (key in properties) check(properties[key], item, `${at}.${key}`, errors, root);
      else if (s.additionalProperties !== undefined) {
        if (s.additionalProperties === false) errors.push({ path: `${at}.${key}`, message: 'unknown property' });
        else check(s.additionalProperties, item, `${at}.${key}`, errors, root);
      }
    }
  }
  if (s.allOf !== undefined) for (const sub of s.allOf) check(sub, value, at, errors, root);
  if (s.anyOf !== undefined) {
    const results = (s.anyOf as Schema[]).map((sub) => validateSub(sub, value, at, root));
    if (!results.some((r) => r.length === 0)) errors.push({ path: at, message: `matches none of the ${results.length} alternatives: ${bestOf(results)}` });
  }
  if (s.oneOf !== undefined) {
    const results = (s.oneOf as Schema[]).map((sub) => validateSub(sub, value, at, root));
    const matching = results.filter((r) => r.length === 0).length;
    if (matching !== 1) errors.push({ path: at, message: matching === 0 ? `matches none of the ${results.length} alternatives: ${bestOf(results)}` : `matches ${matching} alternatives, not exactly one` });
  }
}

function validateSub(schema: Schema, value: unknown, at: string, root: Schema): SchemaError[] {
  const errors: SchemaError[] = [];
  check(schema, value, at, errors, root);
  return errors;
}

function bestOf(results: SchemaError[][]): string {
  const best = [...results].sort((a, b) => a.length - b.length)[0] ?? [];
  return best.map((e) => `${e.path} ${e.message}`).join('; ');
}
