import type { Plan, PlanInput } from './plan.js';
import type { PlanProblem } from './plan-problem.js';

/**
 * The service's size caps on what one request carries (MAX_BODY_BYTES) and on what the client reads
 * of one response (MAX_RESPONSE_BYTES). Undefined means no cap (the CLI on a user's own machine).
 */
export interface RequestCapLimits {
  maxBodyBytes?: number;
  maxResponseBytes?: number;
}

/** Bytes of a body as sent (UTF-8); placeholders are counted as written. */
function bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Problems with the lines of `payload.file` (each line is one request body). */
export function payloadLinesCapProblems(bodies: readonly string[], limits: RequestCapLimits): PlanProblem[] {
  const max = limits.maxBodyBytes;
  if (max === undefined) return [];
  let over = 0;
  let largest = 0;
  for (const body of bodies) {
    const size = bytes(body);
    if (size > max) over++;
    if (size > largest) largest = size;
  }
  if (over === 0) return [];
  return [{ path: '$.payload.file', message: `${over} line(s) are request bodies over the limit MAX_BODY_BYTES=${max} (the largest is ${largest} bytes)` }];
}

/**
 * Problems with the plan's own body (`payload.body` / `payload.text`) and its `target.maxResponseBytes`
 * against the caps. A plan that does not set maxResponseBytes is not refused: it gets the cap (see
 * `withResponseCap`).
 */
export function requestCapProblems(plan: Plan, planInput: PlanInput, limits: RequestCapLimits): PlanProblem[] {
  const problems: PlanProblem[] = [];
  const maxBody = limits.maxBodyBytes;
  if (maxBody !== undefined) {
    const payload = plan.payload;
    if (payload.text !== undefined && bytes(payload.text) > maxBody) {
      problems.push({ path: '$.payload.text', message: `the request body is ${bytes(payload.text)} bytes, over the limit MAX_BODY_BYTES=${maxBody}` });
    }
    if (payload.body !== undefined) {
      const size = bytes(JSON.stringify(payload.body) ?? '');
      if (size > maxBody) problems.push({ path: '$.payload.body', message: `the request body is ${size} bytes, over the limit MAX_BODY_BYTES=${maxBody}` });
    }
  }
  const maxResponse = limits.maxResponseBytes;
  const asked = (planInput as { target?: { maxResponseBytes?: unknown } }).target?.maxResponseBytes;
  if (maxResponse !== undefined && asked !== undefined && plan.target.maxResponseBytes > maxResponse) {
    problems.push({ path: '$.target.maxResponseBytes', message: `${plan.target.maxResponseBytes} bytes is over the limit MAX_RESPONSE_BYTES=${maxResponse}` });
  }
  return problems;
}

/** The plan as stored: when it leaves maxResponseBytes to its default and the cap is lower, the cap is written in. */
export function withResponseCap<T extends PlanInput>(planInput: T, plan: Plan, limits: RequestCapLimits): T {
  const max = limits.maxResponseBytes;
  const target = (planInput as { target?: Record<string, unknown> }).target;
  if (max === undefined || target === undefined || target.maxResponseBytes !== undefined || plan.target.maxResponseBytes <= max) return planInput;
  return { ...planInput, target: { ...target, maxResponseBytes: max } };
}
