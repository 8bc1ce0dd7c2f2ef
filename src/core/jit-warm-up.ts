import { Worker } from 'node:worker_threads';
import { HttpClient } from './http-client.js';
import type { MonotonicClock } from './monotonic-clock.js';
import { ConstantPacer } from './pacers/constant-pacer.js';
import { noTokenProvider } from './ports/token-provider.js';
import { Scheduler } from './scheduler.js';
import { SliceRecorder } from './slice-recorder.js';

/** Warm-up requests sent to the sink and answered 2xx (both 0 when there was no time to warm up). */
export interface WarmUpCounts {
  sent: number;
  ok: number;
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
export async function warmUpJit(clock: MonotonicClock, untilUs: number, rps: number): Promise<WarmUpCounts> {
  const none = { sent: 0, ok: 0 };
  if (untilUs - clock.nowUs() - 20_000 < 100_000) return none;
  const sink = await startSink();
  if (sink === undefined) return none;
  const durationUs = Math.min(untilUs - clock.nowUs() - 20_000, 600_000);
  if (durationUs < 50_000) {
    await sink.stop();
    return none;
  }
  const recorder = new SliceRecorder(0, 0, null);
  const scheduler = new Scheduler({
    pacer: new ConstantPacer(Math.min(rps, 20_000), durationUs),
    worker: 0,
    workers: 1,
    originUs: clock.nowUs() + 1000,
    maxInFlight: 256,
    recorder,
    clock,
  });
  const client = new HttpClient({
    url: `http://127.0.0.1:${sink.port}/`,
    method: 'POST',
    headers: {},
    timeoutMs: 2000,
    connections: 32,
    maxResponseBytes: 1024,
    tokenProvider: noTokenProvider,
    clock,
    onDone: (exchange) => scheduler.onDone(exchange),
  });
  try {
    await scheduler.run(client);
    return { sent: recorder.aggregate.counts.sent, ok: recorder.aggregate.counts.ok };
  } finally {
    await client.destroy();
    await sink.stop();
  }
}

/** An HTTP sink on 127.0.0.1 in a worker thread (plain CommonJS source, so it runs from dist and from tsx alike). */
const SINK_SOURCE = `
const http = require('node:http');
const { parentPort } = require('node:worker_threads');
const server = http.createServer((req, res) => { req.resume(); req.on('end', () => res.end('{"ok":true}')); });
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
