import { Worker } from 'node:worker_threads';
import type { HttpClient } from './http-client.js';
import type { MonotonicClock } from './monotonic-clock.js';
import { ConstantPacer } from './pacers/constant-pacer.js';
import type { OpenPacer } from './pacers/pacer.js';
import type { Scheduler } from './scheduler.js';
import type { SliceRecorder } from './slice-recorder.js';

/** Sockets the warm-up opens ahead of its load. */
const WARM_SOCKETS = 32;
/** The warm-up never sends faster than this (faster warm-ups, measured at 30,000 rps, made the start later, not earlier). */
const MAX_WARM_UP_RPS = 20_000;

/** Warm-up requests sent to the sink and answered 2xx (both 0 when there was no time to warm up). */
export interface WarmUp {
  sent: number;
  ok: number;
  /**
   * Closes the warm-up's client and sink. Call it after the real run: tearing sockets down changes
   * object shapes that V8 then deoptimizes for, which right before the start made it late again.
   */
  release: () => Promise<void>;
}

/**
 * Warms the JIT before a fast slice starts. A fresh process runs the send path — scheduler, undici's
 * dispatch and parser, recording — in the interpreter at first, several times slower: at thousands of
 * requests per second the first few hundred milliseconds fall behind by tens of milliseconds. So before
 * the start, the very same code runs against a sink on 127.0.0.1 (never the target, which sees no extra
 * request); its measurements are thrown away. The sink runs in its own worker thread: answered from
 * another thread, this thread runs only the client side, as in the real run, at the real run's rate
 * (a sink in this thread halved the rate reached and left the start 10–40 ms late at 20,000 rps).
 */
export async function warmUpJit(clock: MonotonicClock, untilUs: number, rps: number, build: WarmUpSendPath): Promise<WarmUp> {
  const none = { sent: 0, ok: 0, release: async () => {} };
  if (untilUs - clock.nowUs() - 20_000 < 100_000) return none;
  const sink = await startSink();
  if (sink === undefined) return none;
  const durationUs = Math.min(untilUs - clock.nowUs() - 20_000, 600_000);
  if (durationUs < 50_000) {
    await sink.stop();
    return none;
  }
  // On a busy machine the warm-up can fall behind its own schedule: it is stopped 10 ms before the start.
  const stop = new AbortController();
  const stopTimer = setTimeout(() => stop.abort(), Math.max(0, Math.floor((untilUs - clock.nowUs()) / 1000) - 10));
  // The first wait is long enough for a timer, so the scheduler's timer path is warmed too.
  const { scheduler, client, recorder } = build(`http://127.0.0.1:${sink.port}/`, new ConstantPacer(Math.min(rps, MAX_WARM_UP_RPS), durationUs), clock.nowUs() + 5000, stop.signal);
  const release = async () => {
    await client.destroy();
    await sink.stop();
  };
  try {
    // Sockets opened ahead, as the real run's are (their listeners differ from those of on-demand ones).
    await client.warmUp(WARM_SOCKETS);
    await scheduler.run(client);
  } catch (error) {
    await release();
    throw error;
  } finally {
    clearTimeout(stopTimer);
  }
  return { sent: recorder.aggregate.counts.sent, ok: recorder.aggregate.counts.ok, release };
}

/**
 * Builds the slice's own send path — the same classes, built by the same code with the same options —
 * aimed at the sink, with this pacer starting at `originUs`; nothing it records is kept. (A send path
 * built differently, e.g. with another options shape, left V8 re-optimizing at the real start.)
 */
export type WarmUpSendPath = (
  sinkUrl: string,
  pacer: OpenPacer,
  originUs: number,
  /** Stops the warm-up's scheduler (its deadline; the slice's own abort should stop it too). */
  stopSignal: AbortSignal,
) => { scheduler: Scheduler; client: HttpClient; recorder: SliceRecorder };

/** An HTTP sink on 127.0.0.1 in a worker thread (plain CommonJS source, so it runs from dist and from tsx alike). */
const SINK_SOURCE = `
const http = require('node:http');
const { parentPort } = require('node:worker_threads');
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
parentPort.on('message', () => { server.closeAllConnections(); server.close(() => process.exit(0)); });
`;

/** Starts the sink; undefined when it cannot start within a second (the warm-up is then skipped). */
function startSink(): Promise<{ port: number; stop: () => Promise<void> } | undefined> {
  const worker = new Worker(SINK_SOURCE, { eval: true });
  const stop = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => void worker.terminate().then(() => resolve()), 1000);
      worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      worker.postMessage('stop');
    });
  return new Promise((resolve) => {
    const timer = setTimeout(() => void worker.terminate().then(() => resolve(undefined)), 1000);
    worker.once('error', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
    worker.once('message', (port: number) => {
      clearTimeout(timer);
      resolve({ port, stop });
    });
  });
}
