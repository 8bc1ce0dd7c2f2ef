import { randomInt } from 'node:crypto';
import type { PlanProblem, PlanResult } from './plan-problem.js';
import { Template } from './template.js';
import { MAX_JSON_DEPTH, nestingProblem } from './json-depth.js';

export type PayloadOrder = 'sequential' | 'random' | 'weighted';

/**
 * The bodies requests carry: one fixed body, or the lines of a JSONL file picked in order, at random
 * or by weight. Placeholders are parsed once per line; a body without them is encoded once.
 */
export class PayloadBodies {
  private readonly templates: Template[];
  private readonly fixed: (Buffer | undefined)[];
  private readonly cumulative: number[] = [];

  constructor(
    texts: readonly string[],
    private readonly order: PayloadOrder = 'sequential',
    weights?: readonly number[],
  ) {
    if (texts.length === 0) throw new Error('a payload needs at least one body');
    this.templates = texts.map((t) => new Template(t));
    this.fixed = this.templates.map((t) => (t.isFixed ? Buffer.from(t.render(0)) : undefined));
    let total = 0;
    for (const w of weights ?? texts.map(() => 1)) this.cumulative.push((total += w));
  }

  get count(): number {
    return this.templates.length;
  }

  /** The body of hit `seq`. */
  bodyFor(seq: number): Buffer {
    const i = this.indexFor(seq);
    return this.fixed[i] ?? Buffer.from(this.templates[i].render(seq));
  }

  private indexFor(seq: number): number {
    const n = this.templates.length;
    if (n === 1) return 0;
    if (this.order === 'sequential') return seq % n;
    if (this.order === 'random') return randomInt(n);
    const total = this.cumulative[n - 1];
    const x = Math.random() * total;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.cumulative[mid] > x) high = mid;
      else low = mid + 1;
    }
    return low;
  }
}

/**
 * Reads a JSONL payload file: one JSON value per line (the body), or for `weighted`,
 * `{"weight": n, "body": …}` per line. Blank lines are skipped; every bad line is reported.
 */
export function parsePayloadLines(text: string, order: PayloadOrder, fileName: string): PlanResult<{ bodies: string[]; weights?: number[] }> {
  const bodies: string[] = [];
  const weights: number[] = [];
  const problems: PlanProblem[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length && problems.length < 20; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const where = `${fileName}:${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      problems.push({ path: where, message: 'is not a JSON value' });
      continue;
    }
    if (nestingProblem(value) !== undefined) {
      problems.push({ path: where, message: `nests deeper than ${MAX_JSON_DEPTH} levels` });
      continue;
    }
    if (order === 'weighted') {
      const entry = value as { weight?: unknown; body?: unknown };
      if (typeof entry !== 'object' || entry === null || typeof entry.weight !== 'number' || !(entry.weight > 0) || entry.body === undefined) {
        problems.push({ path: where, message: 'weighted lines look like {"weight": 2, "body": {…}} with a weight > 0' });
        continue;
      }
      weights.push(entry.weight);
      bodies.push(JSON.stringify(entry.body));
    } else {
      bodies.push(JSON.stringify(value));
    }
  }
  if (problems.length === 0 && bodies.length === 0) problems.push({ path: fileName, message: 'has no payload lines' });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: order === 'weighted' ? { bodies, weights } : { bodies } };
}
