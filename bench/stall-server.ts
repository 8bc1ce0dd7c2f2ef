/**
 * The stall bench's loopback server (bench/stall.ts), in its own Node process: answers every request
 * at once with 200 {"ok":true}, except that it freezes — its whole event loop blocked, like a long
 * stop-the-world pause — for `--freeze-ms` at known instants. Requests arriving meanwhile wait in the
 * kernel's socket buffers (and accept queue) and are answered right after the freeze ends.
 *
 * The freeze schedule starts at the first HTTP request (the load's start, whatever the client's own
 * start-up time): freezes begin at first request + offset + k × period, k = 0 … count − 1.
 *
 *   node dist/bench/stall-server.js [--freeze-ms 500] [--period-ms 5000] [--offset-ms 2250] [--count 4]
 *
 * Prints {"port": n} when listening, then one line per freeze:
 *   {"freeze": k, "plannedAtMs": …, "atMs": …, "durationMs": …}   (ms from the first request)
 */
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';

function numArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const FREEZE_MS = numArg('freeze-ms', 500);
const PERIOD_MS = numArg('period-ms', 5000);
const OFFSET_MS = numArg('offset-ms', 2250);
const COUNT = numArg('count', 4);

const body = Buffer.from('{"ok":true}');
const blocker = new Int32Array(new SharedArrayBuffer(4));
let firstRequestAt = -1;

function scheduleFreeze(k: number): void {
  if (k >= COUNT) return;
  const plannedAt = OFFSET_MS + k * PERIOD_MS;
  const wait = firstRequestAt + plannedAt - performance.now();
  setTimeout(() => freeze(k, plannedAt), Math.max(0, wait));
}

function freeze(k: number, plannedAt: number): void {
  // Setting timers wake up to ~1 ms late; spin the last stretch so the freeze starts on time.
  while (performance.now() < firstRequestAt + plannedAt) {
    /* spin */
  }
  const start = performance.now();
  // Blocks this thread (no CPU used): no accept, no read, no write until it returns.
  Atomics.wait(blocker, 0, 0, FREEZE_MS);
  const end = performance.now();
  process.stdout.write(
    JSON.stringify({ freeze: k, plannedAtMs: plannedAt, atMs: Math.round((start - firstRequestAt) * 1000) / 1000, durationMs: Math.round((end - start) * 1000) / 1000 }) + '\n',
  );
  scheduleFreeze(k + 1);
}

const server = createServer((req, res) => {
  if (firstRequestAt < 0) {
    firstRequestAt = performance.now();
    scheduleFreeze(0);
  }
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.requestTimeout = 0;
server.listen({ host: '127.0.0.1', port: numArg('port', 0), backlog: 4096 }, () => {
  const address = server.address();
  process.stdout.write(
    JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0, freezeMs: FREEZE_MS, periodMs: PERIOD_MS, offsetMs: OFFSET_MS, count: COUNT }) + '\n',
  );
});

const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
