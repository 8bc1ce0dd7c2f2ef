import type { TokenCredential } from '@azure/core-auth';
import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';
import type { SliceMessageHandler } from '../core/ports/slice-queue.js';
import { connectionSecrets, queueServiceClient, type StorageConnection, type StorageRetryOptions } from './storage-connection.js';
import { statusOf, storageError } from './storage-error.js';
import { decodeQueueMessage, SLICES_QUEUE } from './storage-slice-queue.js';

export interface StorageQueuePollerOptions {
  /** Connection string (local, Azurite) … */
  connectionString?: string;
  /** … or the queue service URL and an identity (Azure). */
  queueServiceUrl?: string;
  credential?: TokenCredential;
  /** Queue to read (default `slices`); poison messages go to `<queueName>-poison`. */
  queueName?: string;
  handler: SliceMessageHandler;
  /** Messages handled at once (default 4). */
  concurrency?: number;
  /** Deliveries before a failing message is moved to the poison queue (default 3, as in host.json). */
  maxDequeueCount?: number;
  /** Poll this often while messages come (default 250 ms) … */
  pollIntervalMs?: number;
  /** … backing off to this when the queue is idle (default 2000 ms, host.json's maxPollingInterval). */
  maxPollIntervalMs?: number;
  /** A received message stays invisible this long, renewed at half time while its handler runs (default 60 s). */
  visibilityTimeoutMs?: number;
  /** A message whose handler failed reappears after this (default 15 s, host.json's visibilityTimeout). */
  retryDelayMs?: number;
  /** `stop()` waits this long at most for running handlers (default 30 s). */
  stopTimeoutMs?: number;
  retry?: StorageRetryOptions;
  /** Called when a message is moved to the poison queue, with its decoded text. */
  onPoison?: (messageText: string, error: unknown) => void;
  /** Storage and handler failures, as secret-free errors (default: a line on stderr). */
  onError?: (error: Error) => void;
}

/**
 * Stands in for the Functions host's queue trigger when running locally (and in tests): polls the
 * queue, base64-decodes each message, calls the handler with the text and its dequeue count, deletes the
 * message when the handler succeeds and lets it reappear when it fails. A message that failed its
 * `maxDequeueCount`-th delivery (or arrives with a higher count) is moved to `<queue>-poison`.
 * The loop never throws: storage errors are reported and retried with backoff.
 */
export class StorageQueuePoller {
  readonly queueName: string;
  /** Messages handled successfully, and moved to the poison queue. */
  handled = 0;
  poisoned = 0;

  private readonly queue: QueueClient;
  private readonly poisonQueue: QueueClient;
  private readonly secrets: readonly string[];
  private readonly handler: SliceMessageHandler;
  private readonly concurrency: number;
  private readonly maxDequeueCount: number;
  private readonly pollIntervalMs: number;
  private readonly maxPollIntervalMs: number;
  private readonly visibilitySeconds: number;
  private readonly retryDelaySeconds: number;
  private readonly stopTimeoutMs: number;
  private readonly onPoison: StorageQueuePollerOptions['onPoison'];
  private readonly onError: (error: Error) => void;

  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private readonly active = new Set<Promise<void>>();
  private wake: (() => void) | undefined;
  private queueReady = false;
  private poisonReady = false;

  constructor(options: StorageQueuePollerOptions) {
    let connection: StorageConnection;
    if (options.connectionString) connection = { kind: 'connectionString', connectionString: options.connectionString };
    else if (options.queueServiceUrl && options.credential) connection = { kind: 'account', queueServiceUrl: options.queueServiceUrl, credential: options.credential };
    else throw new Error('StorageQueuePoller needs a connectionString, or a queueServiceUrl and a credential');
    this.queueName = options.queueName ?? SLICES_QUEUE;
    this.secrets = connectionSecrets(connection);
    const service = queueServiceClient(connection, options.retry);
    this.queue = service.getQueueClient(this.queueName);
    this.poisonQueue = service.getQueueClient(`${this.queueName}-poison`);
    this.handler = options.handler;
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.maxDequeueCount = Math.max(1, options.maxDequeueCount ?? 3);
    this.pollIntervalMs = Math.max(1, options.pollIntervalMs ?? 250);
    this.maxPollIntervalMs = Math.max(this.pollIntervalMs, options.maxPollIntervalMs ?? 2000);
    this.visibilitySeconds = Math.max(2, Math.ceil((options.visibilityTimeoutMs ?? 60_000) / 1000));
    this.retryDelaySeconds = Math.max(0, Math.ceil((options.retryDelayMs ?? 15_000) / 1000));
    this.stopTimeoutMs = Math.max(0, options.stopTimeoutMs ?? 30_000);
    this.onPoison = options.onPoison;
    this.onError = options.onError ?? ((error) => process.stderr.write(`queue ${this.queueName}: ${error.message}\n`));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Stops polling and waits (at most `stopTimeoutMs`) for running handlers; unfinished messages reappear later. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loopDone;
    if (this.active.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.active]),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, this.stopTimeoutMs))),
    ]);
    clearTimeout(timer);
  }

  private async loop(): Promise<void> {
    let idleDelay = this.pollIntervalMs;
    let errorDelay = this.pollIntervalMs;
    while (this.running) {
      const free = this.concurrency - this.active.size;
      if (free <= 0) {
        await Promise.race([...this.active, this.sleep(this.maxPollIntervalMs)]);
        continue;
      }
      let messages: DequeuedMessageItem[];
      try {
        if (!this.queueReady) {
          await this.queue.createIfNotExists();
          this.queueReady = true;
        }
        const response = await this.queue.receiveMessages({ numberOfMessages: Math.min(free, 32), visibilityTimeout: this.visibilitySeconds });
        messages = response.receivedMessageItems;
        errorDelay = this.pollIntervalMs;
      } catch (error) {
        if (statusOf(error) === 404) this.queueReady = false; // the queue went away (e.g. an emulator restarted)
        this.report(storageError('receiving messages from', `queue ${this.queueName}`, error, this.secrets));
        await this.sleep(errorDelay);
        errorDelay = Math.min(errorDelay * 2, Math.max(this.maxPollIntervalMs, 5000));
        continue;
      }
      if (messages.length === 0) {
        await this.sleep(idleDelay);
        idleDelay = Math.min(idleDelay * 2, this.maxPollIntervalMs);
        continue;
      }
      idleDelay = this.pollIntervalMs;
      for (const message of messages) {
        if (!this.running) {
          // Stopped while receiving: hand the message back at once.
          await this.queue.updateMessage(message.messageId, message.popReceipt, undefined, 0).catch(() => {});
          continue;
        }
        const task = this.process(message).catch((error: unknown) => this.report(error as Error));
        this.active.add(task);
        void task.finally(() => this.active.delete(task));
      }
    }
  }

  private async process(message: DequeuedMessageItem): Promise<void> {
    const count = message.dequeueCount;
    const text = decodeQueueMessage(message.messageText);
    if (count > this.maxDequeueCount) {
      await this.poison(message, message.popReceipt, text, new Error(`delivered ${count} times (maxDequeueCount ${this.maxDequeueCount})`));
      return;
    }
    let popReceipt = message.popReceipt;
    // Keep the message invisible while its handler runs; renewals never overlap a delete or update.
    let renewing: Promise<void> = Promise.resolve();
    const renewTimer = setInterval(() => {
      renewing = renewing.then(async () => {
        try {
          const r = await this.queue.updateMessage(message.messageId, popReceipt, undefined, this.visibilitySeconds);
          if (r.popReceipt) popReceipt = r.popReceipt;
        } catch (error) {
          this.report(storageError('renewing the visibility of message', `${message.messageId} in queue ${this.queueName}`, error, this.secrets));
        }
      });
    }, (this.visibilitySeconds * 1000) / 2);
    renewTimer.unref();

    let failure: unknown;
    let succeeded = false;
    try {
      await this.handler(text, count);
      succeeded = true;
    } catch (error) {
      failure = error;
    } finally {
      clearInterval(renewTimer);
      await renewing;
    }

    if (succeeded) {
      this.handled++;
      try {
        await this.queue.deleteMessage(message.messageId, popReceipt);
      } catch (error) {
        this.report(storageError('deleting handled message', `${message.messageId} from queue ${this.queueName}`, error, this.secrets));
      }
      return;
    }
    this.report(new Error(`handler failed on message ${message.messageId} (delivery ${count} of ${this.maxDequeueCount}): ${(failure as Error)?.message ?? String(failure)}`));
    if (count >= this.maxDequeueCount) {
      await this.poison(message, popReceipt, text, failure);
      return;
    }
    try {
      await this.queue.updateMessage(message.messageId, popReceipt, undefined, this.retryDelaySeconds);
    } catch (error) {
      // It reappears anyway once its visibility timeout ends.
      this.report(storageError('releasing failed message', `${message.messageId} in queue ${this.queueName}`, error, this.secrets));
    }
  }

  /** Copies the message (as it was on the queue) to `<queue>-poison`, then deletes it. */
  private async poison(message: DequeuedMessageItem, popReceipt: string, text: string, error: unknown): Promise<void> {
    const poisonName = `${this.queueName}-poison`;
    try {
      if (!this.poisonReady) {
        await this.poisonQueue.createIfNotExists();
        this.poisonReady = true;
      }
      await this.poisonQueue.sendMessage(message.messageText, { messageTimeToLive: -1 });
    } catch (e) {
      if (statusOf(e) === 404) this.poisonReady = false;
      // Left on the queue: it comes back with a higher count and is poisoned then.
      this.report(storageError('moving message', `${message.messageId} to queue ${poisonName}`, e, this.secrets));
      return;
    }
    try {
      await this.queue.deleteMessage(message.messageId, popReceipt);
    } catch (e) {
      this.report(storageError('deleting poisoned message', `${message.messageId} from queue ${this.queueName}`, e, this.secrets));
    }
    this.poisoned++;
    try {
      this.onPoison?.(text, error);
    } catch {
      // A failing callback must not stop the poller.
    }
  }

  private report(error: Error): void {
    try {
      this.onError(error instanceof Error ? error : new Error(String(error)));
    } catch {
      // ignore
    }
  }

  /** Waits, or less if stop() is called. */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
