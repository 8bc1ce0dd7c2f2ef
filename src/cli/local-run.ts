import { Worker } from 'node:worker_threads';
import type { StoreLocation } from '../adapters/store-location.js';
import { finalizeRun, type FinalizedRun, type FinalizeRunOptions } from '../core/finalize-run.js';
import type { SliceProgress } from '../core/execute-slice.js';
import type { Plan, PlanInput } from '../core/plan.js';
import type { ResultStore } from '../core/ports/result-store.js';
import { redactPlan } from '../core/redact.js';
import { newRunId } from '../core/run-id.js';
import { newRunRecord } from '../core/run-record.js';
import { sliceOutcomeFromJson, type SliceOutcomeJson } from '../core/slice-outcome-json.js';
import { planSlices } from '../core/slice.js';
import { advanceCapacity } from '../core/advance-capacity.js';
import { peakRps } from '../core/pacers/pacer-for-load.js';
import { runSliceHere, type SliceJob } from './slice-job.js';

export interface LocalRunOptions {
  plan: Plan;
  planInput: PlanInput;
  payloadFileText?: string;
  workers: number;
  /** Cut each worker's share into windows of at most this (each window a slice); one window when absent. */
  windowMs?: number;
  store: ResultStore;
  storeLocation: StoreLocation;
  abortSignal?: AbortSignal;
  /** Totals over all workers, several times a second. */
  onProgress?: (progress: SliceProgress) => void;
  /** Called once the run id is known (before load starts). */
  onStart?: (runId: string, originEpochMs: number) => void;
  finalize?: Omit<FinalizeRunOptions, 'allowMissing'>;
}

/** Time between "all workers ready" and the common start instant, so every worker starts on time. */
const START_LEAD_MS = 150;
const FAST_START_LEAD_MS = 1000;
/** Time between judging a capacity step and the next step's start (its worker threads start meanwhile). */
const STEP_LEAD_MS = 1000;

/**
 * Runs a plan on this machine: one slice per worker (and window), all sharing one absolute origin, each
 * in its own worker thread (a single slice runs in this thread), then the same fan-in as the serverless
 * path. Slices of later windows wait in their thread until their window starts.
 */
export async function runLocally(options: LocalRunOptions): Promise<FinalizedRun> {
  const { plan, store } = options;
  const runId = newRunId();
  const slices = planSlices(runId, plan, options.workers, 0, options.windowMs);
  const runners = slices.map((slice) => sliceRunner({ planInput: options.planInput, slice, store: options.storeLocation, payloadFileText: options.payloadFileText }, slices.length > 1));
  try {
    await Promise.all(runners.map((r) => r.ready));
    // Fast plans get time to warm the JIT and open connections before the start (see execute-slice.ts).
    const originEpochMs = Date.now() + (peakRps(plan.load) / options.workers >= 1000 ? FAST_START_LEAD_MS : START_LEAD_MS);
    const record = newRunRecord({ runId, plan, slices: slices.map((s) => ({ ...s, originEpochMs })), originEpochMs, graceMs: 60_000 });
    await store.createRun(record, redactPlan(options.planInput));
    await store.updateRun({ ...record, status: 'running' });
    options.onStart?.(runId, originEpochMs);

    let anyLost = !(await runSlices(runners, originEpochMs, options));
    // A capacity search: judge each step, then run the next one, until the search is over.
    while (plan.load.model === 'capacity' && !anyLost && !options.abortSignal?.aborted) {
      const step = (await store.getRun(runId))!.capacity!.steps.at(-1)!;
      await store.claim(runId, `step-${step.window}`, 'local');
      const advance = await advanceCapacity(store, runId, { now: Date.now(), leadMs: STEP_LEAD_MS, graceMs: 60_000 });
      if (advance.done) break;
      const stepRunners = advance.slices.map((slice) => sliceRunner({ planInput: options.planInput, slice, store: options.storeLocation, payloadFileText: options.payloadFileText }, advance.slices.length > 1));
      runners.push(...stepRunners);
      await Promise.all(stepRunners.map((r) => r.ready));
      anyLost = !(await runSlices(stepRunners, originEpochMs, options));
    }
    await store.claim(runId, 'finalize', 'local');
    const finalized = await finalizeRun(store, runId, { ...options.finalize, allowMissing: anyLost });
    if (!finalized) throw new Error(`run ${runId} could not be finalized`);
    return finalized;
  } finally {
    await Promise.all(runners.map((r) => r.close()));
  }
}

/** Runs slices to their end and saves each outcome; false when a worker died without reporting. */
async function runSlices(runners: SliceRunner[], originEpochMs: number, options: LocalRunOptions): Promise<boolean> {
  const progress = new Map<number, SliceProgress>();
  const onAbort = () => runners.forEach((r) => r.abort());
  options.abortSignal?.addEventListener('abort', onAbort, { once: true });
  let allReported = true;
  try {
    const outcomes = await Promise.allSettled(
      runners.map((runner, i) =>
        runner.go(originEpochMs, (p) => {
          progress.set(i, p);
          options.onProgress?.(totalProgress(progress));
        }),
      ),
    );
    for (const outcome of outcomes) {
      // A worker that died is a slice that never reported: the run ends partial, the others' data intact.
      if (outcome.status === 'fulfilled') await options.store.saveSlice(sliceOutcomeFromJson(outcome.value));
      else allReported = false;
    }
  } finally {
    options.abortSignal?.removeEventListener('abort', onAbort);
  }
  return allReported;
}

interface SliceRunner {
  ready: Promise<void>;
  go(originEpochMs: number, onProgress: (p: SliceProgress) => void): Promise<SliceOutcomeJson>;
  abort(): void;
  close(): Promise<void>;
}

function sliceRunner(job: SliceJob, inThread: boolean): SliceRunner {
  return inThread ? threadRunner(job) : inProcessRunner(job);
}

function inProcessRunner(job: SliceJob): SliceRunner {
  const abort = new AbortController();
  return {
    ready: Promise.resolve(),
    go: (originEpochMs, onProgress) => runSliceHere({ ...job, slice: { ...job.slice, originEpochMs } }, abort.signal, onProgress),
    abort: () => abort.abort(),
    close: async () => {},
  };
}

function threadRunner(job: SliceJob): SliceRunner {
  const { entry, execArgv } = workerEntry();
  const worker = new Worker(entry, { workerData: job, execArgv });
  let onProgress: ((p: SliceProgress) => void) | undefined;
  let settle: { resolve: (o: SliceOutcomeJson) => void; reject: (e: Error) => void } | undefined;
  let failure: Error | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (message: unknown) => {
      if (message === 'ready') return resolve();
      const m = message as { progress?: SliceProgress; outcome?: SliceOutcomeJson; failure?: string };
      if (m.progress) onProgress?.(m.progress);
      else if (m.outcome) settle?.resolve(m.outcome);
      else if (m.failure !== undefined) settle?.reject(new Error(`worker ${job.slice.worker}: ${m.failure}`));
    });
    const fail = (error: Error) => {
      failure = error;
      reject(error);
      settle?.reject(error);
    };
    worker.on('error', (error) => fail(new Error(`worker ${job.slice.worker} failed: ${error.message}`)));
    worker.on('exit', (code) => fail(new Error(`worker ${job.slice.worker} exited (code ${code}) before reporting`)));
  });
  return {
    ready,
    go(originEpochMs, progress) {
      onProgress = progress;
      return new Promise((resolve, reject) => {
        if (failure) return reject(failure);
        settle = { resolve, reject };
        worker.postMessage({ go: originEpochMs });
      });
    },
    abort: () => worker.postMessage('abort'),
    close: async () => {
      worker.removeAllListeners('exit');
      await worker.terminate();
    },
  };
}

/** The worker script beside this module: compiled JS normally, TypeScript through tsx under the test runner. */
function workerEntry(): { entry: URL; execArgv: string[] } {
  const here = import.meta.url;
  if (here.endsWith('.ts')) return { entry: new URL('./slice-worker.ts', here), execArgv: ['--import', 'tsx'] };
  return { entry: new URL('./slice-worker.js', here), execArgv: [] };
}

function totalProgress(byWorker: Map<number, SliceProgress>): SliceProgress {
  const total: SliceProgress = { planned: 0, sent: 0, completed: 0, ok: 0, errors: 0, throttled: 0, dropped: 0, inFlight: 0, recentP99Ms: 0 };
  for (const p of byWorker.values()) {
    total.planned += p.planned;
    total.sent += p.sent;
    total.completed += p.completed;
    total.ok += p.ok;
    total.errors += p.errors;
    total.throttled += p.throttled;
    total.dropped += p.dropped;
    total.inFlight += p.inFlight;
    total.recentP99Ms = Math.max(total.recentP99Ms, p.recentP99Ms);
  }
  return total;
}
