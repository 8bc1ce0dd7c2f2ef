import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { appServices } from './app-services.js';
import { badRequest, serverError } from './http-responses.js';

/** GET /api/runs?limit=&continuationToken=&name=: newest first, paged. */
export async function listRunsHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const limitText = request.query.get('limit') ?? '50';
  const limit = Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) return badRequest('limit must be an integer from 1 to 200', [{ path: 'limit', message: `not ${JSON.stringify(limitText)}` }]);
  const name = request.query.get('name') ?? undefined;
  const continuationToken = request.query.get('continuationToken') ?? undefined;
  if (continuationToken !== undefined && (continuationToken.length > 2048 || !/^[\w.:=+/%-]*$/.test(continuationToken))) {
    return badRequest('continuationToken is not one this API gave out');
  }
  try {
    const { store } = await appServices();
    const page = await store.listRuns({ limit, name, continuationToken });
    return {
      status: 200,
      jsonBody: {
        runs: page.runs.map(({ summary, ...run }) => ({
          ...run,
          headline: summary && {
            status: summary.status,
            sent: summary.requests.sent,
            achievedRps: summary.rate.achieved,
            p95Ms: summary.latencyMs.p95,
            p99Ms: summary.latencyMs.p99,
            errorRate: summary.errorRate,
          },
        })),
        continuationToken: page.continuationToken,
      },
    };
  } catch (error) {
    context.error(`listRuns failed: ${(error as Error).message}`);
    return serverError(context.invocationId);
  }
}

app.http('listRuns', { methods: ['GET'], route: 'runs', authLevel: 'function', handler: listRunsHandler });
