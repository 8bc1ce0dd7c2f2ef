import type { FinalizedRun } from '../core/finalize-run.js';
import { percentileCurve } from './percentile-curve.js';

/**
 * Everything the report's charts draw, as columns (one array per series) because that is the form
 * uPlot takes. Serialized into the page's `report-data` JSON block; the browser script reads only this.
 */
export interface ReportData {
  /** Format of this object, for scripts that read it out of saved reports. */
  version: 1;
  runId: string;
  /** Epoch ms of the load's start (pacer time 0), for "+N s" labels. */
  originEpochMs: number;
  /** The plan's cap on requests in flight (all workers), drawn when the peaks come near it. */
  maxInFlight: number;
  /** One point per second of the run. */
  time: TimeSeriesColumns;
  /** Response and service time percentile curve (see percentile-curve.ts). */
  percentiles: {
    percentiles: number[];
    nines: number[];
    responseTimeMs: (number | null)[];
    serviceTimeMs: (number | null)[];
  };
  /** One point per worker. */
  workers: {
    worker: number[];
    planned: number[];
    sent: number[];
    scheduleLagP99Ms: number[];
  };
  /** One point per deployment that answered, or null when fewer than two did (nothing to compare). */
  deployments: DeploymentColumns | null;
}

export interface TimeSeriesColumns {
  /** Window start of each second, epoch seconds (UTC). */
  epochS: number[];
  targetRps: number[];
  sentRps: number[];
  throughputRps: number[];
  droppedRps: number[];
  /** Outcomes finished in each second, by kind; together they add up to every finished request. */
  ok: number[];
  throttled: number[];
  status408: number[];
  status424: number[];
  status5xx: number[];
  transportErrors: number[];
  /** Errors of no kind above (3xx, other 4xx). */
  otherErrors: number[];
  inFlightPeak: number[];
  /** Latency from the intended send time; null in seconds where nothing finished (a gap, not a 0). */
  p50Ms: (number | null)[];
  p95Ms: (number | null)[];
  p99Ms: (number | null)[];
  maxMs: (number | null)[];
}

export interface DeploymentColumns {
  name: string[];
  completed: number[];
  ok: number[];
  errors: number[];
  throttled: number[];
  p50Ms: number[];
  p95Ms: number[];
  p99Ms: number[];
}

/** The number of points each chart draws: what its `data-points` attribute says once drawn. */
export interface ChartPointCounts {
  'chart-rate': number;
  'chart-latency': number;
  'chart-percentiles': number;
  'chart-status': number;
  'chart-inflight': number;
  'chart-workers': number;
  'chart-deployments'?: number;
}

export function reportData(run: FinalizedRun): ReportData {
  const rows = run.timeseries;
  const col = <T>(pick: (row: (typeof rows)[number]) => T): T[] => rows.map(pick);
  // A second with an empty histogram has all percentiles 0; no request ever takes 0 µs.
  const latency = (pick: (row: (typeof rows)[number]) => number) => col((row) => (row.maxMs > 0 ? pick(row) : null));
  const curve = percentileCurve([run.aggregate.responseTime, run.aggregate.serviceTime]);
  const workers = run.summary.workers;
  return {
    version: 1,
    runId: run.summary.runId,
    originEpochMs: Date.parse(run.record.originAt),
    maxInFlight: run.plan.maxInFlight,
    time: {
      epochS: col((row) => Date.parse(row.windowStart) / 1000),
      targetRps: col((row) => row.targetRps),
      sentRps: col((row) => row.sentRps),
      throughputRps: col((row) => row.throughputRps),
      droppedRps: col((row) => row.dropped),
      ok: col((row) => row.ok),
      throttled: col((row) => row.throttled),
      status408: col((row) => row.status408),
      status424: col((row) => row.status424),
      status5xx: col((row) => row.status5xx),
      transportErrors: col((row) => row.transportErrors),
      otherErrors: col((row) => Math.max(0, row.errors - row.throttled - row.status408 - row.status424 - row.status5xx - row.transportErrors)),
      inFlightPeak: col((row) => row.inFlightPeak),
      p50Ms: latency((row) => row.p50Ms),
      p95Ms: latency((row) => row.p95Ms),
      p99Ms: latency((row) => row.p99Ms),
      maxMs: latency((row) => row.maxMs),
    },
    percentiles: {
      percentiles: curve.percentiles,
      nines: curve.nines,
      responseTimeMs: curve.valuesMs[0],
      serviceTimeMs: curve.valuesMs[1],
    },
    workers: {
      worker: workers.map((w) => w.worker),
      planned: workers.map((w) => w.planned),
      sent: workers.map((w) => w.sent),
      scheduleLagP99Ms: workers.map((w) => w.scheduleLagP99Ms),
    },
    deployments: deploymentColumns(run),
  };
}

/** Per-deployment columns, sorted by name so the same run always draws the same way. */
function deploymentColumns(run: FinalizedRun): DeploymentColumns | null {
  const entries = Object.entries(run.summary.byDeployment).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length < 2) return null;
  return {
    name: entries.map(([name]) => name),
    completed: entries.map(([, d]) => d.completed),
    ok: entries.map(([, d]) => d.ok),
    errors: entries.map(([, d]) => d.errors),
    throttled: entries.map(([, d]) => d.throttled),
    p50Ms: entries.map(([, d]) => d.latencyMs.p50),
    p95Ms: entries.map(([, d]) => d.latencyMs.p95),
    p99Ms: entries.map(([, d]) => d.latencyMs.p99),
  };
}

export function chartPointCounts(data: ReportData): ChartPointCounts {
  const seconds = data.time.epochS.length;
  const counts: ChartPointCounts = {
    'chart-rate': seconds,
    'chart-latency': seconds,
    'chart-percentiles': data.percentiles.nines.length,
    'chart-status': seconds,
    'chart-inflight': seconds,
    'chart-workers': data.workers.worker.length,
  };
  if (data.deployments) counts['chart-deployments'] = data.deployments.name.length;
  return counts;
}
