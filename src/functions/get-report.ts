import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { isRunId } from '../core/run-id.js';
import { appServices } from './app-services.js';
import { notFound, serverError } from './http-responses.js';

/** GET /api/runs/{runId}/report: the HTML report (the summary JSON while no report exists). */
export async function getReportHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const runId = request.params.runId ?? '';
  if (!isRunId(runId)) return notFound(`run ${JSON.stringify(runId.slice(0, 80))}`);
  try {
    const { store } = await appServices();
    const html = await store.getReport(runId);
    if (html !== undefined) {
      return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:" }, body: html };
    }
    const summary = await store.getSummary(runId);
    if (summary) return { status: 200, jsonBody: summary };
    const record = await store.getRun(runId);
    return record ? { status: 202, jsonBody: { runId, status: record.status, message: 'the run is not finished yet' } } : notFound(`run ${runId}`);
  } catch (error) {
    context.error(`getReport failed: ${(error as Error).message}`);
    return serverError(context.invocationId);
  }
}

app.http('getReport', { methods: ['GET'], route: 'runs/{runId}/report', authLevel: 'function', handler: getReportHandler });
