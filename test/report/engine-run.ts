import { executeSlice } from '../../src/core/execute-slice.js';
import type { FinalizedRun } from '../../src/core/finalize-run.js';
import { pacerForLoad } from '../../src/core/pacers/pacer-for-load.js';
import { planSchema, type PlanInput } from '../../src/core/plan.js';
import { newRunRecord } from '../../src/core/run-record.js';
import { summarizeRun } from '../../src/core/run-summary.js';
import { planSlices } from '../../src/core/slice.js';
import { timeseriesRows } from '../../src/core/timeseries.js';
import { startLoopbackServer } from '../helpers/loopback-server.js';

export const ENGINE_SECRET = 'sk-SECRET-123';
export const INJECTION = '<script>alert(1)</script>';

/**
 * A real run, for the browser test: the engine sends 3 s at 100 rps over 2 workers to a loopback
 * server that answers from two deployments (azureml-model-deployment) with some 429s and 500s, and the
 * same fan-in code as production turns the slices into a FinalizedRun.
 */
export async function engineRun(input: Partial<PlanInput> = {}): Promise<FinalizedRun> {
  const server = await startLoopbackServer((_req, res, seq) => {
    const status = seq % 16 === 5 ? 429 : seq % 25 === 7 ? 500 : 200;
    // A few slower answers give the latency charts a tail.
    const delayMs = seq % 50 === 0 ? 60 : 2 + (seq % 7);
    setTimeout(() => {
      res.statusCode = status;
      res.setHeader('content-type', 'application/json');
      res.setHeader('azureml-model-deployment', seq % 3 === 0 ? 'green' : 'blue');
      res.end(status === 200 ? '{"predictions":[1]}' : '{"message":"nope"}');
    }, delayMs);
  });
  try {
    const plan = planSchema.parse({
      name: 'browser-run',
      target: { url: `${server.url}/score`, headers: { Authorization: `Bearer ${ENGINE_SECRET}` }, timeoutMs: 5000 },
      payload: { body: { input_data: [[1, 2, 3]] } },
      load: { model: 'constant', rps: 100, duration: '3s' },
      workers: 2,
      thresholds: { p95Ms: 1000, errorRate: 0.01 },
      tags: { note: INJECTION, team: 'ml "platform" & <b>friends</b>', instances: 2 },
      ...input,
    });
    const runId = 'run-browser';
    const originEpochMs = Date.now() + 100;
    const slices = planSlices(runId, plan, 2, originEpochMs);
    const outcomes = await Promise.all(slices.map((slice) => executeSlice(slice, plan)));
    const { summary, aggregate } = summarizeRun({ runId, plan, slices: outcomes, originEpochMs });
    const timeseries = timeseriesRows(aggregate, pacerForLoad(plan.load), originEpochMs);
    const record = {
      ...newRunRecord({ runId, plan, slices, originEpochMs, graceMs: 60_000 }),
      status: summary.status,
      summary,
      finishedAt: new Date().toISOString(),
    };
    return { record, plan, summary, aggregate, timeseries };
  } finally {
    await server.close();
  }
}
