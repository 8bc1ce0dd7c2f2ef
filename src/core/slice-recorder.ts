import { Aggregate, RetryAggregate, StreamingAggregate, type WindowAggregate, type WindowHistogramKind } from './aggregate.js';
import type { Exchange } from './http-client.js';
import type { RawSampleWriter } from './ports/raw-sample-writer.js';
import { csvSafe } from './raw-sample-csv.js';
import { RawRowBuffer } from './raw-row-buffer.js';
import { createHistogram, record, type Histogram } from './histogram.js';

const STATUS_KEYS: string[] = Array.from({ length: 600 }, (_, i) => String(i));

/**
 * Records one slice as it runs: HDR histograms (integer µs), counts, per-second windows and the raw
 * CSV stream. On the hot path: no allocation per request (raw rows are written as bytes).
 */
export class SliceRecorder {
  readonly aggregate: Aggregate;
  private readonly originUnixUs: number;
  private readonly originEpochSecond: number;
  private cachedSecond = -1;
  private cachedWindow: WindowAggregate | null = null;
  private readonly rows: RawRowBuffer | null;
  inFlight = 0;
  private readonly worker: number;
  /**
   * Response times of the second responses are landing in, for the progress line's p99 — kept beside
   * packed windows only: reading a percentile of a packed window took 1.5–4 ms, a stall in the schedule
   * at every progress tick; this one is dense and coarse, read and reset in microseconds. A dense window
   * (a fast slice's) is read directly, in tens of µs, and spares every response this second record.
   */
  private readonly secondResponses: Histogram | null;
  private secondResponsesAt = -1;
  private p99OfPreviousSecondUs = 0;
  private previousSecondAt = -1;

  /**
   * Times given to the recorder are monotonic µs (MonotonicClock.nowUs); `unixUsAtMonotonicZero`
   * turns them into wall-clock time for windows and raw rows.
   * @param worker the worker number written in each raw row
   */
  constructor(
    unixUsAtMonotonicZero: number,
    worker: number,
    private readonly raw: RawSampleWriter | null,
    /** A 2xx response within this latency counts toward goodput. */
    private readonly goodLimitUs = Infinity,
    /** The per-second windows' histogram kind (see Aggregate): dense for a fast slice. */
    windowHistograms: WindowHistogramKind = 'packed',
  ) {
    this.aggregate = new Aggregate(windowHistograms);
    this.secondResponses = windowHistograms === 'packed' ? createHistogram('coarse') : null;
    this.originUnixUs = Math.round(unixUsAtMonotonicZero);
    this.worker = worker;
    this.rows = raw === null ? null : new RawRowBuffer();
    this.originEpochSecond = unixUsAtMonotonicZero / 1e6;
  }

  /** A hit came due (sent or dropped). */
  planned(intendedUs: number): void {
    this.aggregate.counts.planned++;
    this.windowAt(intendedUs).planned++;
  }

  dropped(intendedUs: number): void {
    this.aggregate.counts.dropped++;
    this.windowAt(intendedUs).dropped++;
  }

  /** Hits of this slice that never ran (the slice started too late for them). */
  missed(count: number): void {
    this.aggregate.counts.missed += count;
  }

  sent(intendedUs: number, sentUs: number): void {
    const a = this.aggregate;
    a.counts.sent++;
    const lagUs = sentUs - intendedUs;
    record(a.scheduleLag, lagUs > 0 ? Math.round(lagUs) : 0);
    const inFlight = ++this.inFlight;
    if (inFlight > a.inFlightPeak) a.inFlightPeak = inFlight;
    const w = this.windowAt(sentUs);
    w.sent++;
    if (inFlight > w.inFlightPeak) w.inFlightPeak = inFlight;
    if (a.firstSentMs === 0) a.firstSentMs = (this.originUnixUs + sentUs) / 1000;
  }

  done(e: Exchange): void {
    this.inFlight--;
    const a = this.aggregate;
    const c = a.counts;
    const latencyUs = Math.max(0, Math.round(e.endUs - e.intendedUs));
    const serviceUs = Math.max(0, Math.round(e.endUs - e.sentUs));
    record(a.responseTime, latencyUs);
    record(a.serviceTime, serviceUs);
    const w = this.windowAt(e.endUs);
    record(w.responseTime, latencyUs);
    const secondResponses = this.secondResponses;
    if (secondResponses !== null) {
      if (this.cachedSecond !== this.secondResponsesAt) this.nextSecond(secondResponses, this.cachedSecond);
      record(secondResponses, latencyUs);
    }
    const status = e.status;
    const failed = e.errorCode !== '';
    if (status > 0) {
      c.completed++;
      w.completed++;
      const key = status < 600 ? STATUS_KEYS[status] : String(status);
      a.statusCodes[key] = (a.statusCodes[key] ?? 0) + 1;
      w.statusCodes[key] = (w.statusCodes[key] ?? 0) + 1;
    }
    if (failed) {
      a.errorsByCode[e.errorCode] = (a.errorsByCode[e.errorCode] ?? 0) + 1;
      w.errorsByCode[e.errorCode] = (w.errorsByCode[e.errorCode] ?? 0) + 1;
    }
    const ok = !failed && status >= 200 && status < 300;
    if (ok) {
      c.ok++;
      w.ok++;
      if (e.attempt > 1) this.aggregate.retries!.succeededAfterRetry++;
      if (latencyUs <= this.goodLimitUs) c.good++;
    } else {
      c.errors++;
      w.errors++;
      if (status === 429) {
        c.throttled++;
        w.throttled++;
      }
    }
    if (e.deployment !== '') {
      const d = a.deployment(e.deployment);
      d.completed++;
      record(d.responseTime, latencyUs);
      if (ok) d.ok++;
      else {
        d.errors++;
        if (status === 429) d.throttled++;
      }
    }
    if (e.sse !== null && e.contentChunks > 0) this.streamed(e);
    const doneMs = (this.originUnixUs + e.endUs) / 1000;
    if (doneMs > a.lastDoneMs) a.lastDoneMs = doneMs;
    const rows = this.rows;
    if (rows !== null) {
      const deployment = e.deployment === '' ? '' : csvSafe(e.deployment);
      // Rows go to the writer a full buffer (~1,100 rows) at a time: handing over every 512 rows used
      // 28 KB of each new 64 KiB buffer and doubled the writes (raw CSV cost 5–8% → 1–4%, bench:raw).
      if (!rows.hasRoomFor(e.errorCode.length + deployment.length)) this.flushRows();
      rows.unixUs(this.originUnixUs + Math.round(e.intendedUs));
      rows.comma();
      rows.unixUs(this.originUnixUs + Math.round(e.sentUs));
      rows.comma();
      rows.uint(latencyUs);
      rows.comma();
      rows.uint(serviceUs);
      rows.comma();
      rows.uint(status);
      rows.comma();
      rows.text(e.errorCode);
      rows.comma();
      rows.uint(e.bytesIn);
      rows.comma();
      rows.uint(e.bytesOut);
      rows.comma();
      rows.uint(this.worker);
      rows.comma();
      rows.text(deployment);
      rows.endRow();
    }
  }

  /** Retries on: every first attempt's latency, retried or not. */
  firstAttempt(e: Exchange): void {
    record((this.aggregate.retries ??= new RetryAggregate()).firstAttempt, Math.max(0, Math.round(e.endUs - e.intendedUs)));
  }

  /** A throttled attempt that will be retried: the arrival stays in flight. */
  retrying(): void {
    (this.aggregate.retries ??= new RetryAggregate()).attempts++;
  }

  /** A gap between two content chunks of a stream. */
  interTokenGap(gapUs: number): void {
    record((this.aggregate.streaming ??= new StreamingAggregate()).interToken, Math.max(0, Math.round(gapUs)));
  }

  /**
   * Time to first token is measured from the intended send time, like latency; time per output token
   * is (end − first token) ÷ (tokens − 1). Tokens come from the server's usage when it sends one,
   * else each content chunk counts as one.
   */
  private streamed(e: Exchange): void {
    const s = (this.aggregate.streaming ??= new StreamingAggregate());
    s.requests++;
    record(s.ttft, Math.max(0, Math.round(e.firstTokenUs - e.intendedUs)));
    const tokens = e.usageTokens >= 0 ? e.usageTokens : e.contentChunks;
    if (e.usageTokens >= 0) s.usageReported++;
    s.outputTokens += tokens;
    if (tokens > 1) record(s.tpot, Math.max(0, Math.round((e.endUs - e.firstTokenUs) / (tokens - 1))));
  }

  /** p99 response time, µs, of the responses that ended in the wall-clock second before `epochSecond` (0 for none). */
  previousSecondP99Us(epochSecond: number): number {
    const secondResponses = this.secondResponses;
    if (secondResponses === null) {
      const window = this.aggregate.windows.get(epochSecond - 1);
      return window !== undefined && window.responseTime.totalCount > 0 ? window.responseTime.getValueAtPercentile(99) : 0;
    }
    // No response has ended in `epochSecond` yet: the histogram still holds the second before it.
    if (this.secondResponsesAt === epochSecond - 1) return secondResponses.totalCount > 0 ? secondResponses.getValueAtPercentile(99) : 0;
    return this.previousSecondAt === epochSecond - 1 ? this.p99OfPreviousSecondUs : 0;
  }

  private nextSecond(secondResponses: Histogram, second: number): void {
    if (secondResponses.totalCount > 0) {
      this.p99OfPreviousSecondUs = secondResponses.getValueAtPercentile(99);
      this.previousSecondAt = this.secondResponsesAt;
      secondResponses.reset();
    }
    this.secondResponsesAt = second;
  }

  /** Hands buffered rows to the raw writer. */
  flushRows(): void {
    const taken = this.rows?.take();
    if (taken !== undefined) this.raw!.append(taken);
  }

  private windowAt(us: number): WindowAggregate {
    const second = Math.floor(this.originEpochSecond + us / 1e6);
    if (second !== this.cachedSecond) {
      this.cachedSecond = second;
      this.cachedWindow = this.aggregate.window(second);
    }
    return this.cachedWindow!;
  }
}
