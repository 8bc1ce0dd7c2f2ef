import type { ContainerClient } from '@azure/storage-blob';
import type { PlanSource, StoredPlan } from '../core/ports/plan-source.js';

/** Plans in the blob container `plans`: every .json/.yaml/.yml blob (at most 1 MiB each). */
export class BlobPlanSource implements PlanSource {
  constructor(private readonly container: ContainerClient) {}

  async listPlans(): Promise<StoredPlan[]> {
    if (!(await this.container.exists())) return [];
    const plans: StoredPlan[] = [];
    for await (const blob of this.container.listBlobsFlat()) {
      if (!/\.(json|ya?ml)$/i.test(blob.name) || (blob.properties.contentLength ?? 0) > 1024 * 1024) continue;
      const buffer = await this.container.getBlobClient(blob.name).downloadToBuffer();
      plans.push({ name: blob.name, text: buffer.toString('utf8') });
    }
    return plans;
  }

  /** Payload files are capped at 256 MiB: they are held in memory by every worker. */
  async readFile(name: string): Promise<string | undefined> {
    const blob = this.container.getBlobClient(name);
    if (!(await blob.exists())) return undefined;
    const properties = await blob.getProperties();
    if ((properties.contentLength ?? 0) > 256 * 1024 * 1024) throw new Error(`payload file ${name} is over 256 MiB`);
    return (await blob.downloadToBuffer()).toString('utf8');
  }
}
