import { describe, expect, it } from 'vitest';
import { chartPointCounts, reportData } from '../../src/report/report-data.js';
import { CRAFTED_ORIGIN_MS, craftedRun, emptyRun } from './crafted-run.js';

const sum = (values: readonly (number | null)[]) => values.reduce<number>((a, b) => a + (b ?? 0), 0);

describe('reportData', () => {
  const run = craftedRun();
  const data = reportData(run);

  it('has one point per second of the run, on whole epoch seconds from the one the load started in', () => {
    expect(data.time.epochS).toHaveLength(run.timeseries.length);
    expect(data.time.epochS[0]).toBe(Math.floor(CRAFTED_ORIGIN_MS / 1000));
    expect(data.time.epochS.every((s, i) => i === 0 || s === data.time.epochS[i - 1] + 1)).toBe(true);
    expect(data.originEpochMs).toBe(CRAFTED_ORIGIN_MS);
    expect(data.maxInFlight).toBe(100);
  });

  it('carries the planned, sent and completed rates', () => {
    expect(sum(data.time.targetRps)).toBe(30);
    expect(sum(data.time.sentRps)).toBe(30);
    expect(sum(data.time.throughputRps)).toBe(22);
    expect(data.time.targetRps.slice(0, 4)).toEqual([5, 10, 10, 5]);
  });

  it('splits every finished request into exactly one outcome kind', () => {
    const t = data.time;
    expect({
      ok: sum(t.ok),
      throttled: sum(t.throttled),
      status408: sum(t.status408),
      status424: sum(t.status424),
      status5xx: sum(t.status5xx),
      transportErrors: sum(t.transportErrors),
      otherErrors: sum(t.otherErrors),
    }).toEqual({ ok: 22, throttled: 2, status408: 1, status424: 1, status5xx: 3, transportErrors: 1, otherErrors: 0 });
    run.timeseries.forEach((row, i) => {
      const kinds = t.ok[i] + t.throttled[i] + t.status408[i] + t.status424[i] + t.status5xx[i] + t.transportErrors[i] + t.otherErrors[i];
      expect(kinds).toBe(row.ok + row.errors);
    });
  });

  it('leaves a gap (null), not a zero, in seconds where nothing finished', () => {
    // Hits end by 2.9 s + 39 ms, except the timeout at 1.3 s + 5 s: seconds 4 and 5 are empty.
    const empty = run.timeseries.map((row) => row.ok + row.errors === 0);
    expect(empty).toEqual([false, false, false, false, true, true, false]);
    expect(data.time.p50Ms[4]).toBeNull();
    expect(data.time.p99Ms[5]).toBeNull();
    expect(data.time.maxMs[6]).toBeCloseTo(5000, -1);
    expect(data.time.p50Ms[1]).toBe(run.timeseries[1].p50Ms);
  });

  it('draws the percentile curve of the whole run, response and service time on the same levels', () => {
    const p = data.percentiles;
    expect(p.nines.at(-1)).toBe(30);
    expect(p.responseTimeMs).toHaveLength(p.nines.length);
    expect(p.serviceTimeMs).toHaveLength(p.nines.length);
    expect(p.responseTimeMs.at(-1)).toBe(run.summary.latencyMs.max);
    expect(p.responseTimeMs[0]).toBeCloseTo(10, 1);
    // Sends left 0.2–0.3 ms after their intended time: service time is that much shorter.
    expect(p.serviceTimeMs[0]!).toBeLessThan(p.responseTimeMs[0]!);
  });

  it('has one point per worker', () => {
    expect(data.workers).toEqual({
      worker: [0, 1],
      planned: [15, 15],
      sent: [15, 15],
      scheduleLagP99Ms: run.summary.workers.map((w) => w.scheduleLagP99Ms),
    });
  });

  it('has one point per deployment, sorted by name, when two or more answered', () => {
    expect(data.deployments).toMatchObject({ name: ['blue', 'green'], completed: [14, 15], ok: [7, 15], throttled: [2, 0] });
    expect(data.deployments!.p95Ms).toEqual([run.summary.byDeployment.blue.latencyMs.p95, run.summary.byDeployment.green.latencyMs.p95]);
    expect(reportData(craftedRun({ noDeployments: true })).deployments).toBeNull();
    const single = craftedRun();
    delete single.summary.byDeployment.green;
    expect(reportData(single).deployments).toBeNull();
  });

  it('counts the points each chart draws', () => {
    expect(chartPointCounts(data)).toEqual({
      'chart-rate': 7,
      'chart-latency': 7,
      'chart-percentiles': data.percentiles.nines.length,
      'chart-status': 7,
      'chart-inflight': 7,
      'chart-workers': 2,
      'chart-deployments': 2,
    });
    expect(chartPointCounts(reportData(craftedRun({ noDeployments: true })))).not.toHaveProperty('chart-deployments');
  });

  it('is the same for the same run', () => {
    expect(JSON.stringify(reportData(craftedRun()))).toBe(JSON.stringify(data));
  });

  it('is empty, not broken, for a run that sent nothing', () => {
    const empty = reportData(emptyRun());
    expect(empty.time.epochS).toEqual([]);
    expect(empty.percentiles.nines).toEqual([]);
    expect(empty.workers.worker).toEqual([]);
    expect(empty.deployments).toBeNull();
  });
});
