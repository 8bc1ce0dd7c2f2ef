import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { getReportHandler } from '../../functions/get-report.js';
import { getRunHandler } from '../../functions/get-run.js';
import { listRunsHandler } from '../../functions/list-runs.js';
import { startRunHandler } from '../../functions/start-run.js';

export type HttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

export interface FunctionRoute {
  name: string;
  method: string;
  /** Route template as registered with app.http, under /api. */
  route: string;
  handler: HttpHandler;
}

/** The Function app's HTTP routes, with the very handlers the app registers. */
export const FUNCTION_ROUTES: readonly FunctionRoute[] = [
  { name: 'startRun', method: 'POST', route: 'runs', handler: startRunHandler },
  { name: 'listRuns', method: 'GET', route: 'runs', handler: listRunsHandler },
  { name: 'getRun', method: 'GET', route: 'runs/{runId}', handler: getRunHandler },
  { name: 'getReport', method: 'GET', route: 'runs/{runId}/report', handler: getReportHandler },
];

/** Matches `/api/<route>` and returns the route parameters, or undefined. */
export function matchRoute(route: string, pathname: string): Record<string, string> | undefined {
  const want = `api/${route}`.split('/');
  const got = pathname.replace(/^\/+|\/+$/g, '').split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const param = /^\{(\w+)\}$/.exec(want[i]);
    if (param) params[param[1]] = decodeURIComponent(got[i]);
    else if (want[i] !== got[i]) return undefined;
  }
  return params;
}
