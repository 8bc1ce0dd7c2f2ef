import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { executeSlice } from '../../src/core/execute-slice.js';
import { planSchema } from '../../src/core/plan.js';
import { retryDelayMs, serverRetryAfterMs } from '../../src/core/retry-delay.js';
import { summarizeRun } from '../../src/core/run-summary.js';
import { planSlices } from '../../src/core/slice.js';

let server: http.Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
});

/** A 429 storm: the first attempt of every request is throttled with the given retry header; the retry succeeds. */
async function throttlingServer(retryHeader: Record<string, string>) {
  const firstSeenMs = new Map<number, number>();
  const retryGapsMs: number[] = [];
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const seq = (JSON.parse(body) as { seq: number }).seq;
      const first = firstSeenMs.get(seq);
      if (first === undefined) {
        firstSeenMs.set(seq, Date.now());
        res.writeHead(429, retryHeader);
        return res.end('{"message":"Too many pending requests"}');
      }
      retryGapsMs.push(Date.now() - first);
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/score`, retryGapsMs };
}

async function run(url: string, retry: unknown) {
  const plan = planSchema.parse({ target: { url }, payload: { text: '{"seq":{{seq}}}' }, load: { model: 'constant', rps: 50, duration: '1s' }, retry });
  const origin = Date.now() + 20;
  const [slice] = planSlices('run', plan, 1, origin);
  const outcome = await executeSlice(slice, plan);
  return summarizeRun({ runId: 'run', plan, slices: [outcome], originEpochMs: origin }).summary;
}

describe('retries of throttled requests', () => {
  it('honors retry-after-ms, reports first-attempt and end-to-end latency apart, and never delays the schedule', async () => {
    const { url, retryGapsMs } = await throttlingServer({ 'retry-after-ms': '250', 'retry-after': '9' });
    const summary = await run(url, { policy: 'honor-retry-after', maxRetries: 2 });
    expect(summary.requests).toMatchObject({ planned: 50, sent: 50, ok: 50, throttled: 0 });
    expect(summary.retry).toMatchObject({ policy: 'honor-retry-after', retriesSent: 50, succeededAfterRetry: 50 });
    expect(summary.retry!.firstAttemptLatencyMs.p50).toBeLessThan(50);
    expect(summary.latencyMs.p50).toBeGreaterThanOrEqual(250);
    expect(summary.latencyMs.p50).toBeLessThan(330);
    expect(Math.min(...retryGapsMs)).toBeGreaterThanOrEqual(245);
    expect(Math.max(...retryGapsMs)).toBeLessThan(300 + 60); // 250 ms + up to 10% jitter
    // New arrivals went out on time while retries waited.
    expect(summary.scheduleLagMs.p99).toBeLessThan(10);
    expect(summary.statusCodes).toEqual({ '200': 50 });
  });

  it('falls back to retry-after in seconds', async () => {
    const { url, retryGapsMs } = await throttlingServer({ 'retry-after': '1' });
    const summary = await run(url, { policy: 'honor-retry-after', maxRetries: 1 });
    expect(summary.requests.ok).toBe(50);
    expect(Math.min(...retryGapsMs)).toBeGreaterThanOrEqual(995);
  });

  it('does not retry by default: 429s are counted as throttled', async () => {
    const { url } = await throttlingServer({ 'retry-after-ms': '10' });
    const summary = await run(url, undefined);
    expect(summary.requests).toMatchObject({ sent: 50, ok: 0, throttled: 50 });
    expect(summary.retry).toBeUndefined();
    expect(summary.throttleRate).toBe(1);
  });
});

describe('retry delays', () => {
  it('prefers retry-after-ms, then retry-after seconds or date', () => {
    expect(serverRetryAfterMs('1500', '9')).toBe(1500);
    expect(serverRetryAfterMs(undefined, '2')).toBe(2000);
    expect(serverRetryAfterMs(undefined, new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString(), Date.UTC(2030, 0, 1))).toBe(10_000);
    expect(serverRetryAfterMs('soon', 'later')).toBe(-1);
  });
  it('backs off exponentially without a server hint, adds at most 10% jitter, and caps', () => {
    expect(retryDelayMs(-1, 1, 60_000, () => 0)).toBe(500);
    expect(retryDelayMs(-1, 3, 60_000, () => 0)).toBe(2000);
    expect(retryDelayMs(1000, 1, 60_000, () => 0.999)).toBe(1100);
    expect(retryDelayMs(90_000, 1, 30_000, () => 0)).toBe(30_000);
  });
});
