import { constants as perfConstants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { Int32Histogram, PackedHistogram } from 'hdr-histogram-js';
import { afterEach, describe, expect, it } from 'vitest';
import { executeSlice, type SliceOutcome } from '../../src/core/execute-slice.js';
import { planSchema, type Plan } from '../../src/core/plan.js';
import { summarizeRun } from '../../src/core/run-summary.js';
import { planSlices } from '../../src/core/slice.js';
import { MemoryRawWriter } from '../helpers/memory-raw-writer.js';
import { okHandler, startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';

let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function plan(url: string, load: unknown, extra: Record<string, unknown> = {}): Plan {
  return planSchema.parse({ name: 't', target: { url, timeoutMs: 5000 }, payload: { body: { input_data: [[1]] } }, load, ...extra });
}

/** Runs every slice of a plan at once in this thread, starting `leadMs` from now. */
async function runAll(p: Plan, workers: number, options: { maxSliceMs?: number; leadMs?: number } = {}) {
  const origin = Date.now() + (options.leadMs ?? 50);
  const slices = planSlices('run', p, workers, origin, options.maxSliceMs);
  const writers = slices.map(() => new MemoryRawWriter());
  const outcomes = await Promise.all(slices.map((s, i) => executeSlice(s, p, { rawWriter: writers[i] })));
  return { outcomes, writers, origin, ...summarizeRun({ runId: 'run', plan: p, slices: outcomes, originEpochMs: origin }) };
}

describe('executeSlice against loopback servers', () => {
  it('delivers a constant rate within 1%, every planned request, on schedule', async () => {
    server = await startLoopbackServer(okHandler);
    const { summary, writers, origin, outcomes } = await runAll(plan(`${server.url}/score`, { model: 'constant', rps: 200, duration: '5s' }), 1);
    expect(summary.requests).toMatchObject({ planned: 1000, sent: 1000, ok: 1000, dropped: 0, missed: 0 });
    expect(server.count).toBe(1000);
    const sent = writers[0].samples().map((s) => s.sentUnixUs).sort((a, b) => a - b);
    expect(sent).toHaveLength(1000);
    // Hit n is due at origin + 5 ms·n: the sends span 999 intervals of 5 ms.
    const spanS = (sent[999] - sent[0]) / 1e6;
    expect(Math.abs(spanS - 4.995) / 4.995).toBeLessThan(0.01);
    expect(Math.abs(sent[0] / 1000 - origin)).toBeLessThan(20);
    expect(summary.rate.achieved).toBeCloseTo(200, 0);
    expect(summary.status).toBe('passed');
    // 200 rps is slow: its windows keep the small packed histograms.
    for (const w of outcomes[0].aggregate.windows.values()) expect(w.responseTime).toBeInstanceOf(PackedHistogram);
  });

  it('shows a server freeze in p99, because latency runs from the intended send time', async () => {
    // 100 rps for 4 s; the server answers nothing between 1.0 s and 2.0 s, then releases everything.
    const freezeFromMs = 1000;
    const freezeToMs = 2000;
    let startedAt = 0;
    const held: (() => void)[] = [];
    server = await startLoopbackServer((_req, res) => {
      const t = Date.now() - startedAt;
      if (t >= freezeFromMs && t < freezeToMs) held.push(() => res.end('{}'));
      else res.end('{}');
    });
    const release = setTimeout(() => held.splice(0).forEach((answer) => answer()), 0);
    const p = plan(`${server.url}/score`, { model: 'constant', rps: 100, duration: '4s' });
    const origin = Date.now() + 100;
    startedAt = origin;
    clearTimeout(release);
    const releaseAt = setTimeout(() => held.splice(0).forEach((answer) => answer()), origin + freezeToMs - Date.now());
    const [slice] = planSlices('run', p, 1, origin);
    const outcome = await executeSlice(slice, p);
    clearTimeout(releaseAt);
    const { summary } = summarizeRun({ runId: 'run', plan: p, slices: [outcome], originEpochMs: origin });
    expect(summary.requests.ok).toBe(400);
    // A quarter of the requests waited up to the whole second: p99 is close to the freeze's length…
    expect(summary.latencyMs.p99).toBeGreaterThan(900);
    expect(summary.latencyMs.p99).toBeLessThan(1150);
    // …while the median request saw a fast server.
    expect(summary.latencyMs.p50).toBeLessThan(50);
    expect(summary.latencyMs.p90).toBeGreaterThan(400);
  });

  it('drops and counts arrivals past maxInFlight instead of queueing them, and does not pass', async () => {
    server = await startLoopbackServer((_req, res) => setTimeout(() => res.end('{}'), 400));
    const { summary } = await runAll(plan(`${server.url}/score`, { model: 'constant', rps: 100, duration: '2s' }, { maxInFlight: 10 }), 1);
    expect(summary.requests.planned).toBe(200);
    expect(summary.requests.sent + summary.requests.dropped).toBe(200);
    expect(summary.requests.dropped).toBeGreaterThan(100);
    expect(summary.inFlightPeak).toBe(10);
    expect(summary.status).toBe('failed');
    expect(summary.reasons.join(' ')).toMatch(/dropped at the in-flight cap/);
  });

  it('splits the load over workers (interleaved, not multiplied) and merges exactly', async () => {
    server = await startLoopbackServer(okHandler);
    const { summary, outcomes, writers } = await runAll(plan(`${server.url}/score`, { model: 'ramp', startRps: 20, stages: [{ rps: 120, duration: '3s' }] }), 3);
    expect(summary.requests.planned).toBe(210);
    expect(summary.requests.sent).toBe(210);
    expect(server.count).toBe(210);
    expect(outcomes.map((o) => o.sent)).toEqual([70, 70, 70]);
    expect(summary.workers.map((w) => w.planned)).toEqual([70, 70, 70]);
    const rows = writers.flatMap((w) => w.samples());
    expect(rows).toHaveLength(210);
    expect(new Set(rows.map((r) => r.worker))).toEqual(new Set([0, 1, 2]));
  });

  it('cuts a load into time windows whose counts add up exactly', async () => {
    server = await startLoopbackServer(okHandler);
    const p = plan(`${server.url}/score`, { model: 'constant', rps: 50, duration: '3s' });
    const { summary, outcomes } = await runAll(p, 2, { maxSliceMs: 1000 });
    expect(outcomes).toHaveLength(6);
    expect(outcomes.map((o) => o.planned)).toEqual([25, 25, 25, 25, 25, 25]);
    expect(summary.requests).toMatchObject({ planned: 150, sent: 150, ok: 150, missed: 0 });
  });

  it('records a slice that arrives after its window as missed, and never runs it late', async () => {
    server = await startLoopbackServer(okHandler);
    const p = plan(`${server.url}/score`, { model: 'constant', rps: 20, duration: '1s' });
    const [slice] = planSlices('run', p, 1, Date.now() - 5000);
    const outcome: SliceOutcome = await executeSlice(slice, p);
    expect(outcome.status).toBe('missed');
    expect(outcome.missed).toBe(20);
    expect(server.count).toBe(0);
    const { summary } = summarizeRun({ runId: 'run', plan: p, slices: [outcome], originEpochMs: Date.now() - 5000 });
    expect(summary.status).toBe('partial');
  });

  it('a slice that starts late runs the rest of its window and says how late', async () => {
    server = await startLoopbackServer(okHandler);
    const p = plan(`${server.url}/score`, { model: 'constant', rps: 20, duration: '3s' });
    const [slice] = planSlices('run', p, 1, Date.now() - 1500);
    const outcome = await executeSlice(slice, p);
    expect(outcome.status).toBe('done');
    expect(outcome.lateMs).toBeGreaterThan(1400);
    expect(outcome.missed).toBeGreaterThanOrEqual(29);
    expect(outcome.missed + outcome.sent).toBe(60);
  });

  it('runs the closed model: N virtual users, each with one request in flight', async () => {
    server = await startLoopbackServer((_req, res) => setTimeout(() => res.end('{}'), 50));
    const { summary } = await runAll(plan(`${server.url}/score`, { model: 'concurrency', vus: 4, duration: '2s' }), 2);
    expect(summary.inFlightPeak).toBeLessThanOrEqual(4);
    // 4 users × 2 s ÷ ~52 ms per request.
    expect(summary.requests.sent).toBeGreaterThan(120);
    expect(summary.requests.sent).toBeLessThan(165);
    expect(summary.requests.ok).toBe(summary.requests.sent);
  });

  it('classifies a target slower than the timeout as timeout, and the run goes on', async () => {
    server = await startLoopbackServer((req, res, seq) => (seq % 2 === 0 ? setTimeout(() => res.end('{}'), 2000) : res.end('{}')));
    const p = planSchema.parse({ target: { url: `${server.url}/score`, timeoutMs: 200 }, load: { model: 'constant', rps: 20, duration: '1s' } });
    const { summary } = await runAll(p, 1);
    expect(summary.requests.sent).toBe(20);
    expect(summary.errorsByCode.timeout).toBe(10);
    expect(summary.requests.ok).toBe(10);
    expect(summary.latencyMs.max).toBeGreaterThanOrEqual(200);
    expect(summary.latencyMs.max).toBeLessThan(400);
  });

  it('stops when aborted while waiting for its next hit, and counts the hits it never sent as missed', async () => {
    server = await startLoopbackServer(okHandler);
    // 2 rps: hits are due every 500 ms, so the abort comes while the schedule sleeps on a timer.
    const p = plan(`${server.url}/score`, { model: 'constant', rps: 2, duration: '10s' });
    const [slice] = planSlices('run', p, 1, Date.now() + 50);
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 800);
    const started = Date.now();
    const outcome = await executeSlice(slice, p, { abortSignal: abort.signal });
    expect(outcome.status).toBe('aborted');
    expect(Date.now() - started).toBeLessThan(1500);
    // Hits at 0 and 500 ms went out; the other 18 never came due.
    expect(outcome.aggregate.counts).toMatchObject({ planned: 2, sent: 2, ok: 2, missed: 18 });
    expect(server.count).toBe(2);
  });

  it('sends nothing when its abort signal was already aborted before it ran', async () => {
    server = await startLoopbackServer(okHandler);
    const p = plan(`${server.url}/score`, { model: 'constant', rps: 20, duration: '2s' });
    const [slice] = planSlices('run', p, 1, Date.now() + 50);
    const abort = new AbortController();
    abort.abort();
    const started = Date.now();
    const outcome = await executeSlice(slice, p, { abortSignal: abort.signal });
    expect(outcome.status).toBe('aborted');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(outcome.aggregate.counts).toMatchObject({ sent: 0, missed: 40 });
    expect(server.count).toBe(0);
  });
});

describe('warm-up before a fast slice', () => {
  it('warms the JIT against a local sink and opens connections, but the target sees exactly the plan', async () => {
    server = await startLoopbackServer(okHandler);
    const p = plan(`${server.url}/score`, { model: 'constant', rps: 2000, duration: '1s' });
    const origin = Date.now() + 1000;
    const [slice] = planSlices('run', p, 1, origin);
    const outcome = await executeSlice(slice, p);
    expect(outcome.aggregate.counts).toMatchObject({ planned: 2000, sent: 2000, ok: 2000 });
    expect(server.count).toBe(2000);
    // Warmed up, the slice starts on time.
    expect(outcome.lateMs).toBeLessThan(5);
    // 2,000 rps is not fast enough for dense windows (see the next test): they stay packed and small.
    expect(outcome.aggregate.windows.size).toBeGreaterThan(0);
    for (const w of outcome.aggregate.windows.values()) expect(w.responseTime).toBeInstanceOf(PackedHistogram);
  });

  it('a slice of 10,000 rps or more records its per-second windows into dense histograms', async () => {
    server = await startLoopbackServer(okHandler);
    const p = plan(`${server.url}/score`, { model: 'constant', rps: 10_000, duration: '300ms' });
    const [slice] = planSlices('run', p, 1, Date.now() + 1000);
    const outcome = await executeSlice(slice, p);
    expect(outcome.aggregate.counts.planned).toBe(3000);
    expect(outcome.aggregate.windows.size).toBeGreaterThan(0);
    for (const w of outcome.aggregate.windows.values()) expect(w.responseTime).toBeInstanceOf(Int32Histogram);
  });

  it('a fast slice promotes its young objects (two forced minor GCs) before its start, after its JIT warm-up; a slow one does not', async () => {
    server = await startLoopbackServer(okHandler);
    const forcedMinorAtMs = async (load: unknown): Promise<{ atMs: number[]; startMs: number; calledMs: number }> => {
      const p = plan(`${server!.url}/score`, load);
      const startMs = Date.now() + 1000;
      const [slice] = planSlices('run', p, 1, startMs);
      const atMs: number[] = [];
      const calledMs = Date.now();
      const observer = new PerformanceObserver((list) => {
        for (const entry of list.getEntries() as (PerformanceEntry & { detail: { kind: number; flags: number } })[]) {
          if (entry.detail.kind === perfConstants.NODE_PERFORMANCE_GC_MINOR && entry.detail.flags & perfConstants.NODE_PERFORMANCE_GC_FLAGS_FORCED) atMs.push(performance.timeOrigin + entry.startTime);
        }
      });
      observer.observe({ entryTypes: ['gc'] });
      const outcome = await executeSlice(slice, p);
      await new Promise((resolve) => setTimeout(resolve, 50)); // gc entries are delivered later
      observer.disconnect();
      expect(outcome.status).toBe('done');
      return { atMs, startMs, calledMs };
    };
    const fast = await forcedMinorAtMs({ model: 'constant', rps: 2000, duration: '1s' });
    expect(fast.atMs).toHaveLength(2);
    for (const atMs of fast.atMs) {
      expect(atMs).toBeLessThan(fast.startMs);
      // The JIT warm-up (2,000 rps from the call on) takes at least 0.3 s of the 1 s lead.
      expect(atMs).toBeGreaterThan(fast.calledMs + 300);
    }
    expect((await forcedMinorAtMs({ model: 'constant', rps: 20, duration: '1s' })).atMs).toEqual([]);
  });
});
