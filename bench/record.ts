/**
 * `npm run bench:record` — CPU time of recording, the third hot path beside the scheduler and the HTTP
 * client. No network: this isolates the recorder (bench:rate measures all three together).
 *
 * 1. One histogram record: hdr-histogram-js's `recordValue` against the engine's `record` (the same
 *    counter found without Math.pow), on values like a run's (lags of a few µs, latencies of 0.1–5 ms,
 *    a few slow ones); both histograms are checked equal afterwards.
 * 2. One request through the slice recorder — `planned`, `sent` and `done`, as the scheduler and the
 *    client call them — for a fast slice (dense windows), with raw rows (to a writer that drops them)
 *    and without.
 *
 * Each figure is the median of --rounds rounds after one warm-up round. MLLOAD_BENCH_CLI switches the
 * engine build measured, as for the other benches (an engine without `record` skips figure 1).
 *
 *   node dist/bench/record.js [--values 4000000] [--requests 2000000] [--rounds 5]
 */
import type { Exchange } from '../src/core/http-client.js';
import type * as HistogramModule from '../src/core/histogram.js';
import type * as RecorderModule from '../src/core/slice-recorder.js';
import type { RawSampleWriter } from '../src/core/ports/raw-sample-writer.js';
import { engineLabel, fmt, importEngine, machineFacts, machineLine, median, positiveArg, table, writeOut } from './lib/common.js';

const VALUES = positiveArg('values') ?? 4_000_000;
const REQUESTS = positiveArg('requests') ?? 2_000_000;
const ROUNDS = positiveArg('rounds') ?? 5;

const histograms = await importEngine<typeof HistogramModule>('core/histogram.js');
const { SliceRecorder } = await importEngine<typeof RecorderModule>('core/slice-recorder.js');

/** Seeded values like a run's: 30% lags of 0–19 µs, 65% latencies of 0.1–5 ms, 5% up to 2 s. */
function runLikeValues(count: number): Int32Array {
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const values = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const r = next();
    values[i] = r < 0.3 ? Math.floor(next() * 20) : r < 0.95 ? 100 + Math.floor(next() * 4900) : Math.floor(next() * 2_000_000);
  }
  return values;
}

/** ns per value of one way of recording, median of the rounds; returns the last round's histogram too. */
function timeRecording(values: Int32Array, recordOne: (h: HistogramModule.Histogram, v: number) => void): { ns: number[]; last: HistogramModule.Histogram } {
  const ns: number[] = [];
  let last = histograms.createHistogram();
  for (let round = 0; round <= ROUNDS; round++) {
    const h = histograms.createHistogram();
    const started = process.hrtime.bigint();
    for (let i = 0; i < values.length; i++) recordOne(h, values[i]!);
    if (round > 0) ns.push(Number(process.hrtime.bigint() - started) / values.length);
    last = h;
  }
  return { ns, last };
}

/** A raw writer that keeps nothing: the figure is the recorder's encoding, not a disk's. */
const droppingWriter: RawSampleWriter = {
  append() {},
  flush: async () => {},
  close: async () => {},
};

/** ns per request through planned + sent + done, 80,000 rps apart, latencies 0.3–1 ms. */
function timeRecorder(withRaw: boolean): number[] {
  const ns: number[] = [];
  const exchange = {
    seq: 0, intendedUs: 0, sentUs: 0, endUs: 0, status: 200, errorCode: '', bytesIn: 120, bytesOut: 80, attempt: 1,
    deployment: '', sse: null, contentChunks: 0, tag: 0, firstTokenUs: 0, usageTokens: -1, retryAfterMs: -1,
  };
  // The fields `done` reads; the client's Exchange has them read-only (it owns them).
  const asExchange = exchange as unknown as Exchange;
  for (let round = 0; round <= ROUNDS; round++) {
    const recorder = new SliceRecorder(Date.now() * 1000, 0, withRaw ? droppingWriter : null, Infinity, 'dense');
    let dueUs = 1e6;
    const started = process.hrtime.bigint();
    for (let i = 0; i < REQUESTS; i++) {
      dueUs += 12.5;
      recorder.planned(dueUs);
      recorder.sent(dueUs, dueUs + 3);
      exchange.intendedUs = dueUs;
      exchange.sentUs = dueUs + 3;
      exchange.endUs = dueUs + 300 + (i % 700);
      recorder.done(asExchange);
    }
    if (round > 0) ns.push(Number(process.hrtime.bigint() - started) / REQUESTS);
    if (recorder.aggregate.counts.completed !== REQUESTS) {
      process.stderr.write(`bench: the recorder counted ${recorder.aggregate.counts.completed} of ${REQUESTS} responses\n`);
      process.exit(1);
    }
  }
  return ns;
}

const rows: (string | number)[][] = [];
const figures: Record<string, number> = {};
const values = runLikeValues(VALUES);
const library = timeRecording(values, (h, v) => h.recordValue(v));
rows.push(['histogram: hdr-histogram-js recordValue', 'ns/value', fmt(median(library.ns), 1), fmt(Math.min(...library.ns), 1), fmt(Math.max(...library.ns), 1)]);
figures.libraryRecordNs = median(library.ns);
const engineRecord = histograms.record;
if (typeof engineRecord === 'function') {
  const fast = timeRecording(values, engineRecord);
  if (histograms.encodeHistogram(fast.last) !== histograms.encodeHistogram(library.last)) {
    process.stderr.write('bench: record and recordValue produced different histograms\n');
    process.exit(1);
  }
  rows.push(['histogram: the engine’s record', 'ns/value', fmt(median(fast.ns), 1), fmt(Math.min(...fast.ns), 1), fmt(Math.max(...fast.ns), 1)]);
  figures.engineRecordNs = median(fast.ns);
}
const withRaw = timeRecorder(true);
const withoutRaw = timeRecorder(false);
rows.push(['slice recorder, raw rows on', 'ns/request', fmt(median(withRaw), 0), fmt(Math.min(...withRaw), 0), fmt(Math.max(...withRaw), 0)]);
rows.push(['slice recorder, raw rows off', 'ns/request', fmt(median(withoutRaw), 0), fmt(Math.min(...withoutRaw), 0), fmt(Math.max(...withoutRaw), 0)]);
figures.recorderWithRawNs = median(withRaw);
figures.recorderWithoutRawNs = median(withoutRaw);

console.log(`bench:record — recording's CPU time; ${VALUES.toLocaleString('en-US')} values, ${REQUESTS.toLocaleString('en-US')} requests, ${ROUNDS} rounds`);
console.log(machineLine(machineFacts()));
console.log(`engine: ${engineLabel()}`);
console.log(table(['what', 'unit', 'median', 'min', 'max'], rows));
if (figures.engineRecordNs !== undefined) console.log(`record ÷ recordValue: ${fmt(figures.engineRecordNs / figures.libraryRecordNs, 3)}`);
console.log(`wrote ${writeOut('record', { values: VALUES, requests: REQUESTS, rounds: ROUNDS, engine: engineLabel(), figures })}`);
