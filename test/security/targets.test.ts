/**
 * Targets: the connect-time check against DNS rebinding (guarded lookup), no redirects followed,
 * and http/https only for `mlload run`.
 */
import dns from 'node:dns';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { executeSlice } from '../../src/core/execute-slice.js';
import { errorCodeOf, ERROR_CODES } from '../../src/core/error-codes.js';
import { addressRefusal, guardedLookup, TargetRefusedError } from '../../src/core/guarded-lookup.js';
import { planSchema } from '../../src/core/plan.js';
import { planSlices } from '../../src/core/slice.js';
import { validatePlan } from '../../src/core/validate-plan.js';
import { startServe } from '../../src/cli/commands/serve-command.js';
import { runCli } from '../helpers/cli.js';
import { MemoryRawWriter } from '../helpers/memory-raw-writer.js';
import { okHandler, startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';

const servers: LoopbackServer[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const server of servers.splice(0)) await server.close();
});

async function server(handler = okHandler): Promise<LoopbackServer> {
  const s = await startLoopbackServer(handler);
  servers.push(s);
  return s;
}

/** dns.lookup answers `address` for names ending in `.example.com` (a rebinding DNS), the real answer otherwise. */
function rebindTo(address: string) {
  const real = dns.lookup.bind(dns);
  const seen: string[] = [];
  vi.spyOn(dns, 'lookup').mockImplementation(((hostname: string, options: unknown, callback: (...args: unknown[]) => void) => {
    if (!hostname.endsWith('.example.com')) return (real as (...args: unknown[]) => void)(hostname, options, callback);
    seen.push(hostname);
    const family = address.includes(':') ? 6 : 4;
    process.nextTick(() => ((options as { all?: boolean })?.all ? callback(null, [{ address, family }]) : callback(null, address, family)));
  }) as typeof dns.lookup);
  return seen;
}

async function slice(url: string, allowedTargetHosts: readonly string[] | undefined, rps = 10) {
  const plan = planSchema.parse({ name: 'targets', target: { url, method: 'GET', timeoutMs: 2000 }, load: { model: 'constant', rps, duration: 1 } });
  const [spec] = planSlices('20260101T000000Z-aaaaaaaaaaaaaaaaaaaa', plan, 1, Date.now() + 50);
  const writer = new MemoryRawWriter();
  const outcome = await executeSlice(spec, plan, { rawWriter: writer, allowedTargetHosts });
  return { outcome, a: outcome.aggregate, rows: writer.samples() };
}

describe('addressRefusal: the address a name resolves to, at connect time', () => {
  const allowed = ['*.example.com', 'scoring.contoso.com', '10.1.2.3', 'internal.example.com'];

  it('refuses metadata, link-local and unspecified addresses always, in every spelling', () => {
    for (const address of ['169.254.169.254', '::ffff:169.254.169.254', '::ffff:a9fe:a9fe', '0:0:0:0:0:ffff:a9fe:a9fe', '168.63.129.16', 'fd00:ec2::254', '100.100.100.200', '169.254.1.1', 'fe80::1', '0.0.0.0', '::']) {
      expect(addressRefusal('model.example.com', address, allowed), address).toMatch(/never allowed/);
      // Even when the name (or the address itself) is listed exactly.
      expect(addressRefusal('internal.example.com', address, [...allowed, address]), address).toMatch(/never allowed/);
    }
  });

  it('refuses loopback and private addresses unless the exact IP or the exact host name is listed', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1', '10.0.0.5', '192.168.1.1', '172.16.0.9', 'fd12::1', '100.64.0.1']) {
      expect(addressRefusal('model.example.com', address, allowed), address).toMatch(/allowed only when ALLOWED_TARGET_HOSTS lists it exactly/);
    }
    expect(addressRefusal('model.example.com', '10.1.2.3', allowed)).toBeUndefined(); // exact IP listed
    expect(addressRefusal('internal.example.com', '10.9.9.9', allowed)).toBeUndefined(); // exact name listed
    expect(addressRefusal('INTERNAL.example.com.', '127.0.0.1', allowed)).toBeUndefined(); // same name, other spelling
  });

  it('allows public addresses of an allowed name, and checks the name too', () => {
    expect(addressRefusal('model.example.com', '20.42.1.1', allowed)).toBeUndefined();
    expect(addressRefusal('2001:db8::1'.replace('db8', '4860'), '2001:4860::1', ['2001:4860::1'])).toBeUndefined();
    expect(addressRefusal('evil.com', '20.42.1.1', allowed)).toMatch(/not in ALLOWED_TARGET_HOSTS/);
    expect(addressRefusal('localhost', '127.0.0.1', ['*'])).toMatch(/loopback/);
  });
});

describe('guardedLookup', () => {
  type Answer = { address: string; family: number }[];
  const resolver = (answer: Answer) => (_host: string, _options: unknown, callback: (e: NodeJS.ErrnoException | null, a: Answer) => void) => process.nextTick(() => callback(null, answer));
  const call = (lookup: ReturnType<typeof guardedLookup>, all: boolean) =>
    new Promise<{ error: NodeJS.ErrnoException | null; result: unknown; family?: number }>((resolve) => lookup('model.example.com', { all } as never, (error, result, family) => resolve({ error, result, family })));

  it('keeps only the allowed addresses (a mixed answer cannot smuggle a private one in)', async () => {
    const lookup = guardedLookup(['*.example.com'], resolver([{ address: '169.254.169.254', family: 4 }, { address: '20.1.2.3', family: 4 }, { address: '127.0.0.1', family: 4 }]) as never);
    expect((await call(lookup, true)).result).toEqual([{ address: '20.1.2.3', family: 4 }]);
    expect(await call(lookup, false)).toMatchObject({ error: null, result: '20.1.2.3', family: 4 });
  });

  it('fails with TargetRefusedError (→ target_refused) when nothing allowed is left', async () => {
    const lookup = guardedLookup(['*.example.com'], resolver([{ address: '127.0.0.1', family: 4 }]) as never);
    const { error } = await call(lookup, false);
    expect(error).toBeInstanceOf(TargetRefusedError);
    expect(error!.message).toMatch(/model\.example\.com resolved to 127\.0\.0\.1 is a loopback address/);
    expect(errorCodeOf(error)).toBe('target_refused');
    expect(ERROR_CODES).toContain('target_refused');
  });

  it('passes resolver errors through (dns)', async () => {
    const failing = (_h: string, _o: unknown, cb: (e: NodeJS.ErrnoException) => void) => process.nextTick(() => cb(Object.assign(new Error('nope'), { code: 'ENOTFOUND' })));
    const { error } = await call(guardedLookup(['*'], failing as never), true);
    expect(errorCodeOf(error)).toBe('dns');
  });
});

describe('the HTTP client checks the resolved address at connect time (DNS rebinding)', () => {
  it('refuses a name allowed by pattern that resolves to 127.0.0.1: every request fails target_refused, nothing reaches the server', async () => {
    const target = await server();
    const seen = rebindTo('127.0.0.1');
    const { a, rows } = await slice(`http://rebind.example.com:${target.port}/score`, ['*.example.com']);
    expect(a.counts).toMatchObject({ planned: 10, sent: 10, errors: 10, ok: 0 });
    expect(a.errorsByCode).toEqual({ target_refused: 10 });
    expect(rows.every((r) => r.errorCode === 'target_refused' && r.status === 0)).toBe(true);
    expect(target.count).toBe(0);
    expect(seen.length).toBeGreaterThan(0);
  });

  it('allows it when the exact IP, or the exact host name, is listed', async () => {
    const target = await server();
    rebindTo('127.0.0.1');
    const byIp = await slice(`http://rebind.example.com:${target.port}/score`, ['*.example.com', '127.0.0.1']);
    expect(byIp.a.counts).toMatchObject({ sent: 10, ok: 10 });
    const byName = await slice(`http://rebind.example.com:${target.port}/score`, ['rebind.example.com']);
    expect(byName.a.counts).toMatchObject({ sent: 10, ok: 10 });
    expect(target.count).toBe(20);
  });

  it('refuses a name that resolves to the metadata address even when the name is listed exactly', async () => {
    rebindTo('169.254.169.254');
    const { a } = await slice('http://meta.example.com/latest', ['meta.example.com']);
    expect(a.errorsByCode).toEqual({ target_refused: 10 });
  });

  it('refuses `localhost` really resolving to loopback when only another host is allowed, and IP literals too', async () => {
    const target = await server();
    expect((await slice(`http://localhost:${target.port}/score`, ['*'])).a.errorsByCode).toEqual({ target_refused: 10 });
    expect((await slice(`http://127.0.0.1:${target.port}/score`, ['scoring.contoso.com'])).a.errorsByCode).toEqual({ target_refused: 10 });
    expect((await slice(`http://[::ffff:127.0.0.1]:${target.port}/score`, ['scoring.contoso.com'])).a.errorsByCode).toEqual({ target_refused: 10 });
    expect(target.count).toBe(0);
  });

  it('leaves the CLI (no allowedTargetHosts) unrestricted', async () => {
    const target = await server();
    const { a } = await slice(`http://localhost:${target.port}/score`, undefined);
    expect(a.counts).toMatchObject({ sent: 10, ok: 10 });
  });

  it('mlload serve: a plan whose allowed name rebinds to loopback is accepted, then every request is refused at connect time', async () => {
    const target = await server();
    rebindTo('127.0.0.1');
    const out = mkdtempSync(path.join(os.tmpdir(), 'mlload-rebind-'));
    const serve = await startServe({ host: '127.0.0.1', port: '0', out, quiet: true }, { ALLOWED_TARGET_HOSTS: '*.example.com', START_LEAD_SECONDS: '0.2' });
    try {
      const plan = { name: 'rebind', target: { url: `http://rebind.example.com:${target.port}/score` }, load: { model: 'constant', rps: 10, duration: '1s' } };
      const response = await fetch(`${serve.server.url}/api/runs`, { method: 'POST', body: JSON.stringify(plan) });
      expect(response.status).toBe(202);
      const { statusUrl } = (await response.json()) as { statusUrl: string };
      let body: { status: string; summary?: { errorsByCode: Record<string, number>; requests: Record<string, number> } } = { status: '' };
      for (let i = 0; i < 40 && !body.summary; i++) {
        await new Promise((r) => setTimeout(r, 250));
        body = (await (await fetch(statusUrl)).json()) as typeof body;
      }
      expect(body.summary?.errorsByCode).toEqual({ target_refused: 10 });
      expect(body.summary?.requests).toMatchObject({ sent: 10, ok: 0, errors: 10 });
      expect(body.status).toBe('failed');
      expect(target.count).toBe(0);
    } finally {
      await serve.close();
    }
  });
});

describe('redirects are never followed', () => {
  it('counts a 302 as a 302; the Location is never requested', async () => {
    const elsewhere = await server();
    const target = await server((_req, res) => {
      res.writeHead(302, { location: `${elsewhere.url}/metadata` });
      res.end();
    });
    for (const allowed of [undefined, ['127.0.0.1']]) {
      const { a } = await slice(`${target.url}/score`, allowed);
      expect(a.statusCodes).toEqual({ '302': 10 });
      expect(a.counts).toMatchObject({ sent: 10, completed: 10, ok: 0, errors: 10 });
    }
    expect(target.count).toBe(20);
    expect(elsewhere.count).toBe(0);
  });
});

describe('mlload run: any host, but http and https only', () => {
  it('refuses other schemes in the plan schema (exit 2, the path named)', async () => {
    for (const url of ['file:///etc/passwd', 'ftp://example.com/x', 'gopher://127.0.0.1:70/', 'javascript:alert(1)', 'http://']) {
      const result = validatePlan({ target: { url }, load: { model: 'constant', rps: 1, duration: 1 } });
      expect(result.ok, url).toBe(false);
      if (!result.ok) expect(result.problems.map((p) => p.path)).toContain('$.target.url');
    }
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlload-scheme-'));
    const file = path.join(dir, 'plan.json');
    writeFileSync(file, JSON.stringify({ target: { url: 'file:///etc/passwd' }, load: { model: 'constant', rps: 1, duration: 1 } }));
    const result = await runCli(['run', file, '--out', path.join(dir, 'results')], { timeoutMs: 30_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/\$\.target\.url: must be an absolute http:\/\/ or https:\/\/ URL/);
  });

  it('runs against loopback on a user\'s machine (unrestricted)', async () => {
    const target = await server();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlload-local-'));
    const file = path.join(dir, 'plan.json');
    writeFileSync(file, JSON.stringify({ target: { url: `http://localhost:${target.port}/score` }, load: { model: 'constant', rps: 10, duration: 1 } }));
    const result = await runCli(['run', file, '--out', path.join(dir, 'results'), '--json'], { timeoutMs: 30_000 });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).requests).toMatchObject({ sent: 10, ok: 10 });
  });
});
