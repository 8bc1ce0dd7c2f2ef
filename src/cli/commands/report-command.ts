import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { openStore, type StoreLocation } from '../../adapters/store-location.js';
import { loadFinalizedRun } from '../../core/finalize-run.js';
import { isRunId } from '../../core/run-id.js';
import { renderReport, type ReportSection } from '../../report/render-report.js';
import { CliError, EXIT } from '../exit-codes.js';
import { compareRuns } from '../../core/compare-runs.js';
import { comparisonSection } from '../../report/comparison-section.js';
import { openReportOption } from '../open-report.js';
import { summaryOrExit } from '../store-option.js';
import { endpointMetricsStoreFor, endpointMetricsWiring, endpointRefreshLine, refreshEndpointMetrics } from '../../functions/endpoint-metrics-wiring.js';

export interface ReportCommandOptions {
  results: string;
  storage?: string;
  out?: string;
  /** Add a comparison with this run (the reference, A) to the report. */
  compare?: string;
  /** Open the report once written (never in CI). */
  open?: boolean;
  /** Fetch the endpoint's Azure Monitor metrics again (they arrive minutes late) and update the summary. */
  refreshMetrics?: boolean;
}

/** `mlload report <runId>`: renders the run's HTML report again from its stored results. */
export async function reportCommand(runId: string, options: ReportCommandOptions): Promise<number> {
  if (!isRunId(runId)) throw new CliError(`${JSON.stringify(runId)} is not a run id (they look like 20261128T040512Z-abcdefghijklmnopqrst)`, EXIT.usage);
  const location: StoreLocation = options.storage ? { kind: 'azure', connectionString: options.storage } : { kind: 'file', root: path.resolve(options.results) };
  const store = await openStore(location);
  const run = await loadFinalizedRun(store, runId);
  if (!run) throw new CliError(`run ${runId} was not found, or is not finished, in ${options.storage ? 'the storage account' : options.results}`, EXIT.usage);
  const sections: ReportSection[] = [];
  if (options.compare !== undefined) {
    // The other run is the reference (A); this run is B, so deltas read as "this run against the other".
    const other = await summaryOrExit(store, options.compare, location);
    sections.push(comparisonSection(compareRuns(other, run.summary), { title: `Comparison with ${options.compare}` }));
  }
  const endpoint = endpointMetricsWiring({ store: endpointMetricsStoreFor(location) });
  if (options.refreshMetrics) {
    await refreshEndpointMetrics(store, run, endpoint);
    process.stderr.write(`${endpointRefreshLine(run.summary)}\n`);
  }
  sections.push(...(await endpoint.reportSections(run)));
  const html = renderReport(run, { sections });
  if (options.out) {
    await writeFile(options.out, html);
    process.stdout.write(`${options.out}\n`);
    if (options.open) openReportOption(path.resolve(options.out), {});
  } else if (location.kind === 'file') {
    await store.saveReport(runId, html);
    process.stdout.write(`${path.join(location.root, runId, 'report.html')}\n`);
    if (options.open) openReportOption(path.join(location.root, runId, 'report.html'), {});
  } else {
    await store.saveReport(runId, html);
    process.stdout.write(`runs/${runId}/report.html\n`);
    if (options.open) openReportOption(undefined, {});
  }
  return EXIT.passed;
}
