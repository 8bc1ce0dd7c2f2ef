import type { PoolObserver } from './deployment-pool.js';

/** What the simulator saw, for tests and the CLI to compare with what a load runner reports. */
export interface SimulatorStats {
  /** Scoring requests (POST /score or POST /) received; health and swagger requests are not counted. */
  received: number;
  /** Responses to scoring requests by status code. */
  byStatus: Record<string, number>;
  /** Scoring requests routed to each deployment, including those refused with 429. */
  byDeployment: Record<string, number>;
  /** Peak of requests being processed at once, all deployments together. */
  maxConcurrentProcessing: number;
  /** Peak of requests queued or processing at once, all deployments together. */
  maxInFlight: number;
}

/** Counts as requests come and go; observes every deployment pool to track peaks. */
export class SimulatorStatsRecorder implements PoolObserver {
  private received = 0;
  private readonly byStatus = new Map<number, number>();
  private readonly byDeployment = new Map<string, number>();
  private processing = 0;
  private inFlight = 0;
  private maxConcurrentProcessing = 0;
  private maxInFlight = 0;

  requestReceived(): void {
    this.received++;
  }

  responseSent(status: number): void {
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
  }

  routed(deployment: string): void {
    this.byDeployment.set(deployment, (this.byDeployment.get(deployment) ?? 0) + 1);
  }

  loadChanged(processingDelta: number, inFlightDelta: number): void {
    this.processing += processingDelta;
    this.inFlight += inFlightDelta;
    if (this.processing > this.maxConcurrentProcessing) this.maxConcurrentProcessing = this.processing;
    if (this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
  }

  /** A copy: later requests do not change it. */
  snapshot(): SimulatorStats {
    return {
      received: this.received,
      byStatus: Object.fromEntries([...this.byStatus].map(([status, n]) => [String(status), n])),
      byDeployment: Object.fromEntries(this.byDeployment),
      maxConcurrentProcessing: this.maxConcurrentProcessing,
      maxInFlight: this.maxInFlight,
    };
  }
}
