import { buildConnector, Client, type Dispatcher } from 'undici';
import { isIP } from 'node:net';
import { WarmConnector } from './warm-connector.js';
import { ConnectionPool, type PooledRequest } from './connection-pool.js';
import type { Connection } from './connection.js';
import { Http1Connection } from './http1-connection.js';
import { RequestAbort, errorCodeOf, type ErrorCode } from './error-codes.js';
import type { MonotonicClock } from './monotonic-clock.js';
import type { TokenProvider } from './ports/token-provider.js';
import { Template } from './template.js';
import { RawHeaderList } from './raw-header-list.js';
import type { ResponseHeaders } from './response-headers.js';
import { SseParser, readCompletionChunk, type SseEvent } from './sse-parser.js';
import type { PayloadBodies } from './payload-bodies.js';
import { DeploymentSplit } from './deployment-split.js';
import { isRetryableStatus, serverRetryAfterMs } from './retry-delay.js';
import { guardedConnector } from './guarded-lookup.js';

export type HttpClientKind = 'lean' | 'undici';

/** Header Azure ML uses to route a request to one deployment (and, on our simulator, to say which served it). */
export const DEPLOYMENT_HEADER = 'azureml-model-deployment';

export interface HttpClientOptions {
  url: string;
  method: string;
  /** Header values may hold placeholders (see Template). */
  headers: Record<string, string>;
  bodies?: PayloadBodies;
  contentType?: string;
  /** Sends azureml-model-deployment on every request. */
  deployment?: string;
  /** Or splits requests over deployments by weight. */
  deployments?: readonly { name: string; weight: number }[];
  timeoutMs: number;
  connections: number;
  /** Which HTTP/1.1 connection carries the load: the lean one (default) or undici's Client. */
  httpClient?: HttpClientKind;
  maxResponseBytes: number;
  /** Parse every response as a token stream (SSE); text/event-stream responses are parsed anyway. */
  streaming?: boolean;
  /** Gets each gap between two content chunks of a stream, µs. */
  onInterTokenGap?: (gapUs: number) => void;
  /** Read retry-after headers of 429/503 responses (retries on). */
  readsRetryAfter?: boolean;
  /** ALLOWED_TARGET_HOSTS (service runs): every connection checks the address it goes to (DNS rebinding). */
  allowedTargetHosts?: readonly string[];
  tokenProvider: TokenProvider;
  clock: MonotonicClock;
  onDone: (exchange: Exchange) => void;
}

/**
 * One request and its outcome. It is also undici's dispatch handler, so a request costs one object:
 * no promise, no stream, no closure. It takes undici's raw handler calls (raw header buffers, an abort
 * function) — and from the lean connection the head as ResponseHeaders (onResponseHead): undici's newer
 * controller interface wraps every request in two more objects and parses every header of every
 * response into an object, of which we read at most four. Failures end with
 * `errorCode` set, never an exception.
 */
export class Exchange implements Dispatcher.DispatchHandler, PooledRequest {
  status = 0;
  errorCode: ErrorCode | '' = '';
  bytesIn = 0;
  bytesOut = 0;
  endUs = 0;
  deployment = '';
  /** Aborts the request once undici has started it; null while it waits for a connection. */
  abort: ((reason?: Error) => void) | null = null;
  connection: Connection | null = null;
  deadlineUs = 0;
  /** Links of the client's deadline list (in send order). */
  newer: Exchange | null = null;
  older: Exchange | null = null;
  done = false;
  /** Streaming only: the SSE parser, first/last content chunk times, chunks with content, usage tokens. */
  sse: SseParser | null = null;
  firstTokenUs = 0;
  lastTokenUs = 0;
  contentChunks = 0;
  usageTokens = -1;
  private onEvent: ((event: SseEvent) => void) | null = null;

  constructor(
    readonly client: HttpClient,
    readonly seq: number,
    readonly intendedUs: number,
    readonly sentUs: number,
    /** The caller's marker (the closed model keeps its virtual user here). */
    readonly tag: number,
    /** 1 for the first try; retries of a throttled request count up. */
    readonly attempt = 1,
  ) {}

  /** What a 429/503 asked for (retry-after-ms / retry-after), read only when retries are on; −1 for nothing. */
  retryAfterMs = -1;

  onConnect(abort: (reason?: Error) => void): void {
    this.abort = abort;
  }

  /** undici's Client hands raw header Buffers. */
  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    this.onResponseHead(statusCode, new RawHeaderList(rawHeaders));
    return true;
  }

  /** The lean connection hands its parsed head directly (no Buffer per header). */
  onResponseHead(statusCode: number, headers: ResponseHeaders): void {
    if (statusCode < 200) return; // 1xx informational: the real response follows
    this.status = statusCode;
    const readRetryAfter = this.client.readsRetryAfter && isRetryableStatus(statusCode);
    let contentTypeSeen = false;
    let eventStream = false;
    let retryAfterMs: string | undefined;
    let retryAfter: string | undefined;
    let deployment: string | undefined;
    for (let i = 0; i < headers.count; i++) {
      // Compare lengths first: most headers are none of the four, and are never turned into strings.
      const length = headers.nameLength(i);
      if (length === CONTENT_TYPE.length) {
        // The first non-empty content-type decides; only whether it is an event stream matters here.
        if (!contentTypeSeen && headers.nameIs(i, CONTENT_TYPE) && headers.valueLength(i) > 0) {
          contentTypeSeen = true;
          eventStream = headers.valueIncludes(i, EVENT_STREAM);
        }
      } else if (length === DEPLOYMENT_NAME.length) {
        if (headers.nameIs(i, DEPLOYMENT_NAME)) deployment ??= headers.value(i);
      } else if (readRetryAfter && length === RETRY_AFTER_MS.length) {
        if (headers.nameIs(i, RETRY_AFTER_MS)) retryAfterMs ??= headers.value(i);
      } else if (readRetryAfter && length === RETRY_AFTER.length) {
        if (headers.nameIs(i, RETRY_AFTER)) retryAfter ??= headers.value(i);
      }
    }
    if (deployment !== undefined) this.deployment = deployment;
    if (readRetryAfter) this.retryAfterMs = serverRetryAfterMs(retryAfterMs, retryAfter);
    if (this.client.streaming || eventStream) {
      this.sse = new SseParser();
      this.onEvent = (event) => this.streamEvent(event);
    }
  }

  onData(chunk: Buffer): boolean {
    this.bytesIn += chunk.length;
    if (this.bytesIn > this.client.maxResponseBytes) this.abort?.(new RequestAbort('body_too_large'));
    else if (this.sse !== null) this.sse.push(chunk, this.onEvent!);
    return true;
  }

  onComplete(): void {
    if (this.sse !== null) {
      this.sse.end(this.onEvent!);
      // A 2xx stream that never produced content is a failure, not a fast success.
      if (this.contentChunks === 0 && this.status >= 200 && this.status < 300) this.errorCode = 'empty_stream';
    }
    this.client.finish(this);
  }

  onError(error: Error): void {
    this.errorCode = errorCodeOf(error);
    this.client.finish(this);
  }

  private streamEvent(event: SseEvent): void {
    const chunk = readCompletionChunk(event.data);
    if (chunk === undefined) return;
    if (chunk.usageTokens !== undefined) this.usageTokens = chunk.usageTokens;
    if (!chunk.hasContent) return;
    const now = this.client.nowUs();
    if (this.contentChunks === 0) this.firstTokenUs = now;
    else this.client.interTokenGap(now - this.lastTokenUs);
    this.lastTokenUs = now;
    this.contentChunks++;
  }
}

/** An idle connection is reused this long at most (less when the server announces a shorter keep-alive). */
const KEEP_ALIVE_TIMEOUT_MS = 30_000;

// Header names as bytes (compared with ResponseHeaders.nameIs: no string per header per response).
const CONTENT_TYPE = Buffer.from('content-type', 'latin1');
const DEPLOYMENT_NAME = Buffer.from(DEPLOYMENT_HEADER, 'latin1');
const RETRY_AFTER = Buffer.from('retry-after', 'latin1');
const RETRY_AFTER_MS = Buffer.from('retry-after-ms', 'latin1');
const EVENT_STREAM = Buffer.from('text/event-stream', 'latin1');

/**
 * The target's HTTP client: one connection pool per origin (see ConnectionPool) with keep-alive and
 * no pipelining (inference servers rarely pipeline), sized by the caller to the load's need. Every body is read
 * (up to maxResponseBytes) so connections go back to the pool. The whole-request timeout is enforced
 * from one list of requests in send order, checked by one timer, instead of a timer per request.
 */
export class HttpClient {
  readonly maxResponseBytes: number;
  readonly streaming: boolean;
  readonly readsRetryAfter: boolean;
  private readonly onInterTokenGap: ((gapUs: number) => void) | undefined;
  private readonly pool: ConnectionPool;
  private readonly path: string;
  private readonly method: Dispatcher.HttpMethod;
  private readonly headerTemplates: [string, Template][] = [];
  private readonly fixedHeaders: Record<string, string>;
  private readonly bodies: PayloadBodies | undefined;
  private readonly split: DeploymentSplit | undefined;
  private readonly timeoutUs: number;
  private readonly clock: MonotonicClock;
  private readonly tokenProvider: TokenProvider;
  private readonly onDone: (exchange: Exchange) => void;
  private authValue: string | undefined = undefined;
  private baseHeaders: Record<string, string>;
  private oldest: Exchange | null = null;
  private newest: Exchange | null = null;
  private readonly deadlineTimer: NodeJS.Timeout;
  private readonly warm: WarmConnector;
  private readonly connectionLimit: number;
  /** The pool's connections are the lean ones, which connect before their first request (Connection.open). */
  private readonly lean: boolean;
  inFlight = 0;

  constructor(options: HttpClientOptions) {
    const url = new URL(options.url);
    this.path = url.pathname + url.search;
    this.method = options.method as Dispatcher.HttpMethod;
    this.maxResponseBytes = options.maxResponseBytes;
    this.streaming = options.streaming ?? false;
    this.readsRetryAfter = options.readsRetryAfter ?? false;
    this.onInterTokenGap = options.onInterTokenGap;
    this.timeoutUs = options.timeoutMs * 1000;
    this.clock = options.clock;
    this.tokenProvider = options.tokenProvider;
    this.onDone = options.onDone;
    const fixed: Record<string, string> = {};
    if (options.bodies !== undefined) fixed['content-type'] = options.contentType ?? 'application/json';
    if (options.deployment) fixed[DEPLOYMENT_HEADER] = options.deployment;
    for (const [name, value] of Object.entries(options.headers)) {
      const template = new Template(value);
      if (template.isFixed) fixed[name.toLowerCase()] = template.render(0);
      else this.headerTemplates.push([name.toLowerCase(), template]);
    }
    this.fixedHeaders = fixed;
    this.baseHeaders = fixed;
    this.bodies = options.bodies;
    this.split = options.deployments ? new DeploymentSplit(options.deployments) : undefined;
    const connectTimeoutMs = Math.min(options.timeoutMs, 10_000);
    // The lean connections' sockets read into one shared buffer; undici's Client reads by 'data' events.
    this.lean = options.httpClient !== 'undici';
    const onread = this.lean ? Http1Connection.sharedReadOption() : undefined;
    const baseConnector = options.allowedTargetHosts
      ? guardedConnector({ allowedHosts: options.allowedTargetHosts, timeout: connectTimeoutMs, onread })
      : buildConnector({ timeout: connectTimeoutMs, onread } as buildConnector.BuildOptions);
    const target = {
      hostname: url.hostname,
      host: url.host,
      protocol: url.protocol,
      port: url.port || (url.protocol === 'https:' ? '443' : '80'),
      servername: url.protocol === 'https:' && isIP(url.hostname.replace(/^\[|\]$/g, '')) === 0 ? url.hostname : undefined,
    };
    this.warm = new WarmConnector(baseConnector, target);
    this.connectionLimit = options.connections;
    const connect = this.warm.connect;
    const open: () => Connection = this.lean
      ? () => new Http1Connection({ url, target, connect, keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS })
      : () =>
          new Client(url.origin, {
            pipelining: 1,
            keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
            connect,
            // Our own deadline list covers the whole request (queued ones too), so undici's per-request
            // headers/body timers are off: they cost two timer objects per request (≈10% of the closed-loop rate).
            headersTimeout: 0,
            bodyTimeout: 0,
          });
    this.pool = new ConnectionPool({ connections: options.connections, open });
    const tickMs = Math.max(5, Math.min(100, Math.floor(options.timeoutMs / 20)));
    this.deadlineTimer = setInterval(() => this.expire(), tickMs);
    this.deadlineTimer.unref();
  }

  /**
   * Sends hit `seq`, due at intendedUs and sent now (sentUs, read by the caller from the same clock);
   * `onDone` gets the exchange when it ends, however it ends.
   */
  send(seq: number, intendedUs: number, sentUs: number, tag: number, attempt = 1): void {
    const exchange = new Exchange(this, seq, intendedUs, sentUs, tag, attempt);
    exchange.deadlineUs = sentUs + this.timeoutUs;
    this.link(exchange);
    this.inFlight++;
    const body = this.bodies?.bodyFor(seq);
    exchange.bytesOut = body ? body.length : 0;
    let headers = this.headersFor(seq);
    if (this.split !== undefined) {
      // The requested deployment stands until the response names the one that served it.
      exchange.deployment = this.split.pick(seq);
      headers = { ...headers, [DEPLOYMENT_HEADER]: exchange.deployment };
    }
    try {
      this.pool.dispatch({ path: this.path, method: this.method, headers, body }, exchange);
    } catch (error) {
      exchange.errorCode = errorCodeOf(error);
      this.finish(exchange);
    }
  }

  nowUs(): number {
    return this.clock.nowUs();
  }

  interTokenGap(gapUs: number): void {
    this.onInterTokenGap?.(gapUs);
  }

  /** Called once per exchange by its handler. */
  finish(exchange: Exchange): void {
    if (exchange.done) return;
    exchange.done = true;
    exchange.endUs = this.clock.nowUs();
    this.pool.release(exchange);
    this.unlink(exchange);
    this.inFlight--;
    this.onDone(exchange);
  }

  /** Opens up to `count` connections ahead of the load (never more than the connection limit). */
  warmUp(count: number): Promise<void> {
    // Lean connections connect themselves (Connection.open); undici's Clients take warm sockets on their first request.
    if (this.lean) return this.pool.prepare(count);
    return Promise.all([this.pool.prepare(count), this.warm.warmUp(Math.min(count, this.connectionLimit))]).then(() => undefined);
  }

  async close(): Promise<void> {
    clearInterval(this.deadlineTimer);
    this.warm.close();
    await this.pool.close();
  }

  /** Ends everything still in flight (used when a run is stopped) and closes the pool. */
  async destroy(): Promise<void> {
    clearInterval(this.deadlineTimer);
    this.warm.close();
    for (let e = this.oldest; e !== null; e = this.oldest) {
      e.errorCode = 'client_closed';
      this.finish(e);
    }
    await this.pool.destroy();
  }

  private headersFor(seq: number): Record<string, string> {
    const header = this.tokenProvider.header;
    if (header !== undefined) {
      const value = this.tokenProvider.current();
      if (value !== this.authValue) {
        this.authValue = value;
        this.baseHeaders = value === undefined ? this.fixedHeaders : { ...this.fixedHeaders, [header]: value };
      }
    }
    if (this.headerTemplates.length === 0) return this.baseHeaders;
    const headers = { ...this.baseHeaders };
    for (const [name, template] of this.headerTemplates) headers[name] = template.render(seq);
    return headers;
  }

  private expire(): void {
    const now = this.clock.nowUs();
    while (this.oldest !== null && this.oldest.deadlineUs <= now) {
      const exchange = this.oldest;
      if (exchange.abort !== null) {
        exchange.abort(new RequestAbort('timeout'));
        // undici reports the abort through onError; make sure it is finished either way.
        if (!exchange.done) {
          exchange.errorCode = 'timeout';
          this.finish(exchange);
        }
      } else {
        // Still queued for a connection: count it as timed out now; undici's result is ignored later.
        exchange.errorCode = 'timeout';
        this.finish(exchange);
      }
    }
  }

  private link(exchange: Exchange): void {
    exchange.older = this.newest;
    if (this.newest !== null) this.newest.newer = exchange;
    else this.oldest = exchange;
    this.newest = exchange;
  }

  private unlink(exchange: Exchange): void {
    if (exchange.older !== null) exchange.older.newer = exchange.newer;
    else if (this.oldest === exchange) this.oldest = exchange.newer;
    if (exchange.newer !== null) exchange.newer.older = exchange.older;
    else if (this.newest === exchange) this.newest = exchange.older;
    exchange.older = exchange.newer = null;
  }
}
