import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { okHandler, startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';

/**
 * The nightly story end to end through the built CLI: two runs against a fast loopback server, then one
 * against a slow one — regressed against the baseline (exit 1) — and `mlload runs`, `mlload compare`,
 * `mlload report --compare` over those real runs.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'mlload-nightly-'));
const out = path.join(dir, 'results');
const CI = { CI: '1' };
let fast: LoopbackServer;
let slow: LoopbackServer;
const ids: string[] = [];

beforeAll(async () => {
  // Both answer after a fixed delay, so loopback jitter (a few ms on a busy machine) is small beside it.
  fast = await startLoopbackServer((req, res, seq) => setTimeout(() => okHandler(req, res, seq), 20));
  slow = await startLoopbackServer((req, res, seq) => setTimeout(() => okHandler(req, res, seq), 200));
});
afterAll(async () => {
  await fast.close();
  await slow.close();
});

function nightlyPlan(server: LoopbackServer, file: string): string {
  const plan = {
    name: 'nightly-cli',
    target: { url: `${server.url}/score` },
    payload: { body: { input_data: [[1, 2]] } },
    load: { model: 'constant', rps: 20, duration: '1s' },
    // A wide p95 allowance (2×) so scheduling jitter on a busy machine never trips it; 20 → 200 ms does.
    baseline: { runs: 7, p95Pct: 100 },
  };
  const target = path.join(dir, file);
  writeFileSync(target, JSON.stringify(plan));
  return target;
}

describe('nightly baseline through mlload run', () => {
  it('first run: no baseline yet, exit 0', async () => {
    const result = await runCli(['run', nightlyPlan(fast, 'fast.json'), '--json', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.status).toBe('passed');
    expect(summary.baseline).toMatchObject({ verdict: 'no-baseline', runs: [] });
    ids.push(summary.runId);
  });

  it('second run against the same server: ok against the first, exit 0', async () => {
    const result = await runCli(['run', nightlyPlan(fast, 'fast.json'), '--json', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.baseline).toMatchObject({ verdict: 'ok', runs: [ids[0]], regressed: [] });
    ids.push(summary.runId);
  });

  it('third run against a slower server: regressed, status still passed, exit 1, baseline section in the report', async () => {
    const result = await runCli(['run', nightlyPlan(slow, 'slow.json'), '--json', '--out', out, '--open'], { env: CI });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/not opening the report in CI/);
    const summary = JSON.parse(result.stdout);
    ids.push(summary.runId);
    expect(summary.status).toBe('passed');
    expect(summary.baseline.verdict).toBe('regressed');
    expect(summary.baseline.runs).toEqual([ids[1], ids[0]]);
    expect(summary.baseline.regressed.map((r: { metric: string }) => r.metric)).toContain('p95Ms');
    expect(summary.baseline.current.p95Ms).toBeGreaterThan(200);
    expect(summary.reasons.join('\n')).toMatch(/regressed against the baseline \(median of 2 previous passed runs\): latency p95/);
    const stored = JSON.parse(readFileSync(path.join(out, summary.runId, 'summary.json'), 'utf8'));
    expect(stored.baseline.verdict).toBe('regressed');
    const record = JSON.parse(readFileSync(path.join(out, summary.runId, 'run.json'), 'utf8'));
    expect(record.summary.baseline.verdict).toBe('regressed');
    const report = readFileSync(path.join(out, summary.runId, 'report.html'), 'utf8');
    expect(report).toContain('<section class="card" id="baseline"');
    expect(report).toMatch(/<span class="badge badge-failed">regressed<\/span>/);
    expect(report).toContain('Baseline: the median of the 2 previous passed runs');
  });

  it('prints the verdict in the human summary', async () => {
    // Into another results folder: no history there, so no baseline and exit 0.
    const result = await runCli(['run', nightlyPlan(slow, 'slow.json'), '--out', path.join(dir, 'human'), '--no-progress']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/baseline\s+NO-BASELINE/);
  });
});

describe('mlload runs', () => {
  it('lists the runs newest first with their baseline verdicts (--json)', async () => {
    const result = await runCli(['runs', '--results', out, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const rows = JSON.parse(result.stdout);
    expect(rows.map((r: { runId: string }) => r.runId)).toEqual([...ids].reverse());
    expect(rows.map((r: { baseline: string }) => r.baseline)).toEqual(['regressed', 'ok', 'no-baseline']);
    expect(rows[0]).toMatchObject({ name: 'nightly-cli', status: 'passed', targetRps: 20, regressedMetrics: expect.arrayContaining(['p95Ms']) });
    for (const key of ['startedAt', 'achievedRps', 'p95Ms', 'p99Ms', 'errorRate']) expect(rows[0]).toHaveProperty(key);
  });

  it('prints a table, filters by name and limits', async () => {
    const table = await runCli(['runs', '--results', out]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/run\s+name\s+status\s+start \(UTC\)\s+target\/s\s+achieved\/s\s+p95 ms\s+p99 ms\s+errors\s+baseline/);
    expect(table.stdout).toMatch(/regressed \(p95Ms/);
    expect(JSON.parse((await runCli(['runs', '--results', out, '--limit', '2', '--json'])).stdout)).toHaveLength(2);
    expect(JSON.parse((await runCli(['runs', '--results', out, '--name', 'another', '--json'])).stdout)).toEqual([]);
    const bad = await runCli(['runs', '--results', out, '--limit', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--limit must be an integer from 1 to 1000/);
  });
});

describe('mlload compare', () => {
  it('compares a fast run with a slow one: latency worse (--json)', async () => {
    const result = await runCli(['compare', ids[0], ids[2], '--results', out, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const c = JSON.parse(result.stdout);
    expect(c.a.runId).toBe(ids[0]);
    expect(c.b.runId).toBe(ids[2]);
    const verdict = (id: string) => c.metrics.find((m: { metric: string }) => m.metric === id)?.verdict;
    for (const id of ['latencyMs.p50', 'latencyMs.p95', 'latencyMs.p99', 'latencyMs.mean', 'serviceTimeMs.p95']) expect(verdict(id), id).toBe('worse');
    expect(verdict('errorRate')).toBe('same');
    expect(verdict('rate.achieved')).toBe('same');
    const p95 = c.metrics.find((m: { metric: string }) => m.metric === 'latencyMs.p95');
    expect(p95.delta).toBeGreaterThan(150);
    expect(p95.better).toBe('lower');
  });

  it('prints a table with verdicts, and the other way round latency is better', async () => {
    const result = await runCli(['compare', ids[2], ids[0], '--results', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Latency p95\s+.*ms\s+.*ms\s+−.*better/);
    expect(result.stdout).toMatch(/\d+ better\s+\d+ worse\s+\d+ same/);
  });

  it('exits 2 for an unknown run, a malformed id, both stores, or a missing argument', async () => {
    const unknown = await runCli(['compare', ids[0], '20200101T000000Z-aaaaaaaaaaaaaaaaaaaa', '--results', out]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/run 20200101T000000Z-aaaaaaaaaaaaaaaaaaaa was not found in /);
    const malformed = await runCli(['compare', 'yesterday', ids[0], '--results', out]);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/"yesterday" is not a run id/);
    const both = await runCli(['compare', ids[0], ids[1], '--results', out, '--storage', 'UseDevelopmentStorage=true']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/either --results or --storage/);
    expect((await runCli(['compare', ids[0]])).code).toBe(2);
  });
});

describe('mlload report --compare / --open', () => {
  it('adds a comparison section (and the baseline section) and skips --open in CI', async () => {
    const file = path.join(dir, 'compared.html');
    const result = await runCli(['report', ids[2], '--results', out, '--compare', ids[0], '--out', file, '--open'], { env: CI });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/not opening the report in CI/);
    const html = readFileSync(file, 'utf8');
    expect(html).toContain('id="comparison"');
    expect(html).toContain(`Comparison with ${ids[0]}`);
    expect(html).toMatch(/<span class="badge badge-failed">worse<\/span>/);
    expect(html).toContain('id="baseline"');
    const unknown = await runCli(['report', ids[2], '--results', out, '--compare', '20200101T000000Z-aaaaaaaaaaaaaaaaaaaa', '--out', file]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/was not found/);
  });
});

describe('mlload init', () => {
  it('writes a commented YAML plan that validates, and refuses to overwrite it without --force', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'mlload-init-'));
    const first = await runCli(['init'], { cwd });
    expect(first.code, first.stderr).toBe(0);
    const text = readFileSync(path.join(cwd, 'plan.yaml'), 'utf8');
    expect(text).toMatch(/^# yaml-language-server: \$schema=/);
    expect(text).toMatch(/^\$schema: ".*schema\/plan\.schema\.json"$/m);
    expect(text).toMatch(/type: managedIdentity/);
    expect(text).toMatch(/model: constant/);
    expect(text).toMatch(/^thresholds:/m);
    expect(text).toMatch(/^tags:/m);
    expect(text.split('\n').filter((l) => l.trim().startsWith('#')).length).toBeGreaterThan(15);
    const schemaPath = /^\$schema: "(.*)"$/m.exec(text)![1];
    expect(existsSync(path.resolve(cwd, schemaPath))).toBe(true);

    const valid = await runCli(['validate', 'plan.yaml'], { cwd });
    expect(valid.code, valid.stderr).toBe(0);
    expect(valid.stdout).toMatch(/plan\.yaml is valid/);

    writeFileSync(path.join(cwd, 'plan.yaml'), '# mine\n');
    const again = await runCli(['init'], { cwd });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/plan\.yaml already exists; use --force to overwrite it/);
    expect(readFileSync(path.join(cwd, 'plan.yaml'), 'utf8')).toBe('# mine\n');
    const forced = await runCli(['init', '--force'], { cwd });
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(path.join(cwd, 'plan.yaml'), 'utf8')).toBe(text);
  });

  it('writes JSON with --json, named after the file', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'mlload-init-'));
    const result = await runCli(['init', 'fraud-nightly.json'], { cwd });
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(readFileSync(path.join(cwd, 'fraud-nightly.json'), 'utf8'));
    expect(plan).toMatchObject({ name: 'fraud-nightly', target: { auth: { type: 'managedIdentity' } }, load: { model: 'constant' } });
    expect(plan.$schema).toMatch(/schema\/plan\.schema\.json$/);
    const valid = await runCli(['validate', 'fraud-nightly.json', '--json'], { cwd });
    expect(valid.code, valid.stderr).toBe(0);
    expect(JSON.parse(valid.stdout)).toMatchObject({ valid: true, name: 'fraud-nightly' });
    expect((await runCli(['init', '--json'], { cwd })).code).toBe(0);
    expect(existsSync(path.join(cwd, 'plan.json'))).toBe(true);
  });
});

describe('mlload schema (hidden)', () => {
  it('prints the plan JSON schema', async () => {
    const result = await runCli(['schema']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ title: 'ml-load-runner plan', required: ['target', 'load'] });
    expect((await runCli(['--help'])).stdout).not.toMatch(/^\s+schema/m);
  });
});
