import { z } from 'zod';
import type { PlanInput } from './plan.js';
import { problemsFromZod, type PlanResult } from './plan-problem.js';

/**
 * The `load_config.json` of the Python scripts this project grew from:
 * `{ url, headers, data, load_profiles: [ { name, type: "constant", requests_per_second, duration }
 *   | { name, type: "ramp", start_requests, end_requests, duration } ] }` (durations in seconds).
 * Each profile becomes a phase. Unlike the script, which sends a batch and then sleeps a second
 * (so it under-delivers whenever responses take time), the rates asked for are actually delivered.
 */
const constantProfile = z.strictObject({
  name: z.string().optional(),
  type: z.literal('constant'),
  requests_per_second: z.number().positive(),
  duration: z.number().positive(),
});

const rampProfile = z.strictObject({
  name: z.string().optional(),
  type: z.literal('ramp'),
  start_requests: z.number().nonnegative(),
  end_requests: z.number().nonnegative(),
  duration: z.number().positive(),
});

export const blogConfigSchema = z.looseObject({
  url: z.string(),
  headers: z.record(z.string(), z.string()).default({}),
  data: z.unknown().optional(),
  load_profiles: z.array(z.discriminatedUnion('type', [constantProfile, rampProfile])).min(1),
});

export function isBlogConfig(input: unknown): boolean {
  return typeof input === 'object' && input !== null && 'load_profiles' in input;
}

/** The blog config as a plan input; the plan schema then validates it like any other plan. */
export function blogConfigToPlan(input: unknown, name = 'load_config'): PlanResult<PlanInput> {
  const parsed = blogConfigSchema.safeParse(input);
  if (!parsed.success) return { ok: false, problems: problemsFromZod(parsed.error) };
  const config = parsed.data;
  const phases = config.load_profiles.map((profile) =>
    profile.type === 'constant'
      ? { model: 'constant' as const, name: profile.name, rps: profile.requests_per_second, duration: profile.duration }
      : {
          model: 'ramp' as const,
          name: profile.name,
          startRps: profile.start_requests,
          stages: [{ rps: profile.end_requests, duration: profile.duration }],
        },
  );
  return {
    ok: true,
    value: {
      name,
      target: { url: config.url, method: 'POST', headers: config.headers },
      payload: config.data === undefined ? {} : { body: config.data },
      load: { model: 'phases', phases },
    },
  };
}
