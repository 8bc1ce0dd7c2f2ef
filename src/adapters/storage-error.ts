/**
 * Errors from Azure Storage, re-worded so that they name the operation and the blob, table or queue,
 * and never carry a secret: the SDK's error object (request, headers, connection details) is dropped,
 * and the account key, SAS signatures and connection-string secrets are scrubbed from any text kept.
 */
export class StorageOperationError extends Error {
  override readonly name = 'StorageOperationError';
  constructor(
    message: string,
    /** HTTP status from the service, when it answered. */
    readonly statusCode: number | undefined,
    /** Storage error code (e.g. BlobAlreadyExists) or network code (e.g. ECONNREFUSED). */
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** Replaces every secret in a text: the known ones, and anything shaped like a key or SAS parameter. */
export function scrubSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 8) out = out.split(secret).join('[redacted]');
  return out
    .replace(/(AccountKey|SharedAccessSignature|SharedAccessKey)=[^;\s]*/gi, '$1=[redacted]')
    .replace(/([?&]sig=)[^&\s"']*/gi, '$1[redacted]')
    .replace(/(SharedKey(?:Lite)?\s+[^:\s]+:)[^\s"']+/g, '$1[redacted]')
    .replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/g, '$1[redacted]');
}

export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

export function codeOf(error: unknown): string | undefined {
  const e = error as { code?: unknown; details?: { errorCode?: unknown } } | null;
  if (typeof e?.details?.errorCode === 'string') return e.details.errorCode;
  return typeof e?.code === 'string' ? e.code : undefined;
}

export function isAbort(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'AbortError';
}

/**
 * `<operation> <target> failed: HTTP 503 ServerBusy (first line of the service message)`, secret-free.
 * `target` names the resource, e.g. `blob runs/<runId>/summary.json` or `table runs`.
 */
export function storageError(operation: string, target: string, error: unknown, secrets: readonly string[] = []): StorageOperationError {
  // Already re-worded (e.g. creating the table failed first): add what was being done.
  if (error instanceof StorageOperationError) return new StorageOperationError(`${operation} ${target}: ${error.message}`, error.statusCode, error.code);
  const status = statusOf(error);
  const code = codeOf(error);
  const raw = readableMessage(error instanceof Error ? error.message : String(error));
  const firstLine = scrubSecrets(raw.split('\n')[0] ?? '', secrets).slice(0, 300);
  const parts: string[] = [];
  if (status !== undefined) parts.push(`HTTP ${status}`);
  if (code !== undefined && !firstLine.includes(code)) parts.push(code);
  if (isAbort(error)) parts.push('aborted');
  const detail = [parts.join(' '), firstLine].filter((p) => p !== '').join(': ');
  return new StorageOperationError(`${operation} ${target} failed${detail ? `: ${detail}` : ''}`, status, code);
}

/** Table errors arrive as OData JSON; keep their human message. */
function readableMessage(message: string): string {
  if (!message.startsWith('{')) return message;
  try {
    const parsed = JSON.parse(message) as { 'odata.error'?: { message?: { value?: unknown } } };
    const value = parsed['odata.error']?.message?.value;
    return typeof value === 'string' ? value : message;
  } catch {
    return message;
  }
}
