/**
 * Queue faults: slice messages out of order (a later window before an earlier one) and delivered twice
 * count exactly; malformed messages are rejected and logged, never retried forever, while a real run
 * on the same queue goes on.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { QueueServiceClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AzureResultStore } from '../../src/adapters/azure-result-store.js';
import { FileResultStore } from '../../src/adapters/file-result-store.js';
import { StorageQueuePoller } from '../../src/adapters/storage-queue-poller.js';
import { encodeQueueMessage, StorageSliceQueue } from '../../src/adapters/storage-slice-queue.js';
import { noTokenProvider } from '../../src/core/ports/token-provider.js';
import { runSlice } from '../../src/core/run-slice.js';
import { MalformedSliceMessage, sliceMessageText } from '../../src/core/slice-message.js';
import { startRun, type RunLimits } from '../../src/core/start-run.js';
import { newRunId } from '../../src/core/run-id.js';
import { newRunRecord } from '../../src/core/run-record.js';
import { planSchema } from '../../src/core/plan.js';
import { planSlices } from '../../src/core/slice.js';
import { startAzurite, type AzuriteInstance } from '../helpers/azurite.js';
import { RecordingQueue } from '../helpers/function-services.js';
import { okHandler, startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';

let target: LoopbackServer;
beforeAll(async () => {
  target = await startLoopbackServer(okHandler);
});
afterAll(() => target?.close());

const limits: RunLimits = {
  maxRps: 1000, maxDurationSeconds: 600, maxWorkers: 10, maxSliceSeconds: 1, startLeadSeconds: 0.3, sliceGraceSeconds: 1,
  workerMaxRps: 1000, workerMaxConnections: 100, allowedTargetHosts: ['127.0.0.1'],
};

describe('slice messages out of order', () => {
  it('a later window delivered (and run) before an earlier one, and duplicates of both, count exactly once each', async () => {
    const store = new FileResultStore(path.join(mkdtempSync(path.join(os.tmpdir(), 'mlload-order-')), 'results'));
    const queue = new RecordingQueue();
    const before = target.count;
    const started = await startRun({ name: 'order', target: { url: `${target.url}/score` }, load: { model: 'constant', rps: 20, duration: '2s' }, workers: 1 }, { store, queue, limits });
    if (!started.ok) throw new Error(JSON.stringify(started.problems));
    const messages = queue.messages.map((m) => m.slice);
    expect(messages.map((s) => s.sliceId)).toEqual(['w000-k000', 'w000-k001']);
    const deps = { store, tokenProviderFor: () => noTokenProvider };
    // k001 first: it sleeps until its own window, while k000 (delivered later) runs its window first.
    const later = runSlice(sliceMessageText(messages[1]), deps);
    await new Promise((r) => setTimeout(r, 50));
    const earlier = runSlice(sliceMessageText(messages[0]), deps);
    const [laterResult, earlierResult] = await Promise.all([later, earlier]);
    expect(laterResult.kind).toBe('ran');
    expect(earlierResult.kind).toBe('ran');
    expect([laterResult.finalized, earlierResult.finalized].filter(Boolean)).toHaveLength(1);
    // Duplicates after the fact, in reverse order too: nothing more is sent or counted.
    for (const slice of [messages[1], messages[0]]) expect((await runSlice(sliceMessageText(slice), deps)).kind).toBe('run-final');
    const final = await store.getRun(started.value.runId);
    expect(final?.status).toBe('passed');
    expect(final?.summary?.requests).toMatchObject({ planned: 40, sent: 40, ok: 40, missed: 0, dropped: 0 });
    expect(target.count - before).toBe(40);
  });
});

describe('malformed queue messages (StorageQueuePoller on Azurite)', () => {
  let azurite: AzuriteInstance;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(() => azurite?.stop());

  it('are dropped (or poisoned after at most maxDequeueCount deliveries) and logged; a real run on the same queue passes', async () => {
    const conn = azurite.connectionString;
    const store = AzureResultStore.fromConnectionString(conn);
    const logs: string[] = [];
    const deliveries = new Map<string, number>();
    const poisoned: string[] = [];
    // The handler of `mlload serve --storage` (and the runSlice function): malformed → logged and dropped.
    const handler = async (text: string) => {
      deliveries.set(text, (deliveries.get(text) ?? 0) + 1);
      try {
        await runSlice(text, { store, tokenProviderFor: () => noTokenProvider, log: (m) => logs.push(m), allowedTargetHosts: ['127.0.0.1'] });
      } catch (error) {
        if (!(error instanceof MalformedSliceMessage)) throw error;
        logs.push(`dropped a queue message: ${error.message}`);
      }
    };
    const poller = new StorageQueuePoller({
      connectionString: conn, handler, concurrency: 4, maxDequeueCount: 3, pollIntervalMs: 50, maxPollIntervalMs: 200, retryDelayMs: 0, visibilityTimeoutMs: 4000,
      onPoison: (text) => poisoned.push(text), onError: (e) => logs.push(`queue: ${e.message}`),
    });
    const raw = QueueServiceClient.fromConnectionString(conn).getQueueClient('slices');
    await raw.createIfNotExists();

    // A run whose stored plan is broken: its slice fails every delivery (a storage-side problem, retried).
    const plan = planSchema.parse({ name: 'broken', target: { url: `${target.url}/score` }, load: { model: 'constant', rps: 1, duration: 1 } });
    const brokenId = newRunId();
    const [brokenSlice] = planSlices(brokenId, plan, 1, Date.now() + 500);
    await store.createRun(newRunRecord({ runId: brokenId, plan, slices: [brokenSlice], originEpochMs: brokenSlice.originEpochMs, graceMs: 1000 }), { name: 'broken', target: { url: 42 } } as never);

    const garbage = [
      'not base64, not JSON {{{',
      encodeQueueMessage('{"runId": "nope"}'),
      encodeQueueMessage('null'),
      encodeQueueMessage(JSON.stringify({ ...brokenSlice, worker: 5 })), // worker out of range
      encodeQueueMessage('x'.repeat(40_000)),
      encodeQueueMessage(sliceMessageText({ ...brokenSlice, runId: newRunId() })), // a run that does not exist
    ];
    for (const text of garbage) await raw.sendMessage(text);
    await raw.sendMessage(encodeQueueMessage(sliceMessageText(brokenSlice)));

    // And a real run through the same queue.
    const before = target.count;
    const started = await startRun({ name: 'real', target: { url: `${target.url}/score` }, load: { model: 'constant', rps: 20, duration: '1s' }, workers: 2 }, { store, queue: StorageSliceQueue.fromConnectionString(conn), limits: { ...limits, maxSliceSeconds: 60 } });
    if (!started.ok) throw new Error(JSON.stringify(started.problems));
    poller.start();
    try {
      let final;
      for (let i = 0; i < 100; i++) {
        await new Promise((r) => setTimeout(r, 100));
        final = await store.getRun(started.value.runId);
        if (final?.summary && poisoned.length > 0) break;
      }
      expect(final?.status).toBe('passed');
      expect(final?.summary?.requests).toMatchObject({ planned: 20, sent: 20, ok: 20 });
      expect(target.count - before).toBe(20);

      // Malformed ones: delivered once, dropped, logged with the reason.
      const decoded = (text: string) => (text.startsWith('not base64') ? text : Buffer.from(text, 'base64').toString('utf8'));
      for (const text of garbage) expect(deliveries.get(decoded(text)), decoded(text).slice(0, 40)).toBe(1);
      expect(logs.filter((l) => l.startsWith('dropped a queue message')).length).toBe(5);
      expect(logs.join('\n')).toMatch(/slice message is not JSON/);
      expect(logs.join('\n')).toMatch(/worker\/window out of range/);
      expect(logs.join('\n')).toMatch(/of unknown run .*: dropped/);
      // The failing one: exactly maxDequeueCount deliveries, then the poison queue.
      expect(deliveries.get(sliceMessageText(brokenSlice))).toBe(3);
      expect(poisoned).toEqual([sliceMessageText(brokenSlice)]);
      const poison = await QueueServiceClient.fromConnectionString(conn).getQueueClient('slices-poison').peekMessages({ numberOfMessages: 32 });
      expect(poison.peekedMessageItems).toHaveLength(1);
      // Nothing is left on the queue.
      await new Promise((r) => setTimeout(r, 500));
      expect((await raw.getProperties()).approximateMessagesCount).toBe(0);
    } finally {
      await poller.stop();
    }
  }, 60_000);
});
