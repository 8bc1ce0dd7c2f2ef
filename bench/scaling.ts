/**
 * `npm run bench:scaling` — N local workers (N = cores) against one (issue 8, target 5): they should
 * deliver ≥ 0.9 × N × the single-worker faithful rate where CPU allows, and start within 5 ms of
 * each other.
 *
 * Trials are `mlload run --workers N` (worker threads, as a user runs it) at a constant rate against
 * the fast loopback server. First one worker at the single-worker rate (bench/out/max-faithful-rate.json,
 * else --single-rps, else 5,000), then N workers at N × that, stepping down 10% (at most 5 trials)
 * until a run is faithful: achieved ≥ 99%, schedule lag p99 ≤ 1 ms, nothing dropped, no errors.
 *
 * Start skew: per worker, the lateness (sent − intended) of its first hit, from the raw CSV; the
 * skew is the largest minus the smallest. The server runs on the same machine, so the CPU left for
 * the workers is printed: on 2 cores with nginx busy on one, N = 2 workers cannot scale.
 *
 *   node dist/bench/scaling.js [--seconds 5] [--single-rps N]
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  cpuMeter,
  DISTURBED_CORES,
  engineLabel,
  fmt,
  fmtInt,
  machineFacts,
  machineLine,
  OUT_DIR,
  requireBuild,
  runMlload,
  startFastServer,
  table,
  tempDir,
  waitForQuiet,
  writeOut,
  type BenchHeadline,
  type FastServer,
  type MlloadSummary,
} from './lib/common.js';

const args = process.argv.slice(2);
function numArg(name: string): number | undefined {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const value = Number(args[i + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number`);
  return value;
}

const SECONDS = numArg('seconds') ?? 5;
const WORKERS = Math.max(2, os.availableParallelism());
const FAITHFUL = { minAchievedShare: 0.99, maxLagP99Ms: 1 } as const;
const SCALING_BOUND = 0.9;
const SKEW_BOUND_MS = 5;
const MAX_STEPS = 5;

function singleRate(): { rps: number; source: string } {
  const asked = numArg('single-rps');
  if (asked !== undefined) return { rps: Math.round(asked), source: '--single-rps' };
  const file = path.join(OUT_DIR, 'max-faithful-rate.json');
  if (existsSync(file)) {
    const found = (JSON.parse(readFileSync(file, 'utf8')) as { faithfulRps?: number }).faithfulRps ?? 0;
    if (found > 0) return { rps: found, source: 'bench/out/max-faithful-rate.json' };
  }
  return { rps: 5000, source: 'default (no bench:rate result yet)' };
}

function unfaithful(s: MlloadSummary): string {
  const why: string[] = [];
  if (s.rate.achieved < s.rate.target * FAITHFUL.minAchievedShare) why.push(`achieved ${fmt((s.rate.achieved / s.rate.target) * 100, 1)}%`);
  if (s.scheduleLagMs.p99 > FAITHFUL.maxLagP99Ms) why.push(`lag p99 ${fmt(s.scheduleLagMs.p99, 2)} ms`);
  if (s.requests.dropped > 0) why.push(`${fmtInt(s.requests.dropped)} dropped`);
  if (s.requests.errors > 0) why.push(`${fmtInt(s.requests.errors)} errors`);
  return why.join(', ');
}

interface FirstHit {
  worker: number;
  intendedUs: number;
  sentUs: number;
}

/** Each worker's first hit (smallest intended time) from the raw CSV: columns intended, sent, …, worker (9th). */
function firstHits(resultsDir: string, runId: string): FirstHit[] {
  const rawDir = path.join(resultsDir, runId, 'raw');
  if (!existsSync(rawDir)) return [];
  const byWorker = new Map<number, FirstHit>();
  for (const name of readdirSync(rawDir).filter((n) => n.endsWith('.csv'))) {
    const lines = readFileSync(path.join(rawDir, name), 'utf8').split('\n');
    for (let i = 1; i < lines.length; i++) {
      if (lines[i] === '') continue;
      const v = lines[i].split(',');
      const hit = { worker: Number(v[8]), intendedUs: Number(v[0]), sentUs: Number(v[1]) };
      const seen = byWorker.get(hit.worker);
      if (seen === undefined || hit.intendedUs < seen.intendedUs) byWorker.set(hit.worker, hit);
    }
  }
  return [...byWorker.values()].sort((a, b) => a.worker - b.worker);
}

interface Trial {
  workers: number;
  rps: number;
  summary?: MlloadSummary;
  why: string;
  firstHits: FirstHit[];
  skewMs?: number;
  ourCores?: number;
  otherCores?: number;
  serverCores?: number;
}

/** CPU seconds of a process group's members so far (nginx master + worker), from /proc. */
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

async function trial(server: FastServer, workers: number, rps: number, workDir: string): Promise<Trial> {
  for (let attempt = 1; ; attempt++) {
    await waitForQuiet(15_000);
    const meter = cpuMeter([server.pid]);
    const serverBefore = groupCpuS(server.pid);
    const startedMs = Date.now();
    const plan = {
      name: `bench-scaling-${workers}x-${rps}`,
      target: { url: server.url, method: 'GET', timeoutMs: 5000 },
      load: { model: 'constant', rps, duration: `${SECONDS}s` },
      workers,
      maxInFlight: 2000 * workers,
    };
    let t: Trial;
    try {
      const run = await runMlload(plan, { outDir: workDir, timeoutMs: (SECONDS + 60) * 1000, workers });
      const resultsDir = path.join(workDir, 'results');
      const hits = firstHits(resultsDir, run.summary.runId);
      rmSync(path.join(resultsDir, run.summary.runId), { recursive: true, force: true });
      const lateness = hits.map((h) => (h.sentUs - h.intendedUs) / 1000);
      t = { workers, rps, summary: run.summary, why: unfaithful(run.summary), firstHits: hits, skewMs: hits.length === workers ? Math.max(...lateness) - Math.min(...lateness) : undefined };
    } catch (error) {
      t = { workers, rps, why: `run failed: ${(error as Error).message.split('\n')[0]}`, firstHits: [] };
    }
    Object.assign(t, meter());
    t.serverCores = Math.round(((groupCpuS(server.pid) - serverBefore) / ((Date.now() - startedMs) / 1000)) * 100) / 100;
    const disturbed = t.otherCores! > DISTURBED_CORES;
    process.stdout.write(
      `  ${workers} worker${workers > 1 ? 's' : ''} at ${fmtInt(rps).padStart(6)} rps: ${t.why === '' ? 'faithful' : `not faithful (${t.why})`}` +
        (t.summary ? ` [achieved ${fmtInt(t.summary.rate.achieved)}, lag p99 ${fmt(t.summary.scheduleLagMs.p99, 2)} ms, start skew ${fmt(t.skewMs, 2)} ms]` : '') +
        `; cores: mlload+server ${fmt(t.ourCores, 2)} (server ${fmt(t.serverCores, 2)}), others ${fmt(t.otherCores, 2)}${disturbed ? ' — DISTURBED' + (attempt < 3 ? ', repeating' : '') : ''}\n`,
    );
    if (!disturbed || attempt >= 3) return t;
  }
}

async function main(): Promise<void> {
  requireBuild();
  const machine = machineFacts();
  const startedAt = Date.now();
  const workDir = tempDir('scaling');
  const single = singleRate();
  process.stdout.write(`bench:scaling — ${WORKERS} local workers against one\n${machineLine(machine)}\nengine: ${engineLabel()}\n`);
  const server = await startFastServer();
  try {
    process.stdout.write(`server: ${server.description} at ${server.url} (same machine)\n`);
    process.stdout.write(`single-worker rate ${fmtInt(single.rps)} rps (${single.source}); faithful = achieved ≥ 99%, lag p99 ≤ 1 ms, 0 dropped, 0 errors; ${SECONDS} s per trial\n\n`);
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

    const best = multi.find((t) => t.why === '');
    const singleAchieved = one.why === '' ? one.summary!.rate.achieved : single.rps;
    const scaling = best ? best.summary!.rate.achieved / (WORKERS * singleAchieved) : 0;
    // The worst start skew of all the N-worker trials (every start counts, faithful or not).
    const withSkew = multi.filter((t) => t.skewMs !== undefined);
    const skewTrial = withSkew.reduce<Trial | undefined>((worst, t) => (worst === undefined || t.skewMs! > worst.skewMs! ? t : worst), undefined);
    const skew = skewTrial?.skewMs ?? NaN;

    process.stdout.write(`\nTrials (constant rate, ${SECONDS} s each)\n`);
    process.stdout.write(
      table(
        ['workers', 'target rps', 'achieved', 'lag p99 ms', 'dropped', 'errors', 'start skew ms', 'cores mlload+server', 'server cores', 'faithful'],
        [one, ...multi].map((t) => [
          t.workers,
          fmtInt(t.rps),
          fmtInt(t.summary?.rate.achieved),
          fmt(t.summary?.scheduleLagMs.p99, 3),
          fmtInt(t.summary?.requests.dropped),
          fmtInt(t.summary?.requests.errors),
          fmt(t.skewMs, 2),
          fmt(t.ourCores, 2),
          fmt(t.serverCores, 2),
          t.why === '' ? 'yes' : `no: ${t.why}`,
        ]),
        ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
      ) + '\n',
    );
    if (skewTrial) {
      process.stdout.write(
        `first hit per worker, run with the worst skew (${WORKERS} workers at ${fmtInt(skewTrial.rps)} rps): ` +
          skewTrial.firstHits.map((h) => `worker ${h.worker} due ${new Date(h.intendedUs / 1000).toISOString().slice(11, 23)}, sent +${fmt((h.sentUs - h.intendedUs) / 1000, 3)} ms`).join('; ') +
          '\n',
      );
    }
    const serverCores = Math.max(...multi.map((t) => t.serverCores ?? 0));
    const coresLeft = machine.cores - serverCores;
    const cpuAllows = coresLeft >= WORKERS * 0.9;
    process.stdout.write(
      `CPU: ${machine.cores} cores; the server used up to ${fmt(serverCores, 2)} of them, leaving ${fmt(coresLeft, 2)} for ${WORKERS} workers` +
        `${cpuAllows ? '' : ' — CPU does not allow N× here: the bound applies only where each worker has its own core'}\n`,
    );
    const headline: BenchHeadline[] = [
      {
        label: `${WORKERS} workers' faithful rate ÷ (${WORKERS} × 1 worker's ${fmtInt(singleAchieved)} rps)${cpuAllows ? '' : ' (CPU does not allow: server on the same cores)'}`,
        figure: best?.summary?.rate.achieved ?? 0,
        unit: 'rps',
        bound: SCALING_BOUND,
        ratio: scaling,
        pass: scaling >= SCALING_BOUND,
      },
      { label: `worst start skew between ${WORKERS} workers in ${withSkew.length} runs (ms, ≤ ${SKEW_BOUND_MS})`, figure: skew, unit: 'ms', bound: SKEW_BOUND_MS, ratio: skew / SKEW_BOUND_MS, pass: skew <= SKEW_BOUND_MS },
    ];
    for (const h of headline) process.stdout.write(`${h.label}: ${fmt(h.figure, h.unit === 'ms' ? 3 : 0)} ${h.unit}, ratio ${fmt(h.ratio, 3)} → ${h.pass ? 'PASS' : 'MISS'}\n`);
    const file = writeOut('scaling', {
      bench: 'scaling',
      machine,
      engine: engineLabel(),
      server: { kind: server.kind, description: server.description },
      seconds: SECONDS,
      workers: WORKERS,
      singleRate: single,
      trials: [one, ...multi],
      cpuAllows,
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
