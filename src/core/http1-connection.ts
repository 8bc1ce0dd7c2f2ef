import type { Socket } from 'node:net';
import type { buildConnector, Dispatcher } from 'undici';
import type { Connection, ConnectionHandler } from './connection.js';
import type { HeaderSpans } from './header-spans.js';
import { Http1ResponseParser, type ResponseParseError, type ResponseSink } from './http1-response-parser.js';

export interface Http1ConnectionOptions {
  /** The target's origin. */
  url: URL;
  /** Where the connector connects (host, port, protocol, TLS servername). */
  target: buildConnector.Options;
  /** Opens the socket: undici's connector (connect timeout, TLS, guarded lookup), or a WarmConnector's. */
  connect: buildConnector.connector;
  /** An idle connection older than this is not reused (the server may be closing it), ms. */
  keepAliveTimeoutMs: number;
}

/** A socket-level failure of the request in flight; its code maps to a stable error code (error-codes.ts). */
export class ConnectionError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConnectionError';
  }
}

/** An idle connection is not reused this long before the timeout its server announced, ms (undici's margin). */
const SERVER_KEEP_ALIVE_MARGIN_MS = 1000;
const PAYLOAD_METHODS = new Set(['POST', 'PUT', 'PATCH']);
const FORBIDDEN_IN_HEADER = /[\r\n\0]/;
/** Request headers that would change how the request is framed or answered; refused. */
const FRAMING_HEADERS = new Set(['transfer-encoding', 'upgrade', 'expect', 'keep-alive']);
/** Size of the read buffer the sockets of one client share (Node's own read size for a socket), bytes. */
const SHARED_READ_BYTES = 64 * 1024;
/** The connection a socket's reads go to, set while one holds the socket. */
const READER = Symbol('Http1Connection reading this socket');
type ReadSocket = Socket & { [READER]?: Http1Connection };

/** The `onread` option of `net.connect` / `tls.connect`: reads go to `callback` in `buffer`, not to 'data' events. */
export interface SharedReadOption {
  buffer: Buffer;
  /** Returning false would pause the socket's reading. */
  callback: (bytes: number, buffer: Uint8Array) => boolean;
}

/**
 * The load's own HTTP/1.1 connection (target.httpClient "lean", the default): one socket, one request at
 * a time, keep-alive. It exists for speed on the hot path: per request it writes one pre-encoded head
 * (re-encoded only when the headers object or body length changes) and reads the response with
 * Http1ResponseParser, handing the handler views of the read buffers — against undici's Client, which
 * builds and validates a Request, runs llhttp through WebAssembly callbacks and copies every header
 * into its own Buffer. Measured on nginx (docs/benchmarks.md, fourth pass): 6.9 → 5.2 µs of user CPU
 * per request in a closed loop; at 40,000 rps through `mlload run`, schedule lag p99 median 1.7 ms
 * against 8.5 ms. Connecting (timeouts, TLS, the ALLOWED_TARGET_HOSTS check) is undici's connector's.
 */
export class Http1Connection implements Connection, ResponseSink {
  private socket: Socket | null = null;
  private connecting = false;
  private handler: ConnectionHandler | null = null;
  private waitingHead: Buffer | null = null;
  private waitingBody: Buffer | string | null = null;
  private readonly parser = new Http1ResponseParser(this);
  private idleSinceMs = 0;
  private closing = false;
  private destroyed = false;
  private closed: (() => void)[] = [];
  private opened: (() => void)[] = [];
  // The last encoded head and what it was encoded from.
  private headFor: unknown = null;
  private headMethod = '';
  private headPath = '';
  private headBodyLength = -1;
  private head: Buffer = Buffer.alloc(0);

  constructor(private readonly options: Http1ConnectionOptions) {}

  /**
   * The `onread` socket option for a client's lean connections (its connector passes it to `net.connect`
   * / `tls.connect`): Node reads every socket into one buffer and hands over the byte count, instead of
   * allocating a Buffer per read and pushing it through the socket's Readable stream to a 'data' event.
   * Safe because a read is handled before the next one and nothing keeps a view of it: the parser copies
   * a head split across reads, handlers copy what they keep. Measured (docs/benchmarks.md, seventh pass):
   * a raw closed loop 7.2 → 5.9 µs of CPU per request. Sockets opened without it still read by 'data'.
   */
  static sharedReadOption(): SharedReadOption {
    return { buffer: Buffer.allocUnsafe(SHARED_READ_BYTES), callback: Http1Connection.readShared };
  }

  /** The shared read's callback; `this` is the socket that was read. */
  private static readShared(this: ReadSocket, bytes: number, buffer: Uint8Array): boolean {
    const reader = this[READER];
    if (reader !== undefined) reader.onSocketData((buffer as Buffer).subarray(0, bytes));
    // Bytes on a socket no connection holds yet (connected, not yet handed over): the server is out of step.
    else this.destroy();
    return true;
  }

  dispatch(options: Dispatcher.DispatchOptions, handler: ConnectionHandler): void {
    if (this.handler !== null) throw new Error('Http1Connection carries one request at a time');
    this.handler = handler;
    handler.onConnect!(this.abort);
    if (this.destroyed || this.closing) return this.failLater(new ConnectionError('UND_ERR_DESTROYED', 'connection closed'));
    const body = options.body ?? null;
    if (body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) {
      return this.failLater(new ConnectionError('UND_ERR_INVALID_ARG', 'request body must be a string or bytes'));
    }
    const head = this.encodeHead(options, body === null ? -1 : typeof body === 'string' ? Buffer.byteLength(body) : body.length);
    if (head === null) return this.failLater(new ConnectionError('UND_ERR_INVALID_ARG', 'invalid request header'));
    this.parser.expect(options.method === 'HEAD');
    const socket = this.socket;
    if (socket !== null && this.stillFresh()) {
      this.write(socket, head, body as Buffer | string | null);
      return;
    }
    if (socket !== null) this.dropSocket();
    this.waitingHead = head;
    this.waitingBody = body as Buffer | string | null;
    if (!this.connecting) this.openSocket();
  }

  /**
   * Connects before the first request (the load's connection warm-up): the socket, its listeners and
   * its reading are set up now, so the first request only writes. Without it every connection's first
   * request also took over a socket and set it up — in a fast run's first milliseconds, and whenever a
   * burst reached connections not used before (docs/benchmarks.md, issue 8, ninth pass).
   */
  open(): Promise<void> {
    if (this.socket !== null || this.destroyed || this.closing) return Promise.resolve();
    return new Promise((resolve) => {
      this.opened.push(resolve);
      if (!this.connecting) this.openSocket();
    });
  }

  get connected(): boolean {
    return this.socket !== null;
  }

  close(): Promise<void> {
    this.closing = true;
    if (this.handler === null && !this.connecting) {
      this.dropSocket();
      return Promise.resolve();
    }
    return new Promise((resolve) => this.closed.push(resolve));
  }

  destroy(): Promise<void> {
    this.destroyed = true;
    this.fail(new ConnectionError('UND_ERR_DESTROYED', 'connection destroyed'));
    this.dropSocket();
    this.settleClosed();
    return Promise.resolve();
  }

  // ResponseSink: the parser's calls.

  onHead(status: number, headers: HeaderSpans): void {
    const handler = this.handler;
    if (handler === null) return;
    if (handler.onResponseHead !== undefined) handler.onResponseHead(status, headers);
    else handler.onHeaders!(status, headers.toRawHeaders(), noResume, '');
  }

  onBody(chunk: Buffer): void {
    this.handler?.onData!(chunk);
  }

  onEnd(keepAlive: boolean): void {
    const handler = this.handler;
    this.handler = null;
    if (!keepAlive || this.closing) this.dropSocket();
    else this.idleSinceMs = Date.now();
    handler?.onComplete!([]);
    this.settleClosedIfIdle();
  }

  onParseError(error: ResponseParseError): void {
    this.fail(error);
  }

  /** The handler's abort: ends the request with `reason` and closes the socket (its response is unread). */
  private readonly abort = (reason?: Error): void => {
    this.fail(reason ?? new ConnectionError('UND_ERR_ABORTED', 'request aborted'));
  };

  private readonly onSocketData = (chunk: Buffer): void => {
    if (this.parser.busy) this.parser.execute(chunk);
    // Bytes while no response is awaited: the server is out of step; do not reuse the connection.
    else if (this.handler === null) this.dropSocket();
  };

  /** The server closed: ends a close-delimited body, or fails a response cut short. */
  private readonly onSocketEnd = (): void => {
    this.dropSocket();
    if (!this.parser.finish()) this.fail(new ConnectionError('UND_ERR_SOCKET', 'the server closed the connection mid-response'));
  };

  private readonly onSocketError = (error: Error): void => {
    this.dropSocket();
    this.fail(error);
  };

  private readonly onSocketClose = this.onSocketEnd;

  private openSocket(): void {
    this.connecting = true;
    this.options.connect(this.options.target, (error, socket) => {
      this.connecting = false;
      for (const resolve of this.opened.splice(0)) resolve();
      if (error !== null || socket === null) {
        this.waitingHead = this.waitingBody = null;
        this.fail(error ?? new ConnectionError('UND_ERR_SOCKET', 'could not connect'));
        this.settleClosedIfIdle();
        return;
      }
      if (this.destroyed || this.closing && this.handler === null) {
        socket.destroy();
        this.settleClosedIfIdle();
        return;
      }
      this.socket = socket;
      // A keep-alive timeout announced on an earlier socket says nothing about this one.
      this.parser.serverKeepAliveMs = -1;
      (socket as ReadSocket)[READER] = this;
      // Never emitted when the socket reads into the shared buffer; kept for sockets opened without it.
      socket.on('data', this.onSocketData);
      socket.on('end', this.onSocketEnd);
      socket.on('error', this.onSocketError);
      socket.on('close', this.onSocketClose);
      const head = this.waitingHead;
      const body = this.waitingBody;
      this.waitingHead = this.waitingBody = null;
      // Aborted (timed out) while connecting: the socket stays for the next request.
      if (head !== null && this.handler !== null) this.write(socket, head, body);
      else this.idleSinceMs = Date.now();
    });
  }

  private write(socket: Socket, head: Buffer, body: Buffer | string | null): void {
    if (body === null || body.length === 0) {
      socket.write(head);
      return;
    }
    // One syscall for head and body.
    socket.cork();
    socket.write(head);
    socket.write(body);
    socket.uncork();
  }

  /** Whether the idle socket is younger than the keep-alive timeout (the server's, less a margin, when it announced one). */
  private stillFresh(): boolean {
    // Without a branch on whether a timeout was announced: a path the JIT warm-up never took (its sink
    // announcing one, the target not) threw the send path's optimized code away at the start.
    const announced = this.parser.serverKeepAliveMs;
    const announcedLimitMs = announced - SERVER_KEEP_ALIVE_MARGIN_MS + (announced < 0 ? Infinity : 0);
    return Date.now() - this.idleSinceMs < Math.min(this.options.keepAliveTimeoutMs, announcedLimitMs);
  }

  /**
   * The request head, re-encoded only when what it is built from changed; null when a header is invalid.
   * The caller's `host` and `connection` replace the defaults; `content-length` is the body's (a caller's
   * must match it); headers that would change the framing (`transfer-encoding`, `upgrade`, `expect`,
   * `keep-alive`) are refused, as undici refuses them.
   */
  private encodeHead(options: Dispatcher.DispatchOptions, bodyLength: number): Buffer | null {
    const headers = options.headers;
    if (headers === this.headFor && options.method === this.headMethod && options.path === this.headPath && bodyLength === this.headBodyLength) return this.head;
    let host = this.options.url.host;
    let connection = 'keep-alive';
    let lines = '';
    if (headers !== null && headers !== undefined) {
      if (Array.isArray(headers) || typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') return null;
      for (const [name, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
        if (value === undefined) continue;
        if (name.length === 0 || FORBIDDEN_IN_HEADER.test(name) || name.includes(':')) return null;
        const values = Array.isArray(value) ? value : [value];
        if (values.some((one) => FORBIDDEN_IN_HEADER.test(one))) return null;
        const lowerName = name.toLowerCase();
        if (lowerName === 'host') host = values[0];
        else if (lowerName === 'connection') connection = values[0];
        else if (lowerName === 'content-length') {
          if (values.some((one) => one.trim() !== String(Math.max(bodyLength, 0)))) return null;
        } else if (FRAMING_HEADERS.has(lowerName)) return null;
        else for (const one of values) lines += `${name}: ${one}\r\n`;
      }
    }
    let text = `${options.method} ${options.path} HTTP/1.1\r\nhost: ${host}\r\nconnection: ${connection}\r\n${lines}`;
    if (bodyLength >= 0) text += `content-length: ${bodyLength}\r\n`;
    else if (PAYLOAD_METHODS.has(options.method)) text += 'content-length: 0\r\n';
    text += '\r\n';
    this.headFor = headers;
    this.headMethod = options.method;
    this.headPath = options.path;
    this.headBodyLength = bodyLength;
    this.head = Buffer.from(text, 'latin1');
    return this.head;
  }

  /** Ends the request in flight, if any, with `error`, and closes the socket (its state is unknown). */
  private fail(error: Error): void {
    const handler = this.handler;
    if (handler === null) return;
    this.handler = null;
    this.parser.stop();
    this.waitingHead = this.waitingBody = null;
    this.dropSocket();
    handler.onError!(error);
    this.settleClosedIfIdle();
  }

  /** A failure known before anything was sent, reported after dispatch returns (as undici does). */
  private failLater(error: Error): void {
    process.nextTick(() => this.fail(error));
  }

  private dropSocket(): void {
    const socket = this.socket;
    if (socket === null) return;
    this.socket = null;
    (socket as ReadSocket)[READER] = undefined;
    socket.off('data', this.onSocketData);
    socket.off('end', this.onSocketEnd);
    socket.off('error', this.onSocketError);
    socket.off('close', this.onSocketClose);
    socket.on('error', ignore);
    socket.destroy();
  }

  private settleClosedIfIdle(): void {
    if ((this.closing || this.destroyed) && this.handler === null && !this.connecting) {
      this.dropSocket();
      this.settleClosed();
    }
  }

  private settleClosed(): void {
    for (const resolve of this.closed.splice(0)) resolve();
  }
}

function noResume(): void {}
function ignore(): void {}
