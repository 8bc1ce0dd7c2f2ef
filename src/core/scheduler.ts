import type { Exchange, HttpClient } from './http-client.js';
import type { MonotonicClock } from './monotonic-clock.js';
import { firstHitAtOrAfter, type ClosedPacer, type OpenPacer, type Pacer } from './pacers/pacer.js';
import type { SliceRecorder } from './slice-recorder.js';
import { isRetryableStatus, retryDelayMs } from './retry-delay.js';

export interface ScheduleOptions {
  pacer: Pacer;
  /** This worker's number and how many share the load: worker i sends hits n ≡ i (mod workers). */
  worker: number;
  workers: number;
  /** The part of the load this slice runs, µs from the load's start (default: all of it). */
  fromUs?: number;
  toUs?: number;
  /** Monotonic µs of the load's start (pacer time 0); the same instant for every worker. */
  originUs: number;
  /** This worker's in-flight cap; arrivals past it are dropped and counted (open model). */
  maxInFlight: number;
  /** A slice that starts later than this past its window's start misses the hits before its start. */
  lateToleranceUs?: number;
  recorder: SliceRecorder;
  clock: MonotonicClock;
  abortSignal?: AbortSignal;
  /** Retry throttled requests (429/503) this many times; off when absent. */
  retry?: { maxRetries: number; maxDelayMs: number };
}

export interface ScheduleOutcome {
  /** How late the slice started past its window's start, ms (0 when on time). */
  lateMs: number;
  /** Hits of this slice that were never sent because it started late. */
  missed: number;
  /** Stopped by the abort signal before its schedule ended. */
  aborted: boolean;
}

/** Sends at most this many due hits per wake before yielding to I/O, so responses keep being read. */
const MAX_SENDS_PER_WAKE = 32;
/** Waits longer than this sleep on a timer (waking ~1 ms early); shorter ones poll with setImmediate. */
const TIMER_THRESHOLD_US = 2000;

/**
 * Runs a pacer's schedule against an HTTP client (DESIGN §4).
 *
 * Open model: every hit's due time comes from the pacer, measured from one absolute origin on the
 * monotonic clock. On each wake the scheduler sends every hit already due, stamping each with its
 * intended time, so latency is measured from when the request should have gone out (no coordinated
 * omission), service time from when it did, and the difference is recorded as schedule lag.
 *
 * Falling behind: when the event loop wakes late (a GC pause, a busy CPU), the hits that came due
 * meanwhile are all sent at once — the schedule is never shifted, and their lateness shows in
 * schedule lag and in response time. When `maxInFlight` requests are already outstanding, a due hit is
 * dropped and counted, not queued: the generator never waits for the target. A run that dropped
 * anything, or sent under 99% of its plan, is not `passed`.
 *
 * Closed model: each virtual user sends again when its previous request ends (plus think time).
 */
export class Scheduler {
  private client: HttpClient | null = null;
  private wakeResolve: (() => void) | null = null;
  private wakeTimer: NodeJS.Timeout | null = null;
  private drainResolve: (() => void) | null = null;
  private readonly onWake = () => this.wake();
  /**
   * Set by the abort signal's listener. The hot path reads this field, not `signal.aborted`: a getter on
   * a caller's object whose shape the JIT warm-up never saw deoptimized the pump at the start.
   */
  private aborted = false;
  private readonly onAbort = () => {
    this.aborted = true;
    this.wake();
  };
  // Closed model: virtual users waiting for their next due time, in due order (think time is constant).
  private readyDueUs: number[] = [];
  private readyVu: number[] = [];
  private readyHead = 0;
  private closedPacer: ClosedPacer | null = null;
  // Open model: where the schedule stands between wakes (see pump).
  private open: { pacer: OpenPacer; n: number; end: number; lateMs: number; missed: number; resolve: (outcome: ScheduleOutcome) => void } | null = null;
  private readonly onPump = () => {
    this.wakeTimer = null;
    this.pump();
  };
  private closedEndUs = 0;

  constructor(private readonly options: ScheduleOptions) {}

  /** Runs the schedule to its end, then waits for every request in flight to finish. */
  async run(client: HttpClient): Promise<ScheduleOutcome> {
    this.client = client;
    const abort = this.options.abortSignal;
    this.aborted = abort?.aborted ?? false;
    abort?.addEventListener('abort', this.onAbort, { once: true });
    try {
      const outcome =
        this.options.pacer.kind === 'open' ? await this.runOpen(this.options.pacer) : await this.runClosed(this.options.pacer);
      await this.drain();
      return outcome;
    } finally {
      abort?.removeEventListener('abort', this.onAbort);
      this.clearWakeTimer();
    }
  }

  /** The client's completion callback. */
  onDone(exchange: Exchange): void {
    const retry = this.options.retry;
    if (retry !== undefined) {
      if (exchange.attempt === 1) this.options.recorder.firstAttempt(exchange);
      if (exchange.errorCode === '' && isRetryableStatus(exchange.status) && exchange.attempt <= retry.maxRetries && !this.aborted) {
        // The arrival stays in flight; the schedule of new arrivals never waits for it.
        this.options.recorder.retrying();
        const delayMs = retryDelayMs(exchange.retryAfterMs, exchange.attempt, retry.maxDelayMs);
        setTimeout(() => this.client!.send(exchange.seq, exchange.intendedUs, this.options.clock.nowUs(), exchange.tag, exchange.attempt + 1), delayMs);
        return;
      }
    }
    this.options.recorder.done(exchange);
    if (this.closedPacer !== null) {
      const next = this.closedPacer.nextDueUs(exchange.endUs - this.options.originUs);
      if (next < this.closedEndUs) {
        this.readyDueUs.push(next);
        this.readyVu.push(exchange.tag);
      }
      // Wake the loop either way: it also ends when the last virtual user retires.
      this.wake();
    }
    if (this.drainResolve !== null && this.options.recorder.inFlight === 0) this.drainResolve();
  }

  private async runOpen(pacer: OpenPacer): Promise<ScheduleOutcome> {
    const { worker, workers, originUs, recorder, clock } = this.options;
    const fromUs = this.options.fromUs ?? 0;
    const toUs = Math.min(this.options.toUs ?? Infinity, Number.MAX_VALUE);
    const end = toUs >= pacer.durationUs ? pacer.totalHits : firstHitAtOrAfter(pacer, toUs);
    let n = alignTo(firstHitAtOrAfter(pacer, fromUs), worker, workers);

    await this.sleepUntil(originUs + fromUs);
    const startRelUs = clock.nowUs() - originUs;
    const lateUs = Math.max(0, startRelUs - fromUs);
    let missed = 0;
    if (lateUs > (this.options.lateToleranceUs ?? 1_000_000)) {
      const firstOnTime = alignTo(Math.min(end, firstHitAtOrAfter(pacer, startRelUs)), worker, workers);
      missed = countAligned(n, firstOnTime, workers);
      recorder.missed(missed);
      n = firstOnTime;
    }

    if (n >= end) return { lateMs: lateUs / 1000, missed, aborted: false };
    return new Promise<ScheduleOutcome>((resolve) => {
      this.open = { pacer, n, end, lateMs: lateUs / 1000, missed, resolve };
      this.pump();
    });
  }

  /**
   * One wake of the open model: sends every hit already due (up to MAX_SENDS_PER_WAKE, then yields to
   * I/O), then arranges the next wake. A plain callback, not an awaited promise: the wait below 2 ms
   * polls once per event-loop turn, and a promise and closure per poll were most of the garbage of a
   * fast run (a scavenge every few tens of ms) — now a poll allocates only its Immediate.
   */
  private pump(): void {
    const open = this.open!;
    const { originUs, recorder, clock, maxInFlight, workers } = this.options;
    const client = this.client!;
    if (this.aborted) return this.endOpen(true);
    const pacer = open.pacer;
    let n = open.n;
    let now = clock.nowUs();
    let dueUs = originUs + pacer.dueUs(n);
    if (dueUs <= now) {
      let sends = 0;
      do {
        recorder.planned(dueUs);
        if (recorder.inFlight >= maxInFlight) {
          recorder.dropped(dueUs);
        } else {
          recorder.sent(dueUs, now);
          client.send(n, dueUs, now, 0);
        }
        n += workers;
        if (n >= open.end || ++sends >= MAX_SENDS_PER_WAKE) break;
        dueUs = originUs + pacer.dueUs(n);
        if (dueUs > now) now = clock.nowUs();
      } while (dueUs <= now);
      open.n = n;
      if (n >= open.end) return this.endOpen(false);
      if (sends >= MAX_SENDS_PER_WAKE) {
        setImmediate(this.onPump);
        return;
      }
    }
    this.wakeIn(dueUs - now, this.onPump);
  }

  private endOpen(aborted: boolean): void {
    const open = this.open!;
    this.open = null;
    open.resolve({ lateMs: open.lateMs, missed: open.missed, aborted });
  }

  private async runClosed(pacer: ClosedPacer): Promise<ScheduleOutcome> {
    const { worker, workers, originUs, recorder, clock } = this.options;
    const client = this.client!;
    const fromUs = this.options.fromUs ?? 0;
    this.closedPacer = pacer;
    this.closedEndUs = Math.min(this.options.toUs ?? Infinity, pacer.durationUs);
    const vus = Math.floor(pacer.vus / workers) + (worker < pacer.vus % workers ? 1 : 0);
    for (let vu = 0; vu < vus; vu++) {
      this.readyDueUs.push(fromUs);
      this.readyVu.push(vu);
    }
    await this.sleepUntil(originUs + fromUs);
    const lateUs = Math.max(0, clock.nowUs() - originUs - fromUs);
    let count = 0;
    while (this.readyHead < this.readyDueUs.length || recorder.inFlight > 0) {
      if (this.aborted) return { lateMs: lateUs / 1000, missed: 0, aborted: true };
      const now = clock.nowUs();
      while (this.readyHead < this.readyDueUs.length && originUs + this.readyDueUs[this.readyHead] <= now) {
        const dueUs = originUs + this.readyDueUs[this.readyHead];
        const vu = this.readyVu[this.readyHead];
        this.readyHead++;
        recorder.planned(dueUs);
        recorder.sent(dueUs, now);
        client.send(count * workers + worker, dueUs, now, vu);
        count++;
      }
      this.compactReadyQueue();
      if (this.readyHead < this.readyDueUs.length) await this.sleepUntil(originUs + this.readyDueUs[this.readyHead]);
      else if (recorder.inFlight > 0) await this.sleepUntil(Infinity);
    }
    return { lateMs: lateUs / 1000, missed: 0, aborted: false };
  }

  private drain(): Promise<void> {
    if (this.options.recorder.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.drainResolve = () => {
        this.drainResolve = null;
        resolve();
      };
    });
  }

  /** Resolves at `targetUs` (monotonic), or earlier when woken. */
  private sleepUntil(targetUs: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakeResolve = resolve;
      if (this.aborted) return this.wake();
      if (targetUs === Infinity) return;
      const waitUs = targetUs - this.options.clock.nowUs();
      if (waitUs <= 0) return this.wake();
      // Not through wakeIn, the open model's hot path: the start's long wait was the first to take its timer
      // branch (the JIT warm-up's rounds, 5 ms from build to start, seemingly never did), and V8 threw
      // wakeIn's optimized code away just before the load.
      if (waitUs > TIMER_THRESHOLD_US) this.wakeTimer = setTimeout(this.onWake, Math.floor((waitUs - 1000) / 1000));
      else setImmediate(this.onWake);
    });
  }

  /** Calls `wake` in about `waitUs`: on a timer (~1 ms early) when far, else at the next event-loop turn. */
  private wakeIn(waitUs: number, wake: () => void): void {
    // Whole milliseconds: a fractional delay turns Timeout fields into doubles, and V8 then throws away
    // optimized code that depends on them (every timer user, undici included) just as the load starts.
    if (waitUs > TIMER_THRESHOLD_US) this.wakeTimer = setTimeout(wake, Math.floor((waitUs - 1000) / 1000));
    else setImmediate(wake);
  }

  private wake(): void {
    // An open schedule waiting on its timer is woken (by an abort) through its pump.
    if (this.open !== null && this.wakeTimer !== null) setImmediate(this.onPump);
    this.clearWakeTimer();
    const resolve = this.wakeResolve;
    this.wakeResolve = null;
    resolve?.();
  }

  private clearWakeTimer(): void {
    if (this.wakeTimer !== null) {
      clearTimeout(this.wakeTimer);
      this.wakeTimer = null;
    }
  }

  private compactReadyQueue(): void {
    if (this.readyHead > 4096 && this.readyHead * 2 > this.readyDueUs.length) {
      this.readyDueUs = this.readyDueUs.slice(this.readyHead);
      this.readyVu = this.readyVu.slice(this.readyHead);
      this.readyHead = 0;
    }
  }
}

/** The smallest m ≥ n with m ≡ worker (mod workers). */
function alignTo(n: number, worker: number, workers: number): number {
  return n + ((((worker - n) % workers) + workers) % workers);
}

/** How many m in [from, to) step by `workers` from an aligned `from`. */
function countAligned(from: number, to: number, workers: number): number {
  return to > from ? Math.ceil((to - from) / workers) : 0;
}
