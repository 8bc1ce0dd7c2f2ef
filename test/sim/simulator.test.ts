import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { routeRequest } from '../../src/sim/deployment-router.js';
import { createRandom } from '../../src/sim/seeded-random.js';
import { drawServiceTimeMs, meanServiceTimeMs } from '../../src/sim/service-time.js';
import {
  describeSimulator,
  simulatorCapacityRps,
  startSimulator,
  validateSimulatorOptions,
  type RunningSimulator,
  type SimulatorOptions,
} from '../../src/sim/simulator.js';

// One client for the file: unlimited connections per origin, so "at once" really is at once.
const agent = new Agent();
const running: RunningSimulator[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.close()));
});
afterAll(async () => {
  await agent.close();
});

async function sim(options: SimulatorOptions): Promise<RunningSimulator> {
  const started = await startSimulator(options);
  running.push(started);
  return started;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  ms: number;
}

async function call(
  url: string,
  init: { method?: 'GET' | 'POST'; path?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  const start = performance.now();
  const res = await request(`${url}${init.path ?? '/score'}`, {
    dispatcher: agent,
    method: init.method ?? 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: (init.method ?? 'POST') === 'POST' ? (init.body ?? '{"input_data":[[1,2,3]]}') : undefined,
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, ms: performance.now() - start };
}

const fireAtOnce = (url: string, count: number, headers?: Record<string, string>): Promise<Reply[]> =>
  Promise.all(Array.from({ length: count }, () => call(url, { headers })));

const statuses = (replies: Reply[]): number[] => replies.map((r) => r.status).sort((a, b) => a - b);
const byTime = (replies: Reply[]): Reply[] => [...replies].sort((a, b) => a.ms - b.ms);

describe('capacity', () => {
  const options: SimulatorOptions = { instances: 2, maxConcurrentRequestsPerInstance: 2, serviceTime: { fixedMs: 100 } };

  it('is slots ÷ mean service time over weighted deployments, and is described', async () => {
    expect(simulatorCapacityRps(options)).toBe(40);
    const s = await sim(options);
    expect(s.capacityRps).toBe(40);
    const text = describeSimulator(s, options);
    expect(text).toContain(s.url);
    expect(text).toContain('≈ 40 rps');
    expect(text).toContain('2 instance(s) × 2 concurrent = 4 slot(s)');
    expect(text).toContain('fixed 100 ms');
    expect(text).toContain('5000 ms');
    // Lognormal capacity uses the mean, which is above the median; weight-0 deployments add nothing.
    const lognormal = { medianMs: 100, p99Ms: 400 };
    const sigma = Math.log(4) / 2.326348;
    expect(meanServiceTimeMs(lognormal)).toBeCloseTo(100 * Math.exp((sigma * sigma) / 2), 9);
    expect(
      simulatorCapacityRps({
        serviceTime: lognormal,
        deployments: [
          { name: 'blue', weight: 100, instances: 3 },
          { name: 'green', weight: 0, instances: 10 },
        ],
      }),
    ).toBeCloseTo(3 / (meanServiceTimeMs(lognormal) / 1000), 9);
  });

  it('serves as many requests at once as it has slots', async () => {
    const s = await sim(options);
    const replies = await fireAtOnce(s.url, 4);
    expect(statuses(replies)).toEqual([200, 200, 200, 200]);
    for (const r of replies) {
      expect(r.ms).toBeGreaterThanOrEqual(95);
      expect(r.ms).toBeLessThan(180); // ≈100 ms, not 200: nobody queued
    }
    expect(s.stats().maxConcurrentProcessing).toBe(4);
  });

  it('queues requests past the slots (FIFO) and serves them after', async () => {
    const s = await sim(options);
    const replies = byTime(await fireAtOnce(s.url, 8));
    expect(statuses(replies)).toEqual(Array(8).fill(200));
    for (const r of replies.slice(0, 4)) expect(r.ms).toBeLessThan(180);
    for (const r of replies.slice(4)) {
      expect(r.ms).toBeGreaterThanOrEqual(190);
      expect(r.ms).toBeLessThan(300);
    }
    const stats = s.stats();
    expect(stats.maxConcurrentProcessing).toBe(4);
    expect(stats.maxInFlight).toBe(8);
  });
});

describe('Azure ML limits', () => {
  it('answers 429 when more than 2 × slots requests would be in flight', async () => {
    const s = await sim({ serviceTime: { fixedMs: 300 } });
    const replies = byTime(await fireAtOnce(s.url, 5));
    expect(statuses(replies)).toEqual([200, 200, 429, 429, 429]);
    for (const r of replies.filter((r) => r.status === 429)) {
      expect(JSON.parse(r.text)).toEqual({ message: 'Too many pending requests' });
      expect(r.headers['azureml-model-deployment']).toBe('blue');
      expect(r.ms).toBeLessThan(150); // refused at once, not after processing
    }
    const ok = replies.filter((r) => r.status === 200);
    expect(ok[1].ms).toBeGreaterThanOrEqual(590); // the second was queued behind the first
    expect(s.stats().byStatus).toEqual({ '200': 2, '429': 3 });
  });

  it('answers 408 at the timeout when the service would end past it', async () => {
    const s = await sim({ serviceTime: { fixedMs: 200 }, requestTimeoutMs: 250 });
    const replies = byTime(await fireAtOnce(s.url, 3));
    // The first is served; the second waits 200 ms and would end at 400 ms > 250 ms; the third
    // arrives with 2 = 2 × slots already in flight, so Azure ML's 429 rule refuses it.
    expect(replies.map((r) => r.status)).toEqual([429, 200, 408]);
    const [, served, timedOut] = replies;
    expect(served.ms).toBeLessThan(245);
    expect(timedOut.text).toBe('upstream request timeout');
    expect(timedOut.headers['azureml-model-deployment']).toBe('blue');
    expect(timedOut.ms).toBeGreaterThanOrEqual(245);
    expect(timedOut.ms).toBeLessThan(350); // at the timeout, not when its service would end (400 ms)
  });

  it('answers 408 to a request still queued at the timeout, and it leaves the queue', async () => {
    const s = await sim({ serviceTime: { fixedMs: 400 }, requestTimeoutMs: 250 });
    const replies = await fireAtOnce(s.url, 2);
    expect(statuses(replies)).toEqual([408, 408]);
    for (const r of replies) {
      expect(r.ms).toBeGreaterThanOrEqual(245);
      expect(r.ms).toBeLessThan(350);
    }
    // The queued one never reached the model.
    const stats = s.stats();
    expect(stats.maxConcurrentProcessing).toBe(1);
    expect(stats.byStatus).toEqual({ '408': 2 });
  });

  it('serves a queued request whose service still ends within the timeout', async () => {
    const s = await sim({ serviceTime: { fixedMs: 100 }, requestTimeoutMs: 250 });
    expect(statuses(await fireAtOnce(s.url, 2))).toEqual([200, 200]);
  });
});

describe('key auth', () => {
  const key = 'sim-secret-key-7f3a';

  it('refuses a missing or wrong key with 401 without echoing it, and serves the right one', async () => {
    const s = await sim({ key });
    const none = await call(s.url);
    const wrong = await call(s.url, { headers: { authorization: 'Bearer not-the-key' } });
    const wrongScheme = await call(s.url, { headers: { authorization: `Basic ${key}` } });
    for (const r of [none, wrong, wrongScheme]) {
      expect(r.status).toBe(401);
      expect(r.text).not.toContain(key);
      expect(JSON.stringify(r.headers)).not.toContain(key);
    }
    const right = await call(s.url, { headers: { authorization: `Bearer ${key}` } });
    expect(right.status).toBe(200);
    expect(right.text).not.toContain(key);
    expect(describeSimulator(s, { key })).not.toContain(key);
    // 401 comes before routing: no deployment counted it.
    expect(s.stats().byDeployment).toEqual({ blue: 1 });
  });
});

describe('deployments', () => {
  const deployments = [
    { name: 'blue', weight: 100 },
    { name: 'green', weight: 0, serviceTime: { fixedMs: 5 } },
  ];

  it('routes by weight without the header, by name with it, and echoes the deployment', async () => {
    const s = await sim({ deployments, serviceTime: { fixedMs: 5 }, maxConcurrentRequestsPerInstance: 5 });
    const unrouted = await Promise.all(Array.from({ length: 10 }, () => call(s.url)));
    for (const r of unrouted) {
      expect(r.status).toBe(200);
      expect(r.headers['azureml-model-deployment']).toBe('blue');
    }
    const green = await call(s.url, { headers: { 'azureml-model-deployment': 'green' } });
    expect(green.status).toBe(200);
    expect(green.headers['azureml-model-deployment']).toBe('green');
    const unknown = await call(s.url, { headers: { 'azureml-model-deployment': 'purple' } });
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.text)).toEqual({ message: 'No deployment named purple' });
    expect(s.stats().byDeployment).toEqual({ blue: 10, green: 1 });
  });

  it('answers 404 when no deployment has weight > 0, yet the header still reaches one', async () => {
    const s = await sim({ deployments: [{ name: 'blue', weight: 0 }], serviceTime: { fixedMs: 5 } });
    const unrouted = await call(s.url);
    expect(unrouted.status).toBe(404);
    expect(JSON.parse(unrouted.text)).toEqual({ message: 'No valid deployments to route to' });
    expect((await call(s.url, { headers: { 'azureml-model-deployment': 'blue' } })).status).toBe(200);
  });

  it('splits traffic in proportion to the weights', () => {
    const random = createRandom(42);
    const split = [
      { name: 'blue', weight: 70 },
      { name: 'off', weight: 0 },
      { name: 'green', weight: 30 },
    ];
    const counts: Record<string, number> = { blue: 0, off: 0, green: 0 };
    for (let i = 0; i < 20_000; i++) {
      const route = routeRequest(split, undefined, random);
      if ('deployment' in route) counts[route.deployment.name]++;
    }
    expect(counts.off).toBe(0);
    expect(counts.blue / 20_000).toBeCloseTo(0.7, 1);
    expect(counts.green / 20_000).toBeCloseTo(0.3, 1);
  });
});

describe('error injection', () => {
  it('answers 424 with the model-error headers at errorRate424 1', async () => {
    const s = await sim({ errorRate424: 1, serviceTime: { fixedMs: 5 } });
    for (let i = 0; i < 3; i++) {
      const r = await call(s.url);
      expect(r.status).toBe(424);
      expect(r.headers['ms-azureml-model-error-statuscode']).toBe('500');
      expect(r.headers['ms-azureml-model-error-reason']).toBe('model_error');
      expect(r.headers['azureml-model-deployment']).toBe('blue');
    }
  });

  it('answers 500 at errorRate500 1', async () => {
    const s = await sim({ errorRate500: 1, serviceTime: { fixedMs: 5 } });
    for (let i = 0; i < 3; i++) expect((await call(s.url)).status).toBe(500);
    expect(s.stats().byStatus).toEqual({ '500': 3 });
  });

  it('answers each error at its share of requests', async () => {
    const s = await sim({
      errorRate424: 0.25,
      errorRate500: 0.25,
      seed: 7,
      serviceTime: { fixedMs: 1 },
      maxConcurrentRequestsPerInstance: 50,
    });
    const replies = await Promise.all(Array.from({ length: 400 }, () => call(s.url)));
    const share = (status: number) => replies.filter((r) => r.status === status).length / replies.length;
    expect(share(424)).toBeGreaterThan(0.17);
    expect(share(424)).toBeLessThan(0.33);
    expect(share(500)).toBeGreaterThan(0.17);
    expect(share(500)).toBeLessThan(0.33);
    expect(share(200)).toBeGreaterThan(0.42);
  });
});

describe('service time', () => {
  it('draws a lognormal with the asked median and p99', () => {
    const spec = { medianMs: 80, p99Ms: 400 };
    const random = createRandom(12345);
    const n = 200_000;
    const draws = Float64Array.from({ length: n }, () => drawServiceTimeMs(spec, random)).sort();
    const median = draws[Math.floor(n * 0.5)];
    const p99 = draws[Math.floor(n * 0.99)];
    const mean = draws.reduce((a, b) => a + b, 0) / n;
    expect(Math.abs(median / 80 - 1)).toBeLessThan(0.05);
    expect(Math.abs(p99 / 400 - 1)).toBeLessThan(0.05);
    expect(Math.abs(mean / meanServiceTimeMs(spec) - 1)).toBeLessThan(0.05);
  });

  it('repeats with the same seed and is constant when fixed', () => {
    const spec = { medianMs: 50, p99Ms: 200 };
    const a = createRandom(9);
    const b = createRandom(9);
    for (let i = 0; i < 100; i++) expect(drawServiceTimeMs(spec, a)).toBe(drawServiceTimeMs(spec, b));
    expect(drawServiceTimeMs({ fixedMs: 42 }, a)).toBe(42);
  });
});

describe('validateSimulatorOptions', () => {
  it('accepts defaults and good options', () => {
    expect(validateSimulatorOptions(undefined)).toEqual([]);
    expect(validateSimulatorOptions({})).toEqual([]);
    expect(
      validateSimulatorOptions({
        instances: 2,
        serviceTime: { medianMs: 40, p99Ms: 200 },
        deployments: [
          { name: 'blue', weight: 90 },
          { name: 'green', weight: 10, instances: 1, serviceTime: { fixedMs: 20 } },
        ],
        errorRate424: 0.1,
        errorRate500: 0.1,
        key: 'k',
        seed: 1,
      }),
    ).toEqual([]);
  });

  it('reports every bad option by name', () => {
    const problems = validateSimulatorOptions({
      host: '',
      port: 70_000,
      instances: 0,
      maxConcurrentRequestsPerInstance: 1.5,
      serviceTime: { medianMs: 100, p99Ms: 50 },
      requestTimeoutMs: -1,
      errorRate424: 2,
      errorRate500: 'x',
      key: '',
      seed: 0.5,
      deployments: [{ name: 'blue', weight: -1, instances: 0, serviceTime: { fixedMs: 0 } }, { name: 'blue', weight: 1 }, 'x'],
    });
    const expected = [
      'host',
      'port',
      'instances',
      'maxConcurrentRequestsPerInstance',
      'serviceTime.p99Ms',
      'requestTimeoutMs',
      'errorRate424',
      'errorRate500',
      'key',
      'seed',
      'deployments[0].weight',
      'deployments[0].instances',
      'deployments[0].serviceTime.fixedMs',
      "deployments[1].name 'blue' is used twice",
      'deployments[2]',
    ];
    for (const name of expected) expect(problems.some((p) => p.startsWith(name)), name).toBe(true);
    expect(problems).toContain('instances must be an integer ≥ 1');
    expect(validateSimulatorOptions({ deployments: [] })).toEqual(['deployments must be a non-empty list']);
    expect(validateSimulatorOptions({ errorRate424: 0.6, errorRate500: 0.6 })).toEqual([
      'errorRate424 + errorRate500 must be ≤ 1',
    ]);
    expect(validateSimulatorOptions({ serviceTime: { p50: 3 } })).toEqual([
      'serviceTime must be { fixedMs } or { medianMs, p99Ms }',
    ]);
    expect(validateSimulatorOptions(42)).toEqual(['options must be an object']);
  });

  it('makes startSimulator refuse bad options without echoing the key', async () => {
    await expect(startSimulator({ instances: 0, key: 'has space' })).rejects.toThrow(/instances must be an integer/);
    await expect(startSimulator({ key: 'has space' })).rejects.not.toThrow(/has space/);
  });
});

describe('HTTP surface', () => {
  it('scores on POST /score and POST /, one prediction per input row', async () => {
    const s = await sim({ serviceTime: { fixedMs: 1 } });
    const rows = await call(s.url, { body: JSON.stringify({ input_data: [[1, 2], [3, 4], [-5, -6]] }) });
    expect(rows.status).toBe(200);
    const predictions = JSON.parse(rows.text).predictions as number[];
    expect(predictions).toHaveLength(3);
    for (const p of predictions) expect(p).toBeGreaterThan(0);
    expect(predictions[0]).toBeGreaterThan(predictions[2]);
    const split = await call(s.url, {
      path: '/',
      body: JSON.stringify({ input_data: { columns: ['a'], index: [0, 1], data: [[1], [2]] } }),
    });
    expect(split.status).toBe(200);
    expect(JSON.parse(split.text).predictions).toHaveLength(2);
    const text = await call(s.url, { body: 'not json at all', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(200);
    expect(JSON.parse(text.text)).toEqual({ predictions: [0] });
    expect(s.stats().received).toBe(3);
  });

  it('answers health, swagger and 404, and keeps connections alive', async () => {
    const s = await sim({});
    const health = await call(s.url, { method: 'GET', path: '/' });
    expect(health.status).toBe(200);
    expect(health.text).toBe('Healthy');
    expect(String(health.headers['keep-alive'])).toMatch(/timeout=(\d+)/);
    expect(Number(/timeout=(\d+)/.exec(String(health.headers['keep-alive']))?.[1])).toBeGreaterThanOrEqual(30);
    const swagger = await call(s.url, { method: 'GET', path: '/swagger.json' });
    expect(swagger.status).toBe(200);
    expect(JSON.parse(swagger.text).paths['/score']).toBeDefined();
    expect((await call(s.url, { method: 'GET', path: '/score' })).status).toBe(404);
    expect((await call(s.url, { path: '/nowhere' })).status).toBe(404);
    expect(s.stats().received).toBe(0);
  });

  it('counts what it received', async () => {
    const s = await sim({ serviceTime: { fixedMs: 20 }, maxConcurrentRequestsPerInstance: 2 });
    await fireAtOnce(s.url, 6); // 4 admitted (2 × 2 slots), 2 refused
    await call(s.url, { headers: { 'azureml-model-deployment': 'nope' } });
    expect(s.stats()).toEqual({
      received: 7,
      byStatus: { '200': 4, '429': 2, '404': 1 },
      byDeployment: { blue: 6 },
      maxConcurrentProcessing: 2,
      maxInFlight: 4,
    });
  });
});

describe('close', () => {
  it('ends promptly with requests in flight and queued, and closes the port', async () => {
    const s = await startSimulator({ serviceTime: { fixedMs: 10_000 } });
    const inFlight = [call(s.url), call(s.url)].map((p) => p.then((r) => r.status, () => 'dropped'));
    // Wait until both have arrived (bounded), then close.
    for (let i = 0; i < 100 && s.stats().received < 2; i++) await new Promise((r) => setTimeout(r, 5));
    expect(s.stats().received).toBe(2);
    const start = performance.now();
    await s.close();
    expect(performance.now() - start).toBeLessThan(500);
    expect(await Promise.all(inFlight)).toEqual(['dropped', 'dropped']);
    await expect(call(s.url)).rejects.toThrow();
    await s.close(); // idempotent
  });
});
