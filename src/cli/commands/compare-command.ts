import { openStore } from '../../adapters/store-location.js';
import { compareRuns } from '../../core/compare-runs.js';
import { formatComparisonTable } from '../comparison-table.js';
import { EXIT } from '../exit-codes.js';
import { storeLocationFrom, summaryOrExit, type StoreOptions } from '../store-option.js';

export interface CompareCommandOptions extends StoreOptions {
  json?: boolean;
}

/**
 * `mlload compare <runA> <runB>`: every headline metric of run B against run A (the reference), with the
 * delta, percentage and a better / worse / same verdict. Exits 0 whatever the verdicts; 2 for a bad or
 * unknown run id.
 */
export async function compareCommand(runA: string, runB: string, options: CompareCommandOptions): Promise<number> {
  const location = storeLocationFrom(options);
  const store = await openStore(location);
  const a = await summaryOrExit(store, runA, location);
  const b = await summaryOrExit(store, runB, location);
  const comparison = compareRuns(a, b);
  process.stdout.write(options.json ? `${JSON.stringify(comparison, null, 2)}\n` : `${formatComparisonTable(comparison)}\n`);
  return EXIT.passed;
}
