import { randomInt, randomUUID } from 'node:crypto';

/**
 * Placeholders in header values and bodies, filled per request:
 *   {{uuid}}            a fresh random UUID
 *   {{seq}}             the hit number (0, 1, 2 … across all workers)
 *   {{randomInt a b}}   an integer in [a, b]
 *   {{pick x y z}}      one of the words, at random
 *   {{env NAME}}        the environment variable NAME, read when the run starts (never stored)
 * Text is parsed once; text without placeholders renders to itself at no cost.
 */
export class Template {
  private readonly parts: Part[];
  readonly isFixed: boolean;
  private readonly fixedText: string;

  constructor(text: string, env: Record<string, string | undefined> = process.env) {
    this.parts = parse(text, env);
    this.isFixed = this.parts.every((p) => typeof p === 'string');
    this.fixedText = this.isFixed ? (this.parts as string[]).join('') : '';
  }

  render(seq: number): string {
    if (this.isFixed) return this.fixedText;
    let out = '';
    for (const part of this.parts) out += typeof part === 'string' ? part : part(seq);
    return out;
  }
}

type Part = string | ((seq: number) => string);

export class TemplateError extends Error {
  override name = 'TemplateError';
}

// No lazy group next to \s*: `{{` followed by a long run of spaces made /\{\{\s*([^{}]*?)\s*\}\}/ backtrack
// for minutes (20 s for 5,000 spaces). The expression is trimmed instead; this pattern is linear.
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;

function parse(text: string, env: Record<string, string | undefined>): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    if (match.index > last) parts.push(text.slice(last, match.index));
    parts.push(placeholder(match[1].trim(), env));
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  // Join neighbouring fixed strings (env values become fixed text).
  const joined: Part[] = [];
  for (const part of parts) {
    const previous = joined[joined.length - 1];
    if (typeof part === 'string' && typeof previous === 'string') joined[joined.length - 1] = previous + part;
    else joined.push(part);
  }
  return joined;
}

function placeholder(expression: string, env: Record<string, string | undefined>): Part {
  const [name, ...args] = expression.split(/\s+/);
  switch (name) {
    case 'uuid':
      return () => randomUUID();
    case 'seq':
      return (seq) => String(seq);
    case 'randomInt': {
      const [low, high] = args.map(Number);
      if (args.length !== 2 || !Number.isSafeInteger(low) || !Number.isSafeInteger(high) || high < low) {
        throw new TemplateError(`{{${expression}}}: randomInt takes two integers, low ≤ high`);
      }
      return () => String(randomInt(low, high + 1));
    }
    case 'pick':
      if (args.length === 0) throw new TemplateError(`{{${expression}}}: pick takes at least one word`);
      return () => args[randomInt(args.length)];
    case 'env': {
      if (args.length !== 1) throw new TemplateError(`{{${expression}}}: env takes one variable name`);
      const value = env[args[0]];
      if (value === undefined) throw new TemplateError(`{{${expression}}}: environment variable ${args[0]} is not set`);
      return value;
    }
    default:
      throw new TemplateError(`{{${expression}}} is not a known placeholder (uuid, seq, randomInt a b, pick …, env NAME)`);
  }
}

/** Placeholder problems in text, without reading the environment (for plan validation). */
export function templateProblem(text: string): string | undefined {
  try {
    new Template(text, new Proxy({}, { get: () => '' }));
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
