import type { Aggregate } from './aggregate.js';
import { percentilesMs } from './histogram.js';
import { hitsBetween, type Pacer } from './pacers/pacer.js';

/** One second of a run, as stored in timeseries.csv and the `timeseries` table. */
export interface TimeseriesRow {
  windowStart: string;
  targetRps: number;
  sentRps: number;
  throughputRps: number;
  completed: number;
  ok: number;
  errors: number;
  throttled: number;
  status408: number;
  status424: number;
  status5xx: number;
  transportErrors: number;
  dropped: number;
  inFlightPeak: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

export const TIMESERIES_COLUMNS: readonly (keyof TimeseriesRow)[] = [
  'windowStart', 'targetRps', 'sentRps', 'throughputRps', 'completed', 'ok', 'errors', 'throttled', 'status408', 'status424',
  'status5xx', 'transportErrors', 'dropped', 'inFlightPeak', 'p50Ms', 'p95Ms', 'p99Ms', 'maxMs',
];

/**
 * Per-second rows from the merged aggregate. The target rate of an open load comes from its pacer
 * (hits due in that second), so it shows the plan even where the generator fell short.
 */
export function timeseriesRows(aggregate: Aggregate, pacer: Pacer, originEpochMs: number): TimeseriesRow[] {
  const seconds = [...aggregate.windows.keys()];
  if (seconds.length === 0) return [];
  const first = Math.min(...seconds, Math.floor(originEpochMs / 1000));
  const last = Math.max(...seconds);
  const rows: TimeseriesRow[] = [];
  for (let second = first; second <= last; second++) {
    const w = aggregate.windows.get(second);
    const fromUs = (second * 1000 - originEpochMs) * 1000;
    const targetRps = pacer.kind === 'open' ? hitsBetween(pacer, Math.max(0, fromUs), Math.max(0, fromUs + 1e6)) : (w?.planned ?? 0);
    const codes = w?.statusCodes ?? {};
    let status5xx = 0;
    for (const code in codes) if (code.startsWith('5')) status5xx += codes[code];
    const transportErrors = Object.values(w?.errorsByCode ?? {}).reduce((a, b) => a + b, 0);
    const p = w ? percentilesMs(w.responseTime) : undefined;
    rows.push({
      windowStart: new Date(second * 1000).toISOString(),
      targetRps,
      sentRps: w?.sent ?? 0,
      throughputRps: w?.ok ?? 0,
      completed: w?.completed ?? 0,
      ok: w?.ok ?? 0,
      errors: w?.errors ?? 0,
      throttled: w?.throttled ?? 0,
      status408: codes['408'] ?? 0,
      status424: codes['424'] ?? 0,
      status5xx,
      transportErrors,
      dropped: w?.dropped ?? 0,
      inFlightPeak: w?.inFlightPeak ?? 0,
      p50Ms: p?.p50 ?? 0,
      p95Ms: p?.p95 ?? 0,
      p99Ms: p?.p99 ?? 0,
      maxMs: p?.max ?? 0,
    });
  }
  return rows;
}

export function timeseriesCsv(rows: readonly TimeseriesRow[]): string {
  const lines = [TIMESERIES_COLUMNS.join(',')];
  for (const row of rows) lines.push(TIMESERIES_COLUMNS.map((c) => row[c]).join(','));
  return lines.join('\n') + '\n';
}
