import { HttpRequest, InvocationContext } from '@azure/functions';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { setAppServices } from '../../src/functions/app-services.js';
import { getReportHandler } from '../../src/functions/get-report.js';
import { getRunHandler } from '../../src/functions/get-run.js';
import { listRunsHandler } from '../../src/functions/list-runs.js';
import { startRunHandler } from '../../src/functions/start-run.js';
import { runSliceHandler } from '../../src/functions/run-slice.js';
import { nightlyRunsHandler } from '../../src/functions/nightly-runs.js';
import { fileServices } from '../helpers/function-services.js';

afterEach(() => setAppServices(undefined));

const context = () => new InvocationContext({ functionName: 'test', logHandler: () => {} });
const post = (body: unknown, headers: Record<string, string> = {}) =>
  new HttpRequest({ method: 'POST', url: 'https://app.azurewebsites.net/api/runs', headers: { 'content-type': 'application/json', ...headers }, body: { string: typeof body === 'string' ? body : JSON.stringify(body) } });
const get = (url: string, params: Record<string, string> = {}, query: Record<string, string> = {}) =>
  new HttpRequest({ method: 'GET', url: `https://app.azurewebsites.net${url}`, params, query });

const plan = (extra: Record<string, unknown> = {}) => ({
  name: 'fn-test',
  target: { url: 'https://fraud.eastus.inference.ml.azure.com/score', auth: { type: 'managedIdentity' } },
  payload: { body: { input_data: [[1]] } },
  load: { model: 'constant', rps: 10, duration: '20m' },
  workers: 3,
  ...extra,
});

describe('startRun (POST /api/runs)', () => {
  it('answers 202 with the run id and status URL at once, creates the run and enqueues its slices', async () => {
    const services = fileServices({ MAX_SLICE_SECONDS: '540', START_LEAD_SECONDS: '20' });
    setAppServices(services);
    const before = Date.now();
    const response = await startRunHandler(post(plan()), context());
    expect(response.status).toBe(202);
    const body = response.jsonBody as { runId: string; statusUrl: string };
    expect(body.statusUrl).toBe(`https://app.azurewebsites.net/api/runs/${body.runId}`);
    expect((response.headers as Record<string, string>).location).toBe(body.statusUrl);
    const record = await services.store.getRun(body.runId);
    expect(record).toMatchObject({ status: 'scheduled', workers: 3, windows: 3 });
    // 20 minutes in windows of at most 540 s: 3 windows × 3 workers.
    expect(services.queue.messages).toHaveLength(9);
    const origin = Date.parse(record!.originAt);
    expect(origin - before).toBeGreaterThanOrEqual(19_900);
    for (const { slice, options } of services.queue.messages) {
      expect(slice.originEpochMs).toBe(origin);
      if (slice.window === 0) expect(options?.visibleAtEpochMs).toBeUndefined();
      // Later windows wait in the queue until a lead time (plus a margin) before they start.
      else expect(options?.visibleAtEpochMs).toBe(origin + slice.fromUs / 1000 - 20_000 - 30_000);
    }
  });

  it('sizes workers: "auto" from the peak rate and the per-worker limits', async () => {
    const services = fileServices({ WORKER_MAX_RPS: '100' });
    setAppServices(services);
    const response = await startRunHandler(post(plan({ workers: 'auto', load: { model: 'constant', rps: 450, duration: '1m' } })), context());
    expect(response.status).toBe(202);
    expect(services.queue.messages).toHaveLength(5);
  });

  it.each([
    ['not JSON', '{ nope', 'not valid JSON or YAML'],
    ['an empty body', '', 'must be a plan'],
  ])('answers 400 for %s', async (_name, body, message) => {
    setAppServices(fileServices());
    const response = await startRunHandler(post(body), context());
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.jsonBody)).toContain(message);
  });

  it('answers 400 listing every problem of an invalid plan', async () => {
    setAppServices(fileServices());
    const response = await startRunHandler(post({ target: { url: 'nope' }, load: { model: 'ramp', stages: [] }, workers: 0 }), context());
    expect(response.status).toBe(400);
    const paths = (response.jsonBody as { problems: { path: string }[] }).problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['$.target.url', '$.load.stages', '$.workers']));
  });

  it('answers 400 naming each cap a plan is over, and a target not allowed', async () => {
    setAppServices(fileServices({ MAX_RPS: '100', MAX_DURATION_SECONDS: '60', MAX_WORKERS: '2' }));
    const response = await startRunHandler(post(plan({ target: { url: 'https://evil.example.com/score' }, load: { model: 'constant', rps: 500, duration: '2m' }, workers: 5 })), context());
    expect(response.status).toBe(400);
    const text = JSON.stringify(response.jsonBody);
    for (const limit of ['MAX_RPS=100', 'MAX_DURATION_SECONDS=60', 'MAX_WORKERS=2', 'not in ALLOWED_TARGET_HOSTS']) expect(text).toContain(limit);
  });

  it('refuses a credential written into the plan (plans are stored)', async () => {
    setAppServices(fileServices());
    const response = await startRunHandler(post(plan({ target: { url: 'https://fraud.eastus.inference.ml.azure.com/score', headers: { Authorization: 'Bearer sk-123' } } })), context());
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.jsonBody)).toContain('credentials are not accepted in plans');
    expect(JSON.stringify(response.jsonBody)).not.toContain('sk-123');
  });

  it('reads YAML plans', async () => {
    setAppServices(fileServices());
    const yaml = 'target:\n  url: https://fraud.eastus.inference.ml.azure.com/score\nload: { model: burst, requests: 5 }\n';
    const response = await startRunHandler(new HttpRequest({ method: 'POST', url: 'https://x/api/runs', headers: { 'content-type': 'application/yaml' }, body: { string: yaml } }), context());
    expect(response.status).toBe(202);
  });
});

describe('getRun, listRuns, getReport', () => {
  it('answers 404 for an unknown or malformed run id', async () => {
    setAppServices(fileServices());
    expect((await getRunHandler(get('/api/runs/x', { runId: '20260101T000000Z-aaaaaaaaaaaaaaaaaaaa' }), context())).status).toBe(404);
    expect((await getRunHandler(get('/api/runs/x', { runId: '../../etc/passwd' }), context())).status).toBe(404);
    expect((await getReportHandler(get('/api/runs/x/report', { runId: 'nope' }), context())).status).toBe(404);
  });

  it('shows status and progress, lists newest first and pages', async () => {
    const services = fileServices();
    setAppServices(services);
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      ids.push(((await startRunHandler(post(plan()), context())).jsonBody as { runId: string }).runId);
      await new Promise((r) => setTimeout(r, 1100));
    }
    const one = await getRunHandler(get(`/api/runs/${ids[0]}`, { runId: ids[0] }), context());
    expect(one.status).toBe(200);
    expect(one.jsonBody).toMatchObject({ runId: ids[0], status: 'scheduled', progress: { slicesReported: 0, slicesExpected: 9 } });
    const page = await listRunsHandler(get('/api/runs', {}, { limit: '1' }), context());
    const body = page.jsonBody as { runs: { runId: string }[]; continuationToken?: string };
    expect(body.runs.map((r) => r.runId)).toEqual([ids[1]]);
    const next = await listRunsHandler(get('/api/runs', {}, { limit: '1', continuationToken: body.continuationToken! }), context());
    expect((next.jsonBody as { runs: { runId: string }[] }).runs.map((r) => r.runId)).toEqual([ids[0]]);
    expect((await listRunsHandler(get('/api/runs', {}, { limit: 'lots' }), context())).status).toBe(400);
    const report = await getReportHandler(get(`/api/runs/${ids[0]}/report`, { runId: ids[0] }), context());
    expect(report.status).toBe(202);
  });
});

describe('runSlice (queue trigger) and nightlyRuns (timer)', () => {
  it('drops a malformed message without throwing (it must not be retried forever)', async () => {
    setAppServices(fileServices());
    const warnings: string[] = [];
    const ctx = new InvocationContext({ functionName: 'runSlice', logHandler: (level, ...args) => level === 'warning' && warnings.push(args.join(' ')) });
    await expect(runSliceHandler('{"runId":"x"}', ctx)).resolves.toBeUndefined();
    await expect(runSliceHandler('not json at all', ctx)).resolves.toBeUndefined();
    expect(warnings.join('\n')).toMatch(/dropped a queue message/);
  });

  it('starts every stored plan; a bad one is reported and skipped', async () => {
    const services = fileServices();
    setAppServices(services);
    mkdirSync(path.join(services.root, 'plans'));
    writeFileSync(path.join(services.root, 'plans', 'fraud-nightly.json'), JSON.stringify(plan({ name: undefined })));
    writeFileSync(path.join(services.root, 'plans', 'broken.yaml'), 'target: {}\n');
    writeFileSync(path.join(services.root, 'plans', 'notes.txt'), 'ignored');
    const warnings: string[] = [];
    await nightlyRunsHandler({ isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } }, new InvocationContext({ functionName: 'nightlyRuns', logHandler: (level, ...args) => level === 'warning' && warnings.push(args.join(' ')) }));
    const runs = (await services.store.listRuns()).runs;
    expect(runs.map((r) => r.name)).toEqual(['fraud-nightly']);
    expect(warnings.join('\n')).toMatch(/broken\.yaml not started/);
  });
});
