import path from 'node:path';
import type { StoreLocation } from '../../adapters/store-location.js';
import { openStore } from '../../adapters/store-location.js';
import { pacerForLoad } from '../../core/pacers/pacer-for-load.js';
import type { RunSummary } from '../../core/run-summary.js';
import { resolveWorkers } from '../../core/worker-sizing.js';
import { CliError, EXIT } from '../exit-codes.js';
import { runLocally } from '../local-run.js';
import { loadPlanFile, type LoadedPlan } from '../plan-file.js';
import { ProgressDisplay } from '../progress-display.js';
import { formatSummaryTable } from '../summary-table.js';
import { renderReport } from '../../report/render-report.js';
import { availableParallelism } from 'node:os';
import { crowdedCoresHint } from '../crowded-cores-hint.js';
import { parseDurationMs } from '../../core/duration.js';
import { baselineAmender } from '../../core/baseline.js';
import { openReportOption } from '../open-report.js';
import { chainAmenders, endpointMetricsStoreFor, endpointMetricsWiring } from '../../functions/endpoint-metrics-wiring.js';

export interface RunCommandOptions {
  workers?: string;
  out?: string;
  storage?: string;
  json?: boolean;
  quiet?: boolean;
  progress?: boolean;
  window?: string;
  /** Open the report when the run ends (never in CI). */
  open?: boolean;
}

/** `mlload run <plan>`: returns the exit code. */
export async function runCommand(planFile: string, options: RunCommandOptions): Promise<number> {
  const validPlan = await loadPlanFile(planFile);
  return runValidPlan(validPlan, options);
}

export async function runValidPlan(validPlan: LoadedPlan, options: RunCommandOptions): Promise<number> {
  const workers = resolveWorkers(validPlan.plan, parseWorkers(options.workers), { workerMaxRps: 20_000, workerMaxConnections: 1024, maxWorkers: availableParallelism() });
  const crowded = crowdedCoresHint(validPlan.plan, workers, availableParallelism());
  if (crowded !== undefined && !options.quiet) process.stderr.write(`${crowded}\n`);
  const location: StoreLocation = options.storage
    ? { kind: 'azure', connectionString: options.storage }
    : { kind: 'file', root: path.resolve(options.out ?? 'results') };
  let windowMs: number | undefined;
  if (options.window !== undefined) {
    windowMs = parseDurationMs(options.window);
    if (windowMs === undefined || windowMs < 1000) throw new CliError(`--window must be a duration of at least 1s, not ${JSON.stringify(options.window)}`, EXIT.usage);
  }
  const store = await openStore(location);
  // The endpoint's Azure Monitor metrics and the sizing recommendation (plan target.resourceId / sizing).
  const endpoint = endpointMetricsWiring({ store: endpointMetricsStoreFor(location) });
  const durationS = pacerForLoad(validPlan.plan.load).durationUs / 1e6;
  const progress = new ProgressDisplay(durationS, Boolean(process.stderr.isTTY) && options.progress !== false && !options.quiet);
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let summary: RunSummary;
  try {
    const finalized = await runLocally({
      plan: validPlan.plan,
      planInput: validPlan.input,
      payloadFileText: validPlan.payloadFileText,
      workers,
      windowMs,
      store,
      storeLocation: location,
      abortSignal: abort.signal,
      onStart: (runId, originEpochMs) => {
        if (!options.json && !options.quiet) process.stderr.write(`run ${runId}: ${validPlan.plan.name}, ${workers} worker${workers === 1 ? '' : 's'}\n`);
        progress.start(originEpochMs);
      },
      onProgress: (p) => progress.update(p),
      finalize: { renderReport: async (run) => renderReport(run, { sections: await endpoint.reportSections(run) }), amendSummary: chainAmenders(baselineAmender(store), endpoint.amendSummary) },
    });
    summary = finalized.summary;
  } catch (error) {
    throw new CliError(`run failed: ${(error as Error).message}`, EXIT.runError);
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const where =
    location.kind === 'file'
      ? `${path.relative(process.cwd(), path.join(location.root, summary.runId)) || '.'}/  (report: ${path.relative(process.cwd(), path.join(location.root, summary.runId, 'report.html'))})`
      : `runs/${summary.runId}/ in Azure Storage (report: runs/${summary.runId}/report.html)`;
  if (options.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  else if (!options.quiet) process.stdout.write(formatSummaryTable(summary, where) + '\n');
  if (options.open) openReportOption(location.kind === 'file' ? path.join(location.root, summary.runId, 'report.html') : undefined, options);
  return exitCodeFor(summary);
}

/** 0 passed, 1 failed — or passed but regressed against its baseline (plan field `baseline`) —, 3 partial or error. */
export function exitCodeFor(summary: RunSummary): number {
  if (summary.status === 'passed') return summary.baseline?.verdict === 'regressed' ? EXIT.failed : EXIT.passed;
  if (summary.status === 'failed') return EXIT.failed;
  return EXIT.runError;
}

function parseWorkers(text: string | undefined): number | 'auto' | undefined {
  if (text === undefined) return undefined;
  if (text === 'auto') return 'auto';
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new CliError(`--workers must be an integer from 1 to 1000 or "auto", not ${JSON.stringify(text)}`, EXIT.usage);
  return n;
}
