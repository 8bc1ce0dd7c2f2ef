import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type GcFunction = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async' }) => void;

let gcFunction: GcFunction | null | undefined;

/**
 * V8's `gc` function without starting Node with --expose-gc: the flag set at run time exposes `gc` in
 * contexts made afterwards, so a new vm context hands it over (the caller's context gets no global
 * `gc`). null when this V8 does not.
 */
function exposedGc(): GcFunction | null {
  if (gcFunction !== undefined) return gcFunction;
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('typeof gc === "function" ? gc : null');
    gcFunction = typeof gc === 'function' ? (gc as GcFunction) : null;
  } catch {
    gcFunction = null;
  }
  return gcFunction;
}

/**
 * Moves what the young generation holds to the old one with two minor GCs (the first copies live young
 * objects to the survivor space, the second promotes them), for a slice just before its start: the send
 * path and the connections opened in the last few hundred milliseconds are then not copied by the run's
 * first scavenges, which took 3–5 ms each at the start of `mlload run` (--trace-gc; docs/benchmarks.md,
 * issue 8, seventh pass). Minor GCs only: a full one (≈ 13 ms here) was measured to help less. Returns
 * how long it took, ms, or -1 when V8 offers no `gc`.
 */
export function promoteYoungObjects(): number {
  const gc = exposedGc();
  if (gc === null) return -1;
  const startMs = performance.now();
  gc({ type: 'minor' });
  gc({ type: 'minor' });
  return performance.now() - startMs;
}
