/**
 * Shared plumbing of the benchmarks (bench/*.ts): child processes that are always cleaned up, free
 * loopback ports, peer-tool detection, running the real `mlload` CLI, machine facts and tables.
 *
 * Every load goes to 127.0.0.1 servers started here; every child is spawned in its own process group
 * and killed (by its id) when the bench ends, on Ctrl+C, and on an uncaught error.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs as dist/bench/lib/common.js). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/**
 * The `mlload` CLI the benches drive: this repository's build, or another build named by the
 * MLLOAD_BENCH_CLI environment variable (e.g. a snapshot of a commit, to compare engines).
 */
export const MLLOAD_MAIN = process.env.MLLOAD_BENCH_CLI ? path.resolve(process.env.MLLOAD_BENCH_CLI) : path.join(REPO_ROOT, 'dist/src/cli/main.js');
export const BENCH_DIST = path.join(REPO_ROOT, 'dist/bench');
export const OUT_DIR = path.join(REPO_ROOT, 'bench/out');

// ---------------------------------------------------------------------------------------------
// Children and cleanup

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let handlersInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    // Children are spawned detached: their pid is also their process group id.
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

/** Synchronous last-resort cleanup: SIGKILL every child group still alive, remove temp dirs. */
function cleanupNow(): void {
  for (const child of children) killGroup(child, 'SIGKILL');
  children.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', cleanupNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      process.stderr.write(`\nbench: ${signal}, stopping children\n`);
      cleanupNow();
      process.exit(130);
    });
  }
  process.on('uncaughtException', (error) => {
    process.stderr.write(`bench: ${error.stack ?? error.message}\n`);
    cleanupNow();
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    process.stderr.write(`bench: ${(reason as Error)?.stack ?? String(reason)}\n`);
    cleanupNow();
    process.exit(1);
  });
}

/** Spawns a tracked child in its own process group; it is killed when the bench exits. */
export function spawnTracked(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  installHandlers();
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options, detached: true });
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.once('error', () => children.delete(child));
  return child;
}

/** Asks a child to stop (SIGTERM to its group), waits up to `graceMs`, then SIGKILLs the group. */
export async function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    children.delete(child);
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  // A surviving grandchild (e.g. an nginx worker) goes with its group: the group id stays reserved
  // while any member lives, so this reaches only processes this bench started.
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    /* the group is empty */
  }
  children.delete(child);
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  wallMs: number;
}

/** Runs a command to its end, killed after `timeoutMs`; never rejects for a non-zero exit. */
export function runCommand(
  command: string,
  args: string[],
  options: { timeoutMs: number; cwd?: string; env?: NodeJS.ProcessEnv; onSpawn?: (child: ChildProcess) => void },
): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawnTracked(command, args, { cwd: options.cwd ?? REPO_ROOT, env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      void stopChild(child, 2000);
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut, wallMs: Date.now() - started });
    });
    options.onSpawn?.(child);
  });
}

/** A temporary directory removed when the bench exits. */
export function tempDir(prefix: string): string {
  installHandlers();
  const dir = mkdtempSync(path.join(os.tmpdir(), `mlload-bench-${prefix}-`));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

// ---------------------------------------------------------------------------------------------
// Ports and tools

/** A free TCP port on 127.0.0.1 (bound, read, released; a small race accepted). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Resolves once 127.0.0.1:port accepts a connection; rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs = 10_000, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) throw new Error(`server exited (code ${child.exitCode}) before listening on ${port}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Tools to treat as missing (MLLOAD_BENCH_WITHOUT=nginx,wrk,…), to check the skip paths and fallbacks. */
function pretendMissing(name: string): boolean {
  return (process.env.MLLOAD_BENCH_WITHOUT ?? '').split(',').map((t) => t.trim()).includes(name);
}

/** The path of an executable on PATH (or in /usr/sbin, /usr/local/sbin, /sbin), or undefined. */
export function findTool(name: string): string | undefined {
  if (pretendMissing(name)) return undefined;
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* next */
    }
  }
  return undefined;
}

export function skippedLine(tool: string): string {
  return `skipped: ${tool} not installed, run bench/setup.sh`;
}

/** Version of a peer, for the record: the Debian package version when dpkg knows it. */
export function toolVersion(tool: 'nginx' | 'wrk' | 'hey' | 'autocannon'): string | undefined {
  if (tool === 'autocannon') {
    if (pretendMissing('autocannon')) return undefined;
    try {
      return (JSON.parse(readFileSync(path.join(REPO_ROOT, 'node_modules/autocannon/package.json'), 'utf8')) as { version: string }).version;
    } catch {
      return undefined;
    }
  }
  const bin = findTool(tool);
  if (!bin) return undefined;
  const debian = spawnSync('dpkg-query', ['-W', '-f', '${Version}', tool], { encoding: 'utf8' });
  if (debian.status === 0 && debian.stdout.trim()) return `${debian.stdout.trim()} (Debian)`;
  if (tool === 'hey') return 'unknown version';
  const r = spawnSync(bin, ['-v'], { encoding: 'utf8' });
  const first = `${r.stdout}${r.stderr}`.split('\n')[0] ?? '';
  return /(\d+\.\d+[\w.+~-]*)/.exec(first)?.[1] ?? 'unknown version';
}

// ---------------------------------------------------------------------------------------------
// Fast loopback server: nginx, else a Node fallback in its own process

export interface FastServer {
  kind: 'nginx' | 'node';
  description: string;
  url: string;
  port: number;
  pid: number;
  close(): Promise<void>;
}

/** nginx from Debian with a temporary config, in the foreground; the Node fallback if nginx is missing. */
export async function startFastServer(): Promise<FastServer> {
  const nginx = findTool('nginx');
  if (nginx) return startNginx(nginx);
  return startNodeFastServer();
}

async function startNginx(bin: string): Promise<FastServer> {
  const dir = tempDir('nginx');
  const port = await freePort();
  mkdirSync(path.join(dir, 'logs'));
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `# Temporary config of the mlload benches: one worker, keep-alive, a constant tiny JSON answer.
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
${process.getuid?.() === 0 ? 'user root;' : ''}
events { worker_connections 8192; multi_accept on; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_timeout 65s;
  keepalive_requests 10000000;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location / {
      default_type application/json;
      return 200 '{"ok":true}';
    }
  }
}
`,
  );
  const child = spawnTracked(bin, ['-p', dir, '-c', conf, '-e', path.join(dir, 'logs/error.log'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  try {
    await waitForPort(port, 10_000, child);
  } catch (error) {
    await stopChild(child);
    const log = existsSync(path.join(dir, 'logs/error.log')) ? readFileSync(path.join(dir, 'logs/error.log'), 'utf8') : '';
    throw new Error(`nginx did not start: ${(error as Error).message}\n${stderr}${log}`);
  }
  return {
    kind: 'nginx',
    description: `nginx ${toolVersion('nginx') ?? ''}, 1 worker process, keep-alive, return 200 '{"ok":true}'`.replace(/\s+/g, ' '),
    url: `http://127.0.0.1:${port}/`,
    port,
    pid: child.pid!,
    close: async () => {
      await stopChild(child);
      removeTempDir(dir);
    },
  };
}

/** bench/fast-server.ts in its own Node process. */
export async function startNodeFastServer(): Promise<FastServer> {
  const server = await startNodeServer(path.join(BENCH_DIST, 'fast-server.js'), []);
  return {
    kind: 'node',
    description: `Node ${process.version} http server (bench/fast-server.ts) in its own process — nginx not installed, run bench/setup.sh`,
    ...server,
  };
}

/**
 * Starts a Node server script that prints one JSON line `{ "port": n, ... }` when it listens; later
 * JSON lines it prints are collected in `lines`.
 */
export async function startNodeServer(
  script: string,
  args: string[],
): Promise<{ url: string; port: number; pid: number; info: Record<string, unknown>; lines: Record<string, unknown>[]; close(): Promise<void> }> {
  const child = spawnTracked(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: Record<string, unknown>[] = [];
  const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
    let buffer = '';
    let first = true;
    const timer = setTimeout(() => reject(new Error(`${path.basename(script)} did not start within 10 s`)), 10_000);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        let parsed: Record<string, unknown>;
        try {
          parsed = JSON.parse(line) as Record<string, unknown>;
        } catch {
          if (first) reject(new Error(`${path.basename(script)} printed ${JSON.stringify(line)}`));
          continue;
        }
        if (first) {
          first = false;
          clearTimeout(timer);
          resolve(parsed);
        } else lines.push(parsed);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (first) reject(new Error(`${path.basename(script)} exited (code ${code}) before listening`));
    });
  });
  const port = Number(info.port);
  await waitForPort(port, 5000, child);
  return { url: `http://127.0.0.1:${port}/`, port, pid: child.pid!, info, lines, close: () => stopChild(child) };
}

// ---------------------------------------------------------------------------------------------
// mlload

/** The part of `mlload run --json` the benches read (DESIGN §5). */
export interface MlloadSummary {
  runId: string;
  status: string;
  startedAt: string;
  reasons?: string[];
  requests: { planned: number; sent: number; completed: number; ok: number; errors: number; throttled: number; dropped: number; missed: number };
  rate: { target: number; achieved: number; throughput: number };
  latencyMs: { p50: number; p90: number; p95: number; p99: number; p999: number; max: number; mean: number };
  serviceTimeMs: { p50: number; p90: number; p95: number; p99: number; p999: number; max: number; mean: number };
  scheduleLagMs: { p50: number; p99: number; max: number };
  inFlightPeak: number;
  errorsByCode?: Record<string, number>;
  statusCodes?: Record<string, number>;
}

export interface MlloadRun {
  summary: MlloadSummary;
  exitCode: number | null;
  wallMs: number;
}

/**
 * The plan the load benches run: a constant-rate GET at `url` for `seconds`, 5 s timeout, with
 * 2,000 requests in flight at most per worker.
 */
export function constantRatePlan(name: string, url: string, rps: number, seconds: number, workers = 1): object {
  return {
    name,
    target: { url, method: 'GET', timeoutMs: 5000 },
    load: { model: 'constant', rps, duration: `${seconds}s` },
    workers,
    maxInFlight: 2000 * workers,
  };
}

/**
 * Runs `node dist/src/cli/main.js run <plan> --json --out <dir> --workers 1 --no-progress` — what a
 * user runs — and parses the summary it prints. Throws when no summary comes back.
 */
export async function runMlload(
  plan: object,
  options: { outDir: string; timeoutMs: number; workers?: number; onSpawn?: (child: ChildProcess) => void },
): Promise<MlloadRun> {
  const planFile = path.join(options.outDir, `plan-${Date.now()}-${Math.random().toString(36).slice(2, 8)}.json`);
  writeFileSync(planFile, JSON.stringify(plan, null, 2));
  const result = await runCommand(
    process.execPath,
    [MLLOAD_MAIN, 'run', planFile, '--json', '--out', path.join(options.outDir, 'results'), '--workers', String(options.workers ?? 1), '--no-progress'],
    { timeoutMs: options.timeoutMs, onSpawn: options.onSpawn },
  );
  rmSync(planFile, { force: true });
  if (result.timedOut) throw new Error(`mlload run did not end within ${options.timeoutMs} ms`);
  let summary: MlloadSummary;
  try {
    summary = JSON.parse(result.stdout) as MlloadSummary;
  } catch {
    throw new Error(`mlload run exited ${result.code} without a summary JSON:\n${result.stderr.trim() || result.stdout.trim()}`);
  }
  return { summary, exitCode: result.code, wallMs: result.wallMs };
}

/**
 * Schedule lag (sent − intended) of a finished run from its raw CSV rows, leaving out the hits due in
 * the first `skipMs` of the load (start-up: JIT, first connections). The CLI reports lag over the
 * whole run only; this tells start-up from steady state.
 */
export function rawLagAfter(resultsDir: string, runId: string, skipMs: number): { p99Ms: number; maxMs: number; rows: number } | undefined {
  const lags: number[] = [];
  let firstIntended = Infinity;
  const parsed: [number, number][] = [];
  const found = forEachRawRow(resultsDir, runId, (row) => {
    const intended = Number(row[0]);
    if (intended < firstIntended) firstIntended = intended;
    parsed.push([intended, Number(row[1])]);
  });
  if (!found) return undefined;
  const fromUs = firstIntended + skipMs * 1000;
  for (const [intended, sent] of parsed) if (intended >= fromUs) lags.push(Math.max(0, sent - intended) / 1000);
  if (lags.length === 0) return { p99Ms: 0, maxMs: 0, rows: parsed.length };
  lags.sort((x, y) => x - y);
  return { p99Ms: lags[Math.min(lags.length - 1, Math.ceil(lags.length * 0.99) - 1)], maxMs: lags[lags.length - 1], rows: parsed.length };
}

/**
 * Calls `onRow` with the fields of every row of a run's raw CSVs (header left out; columns: intended
 * µs, sent µs, latency µs, service µs, status, error code, bytes in, bytes out, worker, deployment).
 * False when the run has no raw folder.
 */
export function forEachRawRow(resultsDir: string, runId: string, onRow: (fields: string[]) => void): boolean {
  const rawDir = path.join(resultsDir, runId, 'raw');
  if (!existsSync(rawDir)) return false;
  for (const name of readdirSync(rawDir).filter((n) => n.endsWith('.csv'))) {
    const lines = readFileSync(path.join(rawDir, name), 'utf8').split('\n');
    for (let i = 1; i < lines.length; i++) if (lines[i] !== '') onRow(lines[i].split(','));
  }
  return true;
}

/**
 * Totals of the run's per-second windows (timeseries.csv) that start at least `skipMs` after the
 * load's start (summary.startedAt): what was due, sent and dropped past the start-up.
 */
export function windowsAfter(
  resultsDir: string,
  runId: string,
  startedAtIso: string,
  skipMs: number,
): { target: number; sent: number; dropped: number; windows: number } | undefined {
  const rows = timeseriesWindows(resultsDir, runId);
  if (rows === undefined) return undefined;
  const from = Date.parse(startedAtIso) + skipMs;
  const total = { target: 0, sent: 0, dropped: 0, windows: 0 };
  for (const row of rows) {
    if (Date.parse(row.windowStart) < from) continue;
    total.target += row.targetRps;
    total.sent += row.sentRps;
    total.dropped += row.dropped;
    total.windows++;
  }
  return total;
}

/**
 * The per-second windows of a finished run's timeseries.csv (the columns the benches judge), in file
 * order; undefined when the file or a column is missing. Read here, not through the engine's parser,
 * because the engine measured may be another build (MLLOAD_BENCH_CLI).
 */
export function timeseriesWindows(resultsDir: string, runId: string): { windowStart: string; targetRps: number; sentRps: number; dropped: number }[] | undefined {
  const file = path.join(resultsDir, runId, 'timeseries.csv');
  if (!existsSync(file)) return undefined;
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const columns = header.split(',');
  const at = columns.indexOf('windowStart');
  const target = columns.indexOf('targetRps');
  const sent = columns.indexOf('sentRps');
  const dropped = columns.indexOf('dropped');
  if (at < 0 || target < 0 || sent < 0 || dropped < 0) return undefined;
  return lines.map((line) => {
    const values = line.split(',');
    return { windowStart: values[at], targetRps: Number(values[target]) || 0, sentRps: Number(values[sent]) || 0, dropped: Number(values[dropped]) || 0 };
  });
}

/** Which engine build is measured: the CLI path and its commit (git, or a `.commit` file beside a snapshot). */
export function engineLabel(): string {
  const root = path.resolve(path.dirname(MLLOAD_MAIN), '../../..');
  const where = path.relative(process.cwd(), MLLOAD_MAIN) || MLLOAD_MAIN;
  const git = spawnSync('git', ['--no-optional-locks', '-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  if (git.status === 0 && existsSync(path.join(root, '.git'))) {
    const dirty = spawnSync('git', ['--no-optional-locks', '-C', root, 'status', '--porcelain', '--', 'src'], { encoding: 'utf8' });
    return `${where} (commit ${git.stdout.trim()}${dirty.stdout.trim() ? ', src/ has uncommitted changes' : ''})`;
  }
  if (existsSync(path.join(root, '.commit'))) {
    const note = readFileSync(path.join(root, '.commit'), 'utf8').trim().split('\n')[0].replace(/^([0-9a-f]{7})[0-9a-f]{33}/, '$1');
    return `${where} (commit ${note})`;
  }
  return where;
}

export function requireBuild(): void {
  if (!existsSync(MLLOAD_MAIN)) {
    process.stderr.write(`bench: ${MLLOAD_MAIN} is missing; run \`npm run build\` first (or set MLLOAD_BENCH_CLI)\n`);
    process.exit(2);
  }
}

// ---------------------------------------------------------------------------------------------
// Facts and output

export interface MachineFacts {
  date: string;
  cpuModel: string;
  cores: number;
  ramGiB: number;
  node: string;
  os: string;
  kernel: string;
  /** 1-minute load average when the bench started: other work on the machine skews the figures. */
  loadAvg1m: number;
}

export function machineFacts(): MachineFacts {
  let osName = `${os.type()} ${os.release()}`;
  try {
    const release = readFileSync('/etc/os-release', 'utf8');
    osName = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(release)?.[1] ?? osName;
  } catch {
    /* keep uname */
  }
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpuModel;
  } catch {
    /* keep os.cpus() */
  }
  return {
    date: new Date().toISOString(),
    cpuModel,
    cores: os.availableParallelism(),
    ramGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: osName,
    kernel: os.release(),
    loadAvg1m: Math.round(os.loadavg()[0] * 100) / 100,
  };
}

export function machineLine(m: MachineFacts): string {
  return `machine: ${m.cpuModel}, ${m.cores} cores, ${m.ramGiB} GiB RAM, Node ${m.node}, ${m.os} (kernel ${m.kernel}), ${m.date}, load average ${m.loadAvg1m}`;
}

/**
 * Starts measuring how busy the whole machine is (all processes, from /proc/stat); the returned
 * function gives the average number of busy cores since. A figure well above what the generator and
 * server use means something else ran meanwhile (e.g. a test suite) and skewed the result.
 */
export function machineBusy(): () => number | undefined {
  const read = (): [number, number] | undefined => {
    try {
      const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
      const v = line.trim().split(/\s+/).slice(1).map(Number);
      const idle = (v[3] ?? 0) + (v[4] ?? 0);
      const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
      return [total - idle, total];
    } catch {
      return undefined;
    }
  };
  const start = read();
  return () => {
    const end = read();
    if (!start || !end || end[1] === start[1]) return undefined;
    return Math.round(((end[0] - start[0]) / (end[1] - start[1])) * os.availableParallelism() * 100) / 100;
  };
}

/** user + system CPU seconds from a /proc/<pid>/stat text (fields after the command name). */
function statCpuSeconds(text: string, withChildren: boolean): { cpuS: number; pgrp: number } {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): pgrp = field 5, utime 14, stime 15, cutime 16, cstime 17 (clock ticks, 1/100 s).
  const ticks = Number(fields[11]) + Number(fields[12]) + (withChildren ? Number(fields[13]) + Number(fields[14]) : 0);
  return { cpuS: ticks / 100, pgrp: Number(fields[2]) };
}

interface CpuSnapshot {
  atMs: number;
  machineS: number;
  selfS: number;
  groupsS: number;
}

function cpuSnapshot(groups: number[]): CpuSnapshot {
  let machineS = 0;
  let selfS = 0;
  let groupsS = 0;
  try {
    const v = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    machineS = (v[0] + v[1] + v[2]) / 100; // user + nice + system of all processes
    selfS = statCpuSeconds(readFileSync('/proc/self/stat', 'utf8'), true).cpuS;
    if (groups.length > 0) {
      for (const name of readdirSync('/proc')) {
        if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
        try {
          const stat = statCpuSeconds(readFileSync(`/proc/${name}/stat`, 'utf8'), false);
          if (groups.includes(stat.pgrp)) groupsS += stat.cpuS;
        } catch {
          /* gone meanwhile */
        }
      }
    }
  } catch {
    /* not Linux */
  }
  return { atMs: Date.now(), machineS, selfS, groupsS };
}

/**
 * Measures CPU use during a measurement, split in ours and the rest of the machine's. Ours = this
 * process and the children it has reaped (their CPU lands in our cutime/cstime when they exit —
 * mlload, wrk, hey, autocannon runs) plus the process groups of long-lived servers still running
 * (nginx master and worker). Everything else — another build or test suite on a shared machine —
 * shows as `otherCores`, so a disturbed measurement can be told and repeated.
 */
export function cpuMeter(serverGroups: number[] = []): () => { ourCores: number; otherCores: number } {
  const a = cpuSnapshot(serverGroups);
  return () => {
    const b = cpuSnapshot(serverGroups);
    const wallS = Math.max(0.001, (b.atMs - a.atMs) / 1000);
    const ours = b.selfS - a.selfS + (b.groupsS - a.groupsS);
    const machine = b.machineS - a.machineS;
    const round = (x: number) => Math.round(x * 100) / 100;
    return { ourCores: round(ours / wallS), otherCores: round(Math.max(0, machine - ours) / wallS) };
  };
}

/** Other processes using more than this many cores during a measurement disturbed it. */
export const DISTURBED_CORES = 0.15;

/**
 * Waits (at most `maxWaitMs`) until the machine is idle — under `maxBusyCores` busy over a 1 s
 * window — so that a measurement does not start while something else (a build, a test suite) runs.
 * Returns whether it found the machine idle; the caller goes on either way.
 */
export async function waitForQuiet(maxWaitMs: number, maxBusyCores = 0.3): Promise<{ quiet: boolean; waitedMs: number; busyCores?: number }> {
  const started = Date.now();
  let busyCores: number | undefined;
  for (;;) {
    const busy = machineBusy();
    await sleep(1000);
    busyCores = busy();
    if (busyCores === undefined || busyCores <= maxBusyCores) return { quiet: true, waitedMs: Date.now() - started, busyCores };
    if (Date.now() - started >= maxWaitMs) return { quiet: false, waitedMs: Date.now() - started, busyCores };
  }
}

/** Writes bench/out/<name>.json (git-ignored) and returns its path relative to the repo. */
export function writeOut(name: string, data: unknown): string {
  mkdirSync(OUT_DIR, { recursive: true });
  const file = path.join(OUT_DIR, `${name}.json`);
  writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
  return path.relative(REPO_ROOT, file);
}

/** A plain-text table; `align` per column ('l' or 'r'), by default the first left and the others right. */
export function table(header: string[], rows: (string | number)[][], align?: ('l' | 'r')[]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => String(c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const left = (i: number) => (align ? align[i] === 'l' : i === 0);
  const line = (r: string[]) => r.map((c, i) => (left(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function fmt(value: number | undefined, digits = 1): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function fmtInt(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '—' : Math.round(value).toLocaleString('en-US');
}

// ---------------------------------------------------------------------------------------------
// In-process engine modules and small statistics (bench/raw-cost.ts, bench/rss-1m.ts)

/**
 * Imports a module of the engine build the benches measure — the `dist/src` beside MLLOAD_MAIN, so
 * MLLOAD_BENCH_CLI also switches in-process benches — e.g. `importEngine<typeof import('../../src/core/plan.js')>('core/plan.js')`.
 */
export async function importEngine<T>(modulePath: string): Promise<T> {
  const { pathToFileURL } = await import('node:url');
  const srcRoot = path.resolve(path.dirname(MLLOAD_MAIN), '..');
  return (await import(pathToFileURL(path.join(srcRoot, modulePath)).href)) as T;
}

/** The median of some numbers (the mean of the middle two for an even count); NaN for none. */
export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One issue-8 figure as bench/summary.ts reads it from a bench's JSON (`headline`). */
export interface BenchHeadline {
  label: string;
  figure: number;
  unit: string;
  bound: number;
  /** figure ÷ bound (≤ 1 passes, unless boundIsMinimumRatio). */
  ratio: number;
  pass: boolean;
  boundIsMinimumRatio?: boolean;
  /** A stretch goal: missing it is not a missed target. */
  stretch?: boolean;
  /** A figure for context, not a target: printed with its ratio, no verdict. */
  context?: boolean;
}

/** CPU use of one measurement, and whether other processes disturbed it (see cpuMeter). */
export interface MeasuredCpu {
  ourCores?: number;
  otherCores?: number;
  disturbed?: boolean;
  attempts: number;
}

/**
 * One measurement on a quiet machine: waits (at most `quietWaitMs`) for the machine to be idle, runs
 * `measure` under cpuMeter (the server's process group counted as ours), and repeats it — at most
 * `maxAttempts` times in all — while other processes used more than DISTURBED_CORES. `report` gets
 * every attempt and the note to print after it ('' or " — DISTURBED, …").
 */
export async function measureQuietly<T extends MeasuredCpu>(
  serverGroup: number,
  measure: (attempt: number) => Promise<T>,
  report: (measured: T, note: string) => void,
  { maxAttempts = 3, quietWaitMs = 15_000 } = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const quiet = await waitForQuiet(quietWaitMs);
    if (!quiet.quiet) process.stdout.write(`  (machine not idle: ${fmt(quiet.busyCores, 2)} cores busy after ${fmt(quiet.waitedMs / 1000, 0)} s; measuring anyway)\n`);
    const meter = cpuMeter([serverGroup]);
    const measured = await measure(attempt);
    Object.assign(measured, meter());
    measured.disturbed = measured.otherCores! > DISTURBED_CORES;
    report(measured, measured.disturbed ? ` — DISTURBED${attempt < maxAttempts ? ', repeating' : ', kept (no attempts left)'}` : '');
    if (!measured.disturbed || attempt >= maxAttempts) return measured;
  }
}

// ---------------------------------------------------------------------------------------------
// Arguments and earlier results shared by the benches

/** `--<name> <positive number>` from this script's arguments; undefined when absent. A bad value ends the script (exit 2) with one line naming it. */
export function positiveArg(name: string): number | undefined {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const value = Number(args[i + 1]);
  if (!Number.isFinite(value) || value <= 0) {
    process.stderr.write(`bench: --${name} needs a positive number, not ${JSON.stringify(args[i + 1] ?? '')}\n`);
    process.exit(2);
  }
  return value;
}

/** The single-worker faithful rate `bench:rate` last wrote (bench/out/max-faithful-rate.json), if any. */
export function savedFaithfulRps(): number | undefined {
  const file = path.join(OUT_DIR, 'max-faithful-rate.json');
  if (!existsSync(file)) return undefined;
  try {
    const found = (JSON.parse(readFileSync(file, 'utf8')) as { faithfulRps?: number }).faithfulRps ?? 0;
    return found > 0 ? found : undefined;
  } catch {
    return undefined; // unreadable: as if absent
  }
}
