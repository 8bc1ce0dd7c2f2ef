import { SingleBar } from 'cli-progress';
import type { SliceProgress } from '../core/execute-slice.js';

/**
 * A live progress line on a terminal (stderr): elapsed/total, send rate, recent p99, errors.
 * Off the terminal it prints nothing.
 */
export class ProgressDisplay {
  private bar: SingleBar | undefined;
  private lastSent = 0;
  private lastAtMs = 0;
  private originMs = 0;

  constructor(
    private readonly totalSeconds: number,
    private readonly enabled = Boolean(process.stderr.isTTY),
  ) {}

  start(originEpochMs: number): void {
    if (!this.enabled) return;
    this.originMs = originEpochMs;
    this.bar = new SingleBar({
      stream: process.stderr,
      format: ' {bar} {elapsed}/{totalSeconds}s | {rate} rps | p99 {p99} ms | errors {errors} | in flight {inFlight}',
      barsize: 24,
      hideCursor: true,
      clearOnComplete: true,
      fps: 5,
    });
    this.bar.start(Math.max(1, Math.round(this.totalSeconds)), 0, { elapsed: 0, totalSeconds: Math.round(this.totalSeconds), rate: 0, p99: 0, errors: 0, inFlight: 0 });
  }

  update(progress: SliceProgress): void {
    if (!this.bar) return;
    const now = Date.now();
    const elapsed = Math.max(0, (now - this.originMs) / 1000);
    let rate = 0;
    if (this.lastAtMs > 0 && now > this.lastAtMs) rate = ((progress.sent - this.lastSent) * 1000) / (now - this.lastAtMs);
    this.lastSent = progress.sent;
    this.lastAtMs = now;
    this.bar.update(Math.min(Math.round(elapsed), Math.round(this.totalSeconds)), {
      elapsed: Math.round(elapsed),
      rate: Math.round(rate),
      p99: progress.recentP99Ms.toFixed(1),
      errors: progress.errors,
      inFlight: progress.inFlight,
    });
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
