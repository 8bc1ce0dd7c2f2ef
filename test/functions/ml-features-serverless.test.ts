import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type RunningServe } from '../../src/cli/commands/serve-command.js';
import type { RunSummary } from '../../src/core/run-summary.js';
import { startSimulator, type RunningSimulator } from '../../src/sim/simulator.js';

/** The ML features through the serverless path: mlload serve (same handlers as the Function app), in-process queue, file store. */
let sim: RunningSimulator;
let serve: RunningServe;
let plansDir: string;

beforeAll(async () => {
  sim = await startSimulator({
    instances: 1,
    maxConcurrentRequestsPerInstance: 4,
    serviceTime: { fixedMs: 20 },
    deployments: [{ name: 'blue', weight: 80 }, { name: 'green', weight: 20 }],
    chat: { ttftMs: 120, interTokenMs: 20, outputTokens: 6 },
  });
  const root = mkdtempSync(path.join(os.tmpdir(), 'mlload-ml-serve-'));
  plansDir = path.join(root, 'plans');
  mkdirSync(plansDir);
  writeFileSync(path.join(plansDir, 'bodies.jsonl'), '{"input_data":[[1]]}\n{"input_data":[[2,2]]}\n');
  serve = await startServe(
    { host: '127.0.0.1', port: '0', out: path.join(root, 'results'), plans: plansDir, quiet: true },
    { ALLOWED_TARGET_HOSTS: '127.0.0.1', START_LEAD_SECONDS: '0.5', SLICE_GRACE_SECONDS: '30' },
  );
});
afterAll(async () => {
  await serve?.close();
  await sim?.close();
});

async function runToEnd(plan: unknown): Promise<RunSummary> {
  const response = await fetch(`${serve.server.url}/api/runs`, { method: 'POST', body: JSON.stringify(plan) });
  expect(response.status, await response.clone().text()).toBe(202);
  const { statusUrl } = (await response.json()) as { statusUrl: string };
  for (let i = 0; i < 160; i++) {
    await new Promise((r) => setTimeout(r, 250));
    const body = (await (await fetch(statusUrl)).json()) as { status: string; summary?: RunSummary };
    if (body.summary) return body.summary;
  }
  throw new Error('the run did not finish in time');
}

describe('ML features through the serverless path', () => {
  it('runs a capacity search step by step through the queue, workers stepping together', async () => {
    const summary = await runToEnd({
      name: 'serve-capacity',
      target: { url: `${sim.url}/score`, deployment: 'blue' },
      payload: { body: { input_data: [[1]] } },
      load: { model: 'capacity', startRps: 60, maxRps: 480, warmup: '300ms', stepDuration: '1s', slo: { p95Ms: 150 }, tolerancePct: 15 },
      workers: 2,
    });
    expect(summary.status).toBe('passed');
    expect(summary.capacity!.done).toBe(true);
    // 4 slots × 20 ms: 200 rps.
    expect(summary.capacity!.maxRps).toBeGreaterThanOrEqual(100);
    expect(summary.capacity!.maxRps).toBeLessThanOrEqual(210);
    expect(summary.slices.reported).toBe(summary.capacity!.steps.length * 2);
  });

  it('streams chat completions and reports token figures', async () => {
    const summary = await runToEnd({
      name: 'serve-stream',
      target: { url: `${sim.url}/v1/chat/completions` },
      payload: { body: { messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } } },
      load: { model: 'constant', rps: 8, duration: '1s' },
    });
    expect(summary.streaming).toMatchObject({ requests: 8, outputTokens: 48, tokenCount: 'usage' });
    expect(summary.streaming!.ttftMs.p50).toBeGreaterThanOrEqual(118);
  });

  it('reads a payload file from the plans, splits deployments by weight, and reports each', async () => {
    const summary = await runToEnd({
      name: 'serve-dataset',
      target: { url: `${sim.url}/score`, deployments: [{ name: 'blue', weight: 1 }, { name: 'green', weight: 1 }] },
      payload: { file: 'bodies.jsonl' },
      load: { model: 'constant', rps: 40, duration: '1s' },
    });
    expect(summary.requests.ok).toBe(40);
    expect(Math.abs(summary.byDeployment.blue.completed - 20)).toBeLessThanOrEqual(1);
    expect(summary.byDeployment.blue.completed + summary.byDeployment.green.completed).toBe(40);
  });

  it('refuses a payload file that is not beside the plans, with 400', async () => {
    const response = await fetch(`${serve.server.url}/api/runs`, {
      method: 'POST',
      body: JSON.stringify({ target: { url: `${sim.url}/score` }, payload: { file: 'missing.jsonl' }, load: { model: 'constant', rps: 1, duration: '1s' } }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('missing.jsonl was not found');
  });
});
