/**
 * `node dist/bench/raw-cost.js` — what writing raw samples costs (issue 8: "writing raw samples (CSV to
 * the file store) costs ≤ 10% of the faithful rate").
 *
 * The scheduler polls with setImmediate, so CPU time per request says nothing: the generator uses
 * its core whatever it sends. A closed loop does: with `concurrency` virtual users each sending its
 * next request as soon as its previous one ends, the generator runs flat out and its throughput drops
 * by exactly what the extra work per request costs. So the same plan (64 virtual users, --seconds
 * long, one worker, GET to the fast loopback server: nginx, or the Node fallback) runs in this process
 * through executeSlice — the engine's own slice runner, the one `mlload run` uses — alternately
 * with the file store's raw writer (FileResultStore.openRawWriter, as a local run gets it: CSV rows
 * built by the recorder and streamed to <temp>/<runId>/raw/<sliceId>.csv) and with rawWriter: null
 * (no rows built, nothing written). Rounds alternate raw/none, none/raw, … so drift of the machine
 * falls on both; one short warm-up round of each comes first and is not counted.
 *
 * Figure: cost = 1 − the median over the rounds of (throughput with raw ÷ throughput without) — each
 * round's two runs are adjacent, so slow drift of a shared machine cancels — bound 10%; the ratio of
 * the two median throughputs is printed beside it. Rounds during which other processes used more than
 * 0.15 cores (DISTURBED_CORES) are left out of the median when at least two rounds are clean. The time of
 * each run is from the load's start to the slice's end, plus, with raw, closing the CSV (its last
 * write reaching the file). Also printed: raw bytes written per request.
 *
 * Default: 5 rounds × 4 s each way, about 50 s in all.
 *
 *   node dist/bench/raw-cost.js [--seconds 4] [--rounds 5] [--vus 64]
 */
import { existsSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  cpuMeter,
  DISTURBED_CORES,
  engineLabel,
  fmt,
  fmtInt,
  importEngine,
  machineFacts,
  machineLine,
  median,
  removeTempDir,
  requireBuild,
  skippedLine,
  startFastServer,
  table,
  tempDir,
  waitForQuiet,
  writeOut,
  type BenchHeadline,
  positiveArg,
} from './lib/common.js';

type ExecuteSliceModule = typeof import('../src/core/execute-slice.js');
type PlanModule = typeof import('../src/core/plan.js');
type SliceModule = typeof import('../src/core/slice.js');
type FileStoreModule = typeof import('../src/adapters/file-result-store.js');
type RawCsvModule = typeof import('../src/core/raw-sample-csv.js');

const numArg = (name: string, fallback: number): number => positiveArg(name) ?? fallback;

const SECONDS = numArg('seconds', 4);
const ROUNDS = Math.round(numArg('rounds', 5));
const VUS = Math.round(numArg('vus', 64));
const WARM_UP_S = Math.min(1, SECONDS);
/** Time before each run's start, for executeSlice to open the virtual users' connections. */
const LEAD_MS = 400;
const BOUND_PCT = 10;

if (SECONDS > 30 || ROUNDS > 10 || VUS > 1000) throw new Error('bounded: --seconds ≤ 30, --rounds ≤ 10, --vus ≤ 1000');

type Mode = 'raw' | 'none';

interface Trial {
  round: number;
  mode: Mode;
  requests: number;
  errors: number;
  seconds: number;
  closeMs: number;
  rps: number;
  rawBytes: number;
  rawBytesPerRequest: number | undefined;
  ourCores: number;
  otherCores: number;
  status: string;
}

async function main(): Promise<void> {
  requireBuild();
  const startedAt = Date.now();
  const machine = machineFacts();
  const [{ executeSlice }, { planSchema }, { planSlices }, { FileResultStore }, { RAW_SAMPLE_HEADER }] = await Promise.all([
    importEngine<ExecuteSliceModule>('core/execute-slice.js'),
    importEngine<PlanModule>('core/plan.js'),
    importEngine<SliceModule>('core/slice.js'),
    importEngine<FileStoreModule>('adapters/file-result-store.js'),
    importEngine<RawCsvModule>('core/raw-sample-csv.js'),
  ]);
  process.stdout.write(`bench:raw — cost of writing raw samples (CSV to the file store), closed loop\n${machineLine(machine)}\nengine: ${engineLabel()} (in this process)\n`);
  const server = await startFastServer();
  process.stdout.write(`server: ${server.description} at ${server.url}\n`);
  if (server.kind === 'node') process.stdout.write(`note: ${skippedLine('nginx')} — using the Node fallback server instead\n`);
  process.stdout.write(
    `load: concurrency ${VUS} virtual users, no think time, 1 worker, ${SECONDS} s per run; ${ROUNDS} round(s) of raw + none, alternating order, ` +
      `after a ${WARM_UP_S} s warm-up of each (not counted); about ${fmt(2 * WARM_UP_S + 2 * ROUNDS * SECONDS + (2 + 2 * ROUNDS) * 0.6, 0)} s\n\n`,
  );
  const storeRoot = tempDir('raw-cost');
  const store = new FileResultStore(storeRoot);

  const runOnce = async (round: number, mode: Mode, seconds: number): Promise<Trial> => {
    const plan = planSchema.parse({
      name: 'bench-raw-cost',
      target: { url: server.url, method: 'GET', timeoutMs: 5000 },
      load: { model: 'concurrency', vus: VUS, duration: `${seconds}s` },
      workers: 1,
      maxInFlight: Math.max(VUS, 64),
    });
    const runId = `raw-cost-${round}-${mode}-${Date.now()}`;
    const originEpochMs = Date.now() + LEAD_MS;
    const [slice] = planSlices(runId, plan, 1, originEpochMs);
    const rawWriter = mode === 'raw' ? store.openRawWriter(runId, slice.sliceId) : null;
    const meter = cpuMeter([server.pid]);
    const outcome = await executeSlice(slice, plan, { rawWriter });
    let closeMs = 0;
    if (rawWriter) {
      const closing = performance.now();
      await rawWriter.close();
      closeMs = performance.now() - closing;
    }
    const cpu = meter();
    const c = outcome.aggregate.counts;
    const elapsedS = Math.max(0.001, (outcome.endedAtMs - originEpochMs) / 1000 + closeMs / 1000);
    let rawBytes = 0;
    const csv = path.join(store.dir(runId), 'raw', `${slice.sliceId}.csv`);
    if (mode === 'raw' && existsSync(csv)) rawBytes = Math.max(0, statSync(csv).size - Buffer.byteLength(RAW_SAMPLE_HEADER));
    rmSync(store.dir(runId), { recursive: true, force: true });
    return {
      round,
      mode,
      requests: c.completed,
      errors: c.errors,
      seconds: elapsedS,
      closeMs,
      rps: c.completed / elapsedS,
      rawBytes,
      rawBytesPerRequest: mode === 'raw' && c.sent > 0 ? rawBytes / c.sent : undefined,
      ourCores: cpu.ourCores,
      otherCores: cpu.otherCores,
      status: outcome.status,
    };
  };

  const q = await waitForQuiet(30_000);
  if (!q.quiet) process.stdout.write(`(machine not idle: ${fmt(q.busyCores, 2)} cores busy after waiting ${fmt(q.waitedMs / 1000, 0)} s; measuring anyway)\n`);

  const trials: Trial[] = [];
  try {
    // Warm-up: both code paths through the JIT and the connection pool once; not counted.
    for (const mode of ['raw', 'none'] as const) {
      const w = await runOnce(0, mode, WARM_UP_S);
      process.stdout.write(`  warm-up ${mode.padEnd(4)}  ${fmtInt(w.requests).padStart(9)} requests in ${fmt(w.seconds, 2)} s = ${fmtInt(w.rps)} rps (not counted)\n`);
    }
    for (let round = 1; round <= ROUNDS; round++) {
      const order: Mode[] = round % 2 === 1 ? ['raw', 'none'] : ['none', 'raw'];
      for (const mode of order) {
        const t = await runOnce(round, mode, SECONDS);
        trials.push(t);
        process.stdout.write(
          `  round ${round} ${mode.padEnd(4)}  ${fmtInt(t.requests).padStart(9)} requests in ${fmt(t.seconds, 2)} s = ${fmtInt(t.rps).padStart(7)} rps` +
            `${t.errors > 0 ? `  (${fmtInt(t.errors)} errors)` : ''}  cores: ours ${fmt(t.ourCores, 2)}, other ${fmt(t.otherCores, 2)}` +
            `${t.otherCores > DISTURBED_CORES ? ' (DISTURBED)' : ''}${t.status !== 'done' ? `  status ${t.status}` : ''}\n`,
        );
      }
    }
  } finally {
    await server.close();
    removeTempDir(storeRoot);
  }

  const of = (mode: Mode) => trials.filter((t) => t.mode === mode);
  const raw = of('raw');
  const none = of('none');
  const rawRps = median(raw.map((t) => t.rps));
  const noneRps = median(none.map((t) => t.rps));
  // Ratio of the medians: sensitive to the machine's drift over the rounds (other work, CPU steal).
  const mediansRatio = rawRps / noneRps;
  const mediansCostPct = (1 - mediansRatio) * 100;
  // The figure: the median of each round's own raw ÷ none — two adjacent runs, so drift slower than a
  // round cancels out.
  // A round where other processes used more than DISTURBED_CORES during either run is left out when
  // at least two rounds are clean.
  const rounds = Array.from({ length: ROUNDS }, (_, i) => {
    const r = raw.find((t) => t.round === i + 1);
    const n = none.find((t) => t.round === i + 1);
    return { ratio: r && n ? r.rps / n.rps : NaN, clean: !!r && !!n && r.otherCores <= DISTURBED_CORES && n.otherCores <= DISTURBED_CORES };
  });
  const pairRatios = rounds.map((r) => r.ratio);
  const cleanRatios = rounds.filter((r) => r.clean).map((r) => r.ratio);
  const fromClean = cleanRatios.length >= 2;
  const ratio = median(fromClean ? cleanRatios : pairRatios);
  const costPct = (1 - ratio) * 100;
  const bytesPerRequest = median(raw.map((t) => t.rawBytesPerRequest ?? NaN).filter(Number.isFinite));
  const pass = costPct <= BOUND_PCT;
  const errors = trials.reduce((n, t) => n + t.errors, 0);
  const disturbed = trials.filter((t) => t.otherCores > DISTURBED_CORES).length;
  const sum = (list: Trial[], key: 'requests' | 'seconds') => list.reduce((n, t) => n + t[key], 0);

  process.stdout.write(`\nClosed loop, ${VUS} virtual users, ${ROUNDS} × ${SECONDS} s each way (${server.kind === 'nginx' ? 'nginx' : 'Node fallback server'})\n`);
  process.stdout.write(
    table(
      ['raw samples', 'requests (all rounds)', 'seconds (all rounds)', 'median rps', 'rps per round'],
      [
        ['CSV to the file store', fmtInt(sum(raw, 'requests')), fmt(sum(raw, 'seconds'), 2), fmtInt(rawRps), raw.map((t) => fmtInt(t.rps)).join(' / ')],
        ['none (rawWriter: null)', fmtInt(sum(none, 'requests')), fmt(sum(none, 'seconds'), 2), fmtInt(noneRps), none.map((t) => fmtInt(t.rps)).join(' / ')],
      ],
    ) + '\n',
  );
  process.stdout.write(
    `\nthroughput with raw ÷ without, round by round: ${rounds.map((r) => `${fmt(r.ratio, 3)}${r.clean ? '' : '*'}`).join(', ')} → median ${fmt(ratio, 3)} ` +
      `${fromClean ? (cleanRatios.length < ROUNDS ? `of the ${cleanRatios.length} clean rounds (* disturbed, left out) ` : '') : `of all rounds (fewer than 2 clean ones; * disturbed) `}` +
      `(ratio of the two medians above: ${fmt(mediansRatio, 3)}, a cost of ${fmt(mediansCostPct, 1)}%)\n` +
      `raw bytes written per request: ${fmt(bytesPerRequest, 1)} (CSV rows, header excluded); closing the CSV took ${raw.map((t) => fmt(t.closeMs, 1)).join(' / ')} ms\n` +
      `cost of raw samples: ${fmt(costPct, 1)}% of the closed-loop throughput (bound ${BOUND_PCT}%) → ratio ${fmt(costPct / BOUND_PCT, 3)} → ${pass ? 'PASS' : 'MISS'}\n`,
  );
  if (errors > 0) process.stdout.write(`warning: ${fmtInt(errors)} requests failed; the throughputs count completed requests\n`);
  if (disturbed > 0) process.stdout.write(`warning: ${disturbed} of ${trials.length} runs DISTURBED (other processes used > ${DISTURBED_CORES} cores meanwhile); repeat on a quiet machine\n`);

  if (!fromClean) process.stdout.write(`warning: fewer than 2 rounds without disturbance; the figure uses all rounds and is not to be trusted\n`);
  const headline: BenchHeadline = {
    label: `Raw samples (CSV to the file store): closed-loop throughput lost, 1 − median per round of rps with raw ÷ rps without (${VUS} VUs, ${ROUNDS} × ${SECONDS} s each)`,
    figure: costPct,
    unit: '%',
    bound: BOUND_PCT,
    ratio: costPct / BOUND_PCT,
    pass,
  };
  const file = writeOut('raw-cost', {
    bench: 'raw-cost',
    machine,
    engine: engineLabel(),
    server: { kind: server.kind, description: server.description },
    load: { model: 'concurrency', vus: VUS, secondsPerRun: SECONDS, rounds: ROUNDS, warmUpS: WARM_UP_S, workers: 1 },
    withRaw: { medianRps: rawRps, requests: sum(raw, 'requests'), seconds: sum(raw, 'seconds') },
    withoutRaw: { medianRps: noneRps, requests: sum(none, 'requests'), seconds: sum(none, 'seconds') },
    throughputRatio: ratio,
    costPct,
    pairRatios,
    cleanRounds: rounds.map((r) => r.clean),
    figureFromCleanRoundsOnly: fromClean,
    mediansRatio,
    mediansCostPct,
    rawBytesPerRequest: bytesPerRequest,
    errors,
    disturbedRuns: disturbed,
    trials,
    headline,
    elapsedS: (Date.now() - startedAt) / 1000,
  });
  process.stdout.write(`\n(${fmt((Date.now() - startedAt) / 1000, 0)} s; JSON: ${file})\n`);
}

await main();
