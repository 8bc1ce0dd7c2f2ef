/**
 * Secrets never leave memory: a key (target.auth key setting), a Bearer token ({{env NAME}} header) and
 * a key in the URL's query are used on every request, yet appear in no stored artifact (every file of
 * the results folder; every blob, table entity and queue message) and in no output or log line —
 * through `mlload run` (file store) and `mlload serve --storage` (Azurite), also when the target
 * answers 401 and echoes the key back.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteInstance } from '../helpers/azurite.js';
import { runCli } from '../helpers/cli.js';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';
import { startServeProcess, waitForFinal } from '../helpers/serve-process.js';
import { everyFile, everythingStored, leaks } from '../helpers/storage-dump.js';

const KEY = 'mlload-KEY-3f9a7c1e5b2d48a6b0c9e1f2';
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.mlload-BEARER-7d2e4f6a8b0c';
const URL_KEY = 'mlload-URLKEY-19c8e7d6a5b4';
const SECRETS = [KEY, TOKEN, URL_KEY];
const ENV = { MLLOAD_TEST_KEY: KEY, MLLOAD_TEST_BEARER: `Bearer ${TOKEN}` };

let ok: LoopbackServer;
let denied: LoopbackServer;
const seen: { key?: string; authorization?: string; url?: string }[] = [];

beforeAll(async () => {
  ok = await startLoopbackServer((req, res) => {
    seen.push({ key: String(req.headers['api-key']), authorization: String(req.headers.authorization), url: req.url });
    res.setHeader('content-type', 'application/json');
    res.end('{"predictions":[0.5]}');
  });
  // A target that refuses the key and echoes it (and the token) back in its headers and body.
  denied = await startLoopbackServer((req, res) => {
    res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': `Bearer error="invalid_token", key="${req.headers['api-key']}"`, 'x-echo': String(req.headers.authorization) });
    res.end(JSON.stringify({ error: `invalid key ${req.headers['api-key']} for ${req.headers.authorization} at ${req.url}` }));
  });
});
afterAll(async () => {
  await ok?.close();
  await denied?.close();
});

/** The CLI takes a key in the URL's query (stored redacted); the service refuses one (it stores the plan it runs). */
function plan(name: string, target: LoopbackServer, urlKey = true) {
  return {
    name,
    target: {
      url: `${target.url}/score?${urlKey ? `code=${URL_KEY}&` : ''}api-version=1`,
      auth: { type: 'key', setting: 'MLLOAD_TEST_KEY', header: 'api-key' },
      headers: { authorization: '{{env MLLOAD_TEST_BEARER}}', 'x-request-id': '{{uuid}}' },
    },
    payload: { body: { input_data: [[1, 2, 3]] } },
    load: { model: 'constant', rps: 20, duration: '1s' },
    workers: 2,
  };
}

describe('mlload run (file store)', () => {
  it('uses the secrets on every request, stores and prints none of them — 200 and 401 targets, --json and table output', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlload-secrets-'));
    const results = path.join(dir, 'results');
    const outputs: [string, string][] = [];
    for (const [name, target] of [['secrets-ok', ok], ['secrets-401', denied]] as const) {
      const file = path.join(dir, `${name}.json`);
      writeFileSync(file, JSON.stringify(plan(name, target)));
      for (const json of [true, false]) {
        const before = seen.length;
        const result = await runCli(['run', file, '--out', results, ...(json ? ['--json'] : [])], { env: ENV, timeoutMs: 60_000 });
        outputs.push([`${name} stdout`, result.stdout], [`${name} stderr`, result.stderr]);
        expect(result.code, result.stderr).toBe(name === 'secrets-ok' ? 0 : 1);
        if (name === 'secrets-ok') {
          // The secrets were really sent, on every request.
          const requests = seen.slice(before);
          expect(requests).toHaveLength(20);
          expect(requests.every((r) => r.key === KEY && r.authorization === `Bearer ${TOKEN}` && r.url?.includes(URL_KEY))).toBe(true);
        } else if (json) {
          expect(JSON.parse(result.stdout).statusCodes).toEqual({ '401': 20 });
        }
      }
    }
    const files = everyFile(results);
    expect(files.some(([f]) => f.endsWith('plan.json'))).toBe(true);
    expect(files.some(([f]) => /raw\/.*\.csv$/.test(f))).toBe(true);
    expect(files.some(([f]) => f.endsWith('report.html'))).toBe(true);
    expect(leaks([...files, ...outputs], SECRETS)).toEqual([]);
  });

  it('says which setting is missing without printing any value', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlload-secrets-'));
    const file = path.join(dir, 'plan.json');
    writeFileSync(file, JSON.stringify(plan('secrets-unset', ok)));
    const result = await runCli(['run', file, '--out', path.join(dir, 'results'), '--json'], { env: { MLLOAD_TEST_BEARER: `Bearer ${TOKEN}` }, timeoutMs: 60_000 });
    expect(result.code).toBe(3);
    expect(result.stdout + result.stderr).toMatch(/MLLOAD_TEST_KEY/);
    expect(leaks([['output', result.stdout + result.stderr], ...everyFile(path.join(dir, 'results'))], SECRETS)).toEqual([]);
  });
});

describe('mlload serve --storage (Azurite)', () => {
  let azurite: AzuriteInstance;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(async () => {
    await azurite?.stop();
  });

  it('uses the secrets, stores none of them in any blob, entity or message, logs none of them — 200 and 401 targets', async () => {
    const serve = await startServeProcess(['--storage', azurite.connectionString], { ...ENV, ALLOWED_TARGET_HOSTS: '127.0.0.1', START_LEAD_SECONDS: '1', MAX_SLICE_SECONDS: '60' });
    const bodies: [string, string][] = [];
    try {
      for (const [name, target] of [['serve-secrets-ok', ok], ['serve-secrets-401', denied]] as const) {
        const before = seen.length;
        const response = await fetch(`${serve.url}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(plan(name, target, false)) });
        const text = await response.text();
        bodies.push([`${name} POST`, text]);
        expect(response.status, text).toBe(202);
        const { statusUrl, runId } = JSON.parse(text) as { statusUrl: string; runId: string };
        const final = await waitForFinal<{ status: string; summary?: { statusCodes: Record<string, number> } }>(statusUrl, 40_000);
        bodies.push([`${name} GET`, JSON.stringify(final)]);
        if (name === 'serve-secrets-ok') {
          expect(final.status).toBe('passed');
          const requests = seen.slice(before);
          expect(requests).toHaveLength(20);
          // The stored plan is what the slices run: its non-secret query values are kept as written.
          expect(requests.every((r) => r.key === KEY && r.authorization === `Bearer ${TOKEN}` && r.url === '/score?api-version=1')).toBe(true);
        } else {
          expect(final.summary?.statusCodes).toEqual({ '401': 20 });
        }
        const report = await fetch(`${serve.url}/api/runs/${runId}/report`);
        bodies.push([`${name} report`, await report.text()]);
        bodies.push([`${name} list`, await (await fetch(`${serve.url}/api/runs`)).text()]);
      }
      // A key in the URL is refused (400) without being quoted back.
      const refused = await fetch(`${serve.url}/api/runs`, { method: 'POST', body: JSON.stringify(plan('serve-url-key', ok)) });
      const refusedText = await refused.text();
      bodies.push(['url key POST', refusedText]);
      expect(refused.status).toBe(400);
      expect(refusedText).toMatch(/credentials are not accepted in plans: the query parameter\(s\) \\"code\\" look like a key/);
    } finally {
      await serve.stop();
    }
    const stored = await everythingStored(azurite.connectionString);
    expect(stored.some(([where]) => /plan\.json$/.test(where))).toBe(true);
    expect(stored.some(([where]) => /raw\/.*\.csv$/.test(where))).toBe(true);
    expect(stored.some(([where]) => where.startsWith('table runs/'))).toBe(true);
    expect(serve.stderr).toMatch(/scheduled/); // the log lines were captured
    expect(leaks([...stored, ...bodies, ['serve stdout', serve.stdout], ['serve stderr', serve.stderr]], SECRETS)).toEqual([]);
  });
});

describe('credentials in the target URL of a service run', () => {
  it('are refused (user info, key-like query parameters) without quoting them; other query values are stored as written', async () => {
    const { urlCredentialProblems, redactPlanForService } = await import('../../src/core/plan-secrets.js');
    expect(urlCredentialProblems('https://x.inference.ml.azure.com/score?api-version=2024-02-01')).toEqual([]);
    for (const url of [`https://u:${URL_KEY}@x.example.com/`, `https://x.example.com/?code=${URL_KEY}`, `https://x.example.com/?sig=${URL_KEY}`, `https://x.example.com/?api-key=${URL_KEY}`, `https://x.example.com/?subscription-key=${URL_KEY}`, `https://x.example.com/?access_token=${URL_KEY}`]) {
      const problems = urlCredentialProblems(url);
      expect(problems.length, url).toBe(1);
      expect(problems[0].message).toMatch(/credentials are not accepted in plans/);
      expect(JSON.stringify(problems)).not.toContain(URL_KEY);
    }
    const stored = redactPlanForService({ target: { url: `https://u:p@x.example.com/s?api-version=1&code=${URL_KEY}`, headers: { 'api-key': KEY, authorization: '{{env T}}', 'x-id': '{{uuid}}' } } });
    expect(stored).toEqual({ target: { url: 'https://x.example.com/s?api-version=1&code=[redacted]', headers: { 'api-key': '[redacted]', authorization: '{{env T}}', 'x-id': '{{uuid}}' } } });
  });
});

describe('managed-identity tokens of a service run', () => {
  it('are asked only for inference audiences: a plan cannot have a storage or management token sent to a target', async () => {
    const { startRun } = await import('../../src/core/start-run.js');
    const { FileResultStore } = await import('../../src/adapters/file-result-store.js');
    const { RecordingQueue } = await import('../helpers/function-services.js');
    const deps = {
      store: new FileResultStore(path.join(mkdtempSync(path.join(os.tmpdir(), 'mlload-scope-')), 'results')),
      queue: new RecordingQueue(),
      limits: { maxRps: 100, maxDurationSeconds: 60, maxWorkers: 2, maxSliceSeconds: 60, startLeadSeconds: 3600, sliceGraceSeconds: 10, workerMaxRps: 100, workerMaxConnections: 10, allowedTargetHosts: ['*.inference.ml.azure.com'] },
    };
    const plan = (scope?: string) => ({ target: { url: 'https://someones.eastus.inference.ml.azure.com/score', auth: { type: 'managedIdentity', ...(scope ? { scope } : {}) } }, load: { model: 'constant', rps: 1, duration: 1 } });
    for (const scope of ['https://storage.azure.com/.default', 'https://management.azure.com/.default', 'https://vault.azure.net/.default', 'https://graph.microsoft.com/.default', 'api://anything/.default']) {
      const result = await startRun(plan(scope), deps);
      expect(result.ok, scope).toBe(false);
      if (!result.ok) expect(result.problems).toEqual([{ path: '$.target.auth.scope', message: expect.stringMatching(/gets tokens only for https:\/\/ml\.azure\.com\/\.default/) }]);
    }
    for (const scope of [undefined, 'https://ml.azure.com/.default', 'https://cognitiveservices.azure.com/.default']) expect((await startRun(plan(scope), deps)).ok, scope).toBe(true);
  });
});
