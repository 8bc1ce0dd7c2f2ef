import pc from 'picocolors';
import { openStore } from '../../adapters/store-location.js';
import type { RunRecord } from '../../core/run-record.js';
import { CliError, EXIT } from '../exit-codes.js';
import { describeLocation, storeLocationFrom, type StoreOptions } from '../store-option.js';

export interface RunsCommandOptions extends StoreOptions {
  name?: string;
  limit?: string;
  json?: boolean;
}

/** One line of `mlload runs` (and one element of its --json array). Figures are null until the run is final. */
export interface RunListRow {
  runId: string;
  name: string;
  status: string;
  startedAt: string;
  targetRps: number;
  achievedRps: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  errorRate: number | null;
  baseline: string | null;
  regressedMetrics: string[];
}

export function runListRow(record: RunRecord): RunListRow {
  const s = record.summary;
  return {
    runId: record.runId,
    name: record.name,
    status: record.status,
    startedAt: s?.startedAt ?? record.originAt,
    targetRps: s?.rate.target ?? record.targetRps,
    achievedRps: s?.rate.achieved ?? null,
    p95Ms: s?.latencyMs.p95 ?? null,
    p99Ms: s?.latencyMs.p99 ?? null,
    errorRate: s?.errorRate ?? null,
    baseline: s?.baseline?.verdict ?? null,
    regressedMetrics: (s?.baseline?.regressed ?? []).map((r) => r.metric),
  };
}

/** `mlload runs`: past runs, newest first (at most --limit, default 20), optionally of one plan name. */
export async function runsCommand(options: RunsCommandOptions): Promise<number> {
  const limit = parseLimit(options.limit);
  const location = storeLocationFrom(options);
  const store = await openStore(location);
  const records: RunRecord[] = [];
  let token: string | undefined;
  do {
    const page = await store.listRuns({ name: options.name, limit: Math.min(50, limit - records.length), continuationToken: token });
    records.push(...page.runs.slice(0, limit - records.length));
    token = page.continuationToken;
  } while (token !== undefined && records.length < limit);
  const rows = records.map(runListRow);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return EXIT.passed;
  }
  if (rows.length === 0) {
    process.stdout.write(`no runs${options.name ? ` of ${options.name}` : ''} in ${describeLocation(location)}\n`);
    return EXIT.passed;
  }
  process.stdout.write(`${formatRunsTable(rows)}\n`);
  return EXIT.passed;
}

const num = (value: number | null, digits: number) => (value === null ? '–' : Number.isInteger(value) ? String(value) : value.toFixed(digits));

const STATUS_COLOUR: Record<string, (text: string) => string> = {
  passed: (t) => pc.green(t),
  failed: (t) => pc.red(t),
  error: (t) => pc.red(t),
  partial: (t) => pc.yellow(t),
};

const BASELINE_COLOUR: Record<string, (text: string) => string> = {
  ok: (t) => pc.green(t),
  regressed: (t) => pc.red(pc.bold(t)),
};

export function formatRunsTable(rows: readonly RunListRow[]): string {
  const head = ['run', 'name', 'status', 'start (UTC)', 'target/s', 'achieved/s', 'p95 ms', 'p99 ms', 'errors', 'baseline'];
  const cells = rows.map((r) => [
    r.runId,
    r.name,
    r.status,
    r.startedAt.slice(0, 19).replace('T', ' '),
    num(r.targetRps, 1),
    num(r.achievedRps, 1),
    num(r.p95Ms, 2),
    num(r.p99Ms, 2),
    r.errorRate === null ? '–' : `${(r.errorRate * 100).toFixed(2)}%`,
    r.baseline === null ? '–' : r.baseline === 'regressed' && r.regressedMetrics.length > 0 ? `regressed (${r.regressedMetrics.join(', ')})` : r.baseline,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const right = new Set([4, 5, 6, 7, 8]);
  const pad = (text: string, i: number) => (right.has(i) ? text.padStart(widths[i]) : text.padEnd(widths[i]));
  const lines = [pc.dim(head.map(pad).join('  ').trimEnd())];
  rows.forEach((row, r) => {
    lines.push(
      cells[r]
        .map((text, i) => {
          const padded = pad(text, i);
          if (i === 2) return (STATUS_COLOUR[row.status] ?? ((t: string) => t))(padded);
          if (i === 9 && row.baseline !== null) return (BASELINE_COLOUR[row.baseline] ?? ((t: string) => pc.dim(t)))(text);
          return padded;
        })
        .join('  ')
        .trimEnd(),
    );
  });
  return lines.join('\n');
}

function parseLimit(text: string | undefined): number {
  if (text === undefined) return 20;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new CliError(`--limit must be an integer from 1 to 1000, not ${JSON.stringify(text)}`, EXIT.usage);
  return n;
}
