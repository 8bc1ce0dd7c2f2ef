import type { PlanProblem } from './plan-problem.js';
import { isSecretHeader, redactHeaders, REDACTED } from './redact.js';

/**
 * Credentials in the target URL of a service run. The service stores the plan and its slices run the
 * stored copy, so a plan must carry no credential (they would be stored) and the stored copy must keep
 * every value a run needs. Hence: credentials in the URL (user info, or a query parameter named like one:
 * `code`, `sig`, `key`, `token`, `api-key`, `subscription-key` …) are refused, and the other query
 * values (`api-version`, …) are stored as written — unlike `redactPlan`, which blanks every query value
 * (right for display, wrong for a plan that is run again).
 */
const SECRET_QUERY = /^(code|sig|signature|auth|access_token|id_token|sas|x-amz-signature|x-goog-signature)$/i;

export function isSecretQueryParam(name: string): boolean {
  return SECRET_QUERY.test(name) || isSecretHeader(name);
}

/** Problems with credentials written into the target URL (never quoting their values). */
export function urlCredentialProblems(urlText: string): PlanProblem[] {
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    return [];
  }
  const problems: PlanProblem[] = [];
  if (url.username !== '' || url.password !== '') {
    problems.push({ path: '$.target.url', message: 'credentials are not accepted in plans: remove the user info from the URL and use target.auth' });
  }
  const names = [...new Set([...url.searchParams.keys()].filter(isSecretQueryParam))];
  if (names.length > 0) {
    problems.push({
      path: '$.target.url',
      message: `credentials are not accepted in plans: the query parameter(s) ${names.map((n) => JSON.stringify(n.slice(0, 40))).join(', ')} look like a key; send it with target.auth (key setting, header) instead`,
    });
  }
  return problems;
}

function redactSecretQuery(urlText: string): string {
  try {
    const url = new URL(urlText);
    url.username = '';
    url.password = '';
    for (const key of [...url.searchParams.keys()]) if (isSecretQueryParam(key)) url.searchParams.set(key, REDACTED);
    return url.toString().replace(/%5Bredacted%5D/g, REDACTED);
  } catch {
    return REDACTED;
  }
}

/** The plan as a service stores it to run it: credential headers and credential-like query values redacted, the rest kept. */
export function redactPlanForService<T>(plan: T): T {
  const copy = structuredClone(plan) as Record<string, unknown>;
  const target = copy.target as Record<string, unknown> | undefined;
  if (target && typeof target === 'object') {
    if (typeof target.url === 'string') target.url = redactSecretQuery(target.url);
    if (target.headers && typeof target.headers === 'object') target.headers = redactHeaders(target.headers as Record<string, string>);
  }
  return copy as T;
}

/**
 * Token audiences a service run may ask the app's managed identity for. The token is sent to the target,
 * and a target host allowed by a pattern (`*.inference.ml.azure.com`) may be anyone's endpoint: a plan
 * asking for `https://storage.azure.com/.default` would hand the caller a token for the app's own
 * storage (Storage Blob Data Owner). Only inference audiences are accepted.
 */
export const SERVICE_TOKEN_SCOPES = ['https://ml.azure.com/.default', 'https://cognitiveservices.azure.com/.default', 'https://ai.azure.com/.default'] as const;

export function tokenScopeProblems(auth: { type: string; scope?: string }): PlanProblem[] {
  if (auth.type !== 'managedIdentity') return [];
  const scope = (auth.scope ?? '').trim().toLowerCase().replace(/\/+$/, '');
  if ((SERVICE_TOKEN_SCOPES as readonly string[]).includes(scope)) return [];
  return [{ path: '$.target.auth.scope', message: `the app's identity gets tokens only for ${SERVICE_TOKEN_SCOPES.join(', ')} (a token is sent to the target)` }];
}
