import type { Plan } from '../core/plan.js';
import { peakRps } from '../core/pacers/pacer-for-load.js';
import { classifyAddress } from '../core/target-policy.js';

/**
 * From this rate per worker the scheduler polls every event-loop turn (it waits under 2 ms for each
 * next hit, for sub-millisecond pacing), so each worker keeps a core busy.
 */
const POLLING_RPS_PER_WORKER = 500;

/**
 * A note for `mlload run` when its workers and a target on this same machine crowd the cores: with
 * as many polling workers as cores, the target (and the workers' own I/O) wait for a core and
 * schedule lag grows — measured with 2 workers on 2 cores against nginx on loopback: lag p99
 * 26–230 ms where one worker held 1 ms (docs/benchmarks.md, target 5). Undefined when all is well.
 */
export function crowdedCoresHint(plan: Plan, workers: number, cores: number): string | undefined {
  if (workers < 2 || workers < cores) return undefined;
  if (peakRps(plan.load) / workers < POLLING_RPS_PER_WORKER) return undefined;
  const host = new URL(plan.target.url).hostname;
  if (host !== 'localhost' && classifyAddress(host) !== 'loopback') return undefined;
  const fewer = Math.max(1, cores - 1);
  return (
    `note: ${workers} workers on ${cores} cores with the target on this machine: from ${POLLING_RPS_PER_WORKER} rps per worker each worker keeps a core busy ` +
    `for sub-millisecond pacing, so the target and the workers wait for cores and schedule lag grows; --workers ${fewer} measures more faithfully here`
  );
}
