/**
 * Number and time formatting for the report's HTML. Hand-written rather than toLocaleString so the
 * same run renders byte-for-byte the same on every machine, whatever its locale or time zone.
 */

/** 1234567 → "1,234,567". */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const sign = value < 0 ? '-' : '';
  const [whole, fraction] = Math.abs(value).toString().split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return sign + grouped + (fraction ? `.${fraction}` : '');
}

/** Milliseconds with precision that suits their size: 0.123, 4.56, 78.9, 1,234. */
export function formatMs(valueMs: number): string {
  if (!Number.isFinite(valueMs)) return '–';
  const abs = Math.abs(valueMs);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return formatCount(Number(valueMs.toFixed(digits)));
}

/** Requests per second, one decimal. */
export function formatRps(valueRps: number): string {
  if (!Number.isFinite(valueRps)) return '–';
  return formatCount(Number(valueRps.toFixed(1)));
}

/** A share 0–1 as a percentage: 0.01234 → "1.23%"; small non-zero shares keep a significant digit. */
export function formatShare(share: number): string {
  if (!Number.isFinite(share)) return '–';
  if (share === 0) return '0%';
  const pct = share * 100;
  const digits = pct >= 10 ? 1 : pct >= 0.1 ? 2 : 3;
  return `${pct.toFixed(digits)}%`;
}

/** An ISO time as "2025-01-31 23:59:58 UTC" (seconds precision); the text itself when it is not a time. */
export function formatUtc(iso: string | undefined): string {
  if (iso === undefined) return '–';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Seconds as "45 s", "5 min 30 s", "1 h 2 min". */
export function formatDurationS(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 60) return `${Number(seconds.toFixed(seconds < 10 ? 2 : 1))} s`;
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const min = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return min > 0 ? `${h} h ${min} min` : `${h} h`;
  return s > 0 ? `${min} min ${s} s` : `${min} min`;
}
