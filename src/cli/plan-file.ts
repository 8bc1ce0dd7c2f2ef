import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { formatProblems } from '../core/plan-problem.js';
import { parsePlanText, validatePlan, type ValidPlan } from '../core/validate-plan.js';
import { CliError, EXIT } from './exit-codes.js';

/** Reads and validates a plan file (JSON, YAML, or the blog post's load_config.json); every problem at once, exit 2. */
export async function loadPlanFile(file: string): Promise<ValidPlan> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read plan ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message}`, EXIT.usage);
  }
  const parsed = parsePlanText(text, path.basename(file));
  const base = path.basename(file).replace(/\.(json|ya?ml)$/i, '').replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64) || 'plan';
  const validated = parsed.ok ? validatePlan(parsed.value, base) : parsed;
  if (!validated.ok) {
    throw new CliError(`${file} is not a valid plan (${validated.problems.length} problem${validated.problems.length === 1 ? '' : 's'}):\n${formatProblems(validated.problems)}`, EXIT.usage);
  }
  return validated.value;
}
