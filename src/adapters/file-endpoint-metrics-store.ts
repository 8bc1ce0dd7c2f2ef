import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EndpointMetrics } from '../core/ports/endpoint-metrics-source.js';
import type { EndpointMetricsStore } from '../core/ports/endpoint-metrics-store.js';

export const ENDPOINT_METRICS_FILE = 'endpoint-metrics.json';

/** `<root>/<runId>/endpoint-metrics.json`, beside the file store's results; replaced by rename. */
export class FileEndpointMetricsStore implements EndpointMetricsStore {
  constructor(readonly root: string) {}

  async saveEndpointMetrics(runId: string, metrics: EndpointMetrics): Promise<void> {
    const file = this.file(runId);
    await mkdir(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(temporary, JSON.stringify(metrics, null, 2) + '\n');
    await rename(temporary, file);
  }

  async getEndpointMetrics(runId: string): Promise<EndpointMetrics | undefined> {
    let text: string;
    try {
      text = await readFile(this.file(runId), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      return JSON.parse(text) as EndpointMetrics;
    } catch {
      throw new Error(`${ENDPOINT_METRICS_FILE} of run ${runId} is not valid JSON`);
    }
  }

  private file(runId: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(runId) || runId.startsWith('.')) throw new Error(`not a valid id: ${JSON.stringify(runId.slice(0, 80))}`);
    return path.join(this.root, runId, ENDPOINT_METRICS_FILE);
  }
}
