import type { Edm } from '@azure/data-tables';
import type { TimeseriesRow } from '../core/timeseries.js';
import { double, int32 } from './table-values.js';

/**
 * The `timeseries` table: PartitionKey runId, RowKey the window start (ISO, e.g.
 * 2026-11-28T04:05:12.000Z, so rows sort by time), one row per second with the TimeseriesRow fields.
 * Rates and milliseconds are Edm.Double, counts Edm.Int32, windowStart a string.
 */
export const TIMESERIES_COLUMN_TYPES: Readonly<Record<keyof TimeseriesRow, 'String' | 'Double' | 'Int32'>> = {
  windowStart: 'String',
  targetRps: 'Double',
  sentRps: 'Double',
  throughputRps: 'Double',
  completed: 'Int32',
  ok: 'Int32',
  errors: 'Int32',
  throttled: 'Int32',
  status408: 'Int32',
  status424: 'Int32',
  status5xx: 'Int32',
  transportErrors: 'Int32',
  dropped: 'Int32',
  inFlightPeak: 'Int32',
  p50Ms: 'Double',
  p95Ms: 'Double',
  p99Ms: 'Double',
  maxMs: 'Double',
};

export type TimeseriesEntity = { partitionKey: string; rowKey: string } & Record<string, string | Edm<'Double'> | Edm<'Int32'>>;

export function timeseriesEntity(runId: string, row: TimeseriesRow): TimeseriesEntity {
  const entity: TimeseriesEntity = { partitionKey: runId, rowKey: row.windowStart };
  for (const [column, type] of Object.entries(TIMESERIES_COLUMN_TYPES) as [keyof TimeseriesRow, string][]) {
    const value = row[column];
    entity[column] = type === 'String' ? String(value) : type === 'Double' ? double(value as number) : int32(value as number);
  }
  return entity;
}
