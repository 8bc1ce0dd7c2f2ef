import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileResultStore } from '../../src/adapters/file-result-store.js';
import { FolderPlanSource } from '../../src/adapters/folder-plan-source.js';
import { tokenProviderForAuth } from '../../src/adapters/token-provider-for-auth.js';
import type { EnqueueSliceOptions, SliceQueue } from '../../src/core/ports/slice-queue.js';
import type { SliceSpec } from '../../src/core/slice.js';
import { readAppSettings } from '../../src/functions/app-settings.js';
import { limitsFromSettings, type AppServices } from '../../src/functions/app-services.js';

/** A queue that only remembers what was put on it. */
export class RecordingQueue implements SliceQueue {
  readonly messages: { slice: SliceSpec; options?: EnqueueSliceOptions }[] = [];
  async enqueue(slice: SliceSpec, options?: EnqueueSliceOptions): Promise<void> {
    this.messages.push({ slice, options });
  }
}

/** App services over a fresh file store, with settings from `env` (as the app would read them). */
export function fileServices(env: Record<string, string> = {}): AppServices & { queue: RecordingQueue; root: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'mlload-fn-'));
  const settings = readAppSettings(env);
  return {
    settings,
    limits: limitsFromSettings(settings),
    store: new FileResultStore(path.join(root, 'results')),
    queue: new RecordingQueue(),
    plans: new FolderPlanSource(path.join(root, 'plans')),
    tokenProviderFor: (auth) => tokenProviderForAuth(auth, env),
    finalize: {},
    root,
  };
}
