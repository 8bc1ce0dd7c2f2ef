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
}
