import type { Edm } from '@azure/data-tables';

/**
 * Typed Table-storage property values. Numbers carry an explicit Edm type so that a column keeps one
 * type on every row (an untyped 5 would be stored as Int32 and 5.5 as Double), as Power BI expects.
 */

/** A Table string property holds at most 64 KiB of UTF-16, i.e. 32,768 JS characters; stay below it. */
export const MAX_TABLE_STRING = 32_000;

const INT32_MAX = 2_147_483_647;
const INT32_MIN = -2_147_483_648;

/** Edm.Double; non-finite numbers (never expected) become 0. */
export function double(value: number | undefined): Edm<'Double'> {
  return { value: typeof value === 'number' && Number.isFinite(value) ? value : 0, type: 'Double' };
}

/** Edm.Int32, rounded and clamped to the Int32 range (the exact figures stay in the JSON blobs). */
export function int32(value: number | undefined): Edm<'Int32'> {
  const n = typeof value === 'number' && Number.isFinite(value) ? Math.round(value) : 0;
  return { value: Math.min(INT32_MAX, Math.max(INT32_MIN, n)), type: 'Int32' };
}

/** A string cut to `max` characters (default: what a Table string property can hold). */
export function clip(text: string | undefined, max = MAX_TABLE_STRING): string {
  if (text === undefined) return '';
  return text.length <= max ? text : text.slice(0, max);
}

/** Reads a number property back (the SDK returns Int32 and Double as numbers). */
export function numberOf(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value !== '') return Number(value);
  return 0;
}
