import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { isRunId } from '../core/run-id.js';
import { appServices } from './app-services.js';
import { notFound, serverError } from './http-responses.js';

/** GET /api/runs/{runId}: status, progress and (once final) the summary. */
export async function getRunHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const runId = request.params.runId ?? '';
  if (!isRunId(runId)) return notFound(`run ${JSON.stringify(runId.slice(0, 80))}`);
  try {
    const { store } = await appServices();
    const record = await store.getRun(runId);
    if (!record) return notFound(`run ${runId}`);
    const reported = record.summary ? record.sliceIds.length : (await store.listSlices(runId)).length;
    const { summary, ...rest } = record;
    return {
      status: 200,
      jsonBody: {
        ...rest,
        progress: { slicesReported: reported, slicesExpected: record.sliceIds.length },
        reportUrl: new URL(`/api/runs/${runId}/report`, request.url).toString(),
        summary,
      },
    };
  } catch (error) {
    context.error(`getRun failed: ${(error as Error).message}`);
    return serverError(context.invocationId);
  }
}

app.http('getRun', { methods: ['GET'], route: 'runs/{runId}', authLevel: 'function', handler: getRunHandler });
