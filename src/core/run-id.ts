import { randomBytes } from 'node:crypto';

/**
 * Run ids sort by start time and cannot be guessed: `20261128T040512Z-<20 random base32 chars>`
 * (100 random bits). They are safe in blob paths and table keys.
 */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  const bytes = randomBytes(20);
  let random = '';
  for (const byte of bytes) random += alphabet[byte & 31];
  return `${stamp}-${random}`;
}

export const RUN_ID_PATTERN = /^\d{8}T\d{6}Z-[a-z2-7]{20}$/;

export function isRunId(text: string): boolean {
  return RUN_ID_PATTERN.test(text);
}

/** Run stages that can be claimed once (`finalize`, `step-3`) become lock names: checked, never trusted. */
export function stageName(stage: string): string {
  if (!/^[a-z0-9-]{1,40}$/.test(stage)) throw new Error(`not a valid stage: ${JSON.stringify(stage.slice(0, 40))}`);
  return stage;
}
