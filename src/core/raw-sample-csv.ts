/**
 * The raw sample CSV (one row per request sent, DESIGN §5). Times are epoch microseconds;
 * latency is from the intended send time, service time from the actual send.
 */
export const RAW_SAMPLE_COLUMNS = [
  'intendedUnixUs',
  'sentUnixUs',
  'latencyUs',
  'serviceUs',
  'status',
  'errorCode',
  'bytesIn',
  'bytesOut',
  'worker',
  'deployment',
] as const;

export const RAW_SAMPLE_HEADER = RAW_SAMPLE_COLUMNS.join(',') + '\n';

export interface RawSample {
  intendedUnixUs: number;
  sentUnixUs: number;
  latencyUs: number;
  serviceUs: number;
  status: number;
  errorCode: string;
  bytesIn: number;
  bytesOut: number;
  worker: number;
  deployment: string;
}

export function csvSafe(text: string): string {
  return /[",\r\n]/.test(text) ? text.replace(/[",\r\n]/g, '_') : text;
}

/** Parses raw sample CSV text (header included) back into samples; for tests, exports and re-computation. */
export function parseRawSamples(csv: string): RawSample[] {
  const lines = csv.split('\n').filter((line) => line !== '');
  if (lines.length === 0) return [];
  if (lines[0] !== RAW_SAMPLE_HEADER.trimEnd()) throw new Error(`raw sample CSV must start with the header ${RAW_SAMPLE_HEADER.trimEnd()}`);
  return lines.slice(1).map((line) => {
    const f = line.split(',');
    return {
      intendedUnixUs: Number(f[0]),
      sentUnixUs: Number(f[1]),
      latencyUs: Number(f[2]),
      serviceUs: Number(f[3]),
      status: Number(f[4]),
      errorCode: f[5],
      bytesIn: Number(f[6]),
      bytesOut: Number(f[7]),
      worker: Number(f[8]),
      deployment: f[9] ?? '',
    };
  });
}
