import { parse as parseYaml } from 'yaml';
import { blogConfigToPlan, isBlogConfig } from './blog-config.js';
import { planSchema, type Plan, type PlanInput } from './plan.js';
import { nestingProblem } from './json-depth.js';
import { problemsFromZod, type PlanProblem, type PlanResult } from './plan-problem.js';

export interface ValidPlan {
  plan: Plan;
  /** The plan as written (blog configs converted), for storing after redaction. */
  input: PlanInput;
}

/** Validates a plan object (or a blog-post load_config), reporting every problem at once. */
export function validatePlan(input: unknown, nameIfMissing?: string): PlanResult<ValidPlan> {
  let planInput: unknown = input;
  // Too deep (or self-containing, from YAML aliases) to copy or serialize: refused before anything else.
  const nesting = nestingProblem(input);
  if (nesting) return { ok: false, problems: [nesting] };
  if (isBlogConfig(input)) {
    const converted = blogConfigToPlan(input, nameIfMissing ?? 'load_config');
    if (!converted.ok) return converted;
    planInput = converted.value;
  } else if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, problems: [{ path: '$', message: 'a plan must be an object' }] };
  } else if (nameIfMissing && !('name' in input)) {
    planInput = { name: nameIfMissing, ...input };
  }
  const parsed = planSchema.safeParse(planInput);
  if (!parsed.success) return { ok: false, problems: problemsFromZod(parsed.error) };
  return { ok: true, value: { plan: parsed.data, input: planInput as PlanInput } };
}

/** Parses plan text: JSON, or YAML when the source name ends in .yaml/.yml or the text is not JSON. */
export function parsePlanText(text: string, sourceName = 'plan'): PlanResult<unknown> {
  const yamlByName = /\.ya?ml$/i.test(sourceName);
  if (!yamlByName) {
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch (jsonError) {
      if (/\.json$/i.test(sourceName)) {
        return { ok: false, problems: [{ path: '$', message: `${sourceName} is not valid JSON: ${(jsonError as Error).message}` }] };
      }
    }
  }
  try {
    // logLevel 'error': YAML warnings (unknown tags, directives) from a caller's text must not flood the logs.
    return { ok: true, value: parseYaml(text, { prettyErrors: true, logLevel: 'error' }) };
  } catch (yamlError) {
    const message = (yamlError as Error).message.split('\n')[0];
    return { ok: false, problems: [{ path: '$', message: `${sourceName} is not valid YAML or JSON: ${message}` }] };
  }
}

export type { PlanProblem };
