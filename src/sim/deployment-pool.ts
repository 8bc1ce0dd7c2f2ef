import { performance } from 'node:perf_hooks';
import type { RandomSource } from './seeded-random.js';
import { drawServiceTimeMs, type ServiceTimeSpec } from './service-time.js';

const MAX_TIMER_MS = 2 ** 31 - 1;

/** 'served': the model finished within the timeout; 'timeout': answer 408. */
export type PoolOutcome = 'served' | 'timeout';

/** Told when processing or in-flight counts change, so peaks can be tracked across deployments. */
export interface PoolObserver {
  loadChanged(processingDelta: number, inFlightDelta: number): void;
}

export interface DeploymentPoolOptions {
  /** Requests processed at once: instances × max concurrent requests per instance. */
  slots: number;
  serviceTime: ServiceTimeSpec;
  requestTimeoutMs: number;
  random: RandomSource;
  observer?: PoolObserver;
  /** Monotonic ms; injectable for tests. */
  nowMs?: () => number;
}

/** A request admitted to the pool. */
export interface PoolTicket {
  /** The client went away: drop it if still queued (a running model cannot be stopped). */
  cancel(): void;
}

type EntryState = 'queued' | 'processing' | 'done';

interface Entry extends PoolTicket {
  state: EntryState;
  deadlineMs: number;
  timer: NodeJS.Timeout | undefined;
  done: (outcome: PoolOutcome) => void;
}

/**
 * One deployment's slots and FIFO queue. Admission follows Azure ML: past 2 × slots requests in flight
 * (queued + processing), a new one is refused (429). A request answered 408 while the model still runs
 * keeps its slot until its service time ends, as a real model would.
 */
export class DeploymentPool {
  readonly slots: number;
  /** Most requests in flight (queued + processing) before new ones get 429. */
  readonly maxInFlight: number;
  private busySlots = 0;
  private queuedCount = 0;
  // Array queue with a moving head; timed-out or cancelled entries stay until the head passes them.
  private queue: Entry[] = [];
  private queueHead = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  private readonly nowMs: () => number;

  constructor(private readonly options: DeploymentPoolOptions) {
    this.slots = options.slots;
    this.maxInFlight = 2 * options.slots;
    this.nowMs = options.nowMs ?? (() => performance.now());
  }

  get processing(): number {
    return this.busySlots;
  }

  get queued(): number {
    return this.queuedCount;
  }

  get inFlight(): number {
    return this.busySlots + this.queuedCount;
  }

  /**
   * Takes a free slot or joins the queue; `done` is called once, when the request is served or times out.
   * Returns undefined when the pool is full (answer 429) or closed.
   */
  admit(arrivalMs: number, done: (outcome: PoolOutcome) => void): PoolTicket | undefined {
    if (this.closed || this.inFlight >= this.maxInFlight) return undefined;
    const entry: Entry = {
      state: 'queued',
      deadlineMs: arrivalMs + this.options.requestTimeoutMs,
      timer: undefined,
      done,
      cancel: () => this.cancel(entry),
    };
    if (this.busySlots < this.slots) {
      this.start(entry);
      return entry;
    }
    this.queuedCount++;
    this.options.observer?.loadChanged(0, 1);
    this.queue.push(entry);
    entry.timer = this.after(entry.deadlineMs - this.nowMs(), () => {
      entry.timer = undefined;
      this.leaveQueue(entry);
      entry.done('timeout');
    });
    return entry;
  }

  /** Clears every timer; pending requests are never called back (the server drops their connections). */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.queue = [];
    this.queueHead = 0;
  }

  private start(entry: Entry): void {
    entry.state = 'processing';
    this.busySlots++;
    this.options.observer?.loadChanged(1, 1);
    const now = this.nowMs();
    const serviceTimeMs = drawServiceTimeMs(this.options.serviceTime, this.options.random);
    if (now + serviceTimeMs <= entry.deadlineMs) {
      this.after(serviceTimeMs, () => {
        entry.state = 'done';
        entry.done('served');
        this.release();
      });
      return;
    }
    // The gateway gives up at the deadline; the model still holds the slot until it finishes.
    this.after(entry.deadlineMs - now, () => {
      entry.state = 'done';
      entry.done('timeout');
    });
    this.after(serviceTimeMs, () => this.release());
  }

  private release(): void {
    this.busySlots--;
    this.options.observer?.loadChanged(-1, -1);
    const now = this.nowMs();
    while (this.busySlots < this.slots) {
      const next = this.nextQueued();
      if (next === undefined) return;
      clearTimeout(next.timer);
      if (next.timer !== undefined) this.timers.delete(next.timer);
      next.timer = undefined;
      this.leaveQueue(next);
      // Its timer is due but has not run yet: it is already late, so do not give it a slot.
      if (now >= next.deadlineMs) next.done('timeout');
      else this.start(next);
    }
  }

  private nextQueued(): Entry | undefined {
    while (this.queueHead < this.queue.length) {
      const entry = this.queue[this.queueHead++];
      if (entry.state === 'queued') {
        this.compactQueue();
        return entry;
      }
    }
    this.queue = [];
    this.queueHead = 0;
    return undefined;
  }

  private compactQueue(): void {
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
  }

  private leaveQueue(entry: Entry): void {
    if (entry.state !== 'queued') return;
    entry.state = 'done';
    this.queuedCount--;
    this.options.observer?.loadChanged(0, -1);
  }

  private cancel(entry: Entry): void {
    if (entry.state !== 'queued') return;
    if (entry.timer !== undefined) {
      clearTimeout(entry.timer);
      this.timers.delete(entry.timer);
      entry.timer = undefined;
    }
    this.leaveQueue(entry);
  }

  /** setTimeout that close() can clear. */
  private after(delayMs: number, run: () => void): NodeJS.Timeout {
    // A heavy lognormal tail can exceed setTimeout's limit, which Node would turn into 1 ms with a warning.
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, Math.min(Math.max(0, delayMs), MAX_TIMER_MS));
    this.timers.add(timer);
    return timer;
  }
}
