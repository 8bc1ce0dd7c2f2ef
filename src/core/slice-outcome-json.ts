import { Aggregate, type AggregateJson } from './aggregate.js';
import type { SliceOutcome } from './execute-slice.js';

export type SliceOutcomeJson = Omit<SliceOutcome, 'aggregate'> & { aggregate: AggregateJson };

export function sliceOutcomeToJson(outcome: SliceOutcome): SliceOutcomeJson {
  return { ...outcome, aggregate: outcome.aggregate.toJSON() };
}

const STATUSES = new Set(['done', 'aborted', 'missed', 'error']);

/** Rebuilds a stored or messaged outcome; throws on anything malformed. */
export function sliceOutcomeFromJson(json: unknown): SliceOutcome {
  const o = json as SliceOutcomeJson;
  if (typeof o !== 'object' || o === null) throw new Error('slice outcome must be an object');
  if (typeof o.runId !== 'string' || typeof o.sliceId !== 'string') throw new Error('slice outcome needs runId and sliceId');
  if (!STATUSES.has(o.status)) throw new Error(`slice outcome has an unknown status ${JSON.stringify(o.status)}`);
  for (const key of ['worker', 'window', 'planned', 'sent', 'lateMs', 'missed', 'startedAtMs', 'endedAtMs'] as const) {
    if (typeof o[key] !== 'number' || !Number.isFinite(o[key])) throw new Error(`slice outcome field ${key} must be a number`);
  }
  return { ...o, aggregate: Aggregate.fromJSON(o.aggregate) };
}
