import type { TokenCredential } from '@azure/core-auth';
import type { QueueClient } from '@azure/storage-queue';
import type { EnqueueSliceOptions, SliceQueue } from '../core/ports/slice-queue.js';
import type { SliceSpec } from '../core/slice.js';
import { connectionSecrets, queueServiceClient, type StorageConnection, type StorageRetryOptions } from './storage-connection.js';
import { statusOf, storageError } from './storage-error.js';

/** Queue of slice messages, as the `runSlice` queue trigger reads it. */
export const SLICES_QUEUE = 'slices';

/** A message may stay invisible at most 7 days (the service's limit). */
export const MAX_VISIBILITY_TIMEOUT_S = 7 * 24 * 3600;

export interface StorageSliceQueueOptions {
  /** Queue name (default `slices`). */
  queueName?: string;
  retry?: StorageRetryOptions;
}

/** Message text as the Functions queue trigger expects by default (`messageEncoding: base64`). */
export function encodeQueueMessage(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** Decodes a base64 message; text that is not base64 (put there by hand, say) is passed as it is. */
export function decodeQueueMessage(messageText: string): string {
  const compact = messageText.replace(/\s+/g, '');
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return messageText;
  return Buffer.from(compact, 'base64').toString('utf8');
}

/**
 * SliceQueue over an Azure Storage queue (default `slices`, created on first use): one base64 JSON
 * message per slice, invisible until the slice's `visibleAtEpochMs` (rounded up to whole seconds, so
 * never early), and never expiring on its own (TTL -1).
 */
export class StorageSliceQueue implements SliceQueue {
  readonly queueName: string;
  private readonly queue: QueueClient;
  private readonly secrets: readonly string[];
  private created: Promise<void> | undefined;

  static fromConnectionString(connectionString: string, options: StorageSliceQueueOptions = {}): StorageSliceQueue {
    return new StorageSliceQueue({ kind: 'connectionString', connectionString }, options);
  }

  static fromAccount(account: { queueServiceUrl: string; credential: TokenCredential }, options: StorageSliceQueueOptions = {}): StorageSliceQueue {
    return new StorageSliceQueue({ kind: 'account', queueServiceUrl: account.queueServiceUrl, credential: account.credential }, options);
  }

  private constructor(connection: StorageConnection, options: StorageSliceQueueOptions) {
    this.queueName = options.queueName ?? SLICES_QUEUE;
    this.secrets = connectionSecrets(connection);
    this.queue = queueServiceClient(connection, options.retry).getQueueClient(this.queueName);
  }

  async enqueue(slice: SliceSpec, options: EnqueueSliceOptions = {}): Promise<void> {
    const delayMs = options.visibleAtEpochMs === undefined ? 0 : options.visibleAtEpochMs - Date.now();
    const visibilityTimeout = Math.max(0, Math.ceil(delayMs / 1000));
    if (visibilityTimeout > MAX_VISIBILITY_TIMEOUT_S) {
      throw new Error(`slice ${slice.sliceId} of run ${slice.runId} would wait ${visibilityTimeout} s in the queue; the limit is 7 days`);
    }
    await this.ensureQueue();
    try {
      await this.queue.sendMessage(encodeQueueMessage(JSON.stringify(slice)), { visibilityTimeout, messageTimeToLive: -1 });
    } catch (error) {
      throw storageError(`queueing slice ${slice.sliceId} of run ${slice.runId} on`, `queue ${this.queueName}`, error, this.secrets);
    }
  }

  private ensureQueue(): Promise<void> {
    if (!this.created) {
      this.created = this.queue.createIfNotExists().then(
        () => {},
        (error: unknown) => {
          if (statusOf(error) === 409 || statusOf(error) === 403) return;
          this.created = undefined;
          throw storageError('creating', `queue ${this.queueName}`, error, this.secrets);
        },
      );
    }
    return this.created;
  }
}
