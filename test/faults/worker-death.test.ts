/**
 * A worker process killed in the middle of a run (SIGKILL: no cleanup of any kind). `mlload serve` runs
 * a 2-worker × 2-window run from its in-process queue and file store; it is killed during the second
 * window, after the first window's slices reported. Started again on the same results folder, its
 * reaper finalizes the run `partial`, naming the missing slices, from the first window's exact data.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRawSamples } from '../../src/core/raw-sample-csv.js';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';
import { startServeProcess, waitForFinal, type ServeProcess } from '../helpers/serve-process.js';

let target: LoopbackServer;
const received: number[] = [];
beforeAll(async () => {
  target = await startLoopbackServer((_req, res) => {
    received.push(Date.now());
    res.end('{"ok":true}');
  });
});
afterAll(() => target?.close());

const RPS = 40;
const ENV = { ALLOWED_TARGET_HOSTS: '127.0.0.1', START_LEAD_SECONDS: '1', MAX_SLICE_SECONDS: '2', SLICE_GRACE_SECONDS: '1' };

interface RunBody {
  status: string;
  originAt: string;
  sliceIds: string[];
  progress: { slicesReported: number };
  summary?: { status: string; reasons: string[]; requests: Record<string, number>; slices: { missing: string[]; reported: number } };
}

describe('a worker process killed mid-run', () => {
  let first: ServeProcess | undefined;
  let second: ServeProcess | undefined;
  afterAll(async () => {
    await first?.kill();
    await second?.stop();
  });

  it('is finalized partial by the reaper, naming the missing slices; the slices that reported are exact', async () => {
    const results = path.join(mkdtempSync(path.join(os.tmpdir(), 'mlload-kill-')), 'results');
    first = await startServeProcess(['--out', results, '--reap-interval', '0.5'], ENV);
    const plan = { name: 'killed', target: { url: `${target.url}/score`, timeoutMs: 1000 }, load: { model: 'constant', rps: RPS, duration: '4s' }, workers: 2 };
    const response = await fetch(`${first.url}/api/runs`, { method: 'POST', body: JSON.stringify(plan) });
    expect(response.status).toBe(202);
    const { runId, statusUrl } = (await response.json()) as { runId: string; statusUrl: string };

    // Wait until window 0 has reported (both of its slices), then kill in the middle of window 1.
    let body: RunBody | undefined;
    for (let i = 0; i < 80; i++) {
      body = (await (await fetch(statusUrl)).json()) as RunBody;
      if (body.progress.slicesReported >= 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(body!.progress.slicesReported).toBe(2);
    const origin = Date.parse(body!.originAt);
    await new Promise((r) => setTimeout(r, Math.max(0, origin + 2800 - Date.now())));
    expect(await first.kill()).toBe('SIGKILL');
    const sentBeforeKill = received.length;
    expect(sentBeforeKill).toBeGreaterThan(2 * RPS);
    expect(sentBeforeKill).toBeLessThan(4 * RPS);

    // Started again on the same folder: the reaper finds the run past its deadline and finalizes it.
    second = await startServeProcess(['--out', results, '--reap-interval', '0.5'], ENV);
    const final = await waitForFinal<RunBody>(`${second.url}/api/runs/${runId}`, 20_000);
    expect(final.status).toBe('partial');
    expect(final.summary!.slices.missing.sort()).toEqual(['w000-k001', 'w001-k001']);
    expect(final.summary!.reasons.join(' ')).toMatch(/w000-k001/);
    // Window 0 (2 s × 40 rps, both workers) is exact; window 1's hits count as missed.
    expect(final.summary!.requests).toMatchObject({ planned: 4 * RPS, sent: 2 * RPS, ok: 2 * RPS, errors: 0, missed: 2 * RPS });
    for (const sliceId of ['w000-k000', 'w001-k000']) {
      const rows = parseRawSamples(readFileSync(path.join(results, runId, 'raw', `${sliceId}.csv`), 'utf8'));
      expect(rows, sliceId).toHaveLength(RPS);
      expect(rows.every((r) => r.status === 200)).toBe(true);
    }
    expect(second.stderr).toMatch(new RegExp(`run ${runId} finalized partial by the reaper`));
    // Nothing was sent after the kill, and the restarted server never ran the lost slices.
    expect(received.length).toBe(sentBeforeKill);
  }, 60_000);
});
