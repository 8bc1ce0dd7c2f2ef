import { afterEach, describe, expect, it } from 'vitest';
import { DeploymentSplit } from '../../src/core/deployment-split.js';
import { executeSlice } from '../../src/core/execute-slice.js';
import { parsePayloadLines } from '../../src/core/payload-bodies.js';
import { planSchema } from '../../src/core/plan.js';
import { summarizeRun } from '../../src/core/run-summary.js';
import { planSlices } from '../../src/core/slice.js';
import { MemoryRawWriter } from '../helpers/memory-raw-writer.js';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

let server: LoopbackServer | undefined;
let bodyServer: http.Server | undefined;
afterEach(async () => {
  await server?.close();
  bodyServer?.closeAllConnections();
  bodyServer?.close();
});

/** A server that keeps every request's body and headers. */
async function recordingServer() {
  const seen: { body: string; headers: http.IncomingHttpHeaders }[] = [];
  bodyServer = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ body, headers: req.headers });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => bodyServer!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(bodyServer.address() as AddressInfo).port}/score`, seen };
}

async function run(planInput: Record<string, unknown>, payloadFileText?: string) {
  const plan = planSchema.parse(planInput);
  const origin = Date.now() + 20;
  const slices = planSlices('run', plan, 2, origin);
  const writers = slices.map(() => new MemoryRawWriter());
  const outcomes = await Promise.all(slices.map((s, i) => executeSlice(s, plan, { payloadFileText, rawWriter: writers[i] })));
  return { outcomes, writers, ...summarizeRun({ runId: 'run', plan, slices: outcomes, originEpochMs: origin }) };
}

describe('payload files (JSONL)', () => {
  it('sends the lines in order, across workers, each as a JSON body, and records request sizes', async () => {
    const { url, seen } = await recordingServer();
    const lines = '{"input_data":[[1]]}\n\n{"input_data":[[2,2]]}\n{"input_data":[[3,3,3]]}\n';
    const { summary, writers } = await run({ target: { url }, payload: { file: 'inputs.jsonl' }, load: { model: 'constant', rps: 60, duration: '0.5s' } }, lines);
    expect(summary.requests.ok).toBe(30);
    const counts = new Map<string, number>();
    for (const s of seen) counts.set(s.body, (counts.get(s.body) ?? 0) + 1);
    expect([...counts.values()]).toEqual([10, 10, 10]);
    expect(seen.every((s) => s.headers['content-type'] === 'application/json')).toBe(true);
    const sizes = new Set(writers.flatMap((w) => w.samples().map((r) => r.bytesOut)));
    expect(sizes).toEqual(new Set([20, 22, 24]));
  });

  it('picks weighted lines in proportion to their weights', async () => {
    const { url, seen } = await recordingServer();
    const lines = '{"weight":3,"body":{"k":"heavy"}}\n{"weight":1,"body":{"k":"light"}}\n';
    await run({ target: { url }, payload: { file: 'w.jsonl', order: 'weighted' }, load: { model: 'constant', rps: 400, duration: '1s' } }, lines);
    const heavy = seen.filter((s) => s.body.includes('heavy')).length;
    expect(seen).toHaveLength(400);
    expect(heavy).toBeGreaterThan(260);
    expect(heavy).toBeLessThan(340);
  });

  it('fills placeholders in bodies and headers per request', async () => {
    const { url, seen } = await recordingServer();
    const unset = await run({
      target: { url, headers: { 'x-tenant': '{{env MLLOAD_TEST_TENANT}}' } },
      load: { model: 'constant', rps: 40, duration: '0.5s' },
    });
    // MLLOAD_TEST_TENANT unset: the slices fail as data, naming the variable, before sending anything.
    expect(seen).toHaveLength(0);
    expect(unset.outcomes.every((o) => o.status === 'error' && /MLLOAD_TEST_TENANT is not set/.test(o.error ?? ''))).toBe(true);
    expect(unset.summary.status).toBe('error');
    process.env.MLLOAD_TEST_TENANT = 'contoso';
    try {
      const { summary } = await run({
        target: { url, headers: { 'x-ms-client-request-id': '{{uuid}}', 'x-tenant': '{{env MLLOAD_TEST_TENANT}}' } },
        payload: { text: '{"seq":{{seq}},"dice":{{randomInt 1 6}},"color":"{{pick red green}}"}', contentType: 'application/json' },
        load: { model: 'constant', rps: 40, duration: '0.5s' },
      });
      expect(summary.requests.ok).toBe(20);
    } finally {
      delete process.env.MLLOAD_TEST_TENANT;
    }
    const bodies = seen.map((s) => JSON.parse(s.body) as { seq: number; dice: number; color: string });
    expect(bodies.map((b) => b.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(bodies.every((b) => b.dice >= 1 && b.dice <= 6 && ['red', 'green'].includes(b.color))).toBe(true);
    expect(new Set(seen.map((s) => s.headers['x-ms-client-request-id'])).size).toBe(20);
    expect(seen.every((s) => s.headers['x-tenant'] === 'contoso')).toBe(true);
  });

  it('reports every bad line with its line number', () => {
    const result = parsePayloadLines('{"a":1}\nnot json\n{"weight":0,"body":1}\n', 'weighted', 'in.jsonl');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => p.path)).toEqual(['in.jsonl:1', 'in.jsonl:2', 'in.jsonl:3']);
    expect(parsePayloadLines('\n\n', 'sequential', 'e.jsonl')).toEqual({ ok: false, problems: [{ path: 'e.jsonl', message: 'has no payload lines' }] });
  });
});

describe('deployments', () => {
  it('splits hits by weight, deterministically', () => {
    const split = new DeploymentSplit([{ name: 'blue', weight: 90 }, { name: 'green', weight: 10 }]);
    const counts = { blue: 0, green: 0 } as Record<string, number>;
    for (let n = 0; n < 1000; n++) counts[split.pick(n)]++;
    expect(Math.abs(counts.green - 100)).toBeLessThanOrEqual(2);
  });

  it('sends azureml-model-deployment per request and breaks results down by deployment, even without an echo', async () => {
    const { url, seen } = await recordingServer();
    const { summary } = await run({
      target: { url, deployments: [{ name: 'blue', weight: 3 }, { name: 'green', weight: 1 }] },
      payload: { body: { input_data: [[1]] } },
      load: { model: 'constant', rps: 200, duration: '1s' },
    });
    const green = seen.filter((s) => s.headers['azureml-model-deployment'] === 'green').length;
    expect(Math.abs(green - 50)).toBeLessThanOrEqual(2);
    expect(summary.byDeployment.green.completed).toBe(green);
    expect(summary.byDeployment.blue.completed).toBe(200 - green);
  });

  it('prefers the deployment the response names', async () => {
    server = await startLoopbackServer((_req, res) => {
      res.setHeader('azureml-model-deployment', 'actual');
      res.end('{}');
    });
    const { summary } = await run({ target: { url: `${server.url}/score`, deployments: [{ name: 'asked', weight: 1 }] }, load: { model: 'constant', rps: 20, duration: '0.5s' } });
    expect(Object.keys(summary.byDeployment)).toEqual(['actual']);
  });
});
