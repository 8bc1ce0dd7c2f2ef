import { z } from 'zod';
import { isRunId } from './run-id.js';
import type { SliceSpec } from './slice.js';

/** A queue message is a SliceSpec as JSON; anything else is rejected, never retried forever. */
const sliceMessageSchema = z.strictObject({
  runId: z.string().refine(isRunId, 'is not a run id'),
  sliceId: z.string().regex(/^w\d{3,}-k\d{3,}$/),
  worker: z.number().int().min(0),
  workers: z.number().int().min(1).max(100_000),
  window: z.number().int().min(0),
  windows: z.number().int().min(1).max(100_000),
  fromUs: z.number().min(0),
  toUs: z.union([z.number().min(0), z.null()]).transform((v) => (v === null ? Infinity : v)),
  originEpochMs: z.number().min(0),
  stepRps: z.number().positive().max(1_000_000).optional(),
});

export class MalformedSliceMessage extends Error {
  override name = 'MalformedSliceMessage';
}

/** JSON for the queue (Infinity, the last window's end, travels as null). */
export function sliceMessageText(slice: SliceSpec): string {
  return JSON.stringify({ ...slice, toUs: Number.isFinite(slice.toUs) ? slice.toUs : null });
}

export function parseSliceMessage(text: string): SliceSpec {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new MalformedSliceMessage('slice message is not JSON');
  }
  const parsed = sliceMessageSchema.safeParse(json);
  if (!parsed.success) {
    throw new MalformedSliceMessage(`slice message is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '$'} ${i.message}`).join('; ')}`);
  }
  const slice = parsed.data;
  if (slice.worker >= slice.workers || slice.window >= slice.windows) throw new MalformedSliceMessage('slice message has worker/window out of range');
  return slice;
}
