/**
 * Makes docs/report-screenshot.png, the picture the README shows: a 25-second ramp over 2 workers
 * against the built-in simulator with two deployments (blue and green) near their capacity, rendered
 * and shot full-page at 1280 px in light mode by Debian's chromium. Not a test; run it by hand:
 *
 *   npx tsx test/report/make-screenshot.ts [out.png]
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { executeSlice } from '../../src/core/execute-slice.js';
import type { FinalizedRun } from '../../src/core/finalize-run.js';
import { pacerForLoad } from '../../src/core/pacers/pacer-for-load.js';
import { planSchema } from '../../src/core/plan.js';
import { newRunRecord } from '../../src/core/run-record.js';
import { summarizeRun } from '../../src/core/run-summary.js';
import { planSlices } from '../../src/core/slice.js';
import { timeseriesRows } from '../../src/core/timeseries.js';
import { renderReport } from '../../src/report/render-report.js';
import { startSimulator } from '../../src/sim/index.js';

async function demoRun(): Promise<FinalizedRun> {
  const sim = await startSimulator({
    seed: 7,
    requestTimeoutMs: 1500,
    errorRate500: 0.004,
    errorRate424: 0.002,
    deployments: [
      { name: 'blue', weight: 75, instances: 2, maxConcurrentRequestsPerInstance: 4, serviceTime: { medianMs: 40, p99Ms: 160 } },
      { name: 'green', weight: 25, instances: 1, maxConcurrentRequestsPerInstance: 4, serviceTime: { medianMs: 50, p99Ms: 220 } },
    ],
  });
  try {
    const plan = planSchema.parse({
      name: 'fraud-model-nightly',
      description: 'Ramp to 200 rps against a blue/green endpoint (simulated).',
      target: { url: `${sim.url}/score`, headers: { 'x-ms-client-request-id': '{{uuid}}' }, timeoutMs: 5000 },
      payload: { body: { input_data: [[0.1, 0.2, 0.3, 0.4]] } },
      load: {
        model: 'ramp',
        startRps: 10,
        stages: [
          { rps: 200, duration: '12s' },
          { rps: 200, duration: '6s' },
          { rps: 60, duration: '4s' },
          { rps: 60, duration: '3s' },
        ],
      },
      workers: 2,
      maxInFlight: 400,
      thresholds: { p95Ms: 250, errorRate: 0.02 },
      tags: { modelVersion: '12', sku: 'Standard_DS3_v2', instances: 3, trigger: 'nightly' },
    });
    const runId = '20250115T020000Z-demo';
    const originEpochMs = Date.now() + 200;
    const slices = planSlices(runId, plan, 2, originEpochMs);
    const outcomes = await Promise.all(slices.map((slice) => executeSlice(slice, plan)));
    const { summary, aggregate } = summarizeRun({ runId, plan, slices: outcomes, originEpochMs });
    const timeseries = timeseriesRows(aggregate, pacerForLoad(plan.load), originEpochMs);
    const record = { ...newRunRecord({ runId, plan, slices, originEpochMs, graceMs: 60_000 }), status: summary.status, summary, finishedAt: new Date().toISOString() };
    return { record, plan, summary, aggregate, timeseries };
  } finally {
    await sim.close();
  }
}

const out = path.resolve(process.argv[2] ?? 'docs/report-screenshot.png');
const run = await demoRun();
const dir = await mkdtemp(path.join(tmpdir(), 'mlload-shot-'));
const file = path.join(dir, 'report.html');
await writeFile(file, renderReport(run));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
  await page.goto(pathToFileURL(file).href);
  await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('.chart[data-points]').length > 0);
  await mkdir(path.dirname(out), { recursive: true });
  await page.screenshot({ path: out, fullPage: true });
  console.log(`${run.summary.status}: ${run.summary.requests.sent} sent, p95 ${run.summary.latencyMs.p95} ms → ${out}`);
} finally {
  await browser.close();
  await rm(dir, { recursive: true, force: true });
}
