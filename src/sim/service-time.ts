import type { RandomSource } from './seeded-random.js';

/** How long the simulated model takes per request: a constant, or lognormal from its median and p99. */
export type ServiceTimeSpec = { fixedMs: number } | { medianMs: number; p99Ms: number };

/** z such that P(Z ≤ z) = 0.99 for a standard normal Z. */
export const Z_P99 = 2.326348;

export interface LognormalParams {
  /** Mean of ln(serviceTimeMs). */
  mu: number;
  /** Standard deviation of ln(serviceTimeMs). */
  sigma: number;
}

/** ln X is normal: its median is e^mu, and its p99 is e^(mu + z99·sigma). */
export function lognormalParams(medianMs: number, p99Ms: number): LognormalParams {
  const mu = Math.log(medianMs);
  return { mu, sigma: (Math.log(p99Ms) - mu) / Z_P99 };
}

/** Mean service time, which is what capacity depends on (a lognormal's mean is above its median). */
export function meanServiceTimeMs(spec: ServiceTimeSpec): number {
  if ('fixedMs' in spec) return spec.fixedMs;
  const { mu, sigma } = lognormalParams(spec.medianMs, spec.p99Ms);
  return Math.exp(mu + (sigma * sigma) / 2);
}

/** One standard normal draw (Box–Muller); 1 − u keeps the log away from 0. */
function standardNormal(random: RandomSource): number {
  const u1 = 1 - random();
  const u2 = random();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Draws one service time in ms. Pure apart from the random source, so a seeded source repeats. */
export function drawServiceTimeMs(spec: ServiceTimeSpec, random: RandomSource): number {
  if ('fixedMs' in spec) return spec.fixedMs;
  const { mu, sigma } = lognormalParams(spec.medianMs, spec.p99Ms);
  return Math.exp(mu + sigma * standardNormal(random));
}

/** Short human text, e.g. "fixed 50 ms" or "lognormal median 40 ms, p99 200 ms (mean 52.3 ms)". */
export function describeServiceTime(spec: ServiceTimeSpec): string {
  if ('fixedMs' in spec) return `fixed ${spec.fixedMs} ms`;
  const meanMs = Math.round(meanServiceTimeMs(spec) * 10) / 10;
  return `lognormal median ${spec.medianMs} ms, p99 ${spec.p99Ms} ms (mean ${meanMs} ms)`;
}
