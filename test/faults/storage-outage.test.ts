/**
 * Storage unavailable in the middle of a slice (Azurite restarted: an outage that also loses its data):
 * the slice keeps sending at the planned rate, the raw writer buffers within its bound and retries with
 * backoff, and the slice ends in bounded time with exact counts — every raw row either in the blob,
 * intact, or counted as dropped. Never a crash, never a hang.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AzureResultStore } from '../../src/adapters/azure-result-store.js';
import type { AzureRawSampleWriter } from '../../src/adapters/azure-raw-sample-writer.js';
import { parseRawSamples } from '../../src/core/raw-sample-csv.js';
import { noTokenProvider } from '../../src/core/ports/token-provider.js';
import { runSlice, type RunSliceResult } from '../../src/core/run-slice.js';
import { sliceMessageText } from '../../src/core/slice-message.js';
import { startRun, type RunLimits } from '../../src/core/start-run.js';
import type { RunRecord } from '../../src/core/run-record.js';
import { startAzurite, type AzuriteInstance } from '../helpers/azurite.js';
import { RecordingQueue } from '../helpers/function-services.js';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';

let azurite: AzuriteInstance;
let target: LoopbackServer;
const arrivals: number[] = [];
beforeAll(async () => {
  azurite = await startAzurite();
  target = await startLoopbackServer((_req, res) => {
    arrivals.push(Date.now());
    res.end('{"ok":true}');
  });
});
afterAll(async () => {
  await target?.close();
  await azurite?.stop();
});

const RPS = 250;
const SECONDS = 8;
const CAP = 256 * 1024;

const limits: RunLimits = {
  maxRps: 1000, maxDurationSeconds: 600, maxWorkers: 4, maxSliceSeconds: 60, startLeadSeconds: 0.5, sliceGraceSeconds: 30,
  workerMaxRps: 1000, workerMaxConnections: 100, allowedTargetHosts: ['127.0.0.1'],
};

describe('storage outage in the middle of a slice', () => {
  it('keeps measuring at the planned rate, buffers and retries raw rows, ends in bounded time with exact counts', async () => {
    const store = AzureResultStore.fromConnectionString(azurite.connectionString, {
      retry: { maxTries: 2, retryDelayMs: 100, maxRetryDelayMs: 500, tryTimeoutMs: 2000 },
      rawWriter: { flushIntervalMs: 250, maxBackoffMs: 1000, maxBufferedBytes: CAP, closeTimeoutMs: 15_000 },
    });
    const queue = new RecordingQueue();
    const started = await startRun({ name: 'outage', target: { url: `${target.url}/score` }, load: { model: 'constant', rps: RPS, duration: SECONDS }, workers: 1 }, { store, queue, limits });
    if (!started.ok) throw new Error(JSON.stringify(started.problems));
    const record = started.value;
    const plan = await store.getPlan(record.runId);

    // Watch the raw writer runSlice opens.
    let writer: AzureRawSampleWriter | undefined;
    const watched = Object.create(store) as AzureResultStore;
    watched.openRawWriter = (runId, sliceId) => (writer = store.openRawWriter(runId, sliceId) as AzureRawSampleWriter);
    const logs: string[] = [];
    const samples: { t: number; buffered: number; error?: string }[] = [];
    const sampler = setInterval(() => writer && samples.push({ t: Date.now(), buffered: writer.bufferedBytes, error: writer.lastError }), 50);

    const origin = Date.parse(record.originAt);
    const running: Promise<RunSliceResult> = runSlice(sliceMessageText(queue.messages[0].slice), { store: watched, tokenProviderFor: () => noTokenProvider, log: (m) => logs.push(m) });
    const failure = running.then(() => undefined, (error: Error) => error);

    // 2.5 s into the load: storage goes away (and comes back empty).
    await new Promise((r) => setTimeout(r, origin + 2500 - Date.now()));
    const outageFrom = Date.now();
    await azurite.restart();
    const outageTo = Date.now();
    // Storage kept the run's record and plan (a real outage loses nothing committed): put them back.
    await store.createRun({ ...(record as RunRecord), status: 'running' }, plan as never);

    const bounded = await Promise.race([running.then((r) => ({ r })), new Promise<undefined>((r) => setTimeout(() => r(undefined), (SECONDS + 25) * 1000))]);
    clearInterval(sampler);
    expect(await failure).toBeUndefined();
    expect(bounded, 'runSlice settled in bounded time').toBeDefined();
    const result = bounded!.r;

    // The load went on through the outage: every hit sent, and every second of the load got its share.
    expect(result.kind).toBe('ran');
    if (result.kind !== 'ran') return;
    expect(result.outcome.aggregate.counts).toMatchObject({ planned: RPS * SECONDS, sent: RPS * SECONDS, ok: RPS * SECONDS, dropped: 0 });
    expect(target.count).toBe(RPS * SECONDS);
    const perSecond = new Map<number, number>();
    for (const t of arrivals) perSecond.set(Math.floor((t - origin) / 1000), (perSecond.get(Math.floor((t - origin) / 1000)) ?? 0) + 1);
    for (let s = 0; s < SECONDS; s++) expect(Math.abs((perSecond.get(s) ?? 0) - RPS), `second ${s}`).toBeLessThanOrEqual(RPS * 0.05);
    expect(outageTo - outageFrom).toBeGreaterThan(200);

    // The raw writer saw the outage, stayed within its bound, and recovered.
    expect(samples.some((s) => s.error !== undefined), 'lastError set during the outage').toBe(true);
    expect(Math.max(...samples.map((s) => s.buffered))).toBeLessThanOrEqual(CAP);
    expect(writer!.bufferedBytes).toBe(0);
    expect(writer!.lastError).toBeUndefined();

    // Every row is in the blob, intact, or counted as dropped (storage lost what it had committed).
    const rows = parseRawSamples((await store.readRawSamples(record.runId, 'w000-k000'))!);
    expect(rows.every((r) => r.status === 200 && r.errorCode === '' && r.latencyUs > 0)).toBe(true);
    expect(rows.length + writer!.droppedRows).toBe(RPS * SECONDS);
    expect(new Set(rows.map((r) => r.intendedUnixUs)).size).toBe(rows.length); // no row twice

    // The slice was saved and the run finalized from it, exactly.
    const final = await store.getRun(record.runId);
    expect(final?.summary?.requests).toMatchObject({ planned: RPS * SECONDS, sent: RPS * SECONDS, ok: RPS * SECONDS });
    if (writer!.droppedRows > 0) expect(logs.join('\n')).toMatch(/raw rows? .*not written|dropped/i);
  }, 90_000);
});
