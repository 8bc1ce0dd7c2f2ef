import { afterEach, describe, expect, it } from 'vitest';
import { buildConnector, Client } from 'undici';
import { Http1Connection, type SharedReadOption } from '../../src/core/http1-connection.js';
import type { ResponseHeaders } from '../../src/core/response-headers.js';
import { TestHandler, connectionContract } from '../contract/connection.contract.js';
import { onEachRequest, startRawTarget, type RawTarget } from '../helpers/raw-target.js';

// Both Connections as src/core/http-client.ts makes them (without its warm connector).

/**
 * undici's connector as http-client.ts builds it, trusting `trust.ca` when given (TLS tests); for the lean
 * connection its sockets read into one shared buffer, as there.
 */
function connector(trust?: { ca: string }, onread?: SharedReadOption) {
  return buildConnector({ timeout: 10_000, ...(trust ? { ca: trust.ca } : {}), onread } as buildConnector.BuildOptions);
}

function lean(url: URL, keepAliveTimeoutMs = 30_000, trust?: { ca: string }): Http1Connection {
  return new Http1Connection({
    url,
    target: { hostname: url.hostname, host: url.host, protocol: url.protocol, port: url.port, servername: undefined },
    connect: connector(trust, Http1Connection.sharedReadOption()),
    keepAliveTimeoutMs,
  });
}

connectionContract('Http1Connection (lean)', (url, trust) => lean(url, 30_000, trust));

connectionContract(
  'undici Client',
  (url, trust) =>
    new Client(url.origin, {
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect: connector(trust),
      headersTimeout: 0,
      bodyTimeout: 0,
    }),
  {
    // client-h1.js: an unsolicited 100 Continue destroys the socket (SocketError 'bad response').
    continue100: 'fail',
    // client-h1.js sets socket[kReset] after every HEAD request (undici#258).
    reusesSocketAfterHead: false,
    // client-h1.js onMessageComplete compares a 304's content-length with the bytes read (none).
    contentLengthOn304: 'mismatch',
  },
);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function send(connection: Http1Connection, handler = new TestHandler()): Promise<TestHandler> {
  connection.dispatch({ path: '/', method: 'GET' }, handler);
  await handler.settled;
  return handler;
}

describe('Http1Connection — its own keep-alive rules', () => {
  let target: RawTarget | undefined;
  let connection: Http1Connection | undefined;
  afterEach(async () => {
    await connection?.destroy();
    await target?.close();
    connection = target = undefined;
  });

  /** A raw server answering every request with `head` + body "ok", never closing. */
  async function serve(extraHeaders = ''): Promise<URL> {
    target = await startRawTarget((socket) => onEachRequest(socket, () => socket.write(`HTTP/1.1 200 OK\r\ncontent-length: 2\r\n${extraHeaders}\r\nok`)));
    return new URL(target.url);
  }

  it('does not reuse an idle socket older than keepAliveTimeoutMs, and reuses a younger one', { timeout: 10_000 }, async () => {
    connection = lean(await serve(), 100);
    expect((await send(connection)).completions).toBe(1);
    expect((await send(connection)).completions).toBe(1);
    expect(target!.connections).toBe(1);
    await sleep(200);
    expect((await send(connection)).completions).toBe(1);
    expect(target!.connections).toBe(2);
  });

  it('keeps a margin under the keep-alive timeout the server announced (timeout=1: never reused)', { timeout: 10_000 }, async () => {
    connection = lean(await serve('keep-alive: timeout=1\r\n'));
    for (let i = 0; i < 3; i++) expect((await send(connection)).completions).toBe(1);
    expect(target!.connections).toBe(3);
  });

  it('reuses within the timeout the server announced, less the margin (timeout=5)', { timeout: 10_000 }, async () => {
    connection = lean(await serve('keep-alive: timeout=5\r\n'));
    for (let i = 0; i < 3; i++) expect((await send(connection)).completions).toBe(1);
    expect(target!.connections).toBe(1);
  });

  it('hands the head to onResponseHead when the handler has it (no header Buffers), and not to onHeaders', { timeout: 10_000 }, async () => {
    connection = lean(await serve('X-Model: blue\r\nretry-after: 3\r\n'));
    const heads: { status: number; fields: string[] }[] = [];
    class HeadHandler extends TestHandler {
      onResponseHead(status: number, headers: ResponseHeaders): void {
        const fields: string[] = [];
        for (let i = 0; i < headers.count; i++) fields.push(headers.name(i), headers.value(i));
        heads.push({ status, fields });
      }
    }
    const handler = await send(connection, new HeadHandler());
    expect(heads).toEqual([{ status: 200, fields: ['content-length', '2', 'X-Model', 'blue', 'retry-after', '3'] }]);
    expect(handler.statuses).toEqual([]);
    expect(Buffer.concat(handler.chunks).toString()).toBe('ok');
    expect(handler.completions).toBe(1);
  });

  it('refuses a second request while one is in flight (no pipelining)', { timeout: 10_000 }, async () => {
    target = await startRawTarget(() => {}); // never answers
    connection = lean(new URL(target.url));
    connection.dispatch({ path: '/', method: 'GET' }, new TestHandler());
    expect(() => connection!.dispatch({ path: '/', method: 'GET' }, new TestHandler())).toThrow(/one request at a time/);
  });
});

describe('Http1Connection.open — connecting before the first request', () => {
  let target: RawTarget | undefined;
  let connection: Http1Connection | undefined;
  let requests = 0;
  afterEach(async () => {
    await connection?.destroy();
    await target?.close();
    connection = target = undefined;
    requests = 0;
  });

  async function serve(): Promise<URL> {
    target = await startRawTarget((socket) =>
      onEachRequest(socket, () => {
        requests++;
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
      }),
    );
    return new URL(target.url);
  }

  it('connects with no request, and the first request goes out on that socket', { timeout: 10_000 }, async () => {
    connection = lean(await serve());
    await connection.open();
    await sleep(20);
    expect({ connections: target!.connections, requests }).toEqual({ connections: 1, requests: 0 });
    const handler = await send(connection);
    expect(handler.completions).toBe(1);
    expect(handler.body.toString()).toBe('ok');
    expect({ connections: target!.connections, requests }).toEqual({ connections: 1, requests: 1 });
  });

  it('opens one socket when asked twice at once, and a request sent meanwhile waits for it', { timeout: 10_000 }, async () => {
    connection = lean(await serve());
    const opening = Promise.all([connection.open(), connection.open()]);
    const handler = await send(connection);
    await opening;
    expect(handler.completions).toBe(1);
    expect({ connections: target!.connections, requests }).toEqual({ connections: 1, requests: 1 });
  });

  it('resolves when nothing listens, and the next request fails as data', { timeout: 10_000 }, async () => {
    const closed = await startRawTarget(() => {});
    const url = new URL(closed.url);
    await closed.close();
    connection = lean(url);
    await expect(connection.open()).resolves.toBeUndefined();
    const handler = await send(connection);
    expect(handler.completions).toBe(0);
    expect(handler.errors.map((e) => (e as NodeJS.ErrnoException).code)).toEqual(['ECONNREFUSED']);
  });
});

describe('Http1Connection — sockets sharing one read buffer (as one HttpClient makes them)', () => {
  let target: RawTarget | undefined;
  const connections: Http1Connection[] = [];
  afterEach(async () => {
    for (const connection of connections.splice(0)) await connection.destroy();
    await target?.close();
    target = undefined;
  });

  it('two connections whose heads arrive in pieces, interleaved, each read their own response', { timeout: 10_000 }, async () => {
    // Each answer is written in three pieces 20 ms apart, the second connection's 10 ms after the first's:
    // every piece of one lands in the shared buffer between two pieces of the other.
    let accepted = 0;
    target = await startRawTarget((socket) => {
      const n = accepted++;
      const who = n === 0 ? 'alpha' : 'bravo-bravo';
      const status = n === 0 ? '200 OK' : '201 Created';
      const pieces = [`HTTP/1.1 ${status}\r\nX-Wh`, `o: ${who}\r\ncontent-len`, `gth: ${who.length}\r\n\r\n${who}`];
      onEachRequest(socket, () => pieces.forEach((piece, i) => setTimeout(() => socket.write(piece), n * 10 + i * 20)));
    });
    const url = new URL(target.url);
    const connect = connector(undefined, Http1Connection.sharedReadOption());
    const open = () => new Http1Connection({ url, target: { hostname: url.hostname, host: url.host, protocol: url.protocol, port: url.port, servername: undefined }, connect, keepAliveTimeoutMs: 30_000 });
    connections.push(open());
    const first = await send(connections[0]!); // connects first: the target's connection 0
    connections.push(open());
    const second = new TestHandler();
    const again = new TestHandler();
    connections[1]!.dispatch({ path: '/', method: 'GET' }, second);
    await sleep(5);
    connections[0]!.dispatch({ path: '/', method: 'GET' }, again);
    await Promise.all([second.settled, again.settled]);
    expect(first.errors).toEqual([]);
    for (const [handler, status, body] of [[first, 200, 'alpha'], [again, 200, 'alpha'], [second, 201, 'bravo-bravo']] as const) {
      expect(handler.errors).toEqual([]);
      expect(handler.status).toBe(status);
      expect(handler.body.toString()).toBe(body);
      expect(handler.rawHeaders.map(String)).toContain(body);
    }
  });

  it('closes a socket no connection holds when bytes arrive on it (a warm socket the server wrote to)', { timeout: 10_000 }, async () => {
    target = await startRawTarget((socket) => setTimeout(() => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n'), 20));
    const url = new URL(target.url);
    const connect = connector(undefined, Http1Connection.sharedReadOption());
    const socket = await new Promise<import('node:net').Socket>((resolve, reject) =>
      connect({ hostname: url.hostname, host: url.host, protocol: url.protocol, port: url.port }, (error, s) => (error ? reject(error) : resolve(s as import('node:net').Socket))),
    );
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    expect(socket.destroyed).toBe(true);
  });
});
