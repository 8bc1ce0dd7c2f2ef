/**
 * `npm run bench:accuracy` — how exactly one worker keeps its schedule (issue 8, target 2):
 * "schedule lag p99 ≤ 1 ms at 5,000 rps; rate error ≤ 0.5% at every rate up to the faithful rate".
 *
 * Each trial is one `mlload run --json` (a child process, as a user runs it), one worker, a constant
 * rate against the fast loopback server this bench starts (nginx, or the Node fallback), --seconds long.
 *
 * 1. Lag: one trial at 5,000 rps; the figure is the run's summary.scheduleLagMs.p99 (whole run).
 * 2. Rate error on a ladder: 1,000, 2,000, 5,000 rps, then equal steps up to the single-worker faithful
 *    rate (--max-rps, else bench/out/max-faithful-rate.json `faithfulRps`, else 10,000), about five
 *    rungs. Rate error = the larger of two: the delivery error |achieved − target| ÷ target from the
 *    summary (both over the plan's duration, so = |sent − planned| ÷ planned: hits dropped or missed),
 *    and the pacing error of the send span from the raw CSV, (hits − 1) ÷ (last send − first send)
 *    against the planned rate. The first alone is 0 whenever nothing is dropped, however the sends were
 *    spread. The worst whole 1-second window (timeseries.csv; first and last, partial, windows left
 *    out) and lag p99 per rung are printed beside it.
 *
 * Shared machine: before each trial the bench waits (at most 15 s) for the machine to be idle, and a
 * trial that other processes disturbed (> 0.15 cores) is repeated, at most 3 attempts in all.
 * Every run is bounded (--seconds + 60 s), the ladder has at most 6 rungs.
 *
 *   node dist/bench/accuracy.js [--seconds 10] [--max-rps N]
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import {
  engineLabel,
  fmt,
  fmtInt,
  machineFacts,
  machineLine,
  requireBuild,
  runMlload,
  startFastServer,
  table,
  tempDir,
  measureQuietly,
  writeOut,
  type BenchHeadline,
  type MeasuredCpu,
  type FastServer,
  type MlloadSummary,
  forEachRawRow,
  positiveArg,
  savedFaithfulRps,
  timeseriesWindows,
  constantRatePlan,
} from './lib/common.js';

const numArg = positiveArg;

const SECONDS = numArg('seconds') ?? 10;
const LAG_RPS = 5000;
const LAG_BOUND_MS = 1;
const RATE_ERROR_BOUND = 0.005;
const MAX_ATTEMPTS = 3;
const QUIET_WAIT_MS = 15_000;

/** The single-worker faithful rate the ladder climbs to. */
function faithfulRate(): { rps: number; source: string } {
  // An explicit --max-rps wins over the file (a flag should never be ignored silently).
  const asked = numArg('max-rps');
  if (asked !== undefined) return { rps: Math.round(asked), source: '--max-rps' };
  const found = savedFaithfulRps();
  if (found !== undefined) return { rps: Math.round(found), source: 'bench/out/max-faithful-rate.json faithfulRps' };
  return { rps: 10_000, source: 'default (no bench:rate result, no --max-rps)' };
}

/** 1k, 2k, 5k (those below the top), then equal steps up to the top: five rungs in all (six at most). */
function ladder(maxRps: number): number[] {
  const rungs = [1000, 2000, 5000].filter((r) => r < maxRps);
  const from = rungs.at(-1) ?? 0;
  const steps = Math.max(1, 5 - rungs.length);
  for (let i = 1; i <= steps; i++) rungs.push(Math.max(1, Math.round((from + ((maxRps - from) * i) / steps) / 100) * 100));
  return [...new Set(rungs)].sort((a, b) => a - b).slice(0, 6);
}

/** Worst |sent − target| ÷ target over the whole 1 s windows of timeseries.csv (first and last left out). */
function worstWindowError(resultsDir: string, runId: string): { error: number; windows: number } | undefined {
  const rows = timeseriesWindows(resultsDir, runId);
  if (rows === undefined) return undefined;
  let error = 0;
  let windows = 0;
  for (const row of rows.slice(1, -1)) {
    if (!(row.targetRps > 0)) continue;
    error = Math.max(error, Math.abs(row.sentRps - row.targetRps) / row.targetRps);
    windows++;
  }
  return windows > 0 ? { error, windows } : undefined;
}

/** |(hits − 1) ÷ (last send − first send) − rps| ÷ rps from the raw CSV (column 2: sent µs since the epoch). */
function sendSpanError(resultsDir: string, runId: string, rps: number): number | undefined {
  let first = Infinity;
  let last = -Infinity;
  let hits = 0;
  const found = forEachRawRow(resultsDir, runId, (row) => {
    const sent = Number(row[1]);
    if (sent < first) first = sent;
    if (sent > last) last = sent;
    hits++;
  });
  if (!found || hits < 2 || last <= first) return undefined;
  return Math.abs(((hits - 1) / (last - first)) * 1e6 - rps) / rps;
}

interface Trial extends MeasuredCpu {
  rps: number;
  summary?: MlloadSummary;
  /** |achieved − target| ÷ target from the summary (= |sent − planned| ÷ planned). */
  rateError?: number;
  worstWindowError?: number;
  wholeWindows?: number;
  /** Pacing error: send rate over the raw CSV's first-to-last send span against the plan. */
  sendSpanError?: number;
  error?: string;
}

async function trial(server: FastServer, rps: number, workDir: string): Promise<Trial> {
  const plan = constantRatePlan(`bench-accuracy-${rps}`, server.url, rps, SECONDS);
  const measure = async (attempt: number): Promise<Trial> => {
    try {
      const run = await runMlload(plan, { outDir: workDir, timeoutMs: (SECONDS + 60) * 1000, workers: 1 });
      const resultsDir = path.join(workDir, 'results');
      const s = run.summary;
      const w = worstWindowError(resultsDir, s.runId);
      const span = sendSpanError(resultsDir, s.runId, rps);
      rmSync(path.join(resultsDir, s.runId), { recursive: true, force: true });
      return { rps, summary: s, rateError: s.rate.target > 0 ? Math.abs(s.rate.achieved - s.rate.target) / s.rate.target : undefined, worstWindowError: w?.error, wholeWindows: w?.windows, sendSpanError: span, attempts: attempt };
    } catch (error) {
      return { rps, error: (error as Error).message.split('\n')[0], attempts: attempt };
    }
  };
  return measureQuietly(server.pid, measure, (t, note) => {
    const s = t.summary;
    process.stdout.write(
      `  ${fmtInt(rps).padStart(6)} rps: ` +
        (t.error ?? `achieved ${fmt(s!.rate.achieved, 1)} of ${fmt(s!.rate.target, 1)} (error ${fmt((t.rateError ?? NaN) * 100, 3)}%, worst 1 s window ${fmt((t.worstWindowError ?? NaN) * 100, 2)}%), lag p99 ${fmt(s!.scheduleLagMs.p99, 3)} ms, ${fmtInt(s!.requests.dropped)} dropped, ${fmtInt(s!.requests.errors)} errors`) +
        `; cores ours ${fmt(t.ourCores, 2)}, others ${fmt(t.otherCores, 2)}${note}\n`,
    );
  }, { maxAttempts: MAX_ATTEMPTS, quietWaitMs: QUIET_WAIT_MS });
}

async function main(): Promise<void> {
  requireBuild();
  const machine = machineFacts();
  const startedAt = Date.now();
  const workDir = tempDir('accuracy');
  const top = faithfulRate();
  const rungs = ladder(top.rps);
  process.stdout.write(`bench:accuracy — schedule lag and rate error of one worker\n${machineLine(machine)}\nengine: ${engineLabel()}\n`);
  const server = await startFastServer();
  try {
    process.stdout.write(`server: ${server.description} at ${server.url}\n`);
    process.stdout.write(`${SECONDS} s per trial, 1 worker, constant rate\n\n`);

    // 1. Schedule lag p99 at 5,000 rps.
    process.stdout.write(`1. schedule lag p99 at ${fmtInt(LAG_RPS)} rps (bound ${LAG_BOUND_MS} ms)\n`);
    const lagTrial = await trial(server, LAG_RPS, workDir);
    const lagP99 = lagTrial.summary?.scheduleLagMs.p99 ?? NaN;
    const lagPass = lagP99 <= LAG_BOUND_MS;
    process.stdout.write(
      `   lag p99 ${fmt(lagP99, 3)} ms (p50 ${fmt(lagTrial.summary?.scheduleLagMs.p50, 3)}, max ${fmt(lagTrial.summary?.scheduleLagMs.max, 1)}), bound ${LAG_BOUND_MS} ms, ratio ${fmt(lagP99 / LAG_BOUND_MS, 3)} → ${lagPass ? 'PASS' : 'MISS'}\n\n`,
    );

    // 2. Rate error up the ladder (the 5,000 rps trial above is reused for its rung).
    process.stdout.write(`2. rate error at ${rungs.map(fmtInt).join(', ')} rps (up to ${fmtInt(top.rps)}: ${top.source}; bound ${RATE_ERROR_BOUND * 100}%)\n`);
    const trials: Trial[] = [];
    for (const rps of rungs) {
      if (rps === LAG_RPS) {
        process.stdout.write(`  ${fmtInt(rps).padStart(6)} rps: the lag trial above\n`);
        trials.push(lagTrial);
      } else trials.push(await trial(server, rps, workDir));
    }
    await server.close();

    process.stdout.write(`\nOne worker, constant rate, ${SECONDS} s each, ${server.kind === 'nginx' ? 'nginx' : 'Node fallback server'} on 127.0.0.1\n`);
    process.stdout.write(
      table(
        ['target rps', 'achieved', 'error %', 'worst 1 s window %', 'send-span error %', 'lag p50 ms', 'lag p99 ms', 'lag max ms', 'dropped', 'errors', 'cores ours/others'],
        trials.map((t) => [
          fmtInt(t.rps),
          fmt(t.summary?.rate.achieved, 1),
          t.error ? `run failed: ${t.error}` : fmt((t.rateError ?? NaN) * 100, 3),
          fmt((t.worstWindowError ?? NaN) * 100, 2),
          fmt((t.sendSpanError ?? NaN) * 100, 3),
          fmt(t.summary?.scheduleLagMs.p50, 3),
          fmt(t.summary?.scheduleLagMs.p99, 3),
          fmt(t.summary?.scheduleLagMs.max, 1),
          fmtInt(t.summary?.requests.dropped),
          fmtInt(t.summary?.requests.errors),
          `${fmt(t.ourCores, 2)}/${fmt(t.otherCores, 2)}${t.disturbed ? ' DISTURBED' : ''}`,
        ]),
      ) + '\n',
    );
    // A failed run counts as an infinite error: it delivered nothing we could check.
    // Judged: the larger of the delivery error (hits not sent) and the pacing error (send span) — the
    // first alone is 0 whenever nothing is dropped, however the sends were spread.
    const errors = trials.map((t) => (t.rateError === undefined ? Infinity : Math.max(t.rateError, t.sendSpanError ?? 0)));
    const worst = Math.max(...errors);
    const worstTrial = trials[errors.indexOf(worst)];
    const worstWindow = Math.max(...trials.map((t) => t.worstWindowError ?? 0));
    const worstSpan = Math.max(...trials.map((t) => t.sendSpanError ?? 0));
    const ratePass = worst <= RATE_ERROR_BOUND;
    process.stdout.write(
      `rate error = the larger of |achieved − target| ÷ target (hits not delivered) and the send-span error (raw CSV: (hits − 1) ÷ (last send − first send) against the plan); ` +
        `worst ${fmt(worst * 100, 3)}% at ${fmtInt(worstTrial.rps)} rps, bound ${RATE_ERROR_BOUND * 100}%, ratio ${fmt(worst / RATE_ERROR_BOUND, 3)} → ${ratePass ? 'PASS' : 'MISS'}\n` +
        `(not judged: worst whole 1 s window off its plan by ${fmt(worstWindow * 100, 2)}%; worst send-span error alone ${fmt(worstSpan * 100, 3)}%)\n`,
    );
    const disturbed = [lagTrial, ...trials].some((t) => t.disturbed);
    if (disturbed) process.stdout.write(`note: some trials were disturbed by other processes on every attempt; their figures are kept but marked\n`);

    const headline: (BenchHeadline & Record<string, unknown>)[] = [
      {
        label: `schedule lag p99 at ${fmtInt(LAG_RPS)} rps, 1 worker, ${SECONDS} s (ms, ≤ ${LAG_BOUND_MS})`,
        figure: lagP99,
        unit: 'ms',
        bound: LAG_BOUND_MS,
        ratio: lagP99 / LAG_BOUND_MS,
        pass: lagPass,
        ...(lagTrial.disturbed ? { disturbed: true } : {}),
      },
      {
        label: `worst rate error (delivery or send span), 1 worker, ${fmtInt(rungs[0])}–${fmtInt(rungs.at(-1))} rps (%, ≤ ${RATE_ERROR_BOUND * 100})`,
        figure: worst * 100,
        unit: '%',
        bound: RATE_ERROR_BOUND * 100,
        ratio: worst / RATE_ERROR_BOUND,
        pass: ratePass,
        ...(trials.some((t) => t.disturbed) ? { disturbed: true } : {}),
      },
    ];
    const file = writeOut('accuracy', {
      bench: 'accuracy',
      machine,
      engine: engineLabel(),
      server: { kind: server.kind, description: server.description },
      seconds: SECONDS,
      faithfulRate: top,
      rungs,
      rateErrorMethod:
        'max(abs(summary.rate.achieved - summary.rate.target) / summary.rate.target (= abs(sent - planned) / planned), abs(sendSpanRate - rps) / rps with sendSpanRate = (hits - 1) / (last sent - first sent) from the raw CSV)',
      lag: { rps: LAG_RPS, p50Ms: lagTrial.summary?.scheduleLagMs.p50, p99Ms: lagP99, maxMs: lagTrial.summary?.scheduleLagMs.max, boundMs: LAG_BOUND_MS, pass: lagPass },
      rateError: { worst, worstAtRps: worstTrial.rps, bound: RATE_ERROR_BOUND, pass: ratePass, worstWholeWindowError: worstWindow, worstSendSpanError: worstSpan },
      lagTrial,
      trials,
      headline,
      elapsedS: (Date.now() - startedAt) / 1000,
    });
    process.stdout.write(`\n(${fmt((Date.now() - startedAt) / 1000, 0)} s; JSON: ${file})\n`);
  } finally {
    await server.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}

await main();
