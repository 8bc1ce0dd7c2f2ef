import { afterEach, describe, expect, it } from 'vitest';
import { buildConnector } from 'undici';
import { ConnectionPool, type PooledRequest } from '../../src/core/connection-pool.js';
import type { Connection } from '../../src/core/connection.js';
import { Http1Connection } from '../../src/core/http1-connection.js';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';

/** A request that records how it ended and which socket port carried it; `onEnd` runs when it ends. */
class TestRequest implements PooledRequest {
  connection: Connection | null = null;
  done = false;
  status = 0;
  error = '';
  carriedBy: Connection | null = null;
  constructor(private readonly onEnd: (request: TestRequest) => void) {}
  onConnect(): void {
    this.carriedBy = this.connection;
  }
  onHeaders(statusCode: number): boolean {
    this.status = statusCode;
    return true;
  }
  onData(): boolean {
    return true;
  }
  onComplete(): void {
    this.done = true;
    this.onEnd(this);
  }
  onError(error: Error): void {
    this.done = true;
    this.error = error.message;
    this.onEnd(this);
  }
}

const GET = { path: '/', method: 'GET' as const };

/** Makes the pool's connections to `origin` (the default kind, the lean HTTP/1.1 connection). */
function opener(origin: string): () => Connection {
  const url = new URL(origin);
  const target = { hostname: url.hostname, host: url.host, protocol: url.protocol, port: url.port, servername: undefined };
  return () => new Http1Connection({ url, target, connect: buildConnector({}), keepAliveTimeoutMs: 30_000 });
}

describe('ConnectionPool', () => {
  let server: LoopbackServer | undefined;
  let pool: ConnectionPool | undefined;
  afterEach(async () => {
    await pool?.destroy();
    await server?.close();
    pool = server = undefined;
  });

  it('never opens more than its limit, queues the rest, and serves every request once a connection is released', async () => {
    let open = 0;
    let maxOpen = 0;
    server = await startLoopbackServer((_req, res) => {
      maxOpen = Math.max(maxOpen, ++open);
      // Answer later, so requests really overlap.
      setTimeout(() => {
        open--;
        res.end('ok');
      }, 20);
    });
    pool = new ConnectionPool({ connections: 3, open: opener(server.url) });
    const ended: TestRequest[] = [];
    let resolveAll: () => void;
    const allEnded = new Promise<void>((resolve) => (resolveAll = resolve));
    const onEnd = (request: TestRequest) => {
      pool!.release(request);
      ended.push(request);
      if (ended.length === 10) resolveAll();
    };
    for (let i = 0; i < 10; i++) pool.dispatch(GET, new TestRequest(onEnd));
    expect(pool.size).toBe(3);
    expect(pool.queued).toBe(7);
    await allEnded;
    expect(ended.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(maxOpen).toBe(3);
    expect(pool.size).toBe(3);
    expect(pool.queued).toBe(0);
  });

  it('skips a queued request that ended before its turn (a timeout) and gives its place to the next', async () => {
    server = await startLoopbackServer((_req, res) => setTimeout(() => res.end('ok'), 20));
    pool = new ConnectionPool({ connections: 1, open: opener(server.url) });
    const ended: TestRequest[] = [];
    const onEnd = (request: TestRequest) => {
      pool!.release(request);
      ended.push(request);
    };
    const first = new TestRequest(onEnd);
    const timedOut = new TestRequest(onEnd);
    const last = new TestRequest(onEnd);
    pool.dispatch(GET, first);
    pool.dispatch(GET, timedOut);
    pool.dispatch(GET, last);
    timedOut.done = true; // what HttpClient does when a queued request passes its deadline
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (last.done) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    expect(first.status).toBe(200);
    expect(last.status).toBe(200);
    expect(timedOut.status).toBe(0);
    expect(server.count).toBe(2);
  });

  it('reuses the most recently released connection, and builds prepared clients only up to its limit', async () => {
    server = await startLoopbackServer((_req, res) => res.end('ok'));
    pool = new ConnectionPool({ connections: 4, open: opener(server.url) });
    void pool.prepare(10);
    expect(pool.size).toBe(4);
    const carriers: (Connection | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const request = await new Promise<TestRequest>((resolve) => {
        pool!.dispatch(
          GET,
          new TestRequest((r) => {
            pool!.release(r);
            resolve(r);
          }),
        );
      });
      carriers.push(request.carriedBy);
    }
    // One request at a time: every one goes out on the same (hot) connection.
    expect(carriers[0]).not.toBeNull();
    expect(new Set(carriers).size).toBe(1);
  });

  it('uses an open idle connection before one the server closed, and reconnects the closed one only when none is free', async () => {
    const sockets = new Set<unknown>();
    server = await startLoopbackServer((req, res) => {
      sockets.add(req.socket);
      // The first request's answer closes its connection, as a server at its keep-alive limit does.
      if (req.url === '/close') res.setHeader('connection', 'close');
      res.end('ok');
    });
    pool = new ConnectionPool({ connections: 2, open: opener(server.url) });
    await pool.prepare(2);
    const send = (path: string) =>
      new Promise<TestRequest>((resolve) => {
        pool!.dispatch(
          { path, method: 'GET' },
          new TestRequest((r) => {
            pool!.release(r);
            resolve(r);
          }),
        );
      });
    const closing = await send('/close');
    expect(closing.status).toBe(200);
    expect(closing.carriedBy!.connected).toBe(false);
    // Next: the other prepared connection, still open — not a reconnect of the top one.
    const next = await send('/');
    expect(next.carriedBy).not.toBe(closing.carriedBy);
    expect(sockets.size).toBe(2);
    // Two at once: the open one and, for lack of another, the closed one, which connects again.
    const both = await Promise.all([send('/'), send('/')]);
    expect(new Set(both.map((r) => r.carriedBy))).toEqual(new Set([closing.carriedBy, next.carriedBy]));
    expect(both.map((r) => r.status)).toEqual([200, 200]);
    expect(sockets.size).toBe(3);
    expect(pool.size).toBe(2);
  });

  it('prepare connects the connections that can connect ahead, and resolves once they have', async () => {
    const opened: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const ahead = (name: string): Connection => ({
      dispatch: () => {},
      close: async () => {},
      destroy: async () => {},
      open: async () => {
        await gate;
        opened.push(name);
      },
    });
    const onDemand = (): Connection => ({ dispatch: () => {}, close: async () => {}, destroy: async () => {} });
    const made = [ahead('a'), onDemand(), ahead('b')];
    pool = new ConnectionPool({ connections: 3, open: () => made.shift()! });
    let resolved = false;
    const preparing = pool.prepare(3).then(() => (resolved = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(resolved).toBe(false);
    release();
    await preparing;
    expect(opened.sort()).toEqual(['a', 'b']);
    expect(pool.size).toBe(3);
  });
});
