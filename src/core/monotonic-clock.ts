import { performance } from 'node:perf_hooks';

/**
 * One monotonic clock for scheduling and timing (never the wall clock, which can jump), in
 * microseconds since the process's time origin, plus the matching wall-clock time for stamping.
 */
export interface MonotonicClock {
  nowUs(): number;
  /** Wall-clock epoch ms at monotonic time `us`. */
  epochMsAt(us: number): number;
  /** Monotonic µs at wall-clock epoch ms. */
  usAtEpochMs(epochMs: number): number;
}

export const systemClock: MonotonicClock = {
  nowUs: () => performance.now() * 1000,
  epochMsAt: (us) => performance.timeOrigin + us / 1000,
  usAtEpochMs: (epochMs) => (epochMs - performance.timeOrigin) * 1000,
};
