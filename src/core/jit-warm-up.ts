import { Worker } from 'node:worker_threads';
import type { HttpClient } from './http-client.js';
import type { MonotonicClock } from './monotonic-clock.js';
import { ConstantPacer } from './pacers/constant-pacer.js';
import type { OpenPacer } from './pacers/pacer.js';
import type { Scheduler } from './scheduler.js';
import type { SliceRecorder } from './slice-recorder.js';

/**
 * Connections each warm-up round opens ahead of its load: as many as it may have in flight, so its
 * requests go out on connections opened before them, as the real run's do.
 */
const WARM_CONNECTIONS = 256;
/**
 * The warm-up runs in rounds, each with a send path of its own (scheduler, client, recorder). What
 * happens once per object — a recorder's first send, a connection's first request, a scheduler's
 * callbacks as new closures — V8 sees several times, after its feedback is allocated, and compiles
 * for; with one round, the real run's first use of those paths threw optimized code away at the start.
 */
const ROUNDS = 3;
/** The warm-up never sends faster than this (faster warm-ups, measured at 30,000 rps, made the start later, not earlier). */
const MAX_WARM_UP_RPS = 20_000;

/** Warm-up requests sent to the sink and answered 2xx (both 0 when there was no time to warm up). */
export interface WarmUp {
  sent: number;
  ok: number;
  /**
   * Closes the warm-up's clients and sink. Call it after the real run: tearing sockets down changes
   * object shapes that V8 then deoptimizes for, which right before the start made it late again.
   */
  release: () => Promise<void>;
}

/**
 * Warms the JIT before a fast slice starts. A fresh process runs the send path — scheduler, HTTP
 * connection and parser, recording — in the interpreter at first, several times slower: at thousands of
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
  // On a busy machine the warm-up can fall behind its own schedule: it is stopped 10 ms before its end.
  const stop = new AbortController();
  const stopTimer = setTimeout(() => stop.abort(), Math.max(0, Math.floor((untilUs - clock.nowUs()) / 1000) - 10));
  const clients: HttpClient[] = [];
  const release = async () => {
    for (const client of clients) await client.destroy();
    await sink.stop();
  };
  let sent = 0;
  let ok = 0;
  try {
    for (let round = 0; round < ROUNDS && !stop.signal.aborted; round++) {
      const roundUs = Math.floor(Math.min(durationUs / ROUNDS, untilUs - clock.nowUs() - 20_000));
      if (roundUs < 20_000) break;
      // The first wait is long enough for a timer, so the scheduler's timer path is warmed too.
      const { scheduler, client, recorder } = build(`http://127.0.0.1:${sink.port}/`, new ConstantPacer(Math.min(rps, MAX_WARM_UP_RPS), roundUs), clock.nowUs() + 5000, stop.signal);
      clients.push(client);
      await client.warmUp(WARM_CONNECTIONS);
      await scheduler.run(client);
      sent += recorder.aggregate.counts.sent;
      ok += recorder.aggregate.counts.ok;
    }
  } catch (error) {
    await release();
    throw error;
  } finally {
    clearTimeout(stopTimer);
  }
  return { sent, ok, release };
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

/**
 * An HTTP/1.1 sink on 127.0.0.1 in a worker thread (plain CommonJS source, so it runs from dist and from
 * tsx alike). It answers each request in turn with one of several response shapes — no keep-alive
 * timeout announced and one announced, head and body in one write and in two, Content-Length and
 * chunked — so the client's parser and connection have taken each path before the start. (With one
 * shape, node:http's, the first responses of a target answering otherwise threw the parser's optimized
 * code away at the start.)
 */
const SINK_SOURCE = `
const net = require('node:net');
const { parentPort } = require('node:worker_threads');
const body = '{"ok":true}';
const date = new Date().toUTCString();
const length = 'Content-Length: ' + body.length + '\\r\\n';
const shapes = [
  ['HTTP/1.1 200 OK\\r\\nServer: sink\\r\\nDate: ' + date + '\\r\\nContent-Type: application/json\\r\\n' + length + 'Connection: keep-alive\\r\\n\\r\\n' + body],
  ['HTTP/1.1 200 OK\\r\\ncontent-type: application/json\\r\\nDate: ' + date + '\\r\\nConnection: keep-alive\\r\\nKeep-Alive: timeout=5\\r\\n' + length + '\\r\\n' + body],
  ['HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\n' + length + '\\r\\n', body],
  ['HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n' + body.length.toString(16) + '\\r\\n' + body + '\\r\\n0\\r\\n\\r\\n'],
];
const sockets = new Set();
const server = net.createServer((socket) => {
  sockets.add(socket);
  socket.setNoDelay(true);
  let pending = '';
  let requestLength = -1; // head and body of the request being read, once its head is in
  let n = 0;
  socket.on('data', (chunk) => {
    pending += chunk.toString('latin1');
    for (;;) {
      if (requestLength < 0) {
        const end = pending.indexOf('\\r\\n\\r\\n');
        if (end < 0) return;
        const declared = /\\r\\ncontent-length: *(\\d+)/i.exec(pending.slice(0, end));
        requestLength = end + 4 + (declared ? Number(declared[1]) : 0);
      }
      if (pending.length < requestLength) return;
      pending = pending.slice(requestLength);
      requestLength = -1;
      for (const part of shapes[n++ % shapes.length]) socket.write(part);
    }
  });
  socket.on('error', () => {});
  socket.on('close', () => sockets.delete(socket));
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
parentPort.on('message', () => { for (const s of sockets) s.destroy(); server.close(() => process.exit(0)); });
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
