/**
 * Secrets never leave memory: header values that carry credentials, URL query values and user
 * info are replaced before anything is stored, logged or shown.
 */
export const REDACTED = '[redacted]';

const SECRET_HEADER = /^(authorization|proxy-authorization|api-key|x-api-key|ocp-apim-subscription-key|x-functions-key|cookie|set-cookie)$|(key|token|secret|password|signature|credential)/i;

export function isSecretHeader(name: string): boolean {
  return SECRET_HEADER.test(name);
}

export function redactHeaders(headers: Record<string, string> | undefined): Record<string, string> | undefined {
  if (headers === undefined) return undefined;
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, isSecretHeader(name) && !/^\{\{[^}]*\}\}$/.test(value) ? REDACTED : value]));
}

/** The URL without user info and with every query value redacted (query keys such as `code=` often hold keys). */
export function redactUrl(text: string): string {
  try {
    const url = new URL(text);
    url.username = '';
    url.password = '';
    for (const key of [...url.searchParams.keys()]) url.searchParams.set(key, REDACTED);
    return url.toString().replace(/%5Bredacted%5D/g, REDACTED);
  } catch {
    return REDACTED;
  }
}

/** A plan (as written) safe to store: credential headers and URL secrets redacted. */
export function redactPlan<T>(plan: T): T {
  const copy = structuredClone(plan) as Record<string, unknown>;
  const target = copy.target as Record<string, unknown> | undefined;
  if (target && typeof target === 'object') {
    if (typeof target.url === 'string') target.url = redactUrl(target.url);
    if (target.headers && typeof target.headers === 'object') target.headers = redactHeaders(target.headers as Record<string, string>);
  }
  return copy as T;
}

/** Removes known secret values from a message (for errors that quote what they were given). */
export function scrubSecrets(message: string, secrets: readonly (string | undefined)[]): string {
  let text = message;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) text = text.split(secret).join(REDACTED);
  }
  return text.replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g, `$1${REDACTED}`);
}
