/**
 * `npm run bench:scaling` — N local workers (N = cores) against one (issue 8, target 5): "N local
 * workers deliver ≥ 0.9 × N × the single-worker rate where CPU allows; start skew between workers
 * ≤ 5 ms".
 *
 * Trials are `mlload run --workers N --json` (worker threads, a child process, as a user runs it) at a
 * constant rate against the fast loopback server this bench starts (nginx, or the Node fallback).
 * First ONE worker at the single-worker rate (--single-rps, else bench/out/max-faithful-rate.json
 * `faithfulRps`, else 5,000), then N workers at N × that, stepping down 10% (at most 5 N-worker
 * rates) until a run is faithful: achieved ≥ 99% of target, nothing dropped or missed, no errors,
 * and schedule lag p99 ≤ 1 ms — the criteria bench:rate found the single-worker rate with. mlload's
 * achieved rate counts hits sent over the plan's duration, so a run that sends every hit 100 ms late
 * still "achieves" 100%: without the lag check N workers could pass while not keeping the schedule.
 * `--no-lag-check` leaves lag out (achieved, dropped, errors only). Figure: the faithful N-worker
 * run's achieved rate ÷ (N × the single run's achieved rate); bound 0.9.
 *
 * CPU: the server runs on the same machine. Per trial the bench measures the cores used by the server
 * (its process group, from /proc), by mlload (the child's CPU, counted once it is reaped) and by
 * everything else, over the run's wall time (process start to exit). From the single-worker trial it
 * estimates what N× needs (N × (mlload + server cores)) and says plainly when the machine cannot
 * give it — e.g. 2 cores with the server busy on one — or when the one-process server itself would
 * need more than one core.
 *
 * Start skew: from each N-worker run's raw CSV, per worker the row with the smallest intended time,
 * its lateness sent − intended; skew = largest − smallest lateness (ms). The headline is the worst
 * skew over all the N-worker runs. Each slice's firstSentMs (results/<runId>/slices/*.json,
 * aggregate.firstSentMs) is printed as a cross-check of the CSV's first send.
 *
 * Shared machine: before each trial the bench waits (at most 15 s) for the machine to be idle; a trial
 * other processes disturbed (> 0.15 cores) is repeated, at most 3 attempts in all.
 *
 *   node dist/bench/scaling.js [--seconds 5] [--single-rps N] [--no-lag-check]
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
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
  constantRatePlan,
} from './lib/common.js';

const args = process.argv.slice(2);
const numArg = positiveArg;

const SECONDS = numArg('seconds') ?? 5;
const CORES = os.availableParallelism();
/** N = cores (2 at least: one worker against one is no scaling test). */
const WORKERS = Math.max(2, CORES);
const FAITHFUL_SHARE = 0.99;
/** Schedule lag p99 bound of a faithful run (as in bench:rate); off with --no-lag-check. */
const LAG_CHECK = !args.includes('--no-lag-check');
const MAX_LAG_P99_MS = 1;
const SCALING_BOUND = 0.9;
const SKEW_BOUND_MS = 5;
/** N-worker rates tried: N × single, then −10% each, at most this many. */
const MAX_STEPS = 5;
const MAX_ATTEMPTS = 3;
const QUIET_WAIT_MS = 15_000;

function singleRate(): { rps: number; source: string } {
  // An explicit --single-rps wins over the file (a flag should never be ignored silently).
  const asked = numArg('single-rps');
  if (asked !== undefined) return { rps: Math.round(asked), source: '--single-rps' };
  const found = savedFaithfulRps();
  if (found !== undefined) return { rps: Math.round(found), source: 'bench/out/max-faithful-rate.json faithfulRps' };
  return { rps: 5000, source: 'default (no bench:rate result, no --single-rps)' };
}

/** Why a run is not faithful ('' when it is): achieved ≥ 99% of target, nothing dropped or missed, no errors, lag p99 ≤ 1 ms. */
function unfaithful(s: MlloadSummary): string {
  const why: string[] = [];
  if (!(s.rate.achieved >= s.rate.target * FAITHFUL_SHARE)) why.push(`achieved ${fmt((s.rate.achieved / s.rate.target) * 100, 1)}%`);
  if (s.requests.dropped > 0) why.push(`${fmtInt(s.requests.dropped)} dropped`);
  if (s.requests.missed > 0) why.push(`${fmtInt(s.requests.missed)} missed`);
  if (s.requests.errors > 0) why.push(`${fmtInt(s.requests.errors)} errors`);
  if (LAG_CHECK && s.scheduleLagMs.p99 > MAX_LAG_P99_MS) why.push(`lag p99 ${fmt(s.scheduleLagMs.p99, 2)} ms`);
  return why.join(', ');
}

interface FirstHit {
  worker: number;
  /** The worker's smallest intended time and that row's send time (µs since the epoch). */
  intendedUs: number;
  sentUs: number;
  /** sent − intended of that row (ms). */
  lateMs: number;
  /** Cross-check: the earliest aggregate.firstSentMs of the worker's slices (ms since the epoch). */
  sliceFirstSentMs?: number;
}

/** Each worker's first hit (smallest intended time) from the raw CSV, and its slices' firstSentMs. */
function firstHits(resultsDir: string, runId: string): FirstHit[] {
  const runDir = path.join(resultsDir, runId);
  const byWorker = new Map<number, FirstHit>();
  const found = forEachRawRow(resultsDir, runId, (row) => {
    const intendedUs = Number(row[0]);
    const worker = Number(row[8]);
    const seen = byWorker.get(worker);
    if (seen === undefined || intendedUs < seen.intendedUs) {
      const sentUs = Number(row[1]);
      byWorker.set(worker, { worker, intendedUs, sentUs, lateMs: (sentUs - intendedUs) / 1000 });
    }
  });
  if (!found) return [];
  const slicesDir = path.join(runDir, 'slices');
  if (existsSync(slicesDir)) {
    for (const name of readdirSync(slicesDir).filter((n) => n.endsWith('.json'))) {
      try {
        const slice = JSON.parse(readFileSync(path.join(slicesDir, name), 'utf8')) as { worker?: number; aggregate?: { firstSentMs?: number } };
        const hit = slice.worker === undefined ? undefined : byWorker.get(slice.worker);
        const first = slice.aggregate?.firstSentMs ?? 0;
        if (hit && first > 0 && (hit.sliceFirstSentMs === undefined || first < hit.sliceFirstSentMs)) hit.sliceFirstSentMs = first;
      } catch {
        /* not a slice outcome */
      }
    }
  }
  return [...byWorker.values()].sort((a, b) => a.worker - b.worker);
}

/** CPU seconds so far of a process group's members (nginx master + worker), from /proc. */
function groupCpuS(pgid: number): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) === pgid) ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks / 100;
}

/** CPU seconds of this process's reaped children (cutime + cstime): an `mlload run` once it exited. */
function reapedChildrenCpuS(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[13]) + Number(f[14])) / 100;
  } catch {
    return NaN;
  }
}

interface Trial extends MeasuredCpu {
  workers: number;
  rps: number;
  summary?: MlloadSummary;
  /** '' when faithful. */
  why: string;
  firstHits: FirstHit[];
  skewMs?: number;
  /** Cores over the run's wall time: mlload (all its threads), the server, everything else. */
  mlloadCores?: number;
  serverCores?: number;
  wallMs?: number;
}

const r2 = (x: number) => Math.round(x * 100) / 100;

async function trial(server: FastServer, workers: number, rps: number, workDir: string): Promise<Trial> {
  const plan = constantRatePlan(`bench-scaling-${workers}x-${rps}`, server.url, rps, SECONDS, workers);
  const measure = async (attempt: number): Promise<Trial> => {
    const serverBefore = groupCpuS(server.pid);
    const childrenBefore = reapedChildrenCpuS();
    try {
      const run = await runMlload(plan, { outDir: workDir, timeoutMs: (SECONDS + 60) * 1000, workers });
      const wallS = run.wallMs / 1000;
      const mlloadCores = r2((reapedChildrenCpuS() - childrenBefore) / wallS);
      const serverCores = r2((groupCpuS(server.pid) - serverBefore) / wallS);
      const resultsDir = path.join(workDir, 'results');
      const hits = firstHits(resultsDir, run.summary.runId);
      rmSync(path.join(resultsDir, run.summary.runId), { recursive: true, force: true });
      const late = hits.map((h) => h.lateMs);
      return {
        workers,
        rps,
        summary: run.summary,
        why: unfaithful(run.summary),
        firstHits: hits,
        skewMs: hits.length === workers ? Math.max(...late) - Math.min(...late) : undefined,
        mlloadCores,
        serverCores,
        attempts: attempt,
        wallMs: run.wallMs,
      };
    } catch (error) {
      return { workers, rps, why: `run failed: ${(error as Error).message.split('\n')[0]}`, firstHits: [], attempts: attempt };
    }
  };
  return measureQuietly(server.pid, measure, (t, note) => {
    const s = t.summary;
    process.stdout.write(
      `  ${workers} worker${workers > 1 ? 's' : ''} at ${fmtInt(rps).padStart(6)} rps: ${t.why === '' ? 'faithful' : `not faithful (${t.why})`}` +
        (s ? ` [achieved ${fmtInt(s.rate.achieved)}, lag p99 ${fmt(s.scheduleLagMs.p99, 2)} ms${workers > 1 ? `, start skew ${fmt(t.skewMs, 3)} ms` : ''}]` : '') +
        `; cores: mlload ${fmt(t.mlloadCores, 2)}, server ${fmt(t.serverCores, 2)}, others ${fmt(t.otherCores, 2)}${note}\n`,
    );
  }, { maxAttempts: MAX_ATTEMPTS, quietWaitMs: QUIET_WAIT_MS });
}

/** hh:mm:ss.uuuuuu (UTC) of µs since the epoch. */
function clockUs(us: number): string {
  return `${new Date(Math.floor(us / 1000)).toISOString().slice(11, 23)}${String(Math.round(us % 1000)).padStart(3, '0')}`;
}

async function main(): Promise<void> {
  requireBuild();
  const machine = machineFacts();
  const startedAt = Date.now();
  const workDir = tempDir('scaling');
  const single = singleRate();
  process.stdout.write(`bench:scaling — ${WORKERS} local workers against one\n${machineLine(machine)}\nengine: ${engineLabel()}\n`);
  if (CORES < 2) process.stdout.write(`note: ${CORES} core; N set to 2 anyway (CPU cannot allow it)\n`);
  const server = await startFastServer();
  try {
    process.stdout.write(`server: ${server.description} at ${server.url} (same machine)\n`);
    process.stdout.write(
      `single-worker rate ${fmtInt(single.rps)} rps (${single.source}); faithful = achieved ≥ ${FAITHFUL_SHARE * 100}% of target, 0 dropped, 0 missed, 0 errors${LAG_CHECK ? `, lag p99 ≤ ${MAX_LAG_P99_MS} ms` : ' (lag not judged: --no-lag-check)'}; ${SECONDS} s per trial\n\n`,
    );
    const one = await trial(server, 1, single.rps, workDir);
    const multi: Trial[] = [];
    let rps = single.rps * WORKERS;
    for (let step = 0; step < MAX_STEPS; step++) {
      const t = await trial(server, WORKERS, rps, workDir);
      multi.push(t);
      if (t.why === '') break;
      rps = Math.round((rps * 0.9) / 100) * 100;
    }
    await server.close();

    // The figure.
    const best = multi.find((t) => t.why === '');
    const singleAchieved = one.summary?.rate.achieved ?? single.rps;
    const scaling = best ? best.summary!.rate.achieved / (WORKERS * singleAchieved) : 0;
    const lowestTried = multi.at(-1)!;

    process.stdout.write(`\nTrials (constant rate, ${SECONDS} s each; cores over each run's wall time)\n`);
    process.stdout.write(
      table(
        ['workers', 'target rps', 'achieved', 'lag p99 ms', 'dropped', 'errors', 'start skew ms', 'mlload cores', 'server cores', 'other cores', 'faithful'],
        [one, ...multi].map((t) => [
          t.workers,
          fmtInt(t.rps),
          fmtInt(t.summary?.rate.achieved),
          fmt(t.summary?.scheduleLagMs.p99, 3),
          fmtInt(t.summary?.requests.dropped),
          fmtInt(t.summary?.requests.errors),
          t.workers > 1 ? fmt(t.skewMs, 3) : '—',
          fmt(t.mlloadCores, 2),
          fmt(t.serverCores, 2),
          `${fmt(t.otherCores, 2)}${t.disturbed ? ' DISTURBED' : ''}`,
          t.why === '' ? 'yes' : `no: ${t.why}`,
        ]),
        ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
      ) + '\n',
    );

    // CPU: what N× needs, from the single-worker trial, against what the machine has.
    const needMlload = WORKERS * (one.mlloadCores ?? NaN);
    const needServer = WORKERS * (one.serverCores ?? NaN);
    const need = needMlload + needServer;
    const cpuReasons: string[] = [];
    if (!(need <= CORES)) cpuReasons.push(`N× needs about ${fmt(need, 2)} cores (${WORKERS} × (${fmt(one.mlloadCores, 2)} mlload + ${fmt(one.serverCores, 2)} server)) and the machine has ${CORES}`);
    if (!(needServer <= 1)) cpuReasons.push(`the server (one process) would need ${fmt(needServer, 2)} cores at N× and can use one`);
    const cpuAllows = cpuReasons.length === 0;
    const top = best ?? lowestTried;
    process.stdout.write(
      `\nCPU: ${CORES} cores. One worker at ${fmtInt(one.rps)} rps used ${fmt(one.mlloadCores, 2)} cores (mlload) + ${fmt(one.serverCores, 2)} (server). ` +
        `${WORKERS} workers at ${fmtInt(top.rps)} rps used ${fmt(top.mlloadCores, 2)} (mlload) + ${fmt(top.serverCores, 2)} (server), others ${fmt(top.otherCores, 2)}.\n` +
        (cpuAllows
          ? `CPU allows ${WORKERS} workers here (N× needs about ${fmt(need, 2)} of ${CORES} cores).\n`
          : `CPU does NOT allow ${WORKERS} workers at ${WORKERS}× here: ${cpuReasons.join('; ')}. The 0.9 bound applies only where CPU allows; the ratio below is what this machine gives.\n`),
    );

    const ratioLine = best
      ? `${WORKERS} workers' highest faithful rate: achieved ${fmtInt(best.summary!.rate.achieved)} rps (target ${fmtInt(best.rps)}, lag p99 ${fmt(best.summary!.scheduleLagMs.p99, 3)} ms) ÷ (${WORKERS} × ${fmtInt(singleAchieved)} single-worker achieved${one.why === '' ? '' : `, single run not faithful: ${one.why}`}) = ${fmt(scaling, 3)}`
      : `no faithful ${WORKERS}-worker rate down to ${fmtInt(lowestTried.rps)} rps (${MAX_STEPS} rates tried): ratio < ${fmt(lowestTried.rps / (WORKERS * singleAchieved), 3)}, reported as 0`;
    const scalingPass = scaling >= SCALING_BOUND;
    process.stdout.write(`${ratioLine}; bound ${SCALING_BOUND}, ratio to bound ${fmt(scaling / SCALING_BOUND, 3)} → ${scalingPass ? 'PASS' : 'MISS'}${cpuAllows ? '' : ' (CPU does not allow: not a verdict on mlload)'}\n`);

    // Start skew.
    const withSkew = multi.filter((t) => t.skewMs !== undefined);
    const skewTrial = withSkew.reduce<Trial | undefined>((worst, t) => (worst === undefined || t.skewMs! > worst.skewMs! ? t : worst), undefined);
    const skew = skewTrial?.skewMs ?? NaN;
    for (const t of multi) {
      if (t.firstHits.length === 0) continue;
      process.stdout.write(`\nfirst hit per worker, ${WORKERS} workers at ${fmtInt(t.rps)} rps (skew ${fmt(t.skewMs, 3)} ms):\n`);
      process.stdout.write(
        table(
          ['worker', 'first intended (UTC)', 'first sent (UTC)', 'sent − intended ms', 'slice firstSentMs (UTC)', 'slice − CSV ms'],
          t.firstHits.map((h) => [
            h.worker,
            clockUs(h.intendedUs),
            clockUs(h.sentUs),
            fmt(h.lateMs, 3),
            h.sliceFirstSentMs === undefined ? '—' : clockUs(h.sliceFirstSentMs * 1000),
            h.sliceFirstSentMs === undefined ? '—' : fmt(Math.round((h.sliceFirstSentMs - h.sentUs / 1000) * 1000) / 1000 || 0, 3),
          ]),
        ) + '\n',
      );
    }
    const skewPass = skew <= SKEW_BOUND_MS;
    process.stdout.write(
      `\nstart skew (max − min over workers of the first hit's sent − intended): worst ${fmt(skew, 3)} ms over ${withSkew.length} ${WORKERS}-worker run(s), bound ${SKEW_BOUND_MS} ms, ratio ${fmt(skew / SKEW_BOUND_MS, 3)} → ${skewPass ? 'PASS' : 'MISS'}\n`,
    );

    const headline: (BenchHeadline & Record<string, unknown>)[] = [
      {
        label:
          `${WORKERS} workers' faithful rate ÷ (${WORKERS} × 1 worker's ${fmtInt(singleAchieved)} rps)` +
          (best ? ` = ${fmtInt(best.summary!.rate.achieved)} ÷ ${fmtInt(WORKERS * singleAchieved)}` : ` (none faithful down to ${fmtInt(lowestTried.rps)} rps)`) +
          (cpuAllows ? '' : ' — CPU does not allow N× here (server on the same cores)'),
        figure: scaling,
        unit: '× (N × single)',
        bound: SCALING_BOUND,
        ratio: scaling / SCALING_BOUND,
        pass: scalingPass,
        boundIsMinimumRatio: true,
        cpuAllows,
        ...(one.disturbed || best?.disturbed ? { disturbed: true } : {}),
      },
      {
        label: `worst start skew between ${WORKERS} workers over ${withSkew.length} run(s) (ms, ≤ ${SKEW_BOUND_MS})`,
        figure: skew,
        unit: 'ms',
        bound: SKEW_BOUND_MS,
        ratio: skew / SKEW_BOUND_MS,
        pass: skewPass,
      },
    ];
    const file = writeOut('scaling', {
      bench: 'scaling',
      machine,
      engine: engineLabel(),
      server: { kind: server.kind, description: server.description },
      seconds: SECONDS,
      workers: WORKERS,
      singleRate: single,
      faithfulCriteria: { minAchievedShare: FAITHFUL_SHARE, dropped: 0, missed: 0, errors: 0, maxLagP99Ms: LAG_CHECK ? MAX_LAG_P99_MS : null },
      scaling: {
        singleAchievedRps: singleAchieved,
        bestRps: best?.rps ?? null,
        bestAchievedRps: best?.summary?.rate.achieved ?? null,
        ratio: scaling,
        bound: SCALING_BOUND,
        pass: scalingPass,
      },
      cpu: {
        cores: CORES,
        single: { mlloadCores: one.mlloadCores, serverCores: one.serverCores, otherCores: one.otherCores },
        atFigure: { rps: top.rps, mlloadCores: top.mlloadCores, serverCores: top.serverCores, otherCores: top.otherCores },
        neededAtNx: need,
        cpuAllows,
        reasons: cpuReasons,
      },
      startSkew: { worstMs: skew, atRps: skewTrial?.rps ?? null, bound: SKEW_BOUND_MS, pass: skewPass },
      trials: [one, ...multi],
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
