import { z } from 'zod';
import { parseDurationMs } from './duration.js';

/**
 * The plan: what to hit, with what, how hard, and what counts as passing (DESIGN §3).
 * Defined once here; the TypeScript types are inferred from these schemas, and
 * schema/plan.schema.json is generated from them.
 */

const duration = z
  .union([z.number().nonnegative(), z.string()])
  .transform((value, ctx) => {
    const ms = parseDurationMs(value);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a duration (use e.g. "500ms", "30s", "5m", "1h" or a number of seconds)` });
      return z.NEVER;
    }
    return ms;
  })
  .describe('A duration: a number of seconds, or text such as "500ms", "30s", "5m", "1h30m". Parsed to milliseconds.');

const rps = z.number().nonnegative().max(1_000_000);
const positiveRps = z.number().positive().max(1_000_000);
const label = z.string().max(128).optional().describe('A label for this load or phase, shown in reports.');

export const constantLoadSchema = z.strictObject({
  model: z.literal('constant'),
  name: label,
  rps: positiveRps.describe('Arrivals per second.'),
  duration,
});

export const rampLoadSchema = z.strictObject({
  model: z.literal('ramp'),
  name: label,
  startRps: rps.default(0).describe('Rate at the start of the first stage.'),
  stages: z
    .array(z.strictObject({ rps: rps.describe('Rate reached at the end of this stage.'), duration }))
    .min(1)
    .describe('Each stage moves the rate linearly from the previous rate to its own rps over its duration.'),
});

export const stepLoadSchema = z.strictObject({
  model: z.literal('step'),
  name: label,
  steps: z
    .array(z.strictObject({ rps, duration }))
    .min(1)
    .describe('The rate jumps to each step\'s rps at the step\'s start and holds it for its duration.'),
});

export const spikeLoadSchema = z
  .strictObject({
    model: z.literal('spike'),
    name: label,
    baseRps: rps.describe('Rate before and after the spike.'),
    spikeRps: positiveRps.describe('Rate during the spike.'),
    duration,
    spikeAt: duration.describe('When the spike starts, from the start of the load.'),
    spikeDuration: duration.describe('How long the spike lasts.'),
  })
  .check((ctx) => {
    const v = ctx.value;
    if (v.spikeAt + v.spikeDuration > v.duration) {
      ctx.issues.push({ code: 'custom', input: v, path: ['spikeDuration'], message: 'spikeAt + spikeDuration must not exceed duration' });
    }
  });

export const burstLoadSchema = z.strictObject({
  model: z.literal('burst'),
  name: label,
  requests: z.number().int().min(1).max(10_000_000).describe('Requests sent at once in each burst.'),
  bursts: z.number().int().min(1).max(100_000).default(1).describe('How many bursts.'),
  interval: duration.default(1000).describe('Time between the starts of two bursts.'),
});

export const concurrencyLoadSchema = z.strictObject({
  model: z.literal('concurrency'),
  name: label,
  vus: z.number().int().min(1).max(100_000).describe('Virtual users; each sends its next request when its previous one ends (closed model).'),
  duration,
  thinkTime: duration.default(0).describe('Pause of each virtual user between a response and its next request.'),
});

/** Open models: the arrival schedule does not depend on the target's responses. */
export const openLoadSchema = z.discriminatedUnion('model', [
  constantLoadSchema,
  rampLoadSchema,
  stepLoadSchema,
  spikeLoadSchema,
  burstLoadSchema,
]);

export const phasesLoadSchema = z.strictObject({
  model: z.literal('phases'),
  name: label,
  phases: z.array(openLoadSchema).min(1).describe('Open-model loads run one after another, each starting when the previous one ends.'),
});

export const capacityLoadSchema = z
  .strictObject({
    model: z.literal('capacity'),
    name: label,
    startRps: positiveRps.describe('Rate of the first step.'),
    maxRps: positiveRps.describe('Never step above this rate.'),
    stepDuration: duration.describe('How long each step is judged (after its warm-up).'),
    warmup: duration.default(10_000).describe('Start of each step that is not judged.'),
    slo: z
      .strictObject({
        p95Ms: z.number().positive().optional(),
        p99Ms: z.number().positive().optional(),
        errorRate: z.number().min(0).max(1).default(0.01).describe('Largest share of non-2xx responses (429s included) a passing step may have.'),
      })
      .describe('What a step must meet to pass.'),
    tolerancePct: z.number().min(0.5).max(50).default(5).describe('Stop bisecting when the last pass and the first fail are this close (% of the pass).'),
    maxSteps: z.number().int().min(2).max(40).default(20),
  })
  .check((ctx) => {
    if (ctx.value.startRps > ctx.value.maxRps) ctx.issues.push({ code: 'custom', input: ctx.value, path: ['startRps'], message: 'must not exceed maxRps' });
    if (ctx.value.slo.p95Ms === undefined && ctx.value.slo.p99Ms === undefined) {
      ctx.issues.push({ code: 'custom', input: ctx.value, path: ['slo'], message: 'needs a latency objective: p95Ms or p99Ms' });
    }
  });

export const loadSchema = z.discriminatedUnion('model', [
  capacityLoadSchema,
  constantLoadSchema,
  rampLoadSchema,
  stepLoadSchema,
  spikeLoadSchema,
  burstLoadSchema,
  concurrencyLoadSchema,
  phasesLoadSchema,
]);

const httpUrl = z.string().refine(
  (text) => {
    try {
      const url = new URL(text);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
    } catch {
      return false;
    }
  },
  { message: 'must be an absolute http:// or https:// URL' },
);

export const authSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({
    type: z.literal('key'),
    setting: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the name of an environment variable or app setting, not the key itself')
      .describe('Name of the environment variable / app setting holding the key. The value is read at run time and never stored.'),
    header: z.string().min(1).default('Authorization').describe('Header that carries the key.'),
    scheme: z.string().default('Bearer').describe('Prefix before the key when the header is Authorization.'),
  }),
  z.strictObject({
    type: z.literal('managedIdentity'),
    scope: z.string().min(1).default('https://ml.azure.com/.default'),
    clientId: z.string().optional().describe('Client id of a user-assigned identity; AZURE_CLIENT_ID otherwise.'),
  }),
]);

const ENDPOINT_RESOURCE_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/[^/]+\/onlineEndpoints\/[^/]+$/i;
const DEPLOYMENT_RESOURCE_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/[^/]+\/onlineEndpoints\/[^/]+\/deployments\/[^/]+$/i;

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Request headers that frame the request; the HTTP client sets them. */
const FRAMING_HEADERS = ['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'expect'];

export const targetSchema = z
  .strictObject({
  url: httpUrl.describe('Scoring URL, e.g. https://<endpoint>.<region>.inference.ml.azure.com/score'),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']).default('POST'),
  deployment: z.string().min(1).max(64).optional().describe('Sends azureml-model-deployment: <deployment> to target one deployment.'),
  deployments: z
    .array(z.strictObject({ name: z.string().min(1).max(64), weight: z.number().positive() }))
    .min(1)
    .max(20)
    .optional()
    .describe('Splits traffic by the azureml-model-deployment header, in proportion to the weights.'),
  auth: authSchema.default({ type: 'none' }),
  headers: z
    .record(z.string(), z.string())
    .superRefine((headers, ctx) => {
      for (const [name, value] of Object.entries(headers)) {
        const problem = !HEADER_NAME.test(name)
          ? 'is not a valid header name'
          : FRAMING_HEADERS.includes(name.toLowerCase())
            ? 'is set by mlload (from the body and keep-alive) and cannot be given'
            : /[\r\n\0]/.test(value)
              ? 'has a line break or NUL in its value'
              : undefined;
        if (problem) ctx.addIssue({ code: 'custom', path: [name], message: `header ${JSON.stringify(name)} ${problem}` });
      }
    })
    .default({})
    .describe('Request headers; values may use {{uuid}}.'),
  timeoutMs: z.number().int().min(1).max(600_000).default(30_000).describe('Whole-request timeout, from send to last byte.'),
  connections: z.number().int().min(1).max(65_536).optional().describe('Connection limit per worker; default sized from maxInFlight.'),
  maxResponseBytes: z.number().int().min(0).max(1_073_741_824).default(10 * 1024 * 1024).describe('Response bodies are read up to this size; larger ones fail with body_too_large.'),
  streaming: z.boolean().default(false).describe('Parse every response as a token stream (SSE); text/event-stream responses are parsed anyway.'),
  httpClient: z
    .enum(['lean', 'undici'])
    .default('lean')
    .describe('HTTP/1.1 client of the load: "lean" (mlload\'s own connection, the fastest) or "undici" (undici\'s Client, the fallback should a server trip the lean one).'),
  resourceId: z
    .string()
    .regex(ENDPOINT_RESOURCE_ID, 'must be an online endpoint ARM id: /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.MachineLearningServices/workspaces/<ws>/onlineEndpoints/<endpoint>')
    .optional()
    .describe('Azure ML online endpoint ARM id: its Azure Monitor metrics are fetched for the run\'s window and joined into the summary (docs/endpoint-metrics.md).'),
  deploymentResourceId: z
    .string()
    .regex(DEPLOYMENT_RESOURCE_ID, 'must be an online deployment ARM id: <endpoint id>/deployments/<deployment>')
    .optional()
    .describe('Deployment ARM id for CPU/memory/GPU/instance metrics; default <resourceId>/deployments/<deployment> when target.deployment is set.'),
  logAnalyticsWorkspaceId: z
    .string()
    .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a Log Analytics workspace id (a GUID: the workspace\'s "Workspace ID")')
    .optional()
    .describe('Log Analytics workspace receiving the endpoint\'s AmlOnlineEndpointTrafficLog: server-side durations and status codes for the run\'s window.'),
  })
  .check((ctx) => {
    if (ctx.value.deployment !== undefined && ctx.value.deployments !== undefined) {
      ctx.issues.push({ code: 'custom', input: ctx.value, path: ['deployments'], message: 'give either deployment or deployments, not both' });
    }
    const { resourceId, deploymentResourceId } = ctx.value;
    if (resourceId !== undefined && deploymentResourceId !== undefined && !deploymentResourceId.toLowerCase().startsWith(`${resourceId.toLowerCase()}/deployments/`)) {
      ctx.issues.push({ code: 'custom', input: ctx.value, path: ['deploymentResourceId'], message: 'must be a deployment of target.resourceId' });
    }
  });

export const retrySchema = z
  .strictObject({
    policy: z.enum(['none', 'honor-retry-after']).default('none').describe('none: an open model does not retry. honor-retry-after: retry 429/503 after retry-after-ms, then retry-after, with jitter.'),
    maxRetries: z.number().int().min(0).max(10).default(3),
    maxDelayMs: z.number().int().min(0).max(600_000).default(30_000).describe('Longest wait before a retry, whatever the server asks.'),
  })
  .describe('Retries never delay the arrival schedule; first-attempt and end-to-end latency are reported apart.');

export const costSchema = z
  .strictObject({
    instanceHourlyPrice: z.number().nonnegative().describe('Price of one endpoint instance per hour (your currency).'),
    instances: z.number().int().min(1).describe('Instances serving during the run.'),
    currency: z.string().max(8).default('USD'),
  })
  .describe('Turns rates into cost per 1,000 requests.');

export const sizingSchema = z
  .strictObject({
    targetRps: positiveRps.optional().describe('Rate to size for; default: the capacity found by a capacity search, else the achieved rate.'),
    targetUtilization: z.number().gt(0).max(1).default(0.7).describe('Share of each instance\'s concurrency planned to be busy (headroom for bursts).'),
    maxConcurrentRequestsPerInstance: z.number().int().min(1).max(1000).optional().describe('The deployment\'s request_settings.max_concurrent_requests_per_instance (Azure ML default 1; tag maxConcurrentRequestsPerInstance also works).'),
    instances: z.number().int().min(1).max(1000).optional().describe('Instances serving during the run; default cost.instances, tag instances, else the DeploymentCapacity metric.'),
    latencyMs: z.number().positive().optional().describe('Latency to size with; default the run\'s client p95.'),
    instanceHourlyPrice: z.number().nonnegative().optional().describe('Price of one instance per hour; default cost.instanceHourlyPrice.'),
    currency: z.string().max(8).optional().describe('Currency of the price; default cost.currency, else USD.'),
  })
  .describe('Instance-count recommendation: ceil(rps × latency_s ÷ targetUtilization ÷ maxConcurrentRequestsPerInstance) (docs/endpoint-metrics.md).');

export const payloadSchema = z
  .strictObject({
    body: z.unknown().optional().describe('JSON body sent with every request.'),
    text: z.string().optional().describe('Raw text body sent with every request.'),
    file: z
      .string()
      .min(1)
      .max(1024)
      .optional()
      .describe('JSONL file of bodies, one JSON value per line: a path (relative to the plan file) locally, a blob name in the plans container in Azure.'),
    order: z.enum(['sequential', 'random', 'weighted']).default('sequential').describe('How lines of payload.file are picked; weighted lines look like {"weight": 3, "body": {…}}.'),
    contentType: z.string().optional().describe('Content-Type; application/json for body and file, text/plain for text.'),
  })
  .check((ctx) => {
    const given = (['body', 'text', 'file'] as const).filter((key) => ctx.value[key] !== undefined);
    if (given.length > 1) {
      ctx.issues.push({ code: 'custom', input: ctx.value, path: [given[1]], message: `give one of body, text or file, not ${given.join(' and ')}` });
    }
  });

export const thresholdsSchema = z.strictObject({
  p50Ms: z.number().positive().optional(),
  p90Ms: z.number().positive().optional(),
  p95Ms: z.number().positive().optional(),
  p99Ms: z.number().positive().optional(),
  p999Ms: z.number().positive().optional(),
  maxMs: z.number().positive().optional(),
  meanMs: z.number().positive().optional(),
  errorRate: z.number().min(0).max(1).optional().describe('Largest allowed share of requests that were not 2xx (429s included).'),
  throttleRate: z.number().min(0).max(1).optional().describe('Largest allowed share of 429 responses.'),
  minAchievedRps: z.number().nonnegative().optional().describe('Smallest allowed achieved send rate.'),
});

export const baselineSchema = z
  .strictObject({
    runs: z.number().int().min(1).max(100).default(7).describe('How many previous passed runs of this plan name the baseline is the median of.'),
    p95Pct: z.number().nonnegative().default(10).describe('Regressed when latency p95 rises more than this many % over the baseline p95.'),
    errorRateAbs: z.number().min(0).max(1).default(0.005).describe('Regressed when the error rate rises more than this (absolute share: 0.005 = 0.5 percentage point).'),
    throughputPct: z.number().min(0).max(100).default(5).describe('Regressed when throughput falls more than this many % under the baseline throughput.'),
  })
  .describe('Judge each run against the median of the previous passed runs of the same plan name (nightly regressions). A regressed run keeps its status; mlload run exits 1.');

export const planSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit')
    .default('plan'),
  description: z.string().max(2000).optional(),
  target: targetSchema,
  payload: payloadSchema.default({ order: 'sequential' }),
  load: loadSchema,
  workers: z.union([z.number().int().min(1).max(1000), z.literal('auto')]).default(1),
  maxInFlight: z.number().int().min(1).max(1_000_000).default(1000).describe('Open model: past this many requests in flight (all workers together), arrivals are dropped and counted.'),
  thresholds: thresholdsSchema.default({}),
  retry: retrySchema.default({ policy: 'none', maxRetries: 3, maxDelayMs: 30_000 }),
  cost: costSchema.optional(),
  sizing: sizingSchema.optional(),
  tags: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  baseline: baselineSchema.optional(),
});

export type PlanInput = z.input<typeof planSchema>;
export type Plan = z.output<typeof planSchema>;
export type LoadSpec = Plan['load'];
export type OpenLoadSpec = z.output<typeof openLoadSchema>;
export type ConcurrencyLoadSpec = z.output<typeof concurrencyLoadSchema>;
export type CapacityLoadSpec = z.output<typeof capacityLoadSchema>;
export type Thresholds = Plan['thresholds'];
export type AuthSpec = Plan['target']['auth'];
