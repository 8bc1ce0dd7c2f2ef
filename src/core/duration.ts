/**
 * Durations in plans: a number of seconds, or a string such as "500ms", "30s", "5m", "1h" or "1h30m".
 * Returns milliseconds, or undefined when the text is not a duration.
 */
export function parseDurationMs(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  }
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let totalMs = 0;
  let consumed = 0;
  let match: RegExpExecArray | null;
  while ((match = part.exec(text)) !== null) {
    totalMs += Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
    consumed = part.lastIndex;
  }
  return consumed === text.length && consumed > 0 ? totalMs : undefined;
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** "1h 5m 3s" style text for people. */
export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let seconds = Math.round(ms / 1000);
  const h = Math.floor(seconds / 3600);
  seconds -= h * 3600;
  const m = Math.floor(seconds / 60);
  seconds -= m * 60;
  return [h ? `${h}h` : '', m ? `${m}m` : '', seconds || (!h && !m) ? `${seconds}s` : ''].filter(Boolean).join(' ');
}
