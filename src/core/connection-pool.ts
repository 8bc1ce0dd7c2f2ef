import type { Dispatcher } from 'undici';
import type { Connection, ConnectionHandler } from './connection.js';

/** What the pool needs of a request: it is a connection's handler, and it says which connection carries it. */
export interface PooledRequest extends ConnectionHandler {
  /** Set by the pool when the request gets a connection; given back through `release`. */
  connection: Connection | null;
  /** A request that ended while still queued (timed out) is skipped when its turn comes. */
  done: boolean;
}

export interface ConnectionPoolOptions {
  /** Most connections open at once; requests past it wait in the pool's queue. */
  connections: number;
  /** Makes a connection (an undici Client with pipelining 1, or an Http1Connection); it connects on first use. */
  open: () => Connection;
}

/**
 * One request per connection at a time (no pipelining: inference servers rarely pipeline), over up to
 * `connections` connections. Free connections are a stack, so handing one out and taking it back are
 * O(1) whatever the number of connections. (undici's Pool scans its clients for a free one twice per
 * request and emits an event per response: at thousands of requests in flight — a backlog at the start
 * of a fast run — that scan made each request slower just when the load needed catching up.)
 * The most recently freed connection is used first, so a light load keeps reusing a few hot ones. A
 * connection released without a socket (the server closed it) goes to a second stack, used only
 * when no open one is free: otherwise it would be on top and the next request would connect while open
 * connections sat idle below it.
 */
export class ConnectionPool {
  private readonly free: Connection[] = [];
  private readonly freeClosed: Connection[] = [];
  private readonly all: Connection[] = [];
  private queue: PooledRequest[] = [];
  private queueOpts: Dispatcher.DispatchOptions[] = [];
  private queueHead = 0;
  private readonly limit: number;

  constructor(private readonly options: ConnectionPoolOptions) {
    this.limit = Math.max(1, options.connections);
  }

  /** Sends the request on a free connection, a new one, or queues it until one is released. */
  dispatch(opts: Dispatcher.DispatchOptions, request: PooledRequest): void {
    let connection = this.free.pop() ?? this.freeClosed.pop();
    if (connection === undefined && this.all.length < this.limit) connection = this.open();
    if (connection === undefined) {
      this.queue.push(request);
      this.queueOpts.push(opts);
      return;
    }
    request.connection = connection;
    connection.dispatch(opts, request);
  }

  /** Gives the request's connection back (call once, when the request has ended however it ended). */
  release(request: PooledRequest): void {
    const connection = request.connection;
    if (connection === null) return;
    request.connection = null;
    while (this.queueHead < this.queue.length) {
      const next = this.queue[this.queueHead];
      const opts = this.queueOpts[this.queueHead];
      this.queueHead++;
      this.compactQueue();
      if (next.done) continue;
      next.connection = connection;
      connection.dispatch(opts, next);
      return;
    }
    if (connection.connected === false) this.freeClosed.push(connection);
    else this.free.push(connection);
  }

  /**
   * Builds up to `count` connections ahead of the load; building one while a backlog of due requests
   * waits costs the event loop time the load does not have. Resolves once those that can connect ahead
   * (Connection.open) have connected or failed; the others connect on their first request.
   */
  prepare(count: number): Promise<void> {
    while (this.all.length < Math.min(count, this.limit)) this.free.push(this.open());
    const opening: Promise<void>[] = [];
    for (const connection of this.free) if (connection.open !== undefined) opening.push(connection.open());
    return Promise.all(opening).then(() => undefined);
  }

  /** Requests waiting for a connection. */
  get queued(): number {
    return this.queue.length - this.queueHead;
  }

  /** Connections opened so far. */
  get size(): number {
    return this.all.length;
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((c) => c.close()));
  }

  async destroy(): Promise<void> {
    this.queue = [];
    this.queueOpts = [];
    this.queueHead = 0;
    await Promise.all(this.all.map((c) => c.destroy()));
  }

  private open(): Connection {
    const connection = this.options.open();
    this.all.push(connection);
    return connection;
  }

  private compactQueue(): void {
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.queueOpts.length = 0;
      this.queueHead = 0;
    } else if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueOpts = this.queueOpts.slice(this.queueHead);
      this.queueHead = 0;
    }
  }
}
