import type { CapacityLoadSpec, LoadSpec, OpenLoadSpec, Plan } from '../plan.js';
import type { CapacityState } from '../capacity-search.js';
import { BurstPacer } from './burst-pacer.js';
import { ConcurrencyPacer } from './concurrency-pacer.js';
import { ConstantPacer } from './constant-pacer.js';
import type { OpenPacer, Pacer } from './pacer.js';
import { PhaseSequencePacer } from './phase-sequence-pacer.js';
import { RampPacer } from './ramp-pacer.js';
import { SpikePacer } from './spike-pacer.js';
import { StepPacer } from './step-pacer.js';

const US_PER_MS = 1000;

/**
 * The pacer of a validated load (durations in the plan are milliseconds). A capacity search decides its
 * rates as it goes: before it runs, its pacer is the opening ladder (doubling from startRps to maxRps),
 * an estimate; once it has run, `runPacer` gives the steps it took.
 */
export function pacerForLoad(load: LoadSpec): Pacer {
  switch (load.model) {
    case 'capacity':
      return capacityLadder(load);
    case 'concurrency':
      return new ConcurrencyPacer(load.vus, load.duration * US_PER_MS, load.thinkTime * US_PER_MS);
    case 'phases':
      return new PhaseSequencePacer(load.phases.map(openPacerForLoad));
    default:
      return openPacerForLoad(load);
  }
}

function openPacerForLoad(load: OpenLoadSpec): OpenPacer {
  switch (load.model) {
    case 'constant':
      return new ConstantPacer(load.rps, load.duration * US_PER_MS);
    case 'ramp':
      return new RampPacer(load.startRps, load.stages.map((s) => ({ rps: s.rps, durationUs: s.duration * US_PER_MS })));
    case 'step':
      return new StepPacer(load.steps.map((s) => ({ rps: s.rps, durationUs: s.duration * US_PER_MS })));
    case 'spike':
      return new SpikePacer(load.baseRps, load.spikeRps, load.duration * US_PER_MS, load.spikeAt * US_PER_MS, load.spikeDuration * US_PER_MS);
    case 'burst':
      return new BurstPacer(load.requests, load.bursts, load.interval * US_PER_MS);
  }
}

/** The highest arrival rate the load asks for, hits/s (for sizing connections and workers). */
export function peakRps(load: LoadSpec): number {
  switch (load.model) {
    case 'constant':
      return load.rps;
    case 'ramp':
      return Math.max(load.startRps, ...load.stages.map((s) => s.rps));
    case 'step':
      return Math.max(...load.steps.map((s) => s.rps));
    case 'spike':
      return Math.max(load.baseRps, load.spikeRps);
    case 'burst':
      return load.requests;
    case 'capacity':
      return load.maxRps;
    case 'concurrency':
      return 0;
    case 'phases':
      return Math.max(...load.phases.map(peakRps));
  }
}

/** Doubling steps from startRps up to maxRps, each warm-up + stepDuration long. */
function capacityLadder(load: CapacityLoadSpec): OpenPacer {
  const stepUs = (load.warmup + load.stepDuration) * US_PER_MS;
  const steps: { rps: number; durationUs: number }[] = [];
  for (let rps = load.startRps; steps.length < load.maxSteps; rps = Math.min(rps * 2, load.maxRps)) {
    steps.push({ rps, durationUs: stepUs });
    if (rps >= load.maxRps) break;
  }
  return new StepPacer(steps);
}

/**
 * The schedule a run actually followed: the plan's pacer, or for a capacity search the steps it took,
 * with the gaps between them at 0 rps (µs from the run's origin).
 */
export function runPacer(plan: Plan, capacity?: CapacityState): Pacer {
  if (plan.load.model !== 'capacity' || !capacity || capacity.steps.length === 0) return pacerForLoad(plan.load);
  const segments: { rps: number; durationUs: number }[] = [];
  let atUs = 0;
  for (const step of capacity.steps) {
    if (step.fromUs > atUs) segments.push({ rps: 0, durationUs: step.fromUs - atUs });
    segments.push({ rps: step.rps, durationUs: step.toUs - step.fromUs });
    atUs = step.toUs;
  }
  return new StepPacer(segments);
}

/** The longest the load can take, µs (a capacity search: every step it may take). */
export function maxLoadDurationUs(load: LoadSpec): number {
  if (load.model === 'capacity') return load.maxSteps * (load.warmup + load.stepDuration) * US_PER_MS;
  return pacerForLoad(load).durationUs;
}
