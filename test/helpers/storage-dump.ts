import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { TableClient, TableServiceClient } from '@azure/data-tables';
import { QueueServiceClient } from '@azure/storage-queue';

/** Every file under `root` (recursively) as [relative path, text]. */
export function everyFile(root: string): [string, string][] {
  const files: [string, string][] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else files.push([path.relative(root, full), readFileSync(full).toString('utf8')]);
    }
  };
  walk(root);
  return files;
}

/** Every blob (name and content), table entity and queue message (also the poison queues) in the account, as [where, text]. */
export async function everythingStored(connectionString: string): Promise<[string, string][]> {
  const items: [string, string][] = [];
  const blobs = BlobServiceClient.fromConnectionString(connectionString);
  for await (const container of blobs.listContainers()) {
    const client = blobs.getContainerClient(container.name);
    for await (const blob of client.listBlobsFlat({ includeMetadata: true })) {
      const content = (await client.getBlobClient(blob.name).downloadToBuffer()).toString('utf8');
      items.push([`blob ${container.name}/${blob.name}`, `${blob.name}\n${JSON.stringify(blob.metadata ?? {})}\n${content}`]);
    }
  }
  const tables = TableServiceClient.fromConnectionString(connectionString, { allowInsecureConnection: true });
  for await (const table of tables.listTables()) {
    const client = TableClient.fromConnectionString(connectionString, table.name!, { allowInsecureConnection: true });
    for await (const entity of client.listEntities()) items.push([`table ${table.name}/${entity.partitionKey}/${entity.rowKey}`, JSON.stringify(entity)]);
  }
  const queues = QueueServiceClient.fromConnectionString(connectionString);
  for await (const queue of queues.listQueues()) {
    const client = queues.getQueueClient(queue.name);
    const peeked = await client.peekMessages({ numberOfMessages: 32 });
    for (const message of peeked.peekedMessageItems) {
      items.push([`queue ${queue.name}/${message.messageId}`, `${message.messageText}\n${Buffer.from(message.messageText, 'base64').toString('utf8')}`]);
    }
  }
  return items;
}

/** The places (of [where, text] items) where any of the secrets appears. */
export function leaks(items: [string, string][], secrets: readonly string[]): string[] {
  const found: string[] = [];
  for (const [where, text] of items) for (const secret of secrets) if (text.includes(secret)) found.push(`${where} holds ${secret.slice(0, 6)}…`);
  return found;
}
