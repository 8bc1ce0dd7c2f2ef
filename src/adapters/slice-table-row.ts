import type { Edm } from '@azure/data-tables';
import type { SliceOutcomeJson } from '../core/slice-outcome-json.js';
import { clip, double, int32, MAX_TABLE_STRING } from './table-values.js';

/**
 * The `slices` table: PartitionKey runId, RowKey sliceId, one row per slice (upserted, so a slice saved
 * twice is one row). Counts and the three whole-slice HDR histograms (compressed base64, as in
 * `Aggregate.toJSON()`). The blob `slices/<sliceId>.json` is the authoritative copy: it also holds the
 * per-second windows, which may not fit a row. A histogram longer than a Table string is written as ''.
 */
export interface SliceEntity {
  partitionKey: string;
  rowKey: string;
  worker: Edm<'Int32'>;
  window: Edm<'Int32'>;
  status: string;
  planned: Edm<'Int32'>;
  sent: Edm<'Int32'>;
  completed: Edm<'Int32'>;
  ok: Edm<'Int32'>;
  errors: Edm<'Int32'>;
  throttled: Edm<'Int32'>;
  dropped: Edm<'Int32'>;
  missed: Edm<'Int32'>;
  inFlightPeak: Edm<'Int32'>;
  lateMs: Edm<'Double'>;
  startedAt: string;
  endedAt: string;
  error: string;
  responseTimeHdr: string;
  serviceTimeHdr: string;
  scheduleLagHdr: string;
}

function hdr(encoded: string): string {
  return encoded.length <= MAX_TABLE_STRING ? encoded : '';
}

function iso(epochMs: number): string {
  return Number.isFinite(epochMs) && epochMs > 0 ? new Date(epochMs).toISOString() : '';
}

export function sliceEntity(json: SliceOutcomeJson): SliceEntity {
  const a = json.aggregate;
  return {
    partitionKey: json.runId,
    rowKey: json.sliceId,
    worker: int32(json.worker),
    window: int32(json.window),
    status: json.status,
    planned: int32(json.planned),
    sent: int32(json.sent),
    completed: int32(a.counts.completed),
    ok: int32(a.counts.ok),
    errors: int32(a.counts.errors),
    throttled: int32(a.counts.throttled),
    dropped: int32(a.counts.dropped),
    missed: int32(json.missed),
    inFlightPeak: int32(a.inFlightPeak),
    lateMs: double(json.lateMs),
    startedAt: iso(json.startedAtMs),
    endedAt: iso(json.endedAtMs),
    error: clip(json.error, 4000),
    responseTimeHdr: hdr(a.responseTime),
    serviceTimeHdr: hdr(a.serviceTime),
    scheduleLagHdr: hdr(a.scheduleLag),
  };
}
