/**
 * Stable names for why a request failed without an HTTP status, grouped like k6's error families.
 * These names are part of the summary and storage schema: add new ones, never rename.
 */
export const ERROR_CODES = [
  'connect_timeout',
  'econnrefused',
  'econnreset',
  'timeout',
  'body_too_large',
  'dns',
  'unreachable',
  'tls',
  'protocol_error',
  'client_closed',
  'empty_stream',
  'unknown',
  /** The connection was refused by ALLOWED_TARGET_HOSTS at connect time (the name resolved to a refused address). */
  'target_refused',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const BY_CODE: Record<string, ErrorCode> = {
  UND_ERR_CONNECT_TIMEOUT: 'connect_timeout',
  ETIMEDOUT: 'connect_timeout',
  ECONNREFUSED: 'econnrefused',
  ECONNRESET: 'econnreset',
  EPIPE: 'econnreset',
  UND_ERR_SOCKET: 'econnreset',
  ECONNABORTED: 'econnreset',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  UND_ERR_RESPONSE_EXCEEDED_MAX_SIZE: 'body_too_large',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_FAIL: 'dns',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EADDRNOTAVAIL: 'unreachable',
  UND_ERR_REQ_CONTENT_LENGTH_MISMATCH: 'protocol_error',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'protocol_error',
  UND_ERR_INFO: 'protocol_error',
  UND_ERR_CLOSED: 'client_closed',
  UND_ERR_DESTROYED: 'client_closed',
  MLLOAD_TARGET_REFUSED: 'target_refused',
};

/** Marks an abort we caused, so its reason maps to a stable code rather than "aborted". */
export class RequestAbort extends Error {
  constructor(readonly errorCode: ErrorCode) {
    super(errorCode);
  }
}

/** Maps anything undici or the socket layer throws to a stable error code. */
export function errorCodeOf(error: unknown): ErrorCode {
  if (error instanceof RequestAbort) return error.errorCode;
  const e = error as { code?: unknown; cause?: unknown; name?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (code in BY_CODE) return BY_CODE[code];
  if (code.startsWith('HPE_')) return 'protocol_error';
  // undici 7's HTTPParserError carries no code (its lookup of llhttp's error name yields undefined).
  if (e?.name === 'HTTPParserError') return 'protocol_error';
  if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) return 'tls';
  if (e?.cause !== undefined && e.cause !== error) {
    const inner = errorCodeOf(e.cause);
    if (inner !== 'unknown') return inner;
  }
  return 'unknown';
}
