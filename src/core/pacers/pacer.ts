/**
 * A pacer says when hits are due. Open pacers fix the whole arrival schedule in advance (the target's
 * speed changes nothing); the closed pacer lets each virtual user send again when its last hit ends.
 * Times are microseconds from the start of the load, on the scheduler's monotonic clock.
 */
export interface OpenPacer {
  readonly kind: 'open';
  /** Length of the load, µs. */
  readonly durationUs: number;
  /** How many hits the load asks for. */
  readonly totalHits: number;
  /** When hit n (0 ≤ n < totalHits) is due, µs from the start. Never decreases as n grows. */
  dueUs(n: number): number;
  /** Target arrival rate at tUs, hits per second. */
  rateAt(tUs: number): number;
}

export interface ClosedPacer {
  readonly kind: 'closed';
  readonly durationUs: number;
  /** Virtual users, each with at most one hit in flight. */
  readonly vus: number;
  /** When a virtual user whose previous hit ended at previousEndUs sends its next one; Infinity when the load is over. */
  nextDueUs(previousEndUs: number): number;
}

export type Pacer = OpenPacer | ClosedPacer;

/** The first hit n with dueUs(n) ≥ tUs (totalHits when none), by binary search. */
export function firstHitAtOrAfter(pacer: OpenPacer, tUs: number): number {
  let low = 0;
  let high = pacer.totalHits;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (pacer.dueUs(mid) < tUs) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Hits due in [fromUs, toUs). */
export function hitsBetween(pacer: OpenPacer, fromUs: number, toUs: number): number {
  return firstHitAtOrAfter(pacer, toUs) - firstHitAtOrAfter(pacer, fromUs);
}
