/**
 * How long to wait before retrying a throttled request: the server's `retry-after-ms`, else its
 * `retry-after` (seconds or an HTTP date), else exponential backoff from 500 ms (2^(attempt−1) × 500);
 * then full jitter on a tenth (so a storm of retries does not return in one instant), capped at maxDelayMs.
 */
export function retryDelayMs(serverAskedMs: number, attempt: number, maxDelayMs: number, random = Math.random): number {
  const base = serverAskedMs >= 0 ? serverAskedMs : 500 * 2 ** (attempt - 1);
  return Math.min(maxDelayMs, Math.round(base + random() * base * 0.1));
}

/** The wait a 429/503 response asks for, ms, or −1 when it asks for none. */
export function serverRetryAfterMs(retryAfterMs: string | undefined, retryAfter: string | undefined, nowMs = Date.now()): number {
  if (retryAfterMs !== undefined) {
    const ms = Number(retryAfterMs);
    if (Number.isFinite(ms) && ms >= 0) return ms;
  }
  if (retryAfter !== undefined) {
    const text = retryAfter.trim();
    if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
    const at = Date.parse(text);
    if (Number.isFinite(at)) return Math.max(0, at - nowMs);
  }
  return -1;
}

/** Statuses worth retrying: throttled, or briefly unavailable. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 503;
}
