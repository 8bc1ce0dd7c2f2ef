/**
 * `npm run bench:soak` — does the engine stay flat over a long run?
 *
 * Runs one plan at a steady rate (default 2,000 rps, one worker, in this process — what `mlload run`
 * does with one worker: the same runLocally, scheduler, undici client, recorder and file store writing
 * every raw row to disk) for --minutes (default 10) against the fast loopback server (nginx, or the
 * Node fallback) in its own process. Every --sample seconds (default 10) it samples this process's RSS
 * and heap and the event loop's delay (perf_hooks.monitorEventLoopDelay at 10 ms, reset at each sample,
 * reported as the delay past the sampling timer's own 10 ms), and
 * the requests done. At the end: a table, the RSS slope after the first minute (least squares, MB per
 * minute), the growth after the first minute, and the verdict "flat" when that growth is under 10 MB.
 *
 *   node dist/bench/soak.js [--minutes 10] [--rps 2000] [--sample 10]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { FileResultStore } from '../src/adapters/file-result-store.js';
import type { SliceProgress } from '../src/core/execute-slice.js';
import { validatePlan } from '../src/core/validate-plan.js';
import { runLocally } from '../src/cli/local-run.js';
import { machineFacts, machineLine, positiveArg, startFastServer, table, writeOut } from './lib/common.js';

const numArg = (name: string, fallback: number): number => positiveArg(name) ?? fallback;

const MINUTES = numArg('minutes', 10);
const RPS = Math.round(numArg('rps', 2000));
const SAMPLE_S = numArg('sample', 10);
const FLAT_MB = 10;
const LAG_RESOLUTION_MS = 10;
const MB = 1024 * 1024;

interface Sample {
  t: number;
  sent: number;
  rate: number;
  rssMB: number;
  heapMB: number;
  lagP50: number;
  lagP99: number;
  lagMax: number;
  inFlight: number;
  dropped: number;
}

/** Least-squares slope of y over x. */
function slope(points: [number, number][]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx === 0 ? NaN : sxy / sxx;
}

const r1 = (v: number) => Math.round(v * 10) / 10;
const r2 = (v: number) => Math.round(v * 100) / 100;

async function main(): Promise<void> {
  const machine = machineFacts();
  process.stderr.write(`${machineLine(machine)}\nsoak: ${RPS} rps for ${MINUTES} min, one worker, sampling every ${SAMPLE_S} s\n`);
  const server = await startFastServer();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlload-soak-'));
  const validated = validatePlan({
    name: 'soak',
    target: { url: `${server.url}score`, timeoutMs: 5000 },
    payload: { body: { input_data: [[1, 2, 3, 4]] } },
    load: { model: 'constant', rps: RPS, duration: `${MINUTES * 60}s` },
    workers: 1,
  });
  if (!validated.ok) throw new Error(JSON.stringify(validated.problems));

  // Its histogram holds the sampling timer's whole interval (an idle loop reads ~10 ms): the lag is what is past it.
  const lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  const lagMs = (ns: number) => r1(Math.max(0, ns / 1e6 - LAG_RESOLUTION_MS));
  const samples: Sample[] = [];
  let progress: SliceProgress | undefined;
  let startedAt = 0;
  let lastSent = 0;
  let lastAt = 0;
  const take = () => {
    const now = performance.now();
    // Samples cover the load only: the fan-in after its end (merging, summary) is reported apart.
    if (now - startedAt > MINUTES * 60_000 - 500) return;
    const memory = process.memoryUsage();
    const sent = progress?.sent ?? 0;
    samples.push({
      t: r1((now - startedAt) / 1000),
      sent,
      rate: Math.round((sent - lastSent) / ((now - lastAt) / 1000)),
      rssMB: r1(memory.rss / MB),
      heapMB: r1(memory.heapUsed / MB),
      lagP50: lagMs(lag.percentile(50)),
      lagP99: lagMs(lag.percentile(99)),
      lagMax: lagMs(lag.max),
      inFlight: progress?.inFlight ?? 0,
      dropped: progress?.dropped ?? 0,
    });
    const s = samples[samples.length - 1];
    process.stderr.write(`  t=${s.t}s sent=${s.sent} rate=${s.rate} rss=${s.rssMB}MB heap=${s.heapMB}MB lag p99=${s.lagP99}ms max=${s.lagMax}ms\n`);
    lag.reset();
    lastSent = sent;
    lastAt = now;
  };

  let timer: NodeJS.Timeout | undefined;
  try {
    const finalized = await runLocally({
      plan: validated.value.plan,
      planInput: validated.value.input,
      workers: 1,
      store: new FileResultStore(dir),
      storeLocation: { kind: 'file', root: dir },
      onStart: (_runId, originEpochMs) => {
        const delay = Math.max(0, originEpochMs - Date.now());
        setTimeout(() => {
          startedAt = lastAt = performance.now();
          lag.enable();
          timer = setInterval(take, SAMPLE_S * 1000);
        }, delay);
      },
      onProgress: (p) => (progress = p),
    });
    clearInterval(timer);
    lag.disable();
    const summary = finalized.summary;
    const rssAfterRunMB = r1(process.memoryUsage().rss / MB);

    const rows = samples.map((s) => [s.t, s.sent.toLocaleString('en-US'), s.rate, s.rssMB, s.heapMB, s.lagP50, s.lagP99, s.lagMax, s.inFlight]);
    process.stdout.write(`\n${machineLine(machine)}\nserver: ${server.description}\n\n`);
    process.stdout.write(table(['t (s)', 'sent', 'rps', 'RSS MB', 'heap MB', 'lag p50 ms', 'lag p99 ms', 'lag max ms', 'in flight'], rows) + '\n\n');

    const afterFirstMinute = samples.filter((s) => s.t >= 60);
    const rssSlope = slope(afterFirstMinute.map((s) => [s.t / 60, s.rssMB]));
    const heapSlope = slope(afterFirstMinute.map((s) => [s.t / 60, s.heapMB]));
    const base = afterFirstMinute[0];
    const growthMB = base ? r1(afterFirstMinute[afterFirstMinute.length - 1].rssMB - base.rssMB) : NaN;
    const maxGrowthMB = base ? r1(Math.max(...afterFirstMinute.map((s) => s.rssMB)) - base.rssMB) : NaN;
    const verdict = Number.isFinite(growthMB) ? (growthMB < FLAT_MB ? 'flat' : 'growing') : 'too short (needs samples after the first minute)';
    const result = {
      machine,
      server: server.description,
      minutes: MINUTES,
      rps: RPS,
      sampleSeconds: SAMPLE_S,
      requests: summary.requests,
      rate: summary.rate,
      latencyMs: summary.latencyMs,
      scheduleLagMs: summary.scheduleLagMs,
      status: summary.status,
      rssSlopeMBPerMin: r2(rssSlope),
      heapSlopeMBPerMin: r2(heapSlope),
      rssAfterRunMB,
      rssGrowthAfterFirstMinuteMB: growthMB,
      rssMaxGrowthAfterFirstMinuteMB: maxGrowthMB,
      verdict,
      samples,
    };
    process.stdout.write(
      [
        `requests: ${summary.requests.sent.toLocaleString('en-US')} sent of ${summary.requests.planned.toLocaleString('en-US')} planned, ${summary.requests.ok.toLocaleString('en-US')} ok, ${summary.requests.dropped} dropped; achieved ${summary.rate.achieved} rps; status ${summary.status}`,
        `latency (from intended send) p50 ${summary.latencyMs.p50} ms, p99 ${summary.latencyMs.p99} ms, max ${summary.latencyMs.max} ms; schedule lag p99 ${summary.scheduleLagMs.p99} ms`,
        `RSS slope after the first minute: ${result.rssSlopeMBPerMin} MB/min (heap ${result.heapSlopeMBPerMin} MB/min); growth after the first minute: ${growthMB} MB (max ${maxGrowthMB} MB)`,
        `verdict: ${verdict}${verdict === 'flat' ? ` (growth < ${FLAT_MB} MB)` : ''}; RSS after the run's fan-in (not a sample): ${rssAfterRunMB} MB`,
        `written: ${writeOut('soak', result)}`,
      ].join('\n') + '\n',
    );
  } finally {
    clearInterval(timer);
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  process.stderr.write(`soak: ${error.stack ?? error.message}\n`);
  process.exitCode = 1;
});
