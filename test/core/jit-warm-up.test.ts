import { describe, expect, it } from 'vitest';
import { HttpClient } from '../../src/core/http-client.js';
import { warmUpJit, type WarmUpSendPath } from '../../src/core/jit-warm-up.js';
import { systemClock } from '../../src/core/monotonic-clock.js';
import { noTokenProvider } from '../../src/core/ports/token-provider.js';
import { Scheduler } from '../../src/core/scheduler.js';
import { SliceRecorder } from '../../src/core/slice-recorder.js';

/** A send path like execute-slice's, aimed wherever warmUpJit says; remembers the URLs it was given. */
function sendPath(urls: string[]): WarmUpSendPath {
  return (url, pacer, originUs, stopSignal) => {
    urls.push(url);
    const recorder = new SliceRecorder(0, 0, null);
    const scheduler = new Scheduler({ pacer, worker: 0, workers: 1, originUs, maxInFlight: 256, recorder, clock: systemClock, abortSignal: stopSignal });
    const client = new HttpClient({
      url,
      method: 'POST',
      headers: {},
      timeoutMs: 2000,
      connections: 64,
      maxResponseBytes: 1024,
      tokenProvider: noTokenProvider,
      clock: systemClock,
      onDone: (exchange) => scheduler.onDone(exchange),
    });
    return { scheduler, client, recorder };
  };
}

describe('warmUpJit', () => {
  it('runs the send path against its own sink on loopback, every request answered, and ends before the start', async () => {
    const urls: string[] = [];
    const untilUs = systemClock.nowUs() + 500_000;
    const warmUp = await warmUpJit(systemClock, untilUs, 2000, sendPath(urls));
    expect(systemClock.nowUs()).toBeLessThan(untilUs);
    await warmUp.release();
    // In rounds, each with a send path of its own, all aimed at the sink.
    expect(urls.length).toBeGreaterThanOrEqual(2);
    expect(new Set(urls).size).toBe(1);
    expect(urls[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    // 2,000 rps for at least ~0.3 s of the 0.5 s lead (the sink thread takes a moment to start).
    expect(warmUp.sent).toBeGreaterThan(300);
    // Every response shape the sink rotates through (keep-alive announced or not, body in a second
    // write, chunked) is read as a 2xx.
    expect(warmUp.ok).toBe(warmUp.sent);
  });

  it('does nothing when the start is too close to warm up', async () => {
    const urls: string[] = [];
    const warmUp = await warmUpJit(systemClock, systemClock.nowUs() + 50_000, 2000, sendPath(urls));
    expect({ sent: warmUp.sent, ok: warmUp.ok, built: urls.length }).toEqual({ sent: 0, ok: 0, built: 0 });
  });
});
