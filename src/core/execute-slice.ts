import { Aggregate, type WindowHistogramKind } from './aggregate.js';
import { HttpClient } from './http-client.js';
import { systemClock, type MonotonicClock } from './monotonic-clock.js';
import { goodputLimitMs } from './goodput.js';
import { warmUpJit, type WarmUp, type WarmUpSendPath } from './jit-warm-up.js';
import { promoteYoungObjects } from './promote-young-objects.js';
import type { Plan } from './plan.js';
import { noTokenProvider, type TokenProvider } from './ports/token-provider.js';
import type { RawSampleWriter } from './ports/raw-sample-writer.js';
import { Scheduler } from './scheduler.js';
import { SliceRecorder } from './slice-recorder.js';
import { plannedHits, slicePacer, type SliceSpec } from './slice.js';
import { hitsBetween, type Pacer } from './pacers/pacer.js';
import { PayloadBodies, parsePayloadLines } from './payload-bodies.js';

export type SliceStatus = 'done' | 'aborted' | 'missed' | 'error';

/** What one slice did: its plan against what happened, and its mergeable aggregate. */
export interface SliceOutcome {
  runId: string;
  sliceId: string;
  worker: number;
  window: number;
  status: SliceStatus;
  planned: number;
  sent: number;
  lateMs: number;
  missed: number;
  startedAtMs: number;
  endedAtMs: number;
  /** Why the slice failed (status error); never holds a secret. */
  error?: string;
  aggregate: Aggregate;
}

export interface SliceProgress {
  planned: number;
  sent: number;
  completed: number;
  ok: number;
  errors: number;
  throttled: number;
  dropped: number;
  inFlight: number;
  /** p99 response time of the last whole second, ms. */
  recentP99Ms: number;
}

export interface ExecuteSliceOptions {
  clock?: MonotonicClock;
  rawWriter?: RawSampleWriter | null;
  tokenProvider?: TokenProvider;
  abortSignal?: AbortSignal;
  onProgress?: (progress: SliceProgress) => void;
  progressIntervalMs?: number;
  /** Do not run the send path against a local sink before the start (see jit-warm-up.ts). */
  skipJitWarmUp?: boolean;
  /** The text of `payload.file` (read by the caller: a local file, or a blob in the plans container). */
  payloadFileText?: string;
  /** ALLOWED_TARGET_HOSTS of a service run: checked again at connect time, on the resolved address. */
  allowedTargetHosts?: readonly string[];
}

/** How long to wait for requests still in flight after an abort before cutting them off. */
const ABORT_GRACE_MS = 2000;

/**
 * Runs one slice: waits for its window's absolute start, sends its share of the hits, records
 * everything, and returns its outcome. A slice whose window is already over when it arrives is
 * `missed` and never runs late. Failures are data: this resolves, it does not throw.
 */
export async function executeSlice(spec: SliceSpec, plan: Plan, options: ExecuteSliceOptions = {}): Promise<SliceOutcome> {
  const clock = options.clock ?? systemClock;
  const tokenProvider = options.tokenProvider ?? noTokenProvider;
  // A capacity step runs its own constant rate over its part of the run: shift the origin to its start.
  const { pacer, fromUs, toUs, originShiftUs } = slicePacer(plan, spec);
  const planned = plannedHits(pacer, { worker: spec.worker, workers: spec.workers, fromUs, toUs });
  const originUs = clock.usAtEpochMs(spec.originEpochMs) + originShiftUs;
  const windowEndUs = originUs + Math.min(toUs, pacer.durationUs);
  const startedAtMs = clock.epochMsAt(clock.nowUs());
  const base = { runId: spec.runId, sliceId: spec.sliceId, worker: spec.worker, window: spec.window, planned, startedAtMs };
  const goodLimitMs = goodputLimitMs(plan);
  const sliceSeconds = (Math.min(toUs, pacer.durationUs) - fromUs) / 1e6;
  const windowHistograms: WindowHistogramKind = sliceSeconds > 0 && planned / sliceSeconds >= DENSE_WINDOWS_MIN_RPS ? 'dense' : 'packed';
  const newRecorder = () =>
    new SliceRecorder(clock.epochMsAt(0) * 1000, spec.worker, options.rawWriter ?? null, goodLimitMs === undefined ? Infinity : goodLimitMs * 1000, windowHistograms);
  let recorder = newRecorder();

  const windowOver = pacer.durationUs > 0 ? clock.nowUs() >= windowEndUs : clock.nowUs() > originUs + 60_000_000;
  if (windowOver) {
    recorder.missed(planned);
    return { ...base, status: 'missed', sent: 0, lateMs: (clock.nowUs() - originUs - fromUs) / 1000, missed: planned, endedAtMs: startedAtMs, aggregate: recorder.aggregate };
  }

  try {
    await tokenProvider.start(options.abortSignal);
  } catch (error) {
    return { ...base, status: 'error', sent: 0, lateMs: 0, missed: 0, endedAtMs: clock.epochMsAt(clock.nowUs()), error: `could not get a token for the target: ${(error as Error).message}`, aggregate: recorder.aggregate };
  }

  const workers = spec.workers;
  const maxInFlight = Math.max(1, Math.ceil(plan.maxInFlight / workers));
  const bodies = payloadBodies(plan, options.payloadFileText);
  if (!bodies.ok) {
    return { ...base, status: 'error', sent: 0, lateMs: 0, missed: 0, endedAtMs: clock.epochMsAt(clock.nowUs()), error: bodies.error, aggregate: recorder.aggregate };
  }
  const retry = plan.retry.policy === 'honor-retry-after' ? { maxRetries: plan.retry.maxRetries, maxDelayMs: plan.retry.maxDelayMs } : undefined;
  const goodLimitUs = goodLimitMs === undefined ? Infinity : goodLimitMs * 1000;
  /** The send path; built the same way for the JIT warm-up, so V8 sees the same shapes there and here. */
  const buildSendPath = (
    url: string,
    sendPacer: Pacer,
    sendRecorder: SliceRecorder,
    schedule: { worker: number; workers: number; fromUs?: number; toUs?: number; originUs: number; maxInFlight: number },
    tokens: TokenProvider,
    allowedTargetHosts: readonly string[] | undefined,
    abortSignal: AbortSignal | undefined,
  ) => {
    const scheduler = new Scheduler({
      pacer: sendPacer,
      worker: schedule.worker,
      workers: schedule.workers,
      fromUs: schedule.fromUs,
      toUs: schedule.toUs,
      originUs: schedule.originUs,
      maxInFlight: schedule.maxInFlight,
      recorder: sendRecorder,
      clock,
      abortSignal,
      retry,
    });
    const client = new HttpClient({
      url,
      method: plan.target.method,
      headers: plan.target.headers,
      bodies: bodies.value,
      contentType: plan.payload.contentType ?? (plan.payload.text !== undefined ? 'text/plain' : undefined),
      deployment: plan.target.deployment,
      deployments: plan.target.deployments,
      timeoutMs: plan.target.timeoutMs,
      connections: plan.target.connections ?? Math.min(schedule.maxInFlight, 4096),
      maxResponseBytes: plan.target.maxResponseBytes,
      streaming: plan.target.streaming,
      httpClient: plan.target.httpClient,
      readsRetryAfter: plan.retry.policy === 'honor-retry-after',
      allowedTargetHosts,
      onInterTokenGap: (gapUs) => sendRecorder.interTokenGap(gapUs),
      tokenProvider: tokens,
      clock,
      onDone: (exchange) => scheduler.onDone(exchange),
    });
    return { scheduler, client, recorder: sendRecorder };
  };
  const buildRealSendPath = () =>
    buildSendPath(plan.target.url, pacer, recorder, { worker: spec.worker, workers, fromUs, toUs, originUs, maxInFlight }, tokenProvider, options.allowedTargetHosts, options.abortSignal);
  try {
    // Built once now only to find a placeholder that cannot be filled ({{env NAME}} unset, a bad
    // {{randomInt}}): that fails the slice as data, before any warm-up.
    await buildRealSendPath().client.close();
  } catch (error) {
    return { ...base, status: 'error', sent: 0, lateMs: 0, missed: 0, endedAtMs: clock.epochMsAt(clock.nowUs()), error: (error as Error).message, aggregate: recorder.aggregate };
  }
  let scheduler: Scheduler | undefined;
  let client: HttpClient | undefined;
  // Warm-up: the plan's method, headers and bodies go to this process's own sink thread on 127.0.0.1,
  // which reads and drops them (it logs nothing); the token provider is not used, so no credential of
  // the target is sent. Its samples go to a recorder (and a raw writer) that discard them.
  const warmUpSendPath: WarmUpSendPath = (url, warmPacer, warmOriginUs, stopSignal) =>
    buildSendPath(
      url,
      warmPacer,
      new SliceRecorder(clock.epochMsAt(0) * 1000, spec.worker, options.rawWriter ? discardingRawWriter : null, goodLimitUs, windowHistograms),
      { worker: 0, workers: 1, fromUs: 0, toUs: Infinity, originUs: warmOriginUs, maxInFlight: Math.min(maxInFlight, 256) },
      noTokenProvider,
      undefined,
      options.abortSignal ? AbortSignal.any([options.abortSignal, stopSignal]) : stopSignal,
    );

  const progressTimer = options.onProgress
    ? setInterval(() => options.onProgress!(progressOf(recorder, clock)), options.progressIntervalMs ?? 250)
    : undefined;
  let abortTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    abortTimer = setTimeout(() => void client?.destroy(), ABORT_GRACE_MS);
  };
  options.abortSignal?.addEventListener('abort', onAbort, { once: true });
  let warmUp: WarmUp | undefined;
  try {
    // The JIT warm-up first: fast slices run their own code against a local sink, so the start is not
    // spent in the interpreter. Then the real send path is built — after the warm-up, so its objects
    // have the shapes V8 settled on while warming (objects made before it kept older shapes, and the
    // optimized code met them at the start and was thrown away) — and its connections are opened, so
    // none is still opening (and taking the event loop) when the load starts.
    const firstSecondRps = pacer.kind === 'open' ? hitsBetween(pacer, fromUs, fromUs + 1e6) / workers : 0;
    if (firstSecondRps >= JIT_WARM_UP_MIN_RPS && !options.skipJitWarmUp) warmUp = await warmUpJit(clock, originUs + fromUs - CONNECT_RESERVE_US, firstSecondRps, warmUpSendPath);
    recorder = newRecorder();
    ({ scheduler, client } = buildRealSendPath());
    // A fast slice promotes its young objects last (see promoteYoungObjects), in a reserve of its own.
    const gcReserveUs = warmUp !== undefined ? GC_RESERVE_US : 0;
    await warmUpUntilStart(client, warmConnections(pacer, fromUs, workers, maxInFlight), originUs + fromUs - gcReserveUs, clock);
    if (warmUp !== undefined && originUs + fromUs - clock.nowUs() >= GC_RESERVE_US / 2) promoteYoungObjects();
    const outcome = await scheduler.run(client);
    recorder.flushRows();
    const counts = recorder.aggregate.counts;
    // Hits an abort kept from coming due are missed too, so planned = came due + missed always holds.
    if (pacer.kind === 'open' && counts.planned + counts.missed < planned) recorder.missed(planned - counts.planned - counts.missed);
    return {
      ...base,
      status: outcome.aborted ? 'aborted' : 'done',
      sent: recorder.aggregate.counts.sent,
      lateMs: outcome.lateMs,
      missed: counts.missed,
      endedAtMs: clock.epochMsAt(clock.nowUs()),
      aggregate: recorder.aggregate,
    };
  } finally {
    clearInterval(progressTimer);
    clearTimeout(abortTimer);
    options.abortSignal?.removeEventListener('abort', onAbort);
    tokenProvider.stop();
    await client?.close().catch(() => {});
    await warmUp?.release();
    if (options.onProgress) options.onProgress(progressOf(recorder, clock));
  }
}

/** The plan's bodies: fixed body or text, or the lines of payload.file; placeholder errors are reported, not thrown. */
function payloadBodies(plan: Plan, fileText: string | undefined): { ok: true; value: PayloadBodies | undefined } | { ok: false; error: string } {
  try {
    const p = plan.payload;
    if (p.file !== undefined) {
      if (fileText === undefined) return { ok: false, error: `payload file ${p.file} was not loaded` };
      const lines = parsePayloadLines(fileText, p.order, p.file);
      if (!lines.ok) return { ok: false, error: `payload file ${lines.problems.map((x) => `${x.path} ${x.message}`).join('; ')}` };
      return { ok: true, value: new PayloadBodies(lines.value.bodies, p.order, lines.value.weights) };
    }
    const text = p.text ?? (p.body === undefined ? undefined : JSON.stringify(p.body));
    return { ok: true, value: text === undefined ? undefined : new PayloadBodies([text]) };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

/**
 * Mean per-worker rate from which a slice's per-second windows record into dense histograms (see
 * Aggregate): there a packed record's ~0.5 µs per response is a share of the CPU the load needs. Below
 * it that share is under 0.5%, and a long run keeps the packed windows' smaller memory (a dense window
 * takes 9–30 KB a second; the 10-minute soak at 2,000 rps would grow by 5–15 MB).
 */
const DENSE_WINDOWS_MIN_RPS = 10_000;

/** Per-worker rate from which a slice warms the JIT first (below it, a cold start costs little lag). */
const JIT_WARM_UP_MIN_RPS = 1000;

/**
 * Time kept between the JIT warm-up's end and the start for opening the real connections (2,000 take
 * ~0.1 s here) and then promoting young objects (GC_RESERVE_US of it).
 */
const CONNECT_RESERVE_US = 180_000;

/** Time kept before the start for promoteYoungObjects (two minor GCs: ≈ 15 ms here with 1,600 connections open). */
const GC_RESERVE_US = 30_000;

/** Latency assumed when warming connections: enough for fast targets; slower ones grow the pool as usual. */
const WARM_LATENCY_S = 0.05;

/**
 * Connections to open before the start: the first second's rate of this worker × an assumed latency
 * (Little's law), plus two; a closed model needs one per virtual user.
 */
function warmConnections(pacer: Pacer, fromUs: number, workers: number, maxInFlight: number): number {
  if (pacer.kind === 'closed') return Math.min(maxInFlight, Math.ceil(pacer.vus / workers));
  const firstSecondRps = hitsBetween(pacer, fromUs, fromUs + 1e6) / workers;
  return Math.min(maxInFlight, Math.ceil(firstSecondRps * WARM_LATENCY_S) + 2);
}

/** Warms connections, but never past the start: whatever is not open by then opens on demand. */
async function warmUpUntilStart(client: HttpClient, count: number, startUs: number, clock: MonotonicClock): Promise<void> {
  // Whole ms (see Scheduler.sleepUntil: fractional timer delays deoptimize the send path).
  const leftMs = Math.floor((startUs - clock.nowUs()) / 1000) - 2;
  if (leftMs <= 0 || count <= 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([client.warmUp(count), new Promise<void>((resolve) => (timer = setTimeout(resolve, leftMs)))]);
  clearTimeout(timer);
}

function progressOf(recorder: SliceRecorder, clock: MonotonicClock): SliceProgress {
  const c = recorder.aggregate.counts;
  const second = Math.floor(clock.epochMsAt(clock.nowUs()) / 1000);
  return {
    planned: c.planned,
    sent: c.sent,
    completed: c.completed,
    ok: c.ok,
    errors: c.errors,
    throttled: c.throttled,
    dropped: c.dropped,
    inFlight: recorder.inFlight,
    recentP99Ms: recorder.previousSecondP99Us(second) / 1000,
  };
}

/** Takes raw rows and keeps none (the warm-up's). */
const discardingRawWriter: RawSampleWriter = {
  append: () => {},
  flush: async () => {},
  close: async () => {},
};
