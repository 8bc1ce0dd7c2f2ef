import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { openStore, type StoreLocation } from '../../adapters/store-location.js';
import { loadFinalizedRun } from '../../core/finalize-run.js';
import { isRunId } from '../../core/run-id.js';
import { renderReport } from '../../report/render-report.js';
import { CliError, EXIT } from '../exit-codes.js';

export interface ReportCommandOptions {
  results: string;
  storage?: string;
  out?: string;
}

/** `mlload report <runId>`: renders the run's HTML report again from its stored results. */
export async function reportCommand(runId: string, options: ReportCommandOptions): Promise<number> {
  if (!isRunId(runId)) throw new CliError(`${JSON.stringify(runId)} is not a run id (they look like 20261128T040512Z-abcdefghijklmnopqrst)`, EXIT.usage);
  const location: StoreLocation = options.storage ? { kind: 'azure', connectionString: options.storage } : { kind: 'file', root: path.resolve(options.results) };
  const store = await openStore(location);
  const run = await loadFinalizedRun(store, runId);
  if (!run) throw new CliError(`run ${runId} was not found, or is not finished, in ${options.storage ? 'the storage account' : options.results}`, EXIT.usage);
  const html = renderReport(run);
  if (options.out) {
    await writeFile(options.out, html);
    process.stdout.write(`${options.out}\n`);
  } else if (location.kind === 'file') {
    await store.saveReport(runId, html);
    process.stdout.write(`${path.join(location.root, runId, 'report.html')}\n`);
  } else {
    await store.saveReport(runId, html);
    process.stdout.write(`runs/${runId}/report.html\n`);
  }
  return EXIT.passed;
}
