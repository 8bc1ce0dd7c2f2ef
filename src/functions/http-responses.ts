import type { HttpResponseInit } from '@azure/functions';
import type { PlanProblem } from '../core/plan-problem.js';

/** 400 with every problem, for anything the caller sent wrong (never a 500). */
export function badRequest(error: string, problems: PlanProblem[] = []): HttpResponseInit {
  return { status: 400, jsonBody: { error, problems } };
}

export function notFound(what: string): HttpResponseInit {
  return { status: 404, jsonBody: { error: `${what} not found` } };
}

/** A failure on our side: logged in full by the caller, answered without internals. */
export function serverError(invocationId: string): HttpResponseInit {
  return { status: 500, jsonBody: { error: 'internal error', invocationId } };
}
