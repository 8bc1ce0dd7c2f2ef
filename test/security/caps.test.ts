/** The size caps of a service run: MAX_BODY_BYTES and MAX_RESPONSE_BYTES, in startRun and through `mlload serve`. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileResultStore } from '../../src/adapters/file-result-store.js';
import { startRun, type RunLimits } from '../../src/core/start-run.js';
import { validatePlan } from '../../src/core/validate-plan.js';
import { readAppSettings, APP_SETTINGS } from '../../src/functions/app-settings.js';
import { limitsFromSettings } from '../../src/functions/app-services.js';
import { startServe } from '../../src/cli/commands/serve-command.js';
import { RecordingQueue } from '../helpers/function-services.js';
import { startLoopbackServer } from '../helpers/loopback-server.js';

const MiB = 1024 * 1024;
const limits = (extra: Partial<RunLimits> = {}): RunLimits => ({
  maxRps: 1000, maxDurationSeconds: 600, maxWorkers: 10, maxSliceSeconds: 60, startLeadSeconds: 1, sliceGraceSeconds: 10,
  workerMaxRps: 1000, workerMaxConnections: 100, allowedTargetHosts: ['scoring.contoso.com'], maxBodyBytes: 1000, maxResponseBytes: 2 * MiB, ...extra,
});
const base = { name: 'caps', target: { url: 'https://scoring.contoso.com/score' }, load: { model: 'constant', rps: 1, duration: 1 } };

function deps(extra: Partial<RunLimits> = {}, files: Record<string, string> = {}) {
  const store = new FileResultStore(path.join(mkdtempSync(path.join(os.tmpdir(), 'mlload-caps-')), 'results'));
  return { store, queue: new RecordingQueue(), limits: limits(extra), readPayloadFile: async (name: string) => files[name] };
}

describe('settings', () => {
  it('MAX_BODY_BYTES defaults to 1 MiB and MAX_RESPONSE_BYTES to 10 MiB, and reach the run limits', () => {
    expect(APP_SETTINGS.MAX_BODY_BYTES.default).toBe(String(MiB));
    expect(APP_SETTINGS.MAX_RESPONSE_BYTES.default).toBe(String(10 * MiB));
    expect(limitsFromSettings(readAppSettings({}))).toMatchObject({ maxBodyBytes: MiB, maxResponseBytes: 10 * MiB });
    expect(limitsFromSettings(readAppSettings({ MAX_BODY_BYTES: '2048', MAX_RESPONSE_BYTES: '4096' }))).toMatchObject({ maxBodyBytes: 2048, maxResponseBytes: 4096 });
    expect(() => readAppSettings({ MAX_BODY_BYTES: '-1' })).toThrow(/MAX_BODY_BYTES must be a positive number/);
    expect(() => readAppSettings({ MAX_RESPONSE_BYTES: 'lots' })).toThrow(/MAX_RESPONSE_BYTES must be a positive number/);
  });
});

describe('startRun applies MAX_BODY_BYTES', () => {
  it('refuses a JSON body, a text body and payload-file lines over the limit, naming it', async () => {
    const big = 'x'.repeat(1001);
    for (const [payload, where] of [[{ body: { input: big } }, '$.payload.body'], [{ text: big }, '$.payload.text']] as const) {
      const result = await startRun({ ...base, payload }, deps());
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.problems).toContainEqual({ path: where, message: expect.stringMatching(/over the limit MAX_BODY_BYTES=1000/) });
    }
    const lines = [JSON.stringify({ a: 1 }), JSON.stringify({ a: big }), JSON.stringify({ b: big })].join('\n');
    const result = await startRun({ ...base, payload: { file: 'inputs.jsonl' } }, deps({}, { 'inputs.jsonl': lines }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toEqual([{ path: '$.payload.file', message: expect.stringMatching(/2 line\(s\) are request bodies over the limit MAX_BODY_BYTES=1000 \(the largest is 1\d{3} bytes\)/) }]);
  });

  it('counts bytes, not characters, and accepts bodies up to the limit', async () => {
    const d = deps();
    expect((await startRun({ ...base, payload: { text: 'x'.repeat(1000) } }, d)).ok).toBe(true);
    const r = await startRun({ ...base, payload: { text: 'é'.repeat(501) } }, d); // 1002 bytes in UTF-8
    expect(r.ok).toBe(false);
    expect((await startRun({ ...base, payload: { file: 'ok.jsonl' } }, deps({}, { 'ok.jsonl': '{"a":1}\n{"b":2}\n' }))).ok).toBe(true);
  });

  it('applies no cap when the limits have none (the CLI)', async () => {
    expect((await startRun({ ...base, payload: { text: 'x'.repeat(5000) } }, deps({ maxBodyBytes: undefined }))).ok).toBe(true);
  });
});

describe('startRun applies MAX_RESPONSE_BYTES', () => {
  it('refuses a plan asking to read more than the limit, naming it', async () => {
    const result = await startRun({ ...base, target: { ...base.target, maxResponseBytes: 3 * MiB } }, deps());
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toEqual([{ path: '$.target.maxResponseBytes', message: `${3 * MiB} bytes is over the limit MAX_RESPONSE_BYTES=${2 * MiB}` }]);
  });

  it('accepts a plan asking up to the limit, and stores that', async () => {
    const d = deps();
    const result = await startRun({ ...base, target: { ...base.target, maxResponseBytes: MiB } }, d);
    expect(result.ok).toBe(true);
    if (result.ok) expect(((await d.store.getPlan(result.value.runId)) as { target: { maxResponseBytes: number } }).target.maxResponseBytes).toBe(MiB);
  });

  it('gives a plan that asks nothing the cap when it is below the default, so the run reads no more', async () => {
    const d = deps();
    const input = { ...base, target: { ...base.target } };
    const result = await startRun(input, d);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const stored = await d.store.getPlan(result.value.runId);
    expect((stored as { target: { maxResponseBytes: number } }).target.maxResponseBytes).toBe(2 * MiB);
    // What the slices run: the stored plan, validated again.
    const again = validatePlan(stored);
    expect(again.ok && again.value.plan.target.maxResponseBytes).toBe(2 * MiB);
    expect(input.target).not.toHaveProperty('maxResponseBytes'); // the caller's object is left alone
  });
});

describe('mlload serve answers 400 naming the limit', () => {
  it('for bodies over MAX_BODY_BYTES and reads over MAX_RESPONSE_BYTES, 202 within them', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'mlload-caps-serve-'));
    mkdirSync(path.join(root, 'plans'));
    writeFileSync(path.join(root, 'plans', 'big.jsonl'), `${JSON.stringify({ input: 'y'.repeat(3000) })}\n`);
    const serve = await startServe(
      { host: '127.0.0.1', port: '0', out: path.join(root, 'results'), plans: path.join(root, 'plans'), quiet: true },
      { ALLOWED_TARGET_HOSTS: 'scoring.contoso.com,127.0.0.1', MAX_BODY_BYTES: '2048', MAX_RESPONSE_BYTES: '65536', START_LEAD_SECONDS: '0.2' },
    );
    const target = await startLoopbackServer((_req, res) => res.end('x'.repeat(70_000)));
    const post = async (plan: unknown) => {
      const response = await fetch(`${serve.server.url}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(plan) });
      return { status: response.status, text: await response.text() };
    };
    try {
      const body = await post({ ...base, payload: { body: { input: 'x'.repeat(3000) } } });
      expect(body.status).toBe(400);
      expect(body.text).toContain('MAX_BODY_BYTES=2048');
      expect(body.text).toContain('$.payload.body');
      const file = await post({ ...base, payload: { file: 'big.jsonl' } });
      expect(file.status).toBe(400);
      expect(file.text).toContain('MAX_BODY_BYTES=2048');
      const response = await post({ ...base, target: { ...base.target, maxResponseBytes: 65537 } });
      expect(response.status).toBe(400);
      expect(response.text).toContain('MAX_RESPONSE_BYTES=65536');
      expect(response.text).toContain('$.target.maxResponseBytes');
      // Within the caps: accepted, and the response read stops at MAX_RESPONSE_BYTES (the plan asked nothing).
      const fine = await post({ ...base, target: { url: `${target.url}/score` }, payload: { body: { input: 'x'.repeat(100) } }, load: { model: 'constant', rps: 5, duration: 1 } });
      expect(fine.status, fine.text).toBe(202);
      const { statusUrl } = JSON.parse(fine.text) as { statusUrl: string };
      let run: { summary?: { errorsByCode: Record<string, number> } } = {};
      for (let i = 0; i < 40 && !run.summary; i++) {
        await new Promise((r) => setTimeout(r, 200));
        run = (await (await fetch(statusUrl)).json()) as typeof run;
      }
      expect(run.summary?.errorsByCode).toEqual({ body_too_large: 5 });
    } finally {
      await serve.close();
      await target.close();
    }
  });
});
