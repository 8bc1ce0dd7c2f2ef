/**
 * `npm run bench:stall` — who hides a server stall? A loopback server (bench/stall-server.ts, its own
 * Node process) answers at once but freezes for D = 500 ms, N = 4 times (every 5.25 s), during a
 * T = 20 s run at a constant R = 500 requests/s. The TRUE distribution of response time, measured
 * from each request's intended send time, is known in closed form (below); beside it the bench prints
 * what each tool reports:
 *   - mlload, constant rate (open model), latency from the intended send time;
 *   - autocannon with a fixed overall rate (-R), with its default coordinated-omission handling;
 *   - hey with a per-worker rate limit (-q) over a duration (-z).
 *
 * The true distribution. Requests are due every 1/R s whatever the server does. N freezes of D
 * seconds in a run of T seconds cover a share f = N·D/T of the due times (here 4 · 0.5 / 20 = 0.1).
 * A request due u seconds into a freeze (u uniform on [0, D)) is answered when the freeze ends, so its
 * response time is D − u plus the base response time s0 (loopback, ~0.1 ms); every other request
 * takes s0. So response time is s0 with probability 1 − f and s0 + uniform(0, D] with probability f,
 * and its q-quantile is
 *     x_q = s0                              for q ≤ 1 − f
 *     x_q = s0 + D − (1 − q) · T / N        for q > 1 − f     (= s0 + D · (1 − (1 − q)/f))
 * Here: p99 = 500 − 0.01 · 20 000 / 4 = 450 ms, p99.9 = 495 ms, max = 500 ms, mean = s0 + f·D/2 = 25 ms.
 * (After each freeze the server also works off its backlog of R·D = 250 requests, a few ms more.)
 * The count does not depend on the client's start-up: the server starts its freeze schedule at the
 * first request it receives (freezes at +2.00 s, +7.25 s, +12.50 s, +17.75 s). The 5.25 s period puts
 * the four freezes at four phases of a wall-clock second (.00, .25, .50, .75): autocannon's -R limiter
 * sends each connection's quota for a second in a burst at the start of that second, so what it sees
 * depends on where in the second a stall falls; only the formula's N, D and T matter for the truth.
 *
 *   node dist/bench/stall.js
 */
import path from 'node:path';
import {
  BENCH_DIST,
  findTool,
  fmt,
  fmtInt,
  machineFacts,
  cpuMeter,
  DISTURBED_CORES,
  waitForQuiet,
  machineLine,
  engineLabel,
  REPO_ROOT,
  requireBuild,
  runCommand,
  runMlload,
  skippedLine,
  startNodeServer,
  table,
  tempDir,
  toolVersion,
  writeOut,
  constantRatePlan,
} from './lib/common.js';

const RATE = 500;
const DURATION_S = 20;
const FREEZE_MS = 500;
const PERIOD_MS = 5250;
const OFFSET_MS = 2000;
const FREEZES = 4;
/** Connections of the closed-loop peers (autocannon's default); enough for R at loopback speed. */
const PEER_CONNECTIONS = 10;
/** Attempts per tool when other processes keep disturbing the run. */
const MAX_ATTEMPTS = 4;
/** Before each run, wait up to this long for the machine to be idle. */
const QUIET_WAIT_MS = 20_000;

/** The true q-quantile of response time (ms) from the intended send time, with s0 = 0 (see above). */
function trueQuantileMs(q: number, d = FREEZE_MS, t = DURATION_S * 1000, n = FREEZES): number {
  const f = (n * d) / t;
  return q <= 1 - f ? 0 : Math.round((d - ((1 - q) * t) / n) * 1000) / 1000;
}

interface Row {
  tool: string;
  how: string;
  samples?: number;
  responses?: number;
  p50?: number;
  p99?: number;
  p999?: number;
  max?: number;
  mean?: number;
  skipped?: string;
  note?: string;
  cpu?: { ourCores: number; otherCores: number };
}

interface Freeze {
  freeze: number;
  atMs: number;
  durationMs: number;
}

async function withStallServer<T>(run: (url: string) => Promise<T>): Promise<{ result: T; freezes: Freeze[]; cpu: { ourCores: number; otherCores: number } }> {
  const server = await startNodeServer(path.join(BENCH_DIST, 'stall-server.js'), [
    '--freeze-ms',
    String(FREEZE_MS),
    '--period-ms',
    String(PERIOD_MS),
    '--offset-ms',
    String(OFFSET_MS),
    '--count',
    String(FREEZES),
  ]);
  try {
    const meter = cpuMeter([server.pid]);
    const result = await run(server.url);
    return { result, freezes: server.lines as unknown as Freeze[], cpu: meter() };
  } finally {
    await server.close();
  }
}

async function mlloadRow(url: string, workDir: string): Promise<Row[]> {
  const plan = constantRatePlan('bench-stall', url, RATE, DURATION_S);
  const { summary: s } = await runMlload(plan, { outDir: workDir, timeoutMs: (DURATION_S + 60) * 1000 });
  const l = s.latencyMs;
  const st = s.serviceTimeMs;
  return [
    {
      tool: 'mlload',
      how: `constant ${RATE} rps, open model; latency from intended send`,
      samples: s.requests.completed,
      responses: s.requests.ok,
      p50: l.p50,
      p99: l.p99,
      p999: l.p999,
      max: l.max,
      mean: l.mean,
      note: `status ${s.status}, sent ${s.requests.sent}/${s.requests.planned}, dropped ${s.requests.dropped}, errors ${s.requests.errors}, in-flight peak ${s.inFlightPeak}`,
    },
    {
      tool: 'mlload (service time)',
      how: 'same run, from actual send (for reference)',
      samples: s.requests.completed,
      responses: s.requests.ok,
      p50: st.p50,
      p99: st.p99,
      p999: st.p999,
      max: st.max,
      mean: st.mean,
    },
  ];
}

async function autocannonRow(url: string): Promise<Row> {
  const version = toolVersion('autocannon');
  const how = `autocannon -R ${RATE} -c ${PEER_CONNECTIONS} -d ${DURATION_S}`;
  if (!version) return { tool: 'autocannon', how, skipped: 'skipped: autocannon not installed, run npm install' };
  const bin = path.join(REPO_ROOT, 'node_modules/autocannon/autocannon.js');
  const r = await runCommand(process.execPath, [bin, '-R', String(RATE), '-c', String(PEER_CONNECTIONS), '-d', String(DURATION_S), '-j', url], {
    timeoutMs: (DURATION_S + 30) * 1000,
  });
  try {
    const j = JSON.parse(r.stdout) as {
      latency: { p50: number; p99: number; p99_9: number; max: number; mean: number; totalCount: number };
      '2xx': number;
      errors: number;
    };
    return {
      tool: `autocannon ${version}`,
      how,
      samples: j.latency.totalCount,
      responses: j['2xx'],
      p50: j.latency.p50,
      p99: j.latency.p99,
      p999: j.latency.p99_9,
      max: j.latency.max,
      mean: j.latency.mean,
      note: `${fmtInt(j.latency.totalCount)} latency samples for ${fmtInt(j['2xx'])} responses (synthetic samples of recordValueWithExpectedInterval), ${j.errors} errors`,
    };
  } catch {
    return { tool: 'autocannon', how, skipped: `failed: exit ${r.code}, ${r.stderr.trim().split('\n')[0] ?? ''}` };
  }
}

/** Parses hey's summary: "Slowest/Average" in seconds and "NN% in X secs" lines. */
function parseHey(text: string): Omit<Row, 'tool' | 'how'> | undefined {
  const secs = (re: RegExp) => {
    const m = re.exec(text);
    return m ? Number(m[1]) * 1000 : undefined;
  };
  const pct = (p: number) => secs(new RegExp(`^\\s*${p}%\\s+in\\s+([\\d.]+)\\s+secs`, 'm'));
  const p99 = pct(99);
  if (p99 === undefined) return undefined;
  let responses = 0;
  for (const m of text.matchAll(/\[(\d+)\]\s+(\d+)\s+responses/g)) responses += Number(m[2]);
  return { samples: responses, responses, p50: pct(50), p99, max: secs(/Slowest:\s+([\d.]+)\s+secs/), mean: secs(/Average:\s+([\d.]+)\s+secs/) };
}

async function heyRow(url: string): Promise<Row> {
  const perWorker = RATE / PEER_CONNECTIONS;
  const how = `hey -z ${DURATION_S}s -q ${perWorker} -c ${PEER_CONNECTIONS}`;
  const bin = findTool('hey');
  if (!bin) return { tool: 'hey', how, skipped: skippedLine('hey') };
  const r = await runCommand(bin, ['-z', `${DURATION_S}s`, '-q', String(perWorker), '-c', String(PEER_CONNECTIONS), url], { timeoutMs: (DURATION_S + 30) * 1000 });
  const parsed = parseHey(r.stdout);
  if (!parsed) return { tool: 'hey', how, skipped: `failed: exit ${r.code}, ${(r.stderr || r.stdout).trim().split('\n')[0] ?? ''}` };
  const errors = /Error distribution:([\s\S]*)$/.exec(r.stdout)?.[1]?.trim();
  return { tool: `hey ${toolVersion('hey') ?? ''}`.trim(), how, ...parsed, note: errors ? `errors: ${errors.split('\n')[0]}` : undefined };
}

async function main(): Promise<void> {
  requireBuild();
  const machine = machineFacts();
  const startedAt = Date.now();
  const workDir = tempDir('stall');
  const f = (FREEZES * FREEZE_MS) / (DURATION_S * 1000);
  process.stdout.write(`bench:stall — a server that freezes ${FREEZES} × ${FREEZE_MS} ms (every ${PERIOD_MS / 1000} s, from the first request + ${OFFSET_MS / 1000} s) in a ${DURATION_S} s run at ${RATE} rps\n${machineLine(machine)}\nengine: ${engineLabel()}\n`);
  process.stdout.write(
    `true response time from intended send: share in a freeze f = ${FREEZES}·${FREEZE_MS}/${DURATION_S * 1000} = ${f}; ` +
      `x_q = D − (1 − q)·T/N for q > 1 − f → p99 ${fmt(trueQuantileMs(0.99), 0)} ms, p99.9 ${fmt(trueQuantileMs(0.999), 0)} ms, max ${FREEZE_MS} ms, mean ${fmt((f * FREEZE_MS) / 2, 0)} ms (+ base ~0.1 ms)\n\n`,
  );

  const rows: Row[] = [
    {
      tool: 'TRUE (analytic)',
      how: 'from intended send, s0 = 0',
      responses: RATE * DURATION_S,
      samples: RATE * DURATION_S,
      p50: trueQuantileMs(0.5),
      p99: trueQuantileMs(0.99),
      p999: trueQuantileMs(0.999),
      max: FREEZE_MS,
      mean: (f * FREEZE_MS) / 2,
    },
  ];
  const freezeLog: Record<string, Freeze[]> = {};
  const runners: [string, (url: string) => Promise<Row | Row[]>][] = [
    ['mlload', (url) => mlloadRow(url, workDir)],
    ['autocannon', autocannonRow],
    ['hey', heyRow],
  ];
  for (const [name, runner] of runners) {
    // Another process busy meanwhile delays client and server alike: repeat (bounded) and keep the
    // least disturbed attempt.
    let best: { got: Row[]; freezes: Freeze[]; cpu: { ourCores: number; otherCores: number } } | undefined;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const q = await waitForQuiet(QUIET_WAIT_MS);
      if (!q.quiet) process.stdout.write(`  (machine not idle: ${fmt(q.busyCores, 2)} cores busy after waiting ${fmt(q.waitedMs / 1000, 0)} s; measuring anyway)\n`);
      process.stdout.write(`  running ${name} (${DURATION_S} s) … `);
      let outcome: typeof best;
      try {
        const { result, freezes, cpu } = await withStallServer(runner);
        outcome = { got: Array.isArray(result) ? result : [result], freezes, cpu };
      } catch (error) {
        const message = `failed: ${(error as Error).message.split('\n')[0]}`;
        outcome = { got: [{ tool: name, how: '', skipped: message }], freezes: [], cpu: { ourCores: 0, otherCores: 0 } };
      }
      const first = outcome.got[0];
      const disturbed = !first.skipped && outcome.cpu.otherCores > DISTURBED_CORES;
      process.stdout.write(
        first.skipped
          ? `${first.skipped}\n`
          : `p99 ${fmt(first.p99, 1)} ms; cores ours ${fmt(outcome.cpu.ourCores, 2)}, others ${fmt(outcome.cpu.otherCores, 2)}; ` +
              `server froze ${outcome.freezes.length}× (${outcome.freezes.map((z) => `${fmt(z.durationMs, 0)} ms at +${fmt(z.atMs / 1000, 2)} s`).join(', ')})` +
              (disturbed ? ` — DISTURBED${attempt < MAX_ATTEMPTS ? ', repeating' : ''}` : '') +
              '\n',
      );
      if (!best || outcome.cpu.otherCores < best.cpu.otherCores) best = outcome;
      if (!disturbed) break;
    }
    freezeLog[name] = best!.freezes;
    for (const row of best!.got) {
      if (row.skipped) continue;
      row.cpu = best!.cpu;
      if (best!.cpu.otherCores > DISTURBED_CORES) {
        row.note = `${row.note ? `${row.note}; ` : ''}DISTURBED: other processes used ≥ ${fmt(best!.cpu.otherCores, 2)} cores in every attempt (least disturbed shown)`;
      }
    }
    rows.push(...best!.got);
  }

  const truth = trueQuantileMs(0.99);
  process.stdout.write(`\nResponse time, ms (TRUE = what a client sending on schedule would see)\n`);
  process.stdout.write(
    table(
      ['tool', 'how', 'responses', 'samples', 'p50', 'p99', 'p99.9', 'max', 'mean', 'p99 ÷ true'],
      rows.map((r) =>
        r.skipped
          ? [r.tool, r.skipped, '', '', '', '', '', '', '', '']
          : [r.tool, r.how, fmtInt(r.responses), fmtInt(r.samples), fmt(r.p50, 2), fmt(r.p99, 1), fmt(r.p999, 1), fmt(r.max, 1), fmt(r.mean, 1), r.p99 !== undefined ? fmt(r.p99 / truth, 2) : '—'],
      ),
      ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ) + '\n',
  );
  const notes = rows.filter((r) => r.note);
  if (notes.length > 0) process.stdout.write('\n' + notes.map((r) => `  ${r.tool}: ${r.note}`).join('\n') + '\n');
  const file = writeOut('stall', {
    bench: 'stall',
    machine,
    engine: engineLabel(),
    setup: { rateRps: RATE, durationS: DURATION_S, freezeMs: FREEZE_MS, periodMs: PERIOD_MS, offsetMs: OFFSET_MS, freezes: FREEZES, peerConnections: PEER_CONNECTIONS },
    trueMs: { p50: trueQuantileMs(0.5), p99: truth, p999: trueQuantileMs(0.999), max: FREEZE_MS, mean: (f * FREEZE_MS) / 2 },
    rows,
    freezes: freezeLog,
    versions: { autocannon: toolVersion('autocannon'), hey: toolVersion('hey') },
    elapsedS: (Date.now() - startedAt) / 1000,
  });
  process.stdout.write(`\n(${fmt((Date.now() - startedAt) / 1000, 0)} s; JSON: ${file})\n`);
}

await main();
