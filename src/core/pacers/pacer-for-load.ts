import type { LoadSpec, OpenLoadSpec } from '../plan.js';
import { BurstPacer } from './burst-pacer.js';
import { ConcurrencyPacer } from './concurrency-pacer.js';
import { ConstantPacer } from './constant-pacer.js';
import type { OpenPacer, Pacer } from './pacer.js';
import { PhaseSequencePacer } from './phase-sequence-pacer.js';
import { RampPacer } from './ramp-pacer.js';
import { SpikePacer } from './spike-pacer.js';
import { StepPacer } from './step-pacer.js';

const US_PER_MS = 1000;

/** The pacer of a validated load (durations in the plan are milliseconds). */
export function pacerForLoad(load: LoadSpec): Pacer {
  switch (load.model) {
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
    case 'concurrency':
      return 0;
    case 'phases':
      return Math.max(...load.phases.map(peakRps));
  }
}
