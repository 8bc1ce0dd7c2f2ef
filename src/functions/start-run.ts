import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { parsePlanText } from '../core/validate-plan.js';
import { startRun } from '../core/start-run.js';
import { appServices } from './app-services.js';
import { badRequest, serverError } from './http-responses.js';

/** Largest plan body accepted, bytes. */
export const MAX_PLAN_BYTES = 1024 * 1024;

/** POST /api/runs: validate, apply caps, create the run, enqueue its slices, answer 202 at once. */
export async function startRunHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const bytes = Buffer.from(await request.arrayBuffer());
  if (bytes.length === 0) return badRequest('the request body must be a plan (JSON or YAML)');
  if (bytes.length > MAX_PLAN_BYTES) return badRequest(`the plan is ${bytes.length} bytes; the limit is ${MAX_PLAN_BYTES}`);
  const yaml = /yaml/i.test(request.headers.get('content-type') ?? '');
  const parsed = parsePlanText(bytes.toString('utf8'), yaml ? 'plan.yaml' : 'plan.json');
  if (!parsed.ok) return badRequest('the body is not valid JSON or YAML', parsed.problems);
  try {
    const services = await appServices();
    const result = await startRun(parsed.value, { ...services, readPayloadFile: (name) => services.plans.readFile(name) });
    if (!result.ok) return badRequest('invalid plan', result.problems);
    const statusUrl = new URL(`/api/runs/${result.value.runId}`, request.url).toString();
    context.log(`run ${result.value.runId} (${result.value.name}) scheduled: ${result.value.sliceIds.length} slice(s), starts ${result.value.originAt}`);
    return { status: 202, headers: { location: statusUrl }, jsonBody: { runId: result.value.runId, statusUrl, startsAt: result.value.originAt, slices: result.value.sliceIds.length } };
  } catch (error) {
    context.error(`startRun failed: ${(error as Error).message}`);
    return serverError(context.invocationId);
  }
}

app.http('startRun', { methods: ['POST'], route: 'runs', authLevel: 'function', handler: startRunHandler });
