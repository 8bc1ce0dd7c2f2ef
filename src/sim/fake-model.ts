/** Bodies larger than this are not parsed; they still score, as one prediction. */
export const MAX_PARSED_BODY_BYTES = 8 * 1024 * 1024;

/** A stand-in score in (0, 1): the logistic of the row's mean, so equal rows score equally. */
function scoreRow(row: unknown): number {
  const values = Array.isArray(row) ? row : [row];
  let sum = 0;
  let count = 0;
  for (const v of values) {
    if (typeof v === 'number' && Number.isFinite(v)) {
      sum += v;
      count++;
    }
  }
  const mean = count === 0 ? 0 : sum / count;
  return Math.round(10_000 / (1 + Math.exp(-mean))) / 10_000;
}

/** The rows of the payload shapes Azure ML documents: MLflow `input_data` (list or pandas split) and score.py `data`. */
function rowsOf(payload: unknown): unknown[] | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const p = payload as Record<string, unknown>;
  const input = p.input_data;
  if (Array.isArray(input)) return input;
  if (typeof input === 'object' && input !== null && Array.isArray((input as Record<string, unknown>).data)) {
    return (input as Record<string, unknown>).data as unknown[];
  }
  if (Array.isArray(p.data)) return p.data;
  return undefined;
}

/**
 * The simulated model's answer: one number per input row, else `[0]`. Any body scores, JSON or not,
 * because Azure ML hands the raw body to the model.
 */
export function predictionsFor(body: Buffer): number[] {
  if (body.length === 0 || body.length > MAX_PARSED_BODY_BYTES) return [0];
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString('utf8'));
  } catch {
    return [0];
  }
  const rows = rowsOf(payload);
  if (rows === undefined || rows.length === 0) return [0];
  return rows.map(scoreRow);
}
