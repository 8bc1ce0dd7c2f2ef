import { createHistogram, decodeHistogram, encodeHistogram, type Histogram } from './histogram.js';

/**
 * What a slice measured, in a form that merges exactly: counts add, histograms add
 * (never averaged percentiles), per-second windows add by their epoch second.
 *
 * Counting rules: `sent` = ok + errors once all are done; `errors` is everything not 2xx (transport
 * failures and 429s included); `throttled` is the 429 part of it; `completed` is requests that got an
 * HTTP response of any status; `dropped` arrivals were never sent (in-flight cap); `missed` hits
 * belonged to a slice that never ran.
 */
export interface Counts {
  planned: number;
  sent: number;
  completed: number;
  ok: number;
  errors: number;
  throttled: number;
  dropped: number;
  missed: number;
  /** 2xx responses within the run's goodput latency limit (all 2xx when it has none). */
  good: number;
}

export const COUNT_NAMES: readonly (keyof Counts)[] = ['planned', 'sent', 'completed', 'ok', 'errors', 'throttled', 'dropped', 'missed', 'good'];

export function emptyCounts(): Counts {
  return { planned: 0, sent: 0, completed: 0, ok: 0, errors: 0, throttled: 0, dropped: 0, missed: 0, good: 0 };
}

/** What a slice's per-second windows record into (see Aggregate's constructor). */
export type WindowHistogramKind = 'packed' | 'dense';

/** One second of a run (epoch second `start`); events fall in the window of their own time. */
export class WindowAggregate {
  planned = 0;
  sent = 0;
  completed = 0;
  ok = 0;
  errors = 0;
  throttled = 0;
  dropped = 0;
  inFlightPeak = 0;
  statusCodes: Record<string, number> = {};
  errorsByCode: Record<string, number> = {};
  constructor(
    readonly start: number,
    /** Packed or dense (see Aggregate's constructor); decoded windows are packed. */
    public responseTime: Histogram,
  ) {}
}

/** Token-stream figures (SSE responses): time to first token, gaps between chunks, time per output token. */
export class StreamingAggregate {
  /** Streamed responses that produced content. */
  requests = 0;
  outputTokens = 0;
  /** Responses whose token count came from the server's `usage` (the rest count content chunks). */
  usageReported = 0;
  ttft: Histogram = createHistogram();
  interToken: Histogram = createHistogram();
  tpot: Histogram = createHistogram();

  merge(other: StreamingAggregate): void {
    this.requests += other.requests;
    this.outputTokens += other.outputTokens;
    this.usageReported += other.usageReported;
    this.ttft.add(other.ttft);
    this.interToken.add(other.interToken);
    this.tpot.add(other.tpot);
  }
}

/** Retries of throttled requests (retry policy honor-retry-after). */
export class RetryAggregate {
  /** Retries sent. */
  attempts = 0;
  /** Arrivals that succeeded only after one or more retries. */
  succeededAfterRetry = 0;
  /** Latency of every first attempt, from its intended send time to its own end. */
  firstAttempt: Histogram = createHistogram();

  merge(other: RetryAggregate): void {
    this.attempts += other.attempts;
    this.succeededAfterRetry += other.succeededAfterRetry;
    this.firstAttempt.add(other.firstAttempt);
  }
}

export interface DeploymentAggregate {
  completed: number;
  ok: number;
  errors: number;
  throttled: number;
  responseTime: Histogram;
}

export class Aggregate {
  counts: Counts = emptyCounts();
  statusCodes: Record<string, number> = {};
  errorsByCode: Record<string, number> = {};
  responseTime: Histogram = createHistogram();
  serviceTime: Histogram = createHistogram();
  scheduleLag: Histogram = createHistogram();
  windows = new Map<number, WindowAggregate>();
  byDeployment = new Map<string, DeploymentAggregate>();
  streaming: StreamingAggregate | null = null;
  retries: RetryAggregate | null = null;
  inFlightPeak = 0;
  /** Epoch ms of the first send and of the last finished request (0 when none). */
  firstSentMs = 0;
  lastDoneMs = 0;

  /**
   * @param windowHistograms what new windows record response times into: `packed` (small; the default)
   * or `dense` (for a fast slice: recording into a packed histogram cost ~0.5 µs per response, a dense
   * one ~0.07 µs, for 9–30 KB a second instead of 2–20 KB). Both hold the same values, exactly.
   */
  constructor(private readonly windowHistograms: WindowHistogramKind = 'packed') {}

  window(startSecond: number): WindowAggregate {
    let window = this.windows.get(startSecond);
    if (window === undefined) {
      window = new WindowAggregate(startSecond, createHistogram(this.windowHistograms));
      this.windows.set(startSecond, window);
    }
    return window;
  }

  deployment(name: string): DeploymentAggregate {
    let entry = this.byDeployment.get(name);
    if (entry === undefined) {
      // Dense: recorded on every response of an Azure ML endpoint (a packed record took ~0.5 µs), and few.
      entry = { completed: 0, ok: 0, errors: 0, throttled: 0, responseTime: createHistogram('dense') };
      this.byDeployment.set(name, entry);
    }
    return entry;
  }

  /** Adds another aggregate into this one, exactly. */
  merge(other: Aggregate): this {
    for (const name of COUNT_NAMES) this.counts[name] += other.counts[name];
    addTally(this.statusCodes, other.statusCodes);
    addTally(this.errorsByCode, other.errorsByCode);
    this.responseTime.add(other.responseTime);
    this.serviceTime.add(other.serviceTime);
    this.scheduleLag.add(other.scheduleLag);
    for (const [start, w] of other.windows) {
      const mine = this.window(start);
      mine.planned += w.planned;
      mine.sent += w.sent;
      mine.completed += w.completed;
      mine.ok += w.ok;
      mine.errors += w.errors;
      mine.throttled += w.throttled;
      mine.dropped += w.dropped;
      // Peaks of different workers in the same second are summed: an upper bound for that second.
      mine.inFlightPeak += w.inFlightPeak;
      addTally(mine.statusCodes, w.statusCodes);
      addTally(mine.errorsByCode, w.errorsByCode);
      mine.responseTime.add(w.responseTime);
    }
    for (const [name, d] of other.byDeployment) {
      const mine = this.deployment(name);
      mine.completed += d.completed;
      mine.ok += d.ok;
      mine.errors += d.errors;
      mine.throttled += d.throttled;
      mine.responseTime.add(d.responseTime);
    }
    if (other.streaming !== null) (this.streaming ??= new StreamingAggregate()).merge(other.streaming);
    if (other.retries !== null) (this.retries ??= new RetryAggregate()).merge(other.retries);
    this.inFlightPeak = Math.max(this.inFlightPeak, other.inFlightPeak, ...[...this.windows.values()].map((w) => w.inFlightPeak));
    if (other.firstSentMs > 0 && (this.firstSentMs === 0 || other.firstSentMs < this.firstSentMs)) this.firstSentMs = other.firstSentMs;
    this.lastDoneMs = Math.max(this.lastDoneMs, other.lastDoneMs);
    return this;
  }

  toJSON(): AggregateJson {
    return {
      counts: { ...this.counts },
      statusCodes: { ...this.statusCodes },
      errorsByCode: { ...this.errorsByCode },
      responseTime: encodeHistogram(this.responseTime),
      serviceTime: encodeHistogram(this.serviceTime),
      scheduleLag: encodeHistogram(this.scheduleLag),
      inFlightPeak: this.inFlightPeak,
      firstSentMs: this.firstSentMs,
      lastDoneMs: this.lastDoneMs,
      windows: [...this.windows.values()]
        .sort((a, b) => a.start - b.start)
        .map((w) => ({
          start: w.start,
          planned: w.planned,
          sent: w.sent,
          completed: w.completed,
          ok: w.ok,
          errors: w.errors,
          throttled: w.throttled,
          dropped: w.dropped,
          inFlightPeak: w.inFlightPeak,
          statusCodes: { ...w.statusCodes },
          errorsByCode: { ...w.errorsByCode },
          responseTime: encodeHistogram(w.responseTime),
        })),
      byDeployment: Object.fromEntries(
        [...this.byDeployment].map(([name, d]) => [
          name,
          { completed: d.completed, ok: d.ok, errors: d.errors, throttled: d.throttled, responseTime: encodeHistogram(d.responseTime) },
        ]),
      ),
      streaming:
        this.streaming === null
          ? null
          : {
              requests: this.streaming.requests,
              outputTokens: this.streaming.outputTokens,
              usageReported: this.streaming.usageReported,
              ttft: encodeHistogram(this.streaming.ttft),
              interToken: encodeHistogram(this.streaming.interToken),
              tpot: encodeHistogram(this.streaming.tpot),
            },
      retries:
        this.retries === null
          ? null
          : { attempts: this.retries.attempts, succeededAfterRetry: this.retries.succeededAfterRetry, firstAttempt: encodeHistogram(this.retries.firstAttempt) },
    };
  }

  /** Rebuilds an aggregate; throws AggregateDecodeError on anything that is not one. */
  static fromJSON(json: unknown): Aggregate {
    try {
      return decodeAggregate(json as AggregateJson);
    } catch (error) {
      throw new AggregateDecodeError(`not a valid slice aggregate: ${(error as Error).message}`);
    }
  }
}

export class AggregateDecodeError extends Error {
  override name = 'AggregateDecodeError';
}

export interface WindowJson {
  start: number;
  planned: number;
  sent: number;
  completed: number;
  ok: number;
  errors: number;
  throttled: number;
  dropped: number;
  inFlightPeak: number;
  statusCodes: Record<string, number>;
  errorsByCode: Record<string, number>;
  responseTime: string;
}

export interface AggregateJson {
  counts: Counts;
  statusCodes: Record<string, number>;
  errorsByCode: Record<string, number>;
  responseTime: string;
  serviceTime: string;
  scheduleLag: string;
  inFlightPeak: number;
  firstSentMs: number;
  lastDoneMs: number;
  windows: WindowJson[];
  byDeployment: Record<string, { completed: number; ok: number; errors: number; throttled: number; responseTime: string }>;
  streaming?: { requests: number; outputTokens: number; usageReported: number; ttft: string; interToken: string; tpot: string } | null;
  retries?: { attempts: number; succeededAfterRetry: number; firstAttempt: string } | null;
}

function decodeAggregate(json: AggregateJson): Aggregate {
  if (typeof json !== 'object' || json === null) throw new Error('expected an object');
  const aggregate = new Aggregate();
  for (const name of COUNT_NAMES) aggregate.counts[name] = count(json.counts?.[name], `counts.${name}`);
  aggregate.statusCodes = tally(json.statusCodes, 'statusCodes');
  aggregate.errorsByCode = tally(json.errorsByCode, 'errorsByCode');
  aggregate.responseTime = histogram(json.responseTime, 'dense');
  aggregate.serviceTime = histogram(json.serviceTime, 'dense');
  aggregate.scheduleLag = histogram(json.scheduleLag, 'dense');
  aggregate.inFlightPeak = count(json.inFlightPeak, 'inFlightPeak');
  aggregate.firstSentMs = count(json.firstSentMs, 'firstSentMs');
  aggregate.lastDoneMs = count(json.lastDoneMs, 'lastDoneMs');
  if (!Array.isArray(json.windows)) throw new Error('windows must be an array');
  for (const w of json.windows) {
    const window = new WindowAggregate(count(w.start, 'windows.start'), histogram(w.responseTime, 'packed'));
    window.planned = count(w.planned, 'windows.planned');
    window.sent = count(w.sent, 'windows.sent');
    window.completed = count(w.completed, 'windows.completed');
    window.ok = count(w.ok, 'windows.ok');
    window.errors = count(w.errors, 'windows.errors');
    window.throttled = count(w.throttled, 'windows.throttled');
    window.dropped = count(w.dropped, 'windows.dropped');
    window.inFlightPeak = count(w.inFlightPeak, 'windows.inFlightPeak');
    window.statusCodes = tally(w.statusCodes, 'windows.statusCodes');
    window.errorsByCode = tally(w.errorsByCode, 'windows.errorsByCode');
    aggregate.windows.set(window.start, window);
  }
  for (const [name, d] of Object.entries(json.byDeployment ?? {})) {
    aggregate.byDeployment.set(name, {
      completed: count(d.completed, 'byDeployment.completed'),
      ok: count(d.ok, 'byDeployment.ok'),
      errors: count(d.errors, 'byDeployment.errors'),
      throttled: count(d.throttled, 'byDeployment.throttled'),
      responseTime: histogram(d.responseTime, 'packed'),
    });
  }
  if (json.streaming) {
    const s = new StreamingAggregate();
    s.requests = count(json.streaming.requests, 'streaming.requests');
    s.outputTokens = count(json.streaming.outputTokens, 'streaming.outputTokens');
    s.usageReported = count(json.streaming.usageReported, 'streaming.usageReported');
    s.ttft = histogram(json.streaming.ttft, 'dense');
    s.interToken = histogram(json.streaming.interToken, 'dense');
    s.tpot = histogram(json.streaming.tpot, 'dense');
    aggregate.streaming = s;
  }
  if (json.retries) {
    const r = new RetryAggregate();
    r.attempts = count(json.retries.attempts, 'retries.attempts');
    r.succeededAfterRetry = count(json.retries.succeededAfterRetry, 'retries.succeededAfterRetry');
    r.firstAttempt = histogram(json.retries.firstAttempt, 'dense');
    aggregate.retries = r;
  }
  return aggregate;
}

function count(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number`);
  return value;
}

function tally(value: unknown, name: string): Record<string, number> {
  if (typeof value !== 'object' || value === null) throw new Error(`${name} must be an object`);
  const result: Record<string, number> = {};
  for (const [key, n] of Object.entries(value)) result[key] = count(n, `${name}.${key}`);
  return result;
}

function histogram(value: unknown, kind: 'dense' | 'packed'): Histogram {
  if (typeof value !== 'string' || !value.startsWith('HISTF')) throw new Error('histogram must be a compressed base64 HDR histogram');
  return decodeHistogram(value, kind);
}

export function addTally(into: Record<string, number>, from: Record<string, number>): void {
  for (const key in from) into[key] = (into[key] ?? 0) + from[key];
}
