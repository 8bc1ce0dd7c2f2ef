import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageQueuePoller } from '../../src/adapters/storage-queue-poller.js';
import { decodeQueueMessage, encodeQueueMessage, StorageSliceQueue } from '../../src/adapters/storage-slice-queue.js';
import { newRunId } from '../../src/core/run-id.js';
import type { SliceSpec } from '../../src/core/slice.js';
import { startAzurite, type AzuriteInstance } from '../helpers/azurite.js';
import { runSliceQueueContract } from '../contract/slice-queue.contract.js';

let azurite: AzuriteInstance;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});

let queues = 0;
const uniqueQueueName = () => `slices-${process.pid}-${++queues}`;
const quiet = () => {};

runSliceQueueContract('StorageSliceQueue + StorageQueuePoller (Azurite)', async (handler, hooks) => {
  const queueName = uniqueQueueName();
  const queue = StorageSliceQueue.fromConnectionString(azurite.connectionString, { queueName });
  const poller = new StorageQueuePoller({
    connectionString: azurite.connectionString,
    queueName,
    handler,
    retryDelayMs: 0,
    maxPollIntervalMs: 500,
    onPoison: hooks.onPoison,
    onError: quiet,
  });
  poller.start();
  return { queue, stop: () => poller.stop() };
});

function spec(): SliceSpec {
  return { runId: newRunId(), sliceId: 'w000-k000', worker: 0, workers: 1, window: 0, windows: 1, fromUs: 0, toUs: 1_000_000, originEpochMs: Date.now() };
}

describe('StorageSliceQueue on Azurite', () => {
  it('puts base64 JSON on the queue (the Functions trigger default) with a whole-second visibility delay', async () => {
    const queueName = uniqueQueueName();
    const queue = StorageSliceQueue.fromConnectionString(azurite.connectionString, { queueName });
    const slice = spec();
    await queue.enqueue(slice);
    await queue.enqueue(slice, { visibleAtEpochMs: Date.now() + 60_000 });
    const client = new QueueClient(azurite.connectionString, queueName);
    const peeked = await client.peekMessages({ numberOfMessages: 32 });
    expect(peeked.peekedMessageItems).toHaveLength(1); // the delayed one is invisible
    const text = peeked.peekedMessageItems[0].messageText;
    expect(text).toBe(encodeQueueMessage(JSON.stringify(slice)));
    expect(JSON.parse(Buffer.from(text, 'base64').toString('utf8'))).toEqual(slice);
    const props = await client.getProperties();
    expect(props.approximateMessagesCount).toBe(2);
  });

  it('refuses a delay past 7 days', async () => {
    const queue = StorageSliceQueue.fromConnectionString(azurite.connectionString, { queueName: uniqueQueueName() });
    await expect(queue.enqueue(spec(), { visibleAtEpochMs: Date.now() + 8 * 24 * 3600_000 })).rejects.toThrow(/7 days/);
  });

  it('stop() waits for a running handler to finish', async () => {
    const queueName = uniqueQueueName();
    const queue = StorageSliceQueue.fromConnectionString(azurite.connectionString, { queueName });
    let started = false;
    let finished = false;
    const poller = new StorageQueuePoller({
      connectionString: azurite.connectionString,
      queueName,
      handler: async () => {
        started = true;
        await new Promise((r) => setTimeout(r, 700));
        finished = true;
      },
      onError: quiet,
    });
    poller.start();
    await queue.enqueue(spec());
    while (!started) await new Promise((r) => setTimeout(r, 20));
    await poller.stop();
    expect(finished).toBe(true);
    expect((await new QueueClient(azurite.connectionString, queueName).getProperties()).approximateMessagesCount).toBe(0);
  });

  it('decodes base64 and passes plain text through', () => {
    expect(decodeQueueMessage(encodeQueueMessage('{"a":"é"}'))).toBe('{"a":"é"}');
    expect(decodeQueueMessage('{"a":1}')).toBe('{"a":1}');
  });

  it('moves an always-failing message to <queue>-poison, as sent, and deletes it from the queue', async () => {
    const queueName = uniqueQueueName();
    const queue = StorageSliceQueue.fromConnectionString(azurite.connectionString, { queueName });
    const poisoned: string[] = [];
    const poller = new StorageQueuePoller({
      connectionString: azurite.connectionString,
      queueName,
      handler: async () => {
        throw new Error('nope');
      },
      retryDelayMs: 0,
      maxDequeueCount: 2,
      onPoison: (text) => poisoned.push(text),
      onError: quiet,
    });
    poller.start();
    const slice = spec();
    try {
      await queue.enqueue(slice);
      const deadline = Date.now() + 20_000;
      while (poisoned.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await poller.stop();
    }
    expect(poisoned).toHaveLength(1);
    expect(poller.poisoned).toBe(1);
    const poison = new QueueClient(azurite.connectionString, `${queueName}-poison`);
    const items = (await poison.peekMessages({ numberOfMessages: 32 })).peekedMessageItems;
    expect(items.map((m) => decodeQueueMessage(m.messageText))).toEqual([JSON.stringify(slice)]);
    expect((await new QueueClient(azurite.connectionString, queueName).getProperties()).approximateMessagesCount).toBe(0);
  });

  it('keeps a message invisible while its handler runs longer than the visibility timeout', async () => {
    const queueName = uniqueQueueName();
    const queue = StorageSliceQueue.fromConnectionString(azurite.connectionString, { queueName });
    const deliveries: number[] = [];
    const poller = new StorageQueuePoller({
      connectionString: azurite.connectionString,
      queueName,
      handler: async (_text, count) => {
        deliveries.push(count);
        await new Promise((r) => setTimeout(r, 3200));
      },
      visibilityTimeoutMs: 2000,
      maxPollIntervalMs: 250,
      onError: quiet,
    });
    poller.start();
    try {
      await queue.enqueue(spec());
      await new Promise((r) => setTimeout(r, 3600));
    } finally {
      await poller.stop();
    }
    expect(deliveries).toEqual([1]);
    expect(poller.handled).toBe(1);
  });

  it('survives storage errors: reports them (without secrets), backs off, never throws', async () => {
    const errors: string[] = [];
    // Nothing listens on this port: every receive fails; the poller reports and backs off, never throws.
    const dead = azurite.connectionString.replace(`:${azurite.queuePort}/`, ':9/');
    const poller = new StorageQueuePoller({ connectionString: dead, handler: async () => {}, retry: { maxTries: 1 }, onError: (e) => errors.push(e.message) });
    poller.start();
    await new Promise((r) => setTimeout(r, 800));
    await poller.stop();
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatch(/receiving messages from queue slices failed/);
    for (const message of errors) expect(message).not.toContain('Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq');
  });
});
