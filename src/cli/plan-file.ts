import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { formatProblems } from '../core/plan-problem.js';
import { parsePlanText, validatePlan, type ValidPlan } from '../core/validate-plan.js';
import { parsePayloadLines } from '../core/payload-bodies.js';

export interface LoadedPlan extends ValidPlan {
  /** The text of payload.file, read relative to the plan file. */
  payloadFileText?: string;
}
import { CliError, EXIT } from './exit-codes.js';

/** Reads and validates a plan file (JSON, YAML, or the blog post's load_config.json); every problem at once, exit 2. */
export async function loadPlanFile(file: string): Promise<LoadedPlan> {
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
  const payloadFile = validated.value.plan.payload.file;
  if (payloadFile === undefined) return validated.value;
  const payloadPath = path.resolve(path.dirname(file), payloadFile);
  let payloadFileText: string;
  try {
    payloadFileText = await readFile(payloadPath, 'utf8');
  } catch {
    throw new CliError(`${file}: payload.file ${payloadFile} cannot be read (looked for ${payloadPath})`, EXIT.usage);
  }
  const lines = parsePayloadLines(payloadFileText, validated.value.plan.payload.order, payloadFile);
  if (!lines.ok) throw new CliError(`${file}: payload.file is not valid:\n${formatProblems(lines.problems)}`, EXIT.usage);
  return { ...validated.value, payloadFileText };
}
