import type { Edm } from '@azure/data-tables';
import { isRunId } from '../core/run-id.js';
import type { RunRecord } from '../core/run-record.js';
import { clip, double, int32, MAX_TABLE_STRING } from './table-values.js';

/**
 * The `runs` table: one flat, consistently typed row per run, what Power BI trends read.
 * PartitionKey `run`; RowKey `<inverted ticks of the run id's start second>_<runId>`, so that the newest
 * run sorts first and a run's key follows from its id alone (a point read).
 * Every row has the same columns (summary figures are 0 and strings empty until the run is final),
 * plus `tag_<name>` columns (strings) for the plan's tags.
 */
export const RUN_PARTITION = 'run';
export const MAX_TAG_COLUMNS = 50;

const MAX_DOTNET_TICKS = 3_155_378_975_999_999_999n; // DateTime.MaxValue.Ticks
const UNIX_EPOCH_TICKS = 621_355_968_000_000_000n;

/** Epoch ms of the second a run id was stamped with. */
export function runIdEpochMs(runId: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-/.exec(runId);
  if (!m || !isRunId(runId)) throw new Error(`not a valid id: ${JSON.stringify(runId.slice(0, 80))}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

/** `<19-digit inverted .NET ticks>_<runId>`: ascending RowKey order is newest run first. */
export function runRowKey(runId: string): string {
  const ticks = BigInt(runIdEpochMs(runId)) * 10_000n + UNIX_EPOCH_TICKS;
  return `${(MAX_DOTNET_TICKS - ticks).toString().padStart(19, '0')}_${runId}`;
}

/** Column name of a tag: `tag_` + the name with everything but [A-Za-z0-9_] replaced by `_`. */
export function tagColumn(name: string): string {
  return `tag_${name.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 200)}`;
}

/**
 * The `runs` row of a record. `recordJson` is the record without its summary (the summary is in
 * summary.json); when it would not fit a Table string, the caller stores it in a blob and passes
 * `recordInBlob` with an empty `recordJson`.
 */
export interface RunEntity {
  partitionKey: string;
  rowKey: string;
  runId: string;
  name: string;
  status: string;
  createdAt: string;
  /** Start of the load (pacer time 0). */
  originAt: string;
  /** End of the load, from the summary. */
  endedAt: string;
  /** When the run was finalized. */
  finishedAt: string;
  deadlineAt: string;
  targetHost: string;
  deployment: string;
  model: string;
  targetRps: Edm<'Double'>;
  achievedRps: Edm<'Double'>;
  throughputRps: Edm<'Double'>;
  durationS: Edm<'Double'>;
  planned: Edm<'Int32'>;
  sent: Edm<'Int32'>;
  completed: Edm<'Int32'>;
  ok: Edm<'Int32'>;
  errors: Edm<'Int32'>;
  throttled: Edm<'Int32'>;
  dropped: Edm<'Int32'>;
  missed: Edm<'Int32'>;
  inFlightPeak: Edm<'Int32'>;
  p50Ms: Edm<'Double'>;
  p90Ms: Edm<'Double'>;
  p95Ms: Edm<'Double'>;
  p99Ms: Edm<'Double'>;
  p999Ms: Edm<'Double'>;
  maxMs: Edm<'Double'>;
  meanMs: Edm<'Double'>;
  errorRate: Edm<'Double'>;
  throttleRate: Edm<'Double'>;
  thresholdsPassed: boolean;
  /** `ok`, `regressed`, `no-baseline`; empty when the plan has no baseline or the run is not final. */
  baselineVerdict: string;
  /** Comma-separated metrics that regressed against the baseline (`p95Ms`, `errorRate`, `throughputRps`). */
  regressedMetrics: string;
  workers: Edm<'Int32'>;
  windows: Edm<'Int32'>;
  error: string;
  hasSummary: boolean;
  recordInBlob: boolean;
  recordJson: string;
  [tag: `tag_${string}`]: string;
}

/** The record as kept in `recordJson` (no summary). */
export function recordJsonOf(record: RunRecord): string {
  const { summary: _summary, ...rest } = record;
  return JSON.stringify(rest);
}

export function fitsInRow(recordJson: string): boolean {
  return recordJson.length <= MAX_TABLE_STRING;
}

export function runEntity(record: RunRecord, recordJson: string, recordInBlob: boolean): RunEntity {
  const s = record.summary;
  const entity: RunEntity = {
    partitionKey: RUN_PARTITION,
    rowKey: runRowKey(record.runId),
    runId: record.runId,
    name: clip(record.name, 1024),
    status: record.status,
    createdAt: record.createdAt ?? '',
    originAt: record.originAt ?? '',
    endedAt: s?.endedAt ?? '',
    finishedAt: record.finishedAt ?? '',
    deadlineAt: record.deadlineAt ?? '',
    targetHost: clip(record.targetHost, 1024),
    deployment: clip(record.deployment, 1024),
    model: record.model ?? '',
    targetRps: double(record.targetRps),
    achievedRps: double(s?.rate.achieved),
    throughputRps: double(s?.rate.throughput),
    durationS: double(s?.durationS),
    planned: int32(s?.requests.planned),
    sent: int32(s?.requests.sent),
    completed: int32(s?.requests.completed),
    ok: int32(s?.requests.ok),
    errors: int32(s?.requests.errors),
    throttled: int32(s?.requests.throttled),
    dropped: int32(s?.requests.dropped),
    missed: int32(s?.requests.missed),
    inFlightPeak: int32(s?.inFlightPeak),
    p50Ms: double(s?.latencyMs.p50),
    p90Ms: double(s?.latencyMs.p90),
    p95Ms: double(s?.latencyMs.p95),
    p99Ms: double(s?.latencyMs.p99),
    p999Ms: double(s?.latencyMs.p999),
    maxMs: double(s?.latencyMs.max),
    meanMs: double(s?.latencyMs.mean),
    errorRate: double(s?.errorRate),
    throttleRate: double(s?.throttleRate),
    thresholdsPassed: s !== undefined && s.thresholds.every((t) => t.passed),
    baselineVerdict: s?.baseline?.verdict ?? '',
    regressedMetrics: (s?.baseline?.regressed ?? []).map((r) => r.metric).join(','),
    workers: int32(record.workers),
    windows: int32(record.windows),
    error: clip(record.error, 4000),
    hasSummary: s !== undefined,
    recordInBlob,
    recordJson: recordInBlob ? '' : recordJson,
  };
  const tags = Object.keys(record.tags ?? {}).sort();
  let added = 0;
  for (const tag of tags) {
    if (added === MAX_TAG_COLUMNS) break;
    const column = tagColumn(tag);
    if (column in entity) continue; // two names that sanitize alike: the first (in sorted order) wins
    entity[column as `tag_${string}`] = clip(String(record.tags[tag]), 1024);
    added++;
  }
  return entity;
}

/** The parts of a stored row needed to rebuild its record. */
export interface StoredRunRow {
  runId?: unknown;
  recordJson?: unknown;
  recordInBlob?: unknown;
  hasSummary?: unknown;
}

/** The record in a row (without summary), or undefined when it lives in a blob. */
export function recordFromRow(row: StoredRunRow): RunRecord | undefined {
  if (row.recordInBlob === true) return undefined;
  if (typeof row.recordJson !== 'string' || row.recordJson === '') throw new Error(`the runs row of ${String(row.runId)} has no recordJson`);
  return JSON.parse(row.recordJson) as RunRecord;
}
