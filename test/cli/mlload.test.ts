import { mkdtempSync, writeFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRawSamples } from '../../src/core/raw-sample-csv.js';
import { runCli } from '../helpers/cli.js';
import { okHandler, startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mlload-cli-'));
let server: LoopbackServer;
beforeAll(async () => {
  server = await startLoopbackServer(okHandler);
});
afterAll(() => server.close());

function planFile(name: string, plan: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof plan === 'string' ? plan : JSON.stringify(plan));
  return file;
}

const constant = (extra: Record<string, unknown> = {}) => ({
  name: 'cli',
  target: { url: `${server.url}/score` },
  payload: { body: { input_data: [[1, 2]] } },
  load: { model: 'constant', rps: 40, duration: '1s' },
  ...extra,
});

describe('mlload run', () => {
  it('exits 0 when passed, and --json prints exactly the summary with every DESIGN §5 field', async () => {
    const out = path.join(dir, 'results-json');
    const result = await runCli(['run', planFile('ok.json', constant({ thresholds: { p99Ms: 5000 } })), '--json', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ status: 'passed', requests: { planned: 40, sent: 40, ok: 40, dropped: 0, missed: 0 } });
    for (const key of ['runId', 'status', 'requests', 'rate', 'latencyMs', 'serviceTimeMs', 'scheduleLagMs', 'statusCodes', 'errorsByCode', 'thresholds', 'workers']) {
      expect(summary).toHaveProperty(key);
    }
    for (const key of ['planned', 'sent', 'completed', 'ok', 'errors', 'throttled', 'dropped', 'missed']) expect(summary.requests).toHaveProperty(key);
    for (const key of ['target', 'achieved', 'throughput']) expect(summary.rate).toHaveProperty(key);
    for (const key of ['p50', 'p90', 'p95', 'p99', 'p999', 'max', 'mean']) {
      expect(summary.latencyMs).toHaveProperty(key);
      expect(summary.serviceTimeMs).toHaveProperty(key);
    }
    for (const key of ['p50', 'p99', 'max']) expect(summary.scheduleLagMs).toHaveProperty(key);
    expect(summary.thresholds[0]).toEqual({ metric: 'p99Ms', limit: 5000, actual: summary.latencyMs.p99, passed: true });
    expect(summary.workers[0]).toMatchObject({ worker: 0, planned: 40, sent: 40 });
    expect(summary.workers[0]).toHaveProperty('achievedRate');
    expect(summary.workers[0]).toHaveProperty('scheduleLagP99Ms');

    const runDir = path.join(out, summary.runId);
    expect((await readdir(runDir)).sort()).toEqual(expect.arrayContaining(['plan.json', 'summary.json', 'timeseries.csv', 'raw', 'run.json', 'report.html', 'slices']));
    const raw = parseRawSamples(await readFile(path.join(runDir, 'raw', 'w000-k000.csv'), 'utf8'));
    expect(raw).toHaveLength(40);
    expect(raw.every((r) => r.status === 200 && r.latencyUs > 0)).toBe(true);
    expect(JSON.parse(await readFile(path.join(runDir, 'summary.json'), 'utf8'))).toEqual(summary);
  });

  it('prints a human summary without --json', async () => {
    const result = await runCli(['run', planFile('human.json', constant()), '--out', path.join(dir, 'results-human')]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/PASSED/);
    expect(result.stdout).toMatch(/latency ms\s+p50/);
    expect(result.stdout).toMatch(/results\s+/);
  });

  it('exits 1 when a threshold fails, naming it', async () => {
    const result = await runCli(['run', planFile('fail.json', constant({ thresholds: { p50Ms: 0.001 } })), '--json', '--out', path.join(dir, 'results-fail')]);
    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout);
    expect(summary.status).toBe('failed');
    expect(summary.thresholds[0]).toMatchObject({ metric: 'p50Ms', passed: false });
    expect(summary.reasons.join(' ')).toMatch(/threshold p50Ms/);
  });

  it('exits 2 for an invalid plan, listing every problem with its path and no stack trace', async () => {
    const result = await runCli(['run', planFile('bad.json', { target: { url: 'nope' }, load: { model: 'constant', rps: -1 } }), '--out', path.join(dir, 'r')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('$.target.url');
    expect(result.stderr).toContain('$.load.rps');
    expect(result.stderr).toContain('$.load.duration');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');
  });

  it('exits 2 for usage errors and unreadable files', async () => {
    expect((await runCli(['run'])).code).toBe(2);
    expect((await runCli(['run', 'x.json', '--bogus'])).code).toBe(2);
    expect((await runCli(['launch'])).code).toBe(2);
    const missing = await runCli(['run', path.join(dir, 'missing.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read plan .*missing\.json: no such file/);
    expect((await runCli(['run', planFile('w.json', constant()), '--workers', 'many'])).code).toBe(2);
    expect((await runCli(['run', planFile('syntax.json', '{ "name": ')])).stderr).toMatch(/not valid JSON/);
  });

  it('exits 3 when the run cannot write its results', async () => {
    const blocker = planFile('blocker', 'a file, not a folder');
    const result = await runCli(['run', planFile('ok3.json', constant()), '--out', path.join(blocker, 'results')]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/run failed/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('fans out over worker threads: the load is split, all start together, and the results merge', async () => {
    const before = server.count;
    const result = await runCli(['run', planFile('workers.json', constant({ load: { model: 'constant', rps: 90, duration: '2s' } })), '--workers', '3', '--json', '--out', path.join(dir, 'results-workers')]);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.requests).toMatchObject({ planned: 180, sent: 180, ok: 180 });
    expect(server.count - before).toBe(180);
    expect(summary.workers.map((w: { planned: number }) => w.planned)).toEqual([60, 60, 60]);
    expect(summary.workers.every((w: { lateMs: number }) => w.lateMs < 5)).toBe(true);
  });

  it('runs the blog post\'s load_config.json format', async () => {
    const config = {
      url: `${server.url}/score`,
      headers: { 'Content-Type': 'application/json' },
      data: { input_data: [{ column1: 'a', column2: 1 }] },
      load_profiles: [
        { name: 'constant_load', type: 'constant', requests_per_second: 20, duration: 1 },
        { name: 'ramp_up', type: 'ramp', start_requests: 10, end_requests: 30, duration: 1 },
      ],
    };
    const result = await runCli(['run', planFile('load_config.json', config), '--json', '--out', path.join(dir, 'results-blog')]);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    // 20 rps for 1 s, then 10 → 30 rps over 1 s: 20 + 20 requests, all delivered.
    expect(summary.requests).toMatchObject({ planned: 40, sent: 40, ok: 40 });
    expect(summary.name).toBe('load_config');
  });
});

describe('mlload validate', () => {
  it('exits 0 and describes a valid plan', async () => {
    const result = await runCli(['validate', planFile('v.json', constant())]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/is valid: "cli" .* constant load over 1s, 40 requests, peak 40 rps/);
  });
  it('exits 2 with every problem', async () => {
    const result = await runCli(['validate', planFile('v-bad.yaml', 'target:\n  url: x\nload:\n  model: ramp\n  stages: []\n')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('$.target.url');
    expect(result.stderr).toContain('$.load.stages');
  });
});
