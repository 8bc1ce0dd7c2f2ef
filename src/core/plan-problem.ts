import type { z } from 'zod';

/** One thing wrong with a plan, at a JSON path such as `$.load.stages[1].rps`. */
export interface PlanProblem {
  path: string;
  message: string;
}

export type PlanResult<T> = { ok: true; value: T } | { ok: false; problems: PlanProblem[] };

export function jsonPath(path: readonly PropertyKey[]): string {
  let text = '$';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) text += `.${key}`;
    else text += `[${JSON.stringify(String(key))}]`;
  }
  return text;
}

/** Zod issues as plan problems, with messages a person can act on. */
export function problemsFromZod(error: z.ZodError, prefix: readonly PropertyKey[] = []): PlanProblem[] {
  const problems: PlanProblem[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ path: jsonPath([...path, key]), message: 'is not a known field' });
      continue;
    }
    problems.push({ path: jsonPath(path), message: friendlyMessage(issue) });
  }
  return problems;
}

function friendlyMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) {
    return `is required (${issue.expected})`;
  }
  if (issue.code === 'invalid_union' && 'options' in issue && Array.isArray(issue.options)) {
    return `must be one of ${issue.options.map((o) => JSON.stringify(o)).join(', ')}`;
  }
  return issue.message.replace(/^Invalid input: /, '');
}

export function formatProblems(problems: readonly PlanProblem[]): string {
  return problems.map((p) => `  ${p.path}: ${p.message}`).join('\n');
}
