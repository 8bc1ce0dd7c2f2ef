/**
 * API access: every HTTP trigger needs a function key, no timer runs on startup, and run ids cannot
 * be guessed. `app.*` is a no-op outside the Functions host, so the registrations are intercepted.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';

const registrations = vi.hoisted(() => [] as { method: string; name: string; options: Record<string, unknown> | ((...args: unknown[]) => unknown) }[]);

vi.mock('@azure/functions', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@azure/functions')>();
  // Every app.<method>(name, options) call is recorded instead of (not) being registered.
  const app = new Proxy({} as Record<string, unknown>, {
    get: (_target, method: string) => (name: string, options: Record<string, unknown>) => {
      registrations.push({ method, name, options });
    },
  });
  return { ...actual, app, default: { ...(actual as unknown as { default?: object }).default, app } };
});

const FUNCTIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/functions');
/** Registration methods that create HTTP triggers (app.http and its shorthands). */
const HTTP_METHODS = new Set(['http', 'get', 'post', 'put', 'patch', 'deleteRequest']);

async function loadAll() {
  if (registrations.length > 0) return registrations;
  for (const file of readdirSync(FUNCTIONS_DIR).filter((f) => f.endsWith('.ts')).sort()) await import(path.join(FUNCTIONS_DIR, file));
  await import('../../src/index.js');
  return registrations;
}

describe('Function registrations', () => {
  it('finds the triggers (sanity check of the interception)', async () => {
    const names = (await loadAll()).map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(['startRun', 'listRuns', 'getRun', 'getReport', 'runSlice', 'reaper', 'nightlyRuns']));
  });

  it('registers every HTTP route with authLevel "function" (a function key or Easy Auth in front: never anonymous)', async () => {
    const http = (await loadAll()).filter((r) => HTTP_METHODS.has(r.method));
    expect(http.length).toBeGreaterThanOrEqual(4);
    for (const r of http) {
      expect(typeof r.options, `${r.name}: options, not a bare handler (which would be anonymous)`).toBe('object');
      expect((r.options as { authLevel?: string }).authLevel, r.name).toBe('function');
    }
  });

  it('serves with `mlload serve` exactly the routes the app registers', async () => {
    const { FUNCTION_ROUTES } = await import('../../src/cli/serve/function-routes.js');
    const http = (await loadAll()).filter((r) => HTTP_METHODS.has(r.method));
    const registered = http.map((r) => `${r.name} ${(r.options as { methods?: string[] }).methods?.join(',')} ${(r.options as { route?: string }).route}`).sort();
    expect(FUNCTION_ROUTES.map((r) => `${r.name} ${r.method} ${r.route}`).sort()).toEqual(registered);
  });

  it('runs no timer on startup (a restart must not start load or reap early)', async () => {
    const timers = (await loadAll()).filter((r) => r.method === 'timer');
    expect(timers.map((t) => t.name).sort()).toEqual(['nightlyRuns', 'reaper']);
    for (const t of timers) expect((t.options as { runOnStartup?: boolean }).runOnStartup, t.name).not.toBe(true);
  });

  it('registers nothing but HTTP routes, timers, the slice queue trigger and setup', async () => {
    const kinds = new Set((await loadAll()).map((r) => r.method));
    for (const kind of kinds) expect(['setup', 'timer', 'storageQueue', ...HTTP_METHODS]).toContain(kind);
  });
});

describe('run ids', () => {
  it('look like <UTC stamp>-<20 base32 chars> (100 random bits) and 10,000 are distinct', async () => {
    const { newRunId, isRunId, RUN_ID_PATTERN } = await import('../../src/core/run-id.js');
    const now = new Date('2026-11-28T04:05:12.345Z');
    const ids = Array.from({ length: 10_000 }, () => newRunId(now));
    for (const id of ids) {
      expect(id).toMatch(/^20261128T040512Z-[a-z2-7]{20}$/);
      expect(isRunId(id)).toBe(true);
    }
    expect(new Set(ids).size).toBe(10_000);
    expect(RUN_ID_PATTERN.source).toContain('{20}');
    // Every position takes every one of the 32 symbols across 10,000 ids: no fixed or biased part.
    for (let position = 0; position < 20; position++) {
      const symbols = new Set(ids.map((id) => id[17 + position]));
      expect(symbols.size, `position ${position}`).toBe(32);
    }
  });

  it('are not accepted in other shapes (what the routes and the queue rely on)', async () => {
    const { isRunId } = await import('../../src/core/run-id.js');
    for (const bad of ['', '../etc/passwd', '20261128T040512Z-AAAAAAAAAAAAAAAAAAAA', '20261128T040512Z-aaaaaaaaaaaaaaaaaaa', '20261128T040512Z-aaaaaaaaaaaaaaaaaaaa/x', '20261128T040512Z-aaaaaaaaaaaaaaaaaa01']) {
      expect(isRunId(bad), bad).toBe(false);
    }
  });
});
