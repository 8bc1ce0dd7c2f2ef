/**
 * `npm run bench:rss` — memory of the mlload process over 5,000,000 requests (issue 8: "RSS grows
 * ≤ 30 MB between 1M and 5M requests: nothing retained per request outside the raw stream").
 *
 * Runs `mlload run` (one worker, which runs in the CLI's own process) at a constant rate for
 * ⌈requests / rate⌉ seconds against the fast loopback server (nginx, or the Node fallback), and
 * samples the child's VmRSS (and VmHWM, the peak) from /proc/<pid>/status every second (every
 * 100 ms during its first 2 s, to catch the RSS just before the load starts). The number of
 * requests done at each sample is counted from the raw CSV the run streams to disk (one row per
 * request, written in blocks of 512 rows), so "after 100k" and "at 1M" are measured, not estimated.
 *
 * Figure: RSS at the end of the load (the last sample before the final flush, i.e. before the
 * fan-in merges the run's windows) minus the RSS of the first sample at or past --from-requests
 * (default 1,000,000), in MB of 10^6 bytes; bound 30 MB. RSS swings with garbage collection, so the
 * growth between medians of 5 samples at each end is printed beside it (JSON only: not the headline).
 * Also kept: the RSS after 100k requests and the growth from there (MiB).
 *
 * Rate: --rps N, else the faithful rate found by `npm run bench:rate` (bench/out/max-faithful-rate.json,
 * rounded down to 100), else 5000; never below 2500 rps (so at most 2,000 s for 5M requests). The
 * load lasts requests ÷ rate seconds (printed up front); the raw CSV (about 56 bytes per request)
 * goes to a temporary directory removed at the end.
 *
 *   node dist/bench/rss-1m.js [--rps N] [--requests 5000000] [--from-requests 1000000]
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  engineLabel,
  fmt,
  fmtInt,
  machineFacts,
  cpuMeter,
  DISTURBED_CORES,
  waitForQuiet,
  machineLine,
  median,
  requireBuild,
  runMlload,
  skippedLine,
  startFastServer,
  table,
  tempDir,
  writeOut,
  type BenchHeadline,
  type MlloadRun,
  positiveArg,
  savedFaithfulRps,
  constantRatePlan,
} from './lib/common.js';

const numArg = positiveArg;

const REQUESTS = Math.round(numArg('requests') ?? 5_000_000);
/** The "1M" milestone the growth is measured from (lower it for a short run). */
const FROM_REQUESTS = Math.round(numArg('from-requests') ?? 1_000_000);
if (FROM_REQUESTS >= REQUESTS) throw new Error(`--from-requests (${FROM_REQUESTS}) must be below --requests (${REQUESTS})`);
/** Growth bound from FROM_REQUESTS to the end, bytes (30 MB, MB = 10^6 bytes). */
const BOUND_MB = 30;
const MB = 1_000_000;
const MIN_RPS = 2500;
const DEFAULT_RPS = 5000;
const SAMPLE_MS = 1000;

function chooseRate(): { rps: number; source: string } {
  const asked = numArg('rps');
  if (asked !== undefined) return { rps: Math.round(asked), source: '--rps' };
  const found = savedFaithfulRps();
  if (found !== undefined) {
    const rps = Math.max(MIN_RPS, Math.floor(found / 100) * 100);
    return { rps, source: `faithful rate from bench/out/max-faithful-rate.json (${fmtInt(found)} rps)${rps > found ? `, raised to the ${MIN_RPS} rps floor` : ''}` };
  }
  return { rps: DEFAULT_RPS, source: `default; no faithful rate in bench/out/max-faithful-rate.json (npm run bench:rate writes it)` };
}

interface Sample {
  tS: number;
  rssKiB: number;
  hwmKiB: number;
  requests: number;
}

function readStatus(pid: number): { rssKiB: number; hwmKiB: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, 'm').exec(text)?.[1] ?? NaN);
    return { rssKiB: kib('VmRSS'), hwmKiB: kib('VmHWM') };
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) of a process so far, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after the command: state(3) … utime(14) stime(15); here index = field − 3. Ticks are 1/100 s on Linux.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Counts the rows of the run's raw CSV as it grows (reading only the new bytes each time). */
class RowCounter {
  private file: string | undefined;
  private offset = 0;
  private newlines = 0;

  constructor(private readonly resultsDir: string) {}

  count(): number {
    if (this.file === undefined) {
      if (!existsSync(this.resultsDir)) return 0;
      for (const run of readdirSync(this.resultsDir)) {
        const raw = path.join(this.resultsDir, run, 'raw');
        const csv = existsSync(raw) ? readdirSync(raw).find((n) => n.endsWith('.csv')) : undefined;
        if (csv) this.file = path.join(raw, csv);
      }
      if (this.file === undefined) return 0;
    }
    const size = statSync(this.file).size;
    if (size > this.offset) {
      const fd = openSync(this.file, 'r');
      const buffer = Buffer.allocUnsafe(1 << 20);
      try {
        while (this.offset < size) {
          const n = readSync(fd, buffer, 0, Math.min(buffer.length, size - this.offset), this.offset);
          if (n <= 0) break;
          for (let i = 0; i < n; i++) if (buffer[i] === 10) this.newlines++;
          this.offset += n;
        }
      } finally {
        closeSync(fd);
      }
    }
    return Math.max(0, this.newlines - 1); // minus the header line
  }
}

/** Least-squares slope of y over x. */
function slope(x: number[], y: number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  return sxx === 0 ? 0 : sxy / sxx;
}

const mib = (kib: number | undefined) => (kib === undefined ? undefined : kib / 1024);
/** KiB (as /proc reports) to MB of 10^6 bytes. */
const mb = (kib: number | undefined) => (kib === undefined ? undefined : (kib * 1024) / MB);
/** Counts as "1M", "300k", "1.5M". */
const short = (n: number) => (n >= 1_000_000 ? `${+(n / 1_000_000).toFixed(2)}M` : n >= 1000 ? `${+(n / 1000).toFixed(1)}k` : String(n));

async function main(): Promise<void> {
  requireBuild();
  const machine = machineFacts();
  const startedAt = Date.now();
  const { rps, source } = chooseRate();
  const durationS = Math.ceil(REQUESTS / rps);
  const workDir = tempDir('rss');
  process.stdout.write(`bench:rss — RSS of the mlload process over ${fmtInt(REQUESTS)} requests\n${machineLine(machine)}\nengine: ${engineLabel()}\n`);
  const server = await startFastServer();
  process.stdout.write(`server: ${server.description} at ${server.url}\n`);
  if (server.kind === 'node') process.stdout.write(`note: ${skippedLine('nginx')} — using the Node fallback server instead\n`);
  process.stdout.write(`load: constant ${fmtInt(rps)} rps for ${durationS} s (${source}), 1 worker; RSS sampled every ${SAMPLE_MS / 1000} s\n`);
  process.stdout.write(
    `expected duration: ${fmtInt(durationS)} s of load (${fmt(durationS / 60, 1)} min) plus start-up and fan-in; ` +
      `raw CSV about ${fmtInt((REQUESTS * 56) / MB)} MB in ${workDir} (removed at the end); growth judged from ${short(FROM_REQUESTS)} to ${short(REQUESTS)} requests, bound ${BOUND_MB} MB\n\n`,
  );
  // A progress line every 100k requests up to 1M, then every 500k (and at the --from-requests milestone).
  const stepOf = (n: number) => (n < 1_000_000 ? 100_000 : 500_000);
  const crossed = (before: number, now: number) =>
    (before < FROM_REQUESTS && now >= FROM_REQUESTS) || Math.floor(now / stepOf(now)) > Math.floor(before / stepOf(now));

  const plan = constantRatePlan('bench-rss', server.url, rps, durationS);
  const samples: Sample[] = [];
  const counter = new RowCounter(path.join(workDir, 'results'));
  let pid = 0;
  let timer: NodeJS.Timeout | undefined;
  let cpuS: number | undefined;
  let t0 = Date.now();
  const sample = () => {
    const status = readStatus(pid);
    if (!status) return;
    cpuS = cpuSeconds(pid) ?? cpuS;
    const s: Sample = { tS: (Date.now() - t0) / 1000, ...status, requests: counter.count() };
    samples.push(s);
    const previous = samples[samples.length - 2];
    if (crossed(previous?.requests ?? 0, s.requests)) {
      process.stdout.write(`  t=${fmt(s.tS, 0).padStart(4)} s  requests ${fmtInt(s.requests).padStart(9)}  RSS ${fmt(mib(s.rssKiB), 1).padStart(6)} MiB\n`);
    }
  };

  let run: MlloadRun;
  const q = await waitForQuiet(60_000);
  if (!q.quiet) process.stdout.write(`(machine not idle: ${fmt(q.busyCores, 2)} cores busy after waiting ${fmt(q.waitedMs / 1000, 0)} s; measuring anyway)\n`);
  const meter = cpuMeter([server.pid]);
  try {
    run = await runMlload(plan, {
      outDir: workDir,
      timeoutMs: (durationS + 120) * 1000,
      onSpawn: (child) => {
        pid = child.pid!;
        t0 = Date.now();
        // Every 100 ms during start-up (to catch the RSS just before the load), then every second.
        timer = setInterval(sample, 100);
        setTimeout(() => {
          clearInterval(timer);
          timer = setInterval(sample, SAMPLE_MS);
        }, 2000);
      },
    });
  } finally {
    clearInterval(timer);
  }
  // Read before the server stops (its CPU counts as ours only while it runs).
  const cpu = meter();
  await server.close();
  const s = run.summary;

  // Milestones.
  const firstWithRequests = samples.findIndex((x) => x.requests > 0);
  const start = samples[Math.max(0, firstWithRequests - 1)];
  const loadStart = samples[Math.max(0, firstWithRequests)];
  const after100k = samples.find((x) => x.requests >= 100_000);
  // The count reaches its final value with the slice's last flush, when the load is over; from then
  // on the process merges the per-second windows and writes the summary (the fan-in), shown apart.
  // "End of load" is the last sample before that.
  const finalCount = samples[samples.length - 1]?.requests ?? 0;
  const endIndex = Math.max(0, samples.findIndex((x) => x.requests >= finalCount) - 1);
  const end = samples[endIndex];
  const last = samples[samples.length - 1];
  const loadPeakKiB = end?.hwmKiB;
  const peakKiB = Math.max(...samples.map((x) => x.hwmKiB));
  const growthKiB = after100k && end ? end.rssKiB - after100k.rssKiB : undefined;
  // RSS moves up and down with garbage collection; the least-squares slope over every sample from
  // 100k requests to the end says more about a leak than two end points.
  const steady = samples.slice(0, endIndex + 1).filter((x) => x.requests >= 100_000);
  const per100k = steady.length >= 3 ? slope(steady.map((x) => x.requests), steady.map((x) => x.rssKiB)) * 100_000 : undefined;
  const steadyMin = steady.length > 0 ? Math.min(...steady.map((x) => x.rssKiB)) : undefined;
  const steadyMax = steady.length > 0 ? Math.max(...steady.map((x) => x.rssKiB)) : undefined;
  // The issue-8 figure: growth from the --from-requests milestone (1M) to the end of the load.
  const atFrom = samples.slice(0, endIndex + 1).find((x) => x.requests >= FROM_REQUESTS);
  const fromGrowthKiB = atFrom && end ? end.rssKiB - atFrom.rssKiB : undefined;
  const fromGrowthMB = mb(fromGrowthKiB);
  const late = samples.slice(0, endIndex + 1).filter((x) => x.requests >= FROM_REQUESTS);
  const lateSlopePerM = late.length >= 3 ? slope(late.map((x) => x.requests), late.map((x) => x.rssKiB)) * 1_000_000 : undefined;
  const lateMaxKiB = late.length > 0 ? Math.max(...late.map((x) => x.rssKiB)) : undefined;
  const lateMinKiB = late.length > 0 ? Math.min(...late.map((x) => x.rssKiB)) : undefined;
  // The end-of-load sample comes up to one sampling interval before the last request (two, to be lenient).
  const reachedEnd = end !== undefined && end.requests >= Math.min(REQUESTS * 0.99, REQUESTS - (2 * rps * SAMPLE_MS) / 1000);
  const pass = fromGrowthMB !== undefined && fromGrowthMB <= BOUND_MB;
  // RSS swings with garbage collection (tens of MB between two samples): the same growth from medians
  // of 5 samples — the first 5 past the milestone, the last 5 before the end — is printed beside it.
  const fromIndex = atFrom ? samples.indexOf(atFrom) : -1;
  const smoothFromKiB = fromIndex >= 0 && endIndex - fromIndex >= 9 ? median(samples.slice(fromIndex, fromIndex + 5).map((x) => x.rssKiB)) : undefined;
  const smoothEndKiB = fromIndex >= 0 && endIndex - fromIndex >= 9 ? median(samples.slice(endIndex - 4, endIndex + 1).map((x) => x.rssKiB)) : undefined;
  const smoothGrowthMB = smoothFromKiB !== undefined && smoothEndKiB !== undefined ? mb(smoothEndKiB - smoothFromKiB) : undefined;

  process.stdout.write(`\nRSS of the mlload process (constant ${fmtInt(rps)} rps, ${durationS} s, ${server.kind === 'nginx' ? 'nginx' : 'Node fallback server'})\n`);
  process.stdout.write(
    table(
      ['when', 't (s)', 'requests done', 'RSS (MiB)'],
      [
        ['start (last sample before any request done)', fmt(start?.tS, 1), fmtInt(start?.requests), fmt(mib(start?.rssKiB), 1)],
        ['first sample with requests done', fmt(loadStart?.tS, 1), fmtInt(loadStart?.requests), fmt(mib(loadStart?.rssKiB), 1)],
        ['after 100k requests', fmt(after100k?.tS, 1), fmtInt(after100k?.requests), fmt(mib(after100k?.rssKiB), 1)],
        [`at ${short(FROM_REQUESTS)} requests (first sample past it)`, fmt(atFrom?.tS, 1), fmtInt(atFrom?.requests), fmt(mib(atFrom?.rssKiB), 1)],
        ['end of load (last sample before the final flush)', fmt(end?.tS, 1), fmtInt(end?.requests), fmt(mib(end?.rssKiB), 1)],
        ['peak during the load (VmHWM then)', '', '', fmt(mib(loadPeakKiB), 1)],
        ['last sample (fan-in after the load)', fmt(last?.tS, 1), fmtInt(last?.requests), fmt(mib(last?.rssKiB), 1)],
        ['peak overall (VmHWM)', '', '', fmt(mib(peakKiB), 1)],
      ],
    ) + '\n',
  );
  process.stdout.write(
    `\ngrowth from 100k to end: ${fmt(mib(growthKiB), 1)} MiB over ${fmtInt(end && after100k ? end.requests - after100k.requests : undefined)} requests; ` +
      `least-squares slope over the ${steady.length} samples from 100k on: ${fmt(mib(per100k), 2)} MiB per 100k requests ` +
      `(RSS between ${fmt(mib(steadyMin), 1)} and ${fmt(mib(steadyMax), 1)} MiB); from start to end: ${fmt(mib(end && start ? end.rssKiB - start.rssKiB : undefined), 1)} MiB\n`,
  );
  process.stdout.write(
    `run: status ${s.status}, sent ${fmtInt(s.requests.sent)} of ${fmtInt(s.requests.planned)}, achieved ${fmtInt(s.rate.achieved)} rps, dropped ${fmtInt(s.requests.dropped)}, ` +
      `errors ${fmtInt(s.requests.errors)}, lag p99 ${fmt(s.scheduleLagMs.p99, 2)} ms, latency p99 ${fmt(s.latencyMs.p99, 2)} ms, in-flight peak ${fmtInt(s.inFlightPeak)}, ` +
      `mlload CPU ${fmt(cpuS, 1)} s in ${fmt(run.wallMs / 1000, 1)} s, cores: ours ${fmt(cpu.ourCores, 2)}, other processes ${fmt(cpu.otherCores, 2)}${cpu.otherCores > DISTURBED_CORES ? ' (DISTURBED: other work ran meanwhile)' : ''}\n`,
  );
  if (s.reasons && s.reasons.length > 0) process.stdout.write(`  (${s.reasons.join('; ')})\n`);
  process.stdout.write(
    `\nRSS at ${short(FROM_REQUESTS)} requests: ${fmt(mb(atFrom?.rssKiB), 1)} MB; at the end of the load (${fmtInt(end?.requests)} requests): ${fmt(mb(end?.rssKiB), 1)} MB ` +
      `(MB = 10^6 bytes)\n` +
      `growth from ${short(FROM_REQUESTS)} to the end: ${fmt(fromGrowthMB, 1)} MB over ${fmtInt(end && atFrom ? end.requests - atFrom.requests : undefined)} requests ` +
      `(least-squares slope over the ${late.length} samples: ${fmt(mb(lateSlopePerM), 2)} MB per 1M requests; RSS between ${fmt(mb(lateMinKiB), 1)} and ${fmt(mb(lateMaxKiB), 1)} MB)\n` +
      `growth between medians of 5 samples (the first 5 from ${short(FROM_REQUESTS)}, the last 5 before the end): ${fmt(smoothGrowthMB, 1)} MB ` +
      `(${fmt(mb(smoothFromKiB), 1)} → ${fmt(mb(smoothEndKiB), 1)} MB)${smoothGrowthMB !== undefined && smoothGrowthMB <= BOUND_MB !== pass ? ' — a different verdict: the end points are GC noise, repeat the run' : ''}\n` +
      `bound ${BOUND_MB} MB → ratio ${fmt(fromGrowthMB === undefined ? undefined : fromGrowthMB / BOUND_MB, 3)} → ${pass ? 'PASS' : 'MISS'}` +
      `${reachedEnd ? '' : ` (the load ended at ${fmtInt(end?.requests)} of ${fmtInt(REQUESTS)} requests)`}\n`,
  );
  const headline: BenchHeadline = {
    label: `RSS growth of the mlload process from ${short(FROM_REQUESTS)} to ${short(end?.requests ?? REQUESTS)} requests (constant ${fmtInt(rps)} rps, 1 worker, raw CSV to disk)`,
    figure: fromGrowthMB ?? NaN,
    unit: 'MB',
    bound: BOUND_MB,
    ratio: fromGrowthMB === undefined ? NaN : fromGrowthMB / BOUND_MB,
    pass,
  };
  const file = writeOut('rss', {
    bench: 'rss',
    requests: REQUESTS,
    fromRequests: FROM_REQUESTS,
    machine,
    engine: engineLabel(),
    server: { kind: server.kind, description: server.description },
    rps,
    rateSource: source,
    durationS,
    milestonesMiB: {
      start: mib(start?.rssKiB),
      firstRequests: mib(loadStart?.rssKiB),
      after100k: mib(after100k?.rssKiB),
      end: mib(end?.rssKiB),
      endRequests: end?.requests,
      lastSample: mib(last?.rssKiB),
      peakDuringLoad: mib(loadPeakKiB),
      peak: mib(peakKiB),
      growthFrom100kToEnd: mib(growthKiB),
      slopePer100kFrom100k: mib(per100k),
      minFrom100k: mib(steadyMin),
      maxFrom100k: mib(steadyMax),
    },
    /** The issue-8 figure, in MB of 10^6 bytes. */
    fromMilestoneMB: {
      atFrom: mb(atFrom?.rssKiB),
      atFromRequests: atFrom?.requests,
      end: mb(end?.rssKiB),
      endRequests: end?.requests,
      growth: fromGrowthMB,
      medianOf5AtFrom: mb(smoothFromKiB),
      medianOf5AtEnd: mb(smoothEndKiB),
      growthMedianOf5: smoothGrowthMB,
      slopePer1M: mb(lateSlopePerM),
      min: mb(lateMinKiB),
      max: mb(lateMaxKiB),
      bound: BOUND_MB,
      pass,
    },
    cpuSeconds: cpuS,
    cpu,
    summary: s,
    samples,
    headline,
    elapsedS: (Date.now() - startedAt) / 1000,
  });
  process.stdout.write(`\n(${fmt((Date.now() - startedAt) / 1000, 0)} s; JSON: ${file})\n`);
}

await main();
