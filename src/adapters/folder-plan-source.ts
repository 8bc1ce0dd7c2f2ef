import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PlanSource, StoredPlan } from '../core/ports/plan-source.js';

/** Plans in a local folder (`mlload serve --plans DIR`): every .json/.yaml/.yml file. */
export class FolderPlanSource implements PlanSource {
  constructor(private readonly dir: string) {}

  async listPlans(): Promise<StoredPlan[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const plans: StoredPlan[] = [];
    for (const name of names.filter((n) => /\.(json|ya?ml)$/i.test(n)).sort()) {
      plans.push({ name, text: await readFile(path.join(this.dir, name), 'utf8') });
    }
    return plans;
  }

  async readFile(name: string): Promise<string | undefined> {
    const file = path.resolve(this.dir, name);
    if (path.relative(this.dir, file).startsWith('..')) return undefined;
    try {
      return await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}
