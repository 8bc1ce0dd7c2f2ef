/**
 * The open-model ceiling of this machine, for bench:rate: the leanest Node generator that paces a
 * constant rate — raw `net` sockets reading into one shared buffer, one pre-encoded GET, responses
 * read by a minimal HTTP/1.1 framer (status line and Content-Length only), lags kept in a typed
 * array — with none of mlload's work (no undici, no histograms, no time series, no raw CSV, no token,
 * no payload). What it cannot hold within 1 ms, a single-threaded Node generator that sends each
 * request on its own is unlikely to hold on this machine.
 *
 * It is generous to itself: it warms up at the trial's own rate against the same server for
 * `--warm-up-s` first (not measured), and polls the clock every event-loop turn. Hit i is due at
 * origin + i × 1e6 / rps µs; lag = send time − due time.
 *
 * One trial per process (bench:rate runs it as a child, as it runs `mlload run`); prints one JSON line.
 *
 *   node dist/bench/raw-open-loop.js --url http://127.0.0.1:PORT/ --rps 30000 [--duration-s 5] [--warm-up-s 1]
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { positiveArg } from './lib/common.js';

/** What one trial prints (bench:rate reads it). */
export interface RawOpenLoopResult {
  rps: number;
  durationS: number;
  /** Hits due in the measured window. */
  planned: number;
  /** Of those, sent by the end of the window (+ 1 ms). */
  sent: number;
  /** Due but not sent by then: the loop fell behind. */
  unsent: number;
  ok: number;
  errors: number;
  achievedRps: number;
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
  connections: number;
}

/** Connections opened before the start: rate × 50 ms + 2, as mlload sizes its pool; more open on demand. */
const WARM_LATENCY_S = 0.05;
const MAX_CONNECTIONS = 8192;
const DRAIN_MS = 2000;
const HEADER_END = Buffer.from('\r\n\r\n');
/** Every socket reads into this one buffer (net.connect's `onread`), as mlload's lean connections do. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
const OWNER = Symbol('raw connection');
type OwnedSocket = net.Socket & { [OWNER]?: RawConnection };
function readShared(this: OwnedSocket, bytes: number, buffer: Uint8Array): boolean {
  this[OWNER]?.read((buffer as Buffer).subarray(0, bytes));
  return true; // false would pause reading
}

/** One keep-alive connection with its own response framer; one request at a time (no pipelining). */
class RawConnection {
  private pending: Buffer | undefined;

  constructor(
    readonly socket: net.Socket,
    private readonly onResponse: (connection: RawConnection, status: number) => void,
  ) {
    socket.setNoDelay(true);
    (socket as OwnedSocket)[OWNER] = this;
  }

  read(chunk: Buffer): void {
    let buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    for (;;) {
      const headEnd = buf.indexOf(HEADER_END);
      if (headEnd < 0) break;
      const head = buf.toString('latin1', 0, headEnd);
      const status = Number(head.slice(9, 12));
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      if (!length) {
        // Chunked or close-delimited answers are not what the bench's nginx sends: count an error.
        this.socket.destroy();
        this.onResponse(this, 0);
        return;
      }
      const end = headEnd + 4 + Number(length[1]);
      if (buf.length < end) break;
      buf = buf.subarray(end);
      this.onResponse(this, status);
    }
    if (buf.length > 0) this.pending = Buffer.from(buf);
  }
}

async function runRawOpenLoop(url: URL, rps: number, durationS: number, warmUpS: number): Promise<RawOpenLoopResult> {
  const port = Number(url.port || 80);
  const host = url.hostname;
  if (host !== '127.0.0.1' && host !== 'localhost') throw new Error(`raw-open-loop sends only to loopback, not ${host}`);
  const request = Buffer.from(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`, 'latin1');
  const intervalUs = 1e6 / rps;
  const warmHits = Math.round(rps * warmUpS);
  const planned = Math.round(rps * durationS);
  const totalHits = warmHits + planned;
  const lagsUs = new Float64Array(planned);

  const free: RawConnection[] = [];
  const waiting: number[] = []; // hit indexes due while no connection was free
  let connections = 0;
  let sent = 0;
  let measuredSent = 0;
  let ok = 0;
  let errors = 0;
  let inFlight = 0;
  let originUs = 0;

  const sendOn = (connection: RawConnection, hit: number): void => {
    const nowUs = performance.now() * 1000;
    if (hit >= warmHits) {
      lagsUs[hit - warmHits] = nowUs - (originUs + hit * intervalUs);
      measuredSent++;
    }
    inFlight++;
    connection.socket.write(request);
  };
  const onResponse = (connection: RawConnection, status: number): void => {
    inFlight--;
    if (status >= 200 && status < 300) ok++;
    else errors++;
    if (connection.socket.destroyed) return;
    const hit = waiting.shift();
    if (hit !== undefined) sendOn(connection, hit);
    else free.push(connection);
  };
  const open = (): Promise<void> =>
    new Promise((resolve, reject) => {
      connections++;
      const socket = net.connect({ port, host, onread: { buffer: READ_BUFFER, callback: readShared } });
      const connection = new RawConnection(socket, onResponse);
      socket.once('connect', () => {
        const hit = waiting.shift();
        if (hit !== undefined) sendOn(connection, hit);
        else free.push(connection);
        resolve();
      });
      socket.on('error', (error) => {
        errors++;
        reject(error);
      });
    });

  const opened = Math.min(MAX_CONNECTIONS, Math.ceil(rps * WARM_LATENCY_S) + 2);
  await Promise.all(Array.from({ length: opened }, open));

  originUs = performance.now() * 1000 + 5000;
  const windowEndUs = originUs + totalHits * intervalUs;
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      const nowUs = performance.now() * 1000;
      const due = Math.min(totalHits, Math.floor((nowUs - originUs) / intervalUs) + 1);
      while (sent < due) {
        const connection = free.pop();
        if (connection) sendOn(connection, sent);
        else {
          waiting.push(sent);
          if (connections < MAX_CONNECTIONS) open().catch(() => {});
        }
        sent++;
      }
      if (sent >= totalHits || nowUs > windowEndUs + 1000) resolve();
      else setImmediate(pump);
    };
    pump();
  });
  const sentInWindow = measuredSent;
  const drainUntil = Date.now() + DRAIN_MS;
  while ((inFlight > 0 || waiting.length > 0) && Date.now() < drainUntil) await new Promise((r) => setTimeout(r, 5));
  errors += inFlight;
  for (const c of free) c.socket.destroy();

  const lags = lagsUs.subarray(0, measuredSent).sort();
  const at = (q: number) => (lags.length ? lags[Math.min(lags.length - 1, Math.floor(q * lags.length))]! / 1000 : 0);
  return {
    rps,
    durationS,
    planned,
    sent: sentInWindow,
    unsent: planned - sentInWindow,
    ok,
    errors,
    achievedRps: sentInWindow / durationS,
    lagP50Ms: at(0.5),
    lagP99Ms: at(0.99),
    lagMaxMs: lags.length ? lags[lags.length - 1]! / 1000 : 0,
    connections,
  };
}

const urlAt = process.argv.indexOf('--url');
const rpsArg = positiveArg('rps');
if (urlAt < 0 || !process.argv[urlAt + 1] || rpsArg === undefined) {
  process.stderr.write('usage: raw-open-loop --url http://127.0.0.1:PORT/ --rps N [--duration-s 5] [--warm-up-s 1]\n');
  process.exit(2);
}
const result = await runRawOpenLoop(new URL(process.argv[urlAt + 1]!), rpsArg, positiveArg('duration-s') ?? 5, positiveArg('warm-up-s') ?? 1);
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
