import type { RawSampleStore } from './raw-sample-store.js';
import type { RunStore } from './run-store.js';
import type { SliceStore } from './slice-store.js';

/** Everything a run writes: each store adapter implements all three ports. */
export type ResultStore = RunStore & SliceStore & RawSampleStore;
