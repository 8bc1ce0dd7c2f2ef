import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Dispatcher } from 'undici';
import type { Connection } from '../../src/core/connection.js';
import { ERROR_CODES, RequestAbort, errorCodeOf } from '../../src/core/error-codes.js';
import { selfSignedCert } from '../helpers/fake-azure-monitor.js';
import { closedPort, onEachRequest, startRawTarget, type RawTarget } from '../helpers/raw-target.js';

/** Makes the Connection under test (undici's Client, or the lean Http1Connection) to `url`; `trust.ca` is a certificate its connector must accept (TLS tests). */
export type MakeConnection = (url: URL, trust?: { ca: string }) => Connection;

/**
 * Records the raw (legacy) handler calls a Connection makes, in order. `settled` resolves on the first
 * onComplete or onError; the arrays keep recording whatever comes after, so a test can see extra calls.
 */
export class TestHandler implements Dispatcher.DispatchHandler {
  /** Every call, in order: connect, headers:<status>, data, complete, error. */
  readonly events: string[] = [];
  /** The status of every onHeaders call (1xx ones included, if an implementation passes them on). */
  readonly statuses: number[] = [];
  /** The raw headers of the last onHeaders call with a final (≥ 200) status, copied. */
  rawHeaders: Buffer[] = [];
  /** Body chunks, copied (an implementation may hand views of its read buffers). */
  readonly chunks: Buffer[] = [];
  completions = 0;
  readonly errors: Error[] = [];
  abort: ((reason?: Error) => void) | null = null;
  readonly settled: Promise<void>;
  private resolve!: () => void;

  constructor(private readonly onChunk?: (handler: TestHandler, chunk: Buffer) => void) {
    this.settled = new Promise<void>((resolve) => (this.resolve = resolve));
  }

  onConnect(abort: (reason?: Error) => void): void {
    this.events.push('connect');
    this.abort = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    this.events.push(`headers:${statusCode}`);
    this.statuses.push(statusCode);
    if (statusCode >= 200) this.rawHeaders = rawHeaders.map((b) => Buffer.from(b));
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.events.push('data');
    this.chunks.push(Buffer.from(chunk));
    this.onChunk?.(this, chunk);
    return true;
  }

  onComplete(): void {
    this.events.push('complete');
    this.completions++;
    this.resolve();
  }

  onError(error: Error): void {
    this.events.push('error');
    this.errors.push(error);
    this.resolve();
  }

  get body(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** The final status (the last one ≥ 200), or 0. */
  get status(): number {
    return [...this.statuses].reverse().find((s) => s >= 200) ?? 0;
  }

  /** Values of the response header `name` (case-insensitive), in order. */
  header(name: string): string[] {
    const values: string[] = [];
    for (let i = 0; i + 1 < this.rawHeaders.length; i += 2) {
      if (this.rawHeaders[i].toString('latin1').toLowerCase() === name) values.push(this.rawHeaders[i + 1].toString('latin1'));
    }
    return values;
  }

  /** Events after the first complete/error (should be none). */
  get afterEnd(): string[] {
    const end = this.events.findIndex((e) => e === 'complete' || e === 'error');
    return end < 0 ? [] : this.events.slice(end + 1);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Sends one request and waits until it ends, and a little longer, so that stray late calls are recorded too. */
async function send(connection: Connection, options: Dispatcher.DispatchOptions, handler = new TestHandler()): Promise<TestHandler> {
  connection.dispatch(options, handler);
  await handler.settled;
  await sleep(20);
  return handler;
}

function expectCompleted(handler: TestHandler): void {
  expect(handler.errors.map((e) => `${(e as { code?: string }).code ?? e.name}: ${e.message}`)).toEqual([]);
  expect(handler.completions).toBe(1);
  expect(handler.afterEnd).toEqual([]);
}

function expectFailed(handler: TestHandler): Error {
  expect(handler.completions).toBe(0);
  expect(handler.errors).toHaveLength(1);
  expect(handler.afterEnd).toEqual([]);
  return handler.errors[0];
}

const GET: Dispatcher.DispatchOptions = { path: '/', method: 'GET' };

interface ReceivedRequest {
  method: string;
  url: string;
  /** Raw header name/value pairs as received. */
  rawHeaders: string[];
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  remotePort: number;
}

interface HttpServer {
  url: URL;
  port: number;
  readonly requests: ReceivedRequest[];
  /** TCP connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

type HttpHandler = (req: http.IncomingMessage, res: http.ServerResponse, received: ReceivedRequest) => void;

/** A node:http server on 127.0.0.1 that records each request (body included) before `handler` answers it. */
async function startHttpServer(handler: HttpHandler, keepAliveTimeoutMs = 60_000, tls?: { cert: string; key: string }): Promise<HttpServer> {
  const requests: ReceivedRequest[] = [];
  let connections = 0;
  const listener: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const received: ReceivedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        rawHeaders: req.rawHeaders,
        headers: req.headers,
        body: Buffer.concat(chunks),
        remotePort: req.socket.remotePort ?? -1,
      };
      requests.push(received);
      handler(req, res, received);
    });
  };
  const server = tls ? https.createServer(tls, listener) : http.createServer(listener);
  server.on(tls ? 'secureConnection' : 'connection', () => connections++);
  server.keepAliveTimeout = keepAliveTimeoutMs;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: new URL(`${tls ? 'https' : 'http'}://127.0.0.1:${port}`),
    port,
    requests,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Writes `bytes` in pieces of `size` bytes, each in its own turn of the event loop (and, with no delay, its own segment). */
async function writeInPieces(socket: Socket, bytes: Buffer, size: number): Promise<void> {
  socket.setNoDelay(true);
  for (let i = 0; i < bytes.length && !socket.destroyed; i += size) {
    socket.write(bytes.subarray(i, i + size));
    await sleep(1);
  }
}

/** Behaviour in which the implementations legitimately differ. */
export interface ConnectionContractOptions {
  /**
   * What the connection does with an unsolicited `100 Continue` before the final response: 'skip' it
   * (default) or fail the request (undici's Client: SocketError 'bad response', econnreset).
   */
  continue100?: 'skip' | 'fail';
  /** Whether the socket carries the next request after a HEAD (default true; undici closes it after every HEAD, undici#258). */
  reusesSocketAfterHead?: boolean;
  /**
   * A 304 whose content-length gives the size of the body it would have had: 'ignored' (default,
   * RFC 9110 §8.6) or 'mismatch' (undici's Client checks it against the empty body and fails the request).
   */
  contentLengthOn304?: 'ignored' | 'mismatch';
}

/**
 * What every Connection promises, against real servers on 127.0.0.1: responses framed by
 * Content-Length, chunked coding or the server's close are delivered whole through the raw handler
 * calls; requests carry their headers and body; an idle connection is reused and reopened when the
 * server closed it; failures (refused, reset, garbage, aborts, destroy) end the request with onError
 * and a stable error code, and leave the Connection usable.
 */
export function connectionContract(name: string, makeConnection: MakeConnection, options: ConnectionContractOptions = {}): void {
  describe(`${name} — connection contract`, () => {
    const connections: Connection[] = [];
    const servers: { close(): Promise<void> }[] = [];
    afterEach(async () => {
      for (const connection of connections.splice(0)) await connection.destroy().catch(() => {});
      for (const server of servers.splice(0)) await server.close();
    });

    function open(url: URL, trust?: { ca: string }): Connection {
      const connection = makeConnection(url, trust);
      connections.push(connection);
      return connection;
    }

    async function http1(handler: HttpHandler, keepAliveTimeoutMs?: number): Promise<HttpServer> {
      const server = await startHttpServer(handler, keepAliveTimeoutMs);
      servers.push(server);
      return server;
    }

    /** A raw TCP server answering each request on a socket with `respond(socket, index of the request on that socket)`. */
    async function raw(respond: (socket: Socket, nth: number) => void): Promise<RawTarget & { href: URL }> {
      const target = await startRawTarget((socket) => {
        let nth = 0;
        onEachRequest(socket, () => respond(socket, nth++));
      });
      servers.push(target);
      return Object.assign(target, { href: new URL(target.url) });
    }

    it('GET with a Content-Length body: status, raw headers, the exact body bytes, one onComplete', { timeout: 10_000 }, async () => {
      const payload = Buffer.from([0, 1, 2, 250, 251, 255, ...Buffer.from('hello, world')]);
      const server = await http1((_req, res) => {
        res.setHeader('x-test', 'test-value');
        res.setHeader('content-length', payload.length);
        res.statusCode = 201;
        res.end(payload);
      });
      const handler = await send(open(server.url), GET);
      expectCompleted(handler);
      expect(handler.statuses).toEqual([201]);
      expect(handler.header('x-test')).toEqual(['test-value']);
      expect(handler.header('content-length')).toEqual([String(payload.length)]);
      expect(handler.body.equals(payload)).toBe(true);
      expect(handler.events[0]).toBe('connect');
    });

    it('over TLS: content-length and chunked bodies whole, and the next request on the same TLS session', { timeout: 10_000 }, async () => {
      const tls = selfSignedCert();
      const server = await startHttpServer((req, res) => {
        if (req.url === '/chunked') {
          res.write('a');
          setTimeout(() => res.end('bc'), 5);
        } else res.end('plain');
      }, 60_000, tls);
      servers.push(server);
      const connection = open(server.url, { ca: tls.cert });
      const first = await send(connection, GET);
      expectCompleted(first);
      expect(first.body.toString()).toBe('plain');
      const second = await send(connection, { path: '/chunked', method: 'GET' });
      expectCompleted(second);
      expect(second.body.toString()).toBe('abc');
      expect(server.connections).toBe(1);
      expect(server.requests[1].remotePort).toBe(server.requests[0].remotePort);
    });

    it('delivers a chunked body written in several parts completely', { timeout: 10_000 }, async () => {
      const server = await http1((_req, res) => {
        res.write('first-');
        setTimeout(() => {
          res.write('second-');
          setTimeout(() => res.end('third'), 5);
        }, 5);
      });
      const connection = open(server.url);
      const handler = await send(connection, GET);
      expectCompleted(handler);
      expect(handler.header('transfer-encoding')).toEqual(['chunked']);
      expect(handler.body.toString()).toBe('first-second-third');
      // The terminating chunk was read: the socket is reused.
      expectCompleted(await send(connection, GET));
      expect(server.connections).toBe(1);
    });

    it('reads a chunked response with chunk extensions and trailers written one byte at a time', { timeout: 10_000 }, async () => {
      const response = Buffer.from('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nx-test: split\r\n\r\n5;ext=1\r\nhello\r\n6;a=b;c="d"\r\n world\r\n0\r\nx-trailer: 1\r\n\r\n', 'latin1');
      const target = await raw((socket) => void writeInPieces(socket, response, 1));
      const connection = open(target.href);
      const first = await send(connection, GET);
      expectCompleted(first);
      expect(first.status).toBe(200);
      expect(first.header('x-test')).toEqual(['split']);
      expect(first.body.toString()).toBe('hello world');
      // Trailers were consumed up to the final empty line: the same socket carries the next request.
      const second = await send(connection, GET);
      expectCompleted(second);
      expect(second.body.toString()).toBe('hello world');
      expect(target.connections).toBe(1);
    });

    it('reads a Content-Length response written in 3-byte pieces', { timeout: 10_000 }, async () => {
      const response = Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 11\r\nx-test: pieces\r\n\r\nhello world', 'latin1');
      const target = await raw((socket) => void writeInPieces(socket, response, 3));
      const handler = await send(open(target.href), GET);
      expectCompleted(handler);
      expect(handler.header('x-test')).toEqual(['pieces']);
      expect(handler.body.toString()).toBe('hello world');
    });

    it('POST sends the exact body with a correct content-length (string and bytes)', { timeout: 10_000 }, async () => {
      const server = await http1((_req, res) => res.end('ok'));
      const connection = open(server.url);
      const text = '{"prompt":"héllo ✓"}';
      expectCompleted(await send(connection, { path: '/score', method: 'POST', body: text, headers: { 'content-type': 'application/json' } }));
      const bytes = Buffer.from([0, 13, 10, 13, 10, 255, 128, 7]);
      expectCompleted(await send(connection, { path: '/bytes', method: 'POST', body: bytes }));
      expect(server.requests).toHaveLength(2);
      const [a, b] = server.requests;
      expect(a.method).toBe('POST');
      expect(a.url).toBe('/score');
      expect(a.body.toString('utf8')).toBe(text);
      expect(a.headers['content-length']).toBe(String(Buffer.byteLength(text)));
      expect(a.headers['content-type']).toBe('application/json');
      expect(b.url).toBe('/bytes');
      expect(b.body.equals(bytes)).toBe(true);
      expect(b.headers['content-length']).toBe(String(bytes.length));
      expect(b.headers['transfer-encoding']).toBeUndefined();
    });

    it('POST with no body sends content-length 0', { timeout: 10_000 }, async () => {
      const server = await http1((_req, res) => res.end('ok'));
      expectCompleted(await send(open(server.url), { path: '/', method: 'POST' }));
      expect(server.requests[0].headers['content-length']).toBe('0');
      expect(server.requests[0].body.length).toBe(0);
    });

    it('the request head carries the given headers, the path and a host header', { timeout: 10_000 }, async () => {
      const server = await http1((_req, res) => res.end('ok'));
      const headers = { 'x-test': 'value-1', authorization: 'Bearer abc.def', 'azureml-model-deployment': 'blue', accept: 'text/event-stream' };
      expectCompleted(await send(open(server.url), { path: '/score?x=1&y=2', method: 'GET', headers }));
      const request = server.requests[0];
      expect(request.url).toBe('/score?x=1&y=2');
      for (const [name, value] of Object.entries(headers)) expect(request.headers[name]).toBe(value);
      expect(request.headers.host).toBe(`127.0.0.1:${server.port}`);
    });

    it('sends a header whose value is an array once per value', { timeout: 10_000 }, async () => {
      const server = await http1((_req, res) => res.end('ok'));
      expectCompleted(await send(open(server.url), { path: '/', method: 'GET', headers: { 'x-multi': ['one', 'two'] } }));
      const raw = server.requests[0].rawHeaders;
      const values = raw.filter((_, i) => i % 2 === 1 && raw[i - 1].toLowerCase() === 'x-multi');
      expect(values).toEqual(['one', 'two']);
    });

    it('a host header given by the caller replaces the default one (the server sees exactly one)', { timeout: 10_000 }, async () => {
      const server = await http1((_req, res) => res.end('ok'));
      expectCompleted(await send(open(server.url), { path: '/', method: 'GET', headers: { host: 'example.test' } }));
      const raw = server.requests[0].rawHeaders;
      const hosts = raw.filter((_, i) => i % 2 === 1 && raw[i - 1].toLowerCase() === 'host');
      expect(hosts).toEqual(['example.test']);
    });

    it('a content-length header given by the caller (matching the body) is sent once and the POST succeeds', { timeout: 10_000 }, async () => {
      const server = await http1((_req, res) => res.end('ok'));
      const handler = await send(open(server.url), { path: '/', method: 'POST', body: 'abcd', headers: { 'content-length': '4' } });
      expectCompleted(handler);
      expect(handler.status).toBe(200);
      expect(server.requests[0].body.toString()).toBe('abcd');
      const raw = server.requests[0].rawHeaders;
      expect(raw.filter((_, i) => i % 2 === 1 && raw[i - 1].toLowerCase() === 'content-length')).toEqual(['4']);
    });

    it('a connection header given by the caller replaces the default one', { timeout: 10_000 }, async () => {
      const server = await http1((_req, res) => res.end('ok'));
      expectCompleted(await send(open(server.url), { path: '/', method: 'GET', headers: { connection: 'close' } }));
      const raw = server.requests[0].rawHeaders;
      expect(raw.filter((_, i) => i % 2 === 1 && raw[i - 1].toLowerCase() === 'connection')).toEqual(['close']);
    });

    it('refuses, before sending, a content-length that does not match the body and a transfer-encoding header', { timeout: 10_000 }, async () => {
      const server = await http1((_req, res) => res.end('ok'));
      const connection = open(server.url);
      expectFailed(await send(connection, { path: '/', method: 'POST', body: 'abcd', headers: { 'content-length': '9' } }));
      expectFailed(await send(connection, { path: '/', method: 'POST', body: 'abcd', headers: { 'transfer-encoding': 'chunked' } }));
      expect(server.requests).toHaveLength(0);
    });

    const reusesAfterHead = options.reusesSocketAfterHead ?? true;
    it(`HEAD: no body even with a content-length, complete, and the next request ${reusesAfterHead ? 'reuses the socket' : 'succeeds'}`, { timeout: 10_000 }, async () => {
      const server = await http1((_req, res) => {
        res.setHeader('content-length', 5);
        res.end('hello'); // node:http writes no body for HEAD
      });
      const connection = open(server.url);
      const head = await send(connection, { path: '/', method: 'HEAD' });
      expectCompleted(head);
      expect(head.status).toBe(200);
      expect(head.header('content-length')).toEqual(['5']);
      expect(head.chunks).toEqual([]);
      const get = await send(connection, GET);
      expectCompleted(get);
      expect(get.body.toString()).toBe('hello');
      expect(server.requests.map((r) => r.method)).toEqual(['HEAD', 'GET']);
      if (reusesAfterHead) expect(server.requests[1].remotePort).toBe(server.requests[0].remotePort);
    });

    it('204: no body, complete, and the socket is reused', { timeout: 10_000 }, async () => {
      const server = await http1((req, res) => {
        if (req.url === '/empty') {
          res.statusCode = 204;
          res.end();
        } else {
          res.end('after');
        }
      });
      const connection = open(server.url);
      const empty = await send(connection, { path: '/empty', method: 'GET' });
      expectCompleted(empty);
      expect(empty.status).toBe(204);
      expect(empty.chunks).toEqual([]);
      const after = await send(connection, GET);
      expectCompleted(after);
      expect(after.body.toString()).toBe('after');
      expect(server.requests[1].remotePort).toBe(server.requests[0].remotePort);
    });

    /** A raw server answers the first request with `head` (a 304, no body) and the next with `next`: both complete, on one socket. */
    async function expectNotModifiedThenReused(head: string): Promise<void> {
      const target = await raw((socket, nth) => socket.write(nth === 0 ? head : 'HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nnext'));
      const connection = open(target.href);
      const notModified = await send(connection, GET);
      expectCompleted(notModified);
      expect(notModified.status).toBe(304);
      expect(notModified.chunks).toEqual([]);
      const next = await send(connection, GET);
      expectCompleted(next);
      expect(next.body.toString()).toBe('next');
      expect(target.connections).toBe(1);
    }

    it('304 without framing headers: no body (not read until close), and the socket is reused', { timeout: 10_000 }, () =>
      expectNotModifiedThenReused('HTTP/1.1 304 Not Modified\r\netag: "e1"\r\n\r\n'),
    );

    if ((options.contentLengthOn304 ?? 'ignored') === 'ignored') {
      it('304 with a content-length: no body, complete, and the socket is reused', { timeout: 10_000 }, () =>
        expectNotModifiedThenReused('HTTP/1.1 304 Not Modified\r\ncontent-length: 20\r\n\r\n'),
      );
    } else {
      it('304 with a content-length: fails as a content-length mismatch (protocol_error), and the next request succeeds', { timeout: 10_000 }, async () => {
        let requests = 0; // over all sockets: the failed one is closed
        const target = await raw((socket) => {
          socket.write(requests++ === 0 ? 'HTTP/1.1 304 Not Modified\r\ncontent-length: 20\r\n\r\n' : 'HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nnext');
        });
        const connection = open(target.href);
        expect(errorCodeOf(expectFailed(await send(connection, GET)))).toBe('protocol_error');
        const next = await send(connection, GET);
        expectCompleted(next);
        expect(next.body.toString()).toBe('next');
      });
    }

    it('keep-alive: 3 sequential requests share one socket', { timeout: 10_000 }, async () => {
      const server = await http1((req, res) => res.end(`reply ${req.url}`));
      const connection = open(server.url);
      for (const path of ['/1', '/2', '/3']) {
        const handler = await send(connection, { path, method: 'GET' });
        expectCompleted(handler);
        expect(handler.body.toString()).toBe(`reply ${path}`);
        // `connected` is optional (undici's Client cannot tell); where it is given it must be right.
        if (connection.connected !== undefined) expect(connection.connected).toBe(true);
      }
      expect(server.connections).toBe(1);
      expect(new Set(server.requests.map((r) => r.remotePort)).size).toBe(1);
    });

    it('carries a request dispatched from inside onComplete (as the pool does), on the same socket', { timeout: 10_000 }, async () => {
      const server = await http1((req, res) => res.end(`reply ${req.url}`));
      const connection = open(server.url);
      const second = new TestHandler();
      const first = new (class extends TestHandler {
        override onComplete(): void {
          super.onComplete();
          connection.dispatch({ path: '/2', method: 'GET' }, second);
        }
      })();
      connection.dispatch({ path: '/1', method: 'GET' }, first);
      await first.settled;
      await second.settled;
      await sleep(20);
      expectCompleted(first);
      expectCompleted(second);
      expect(first.body.toString()).toBe('reply /1');
      expect(second.body.toString()).toBe('reply /2');
      expect(server.connections).toBe(1);
    });

    it('carries a request dispatched from inside onComplete of a close-delimited response', { timeout: 10_000 }, async () => {
      const target = await raw((socket) => socket.end('HTTP/1.1 200 OK\r\n\r\nabc'));
      const connection = open(target.href);
      const second = new TestHandler();
      const first = new (class extends TestHandler {
        override onComplete(): void {
          super.onComplete();
          connection.dispatch(GET, second);
        }
      })();
      connection.dispatch(GET, first);
      await first.settled;
      await second.settled;
      await sleep(20);
      expectCompleted(first);
      expectCompleted(second);
      expect(second.body.toString()).toBe('abc');
    });

    it('carries a request dispatched from inside onError after an abort from onData', { timeout: 10_000 }, async () => {
      const server = await http1((req, res) => {
        if (req.url !== '/big') return void res.end('small');
        res.write('x'.repeat(100));
        setTimeout(() => !res.destroyed && res.end('y'.repeat(100)), 20);
      });
      const connection = open(server.url);
      const second = new TestHandler();
      const first = new (class extends TestHandler {
        override onError(error: Error): void {
          super.onError(error);
          connection.dispatch({ path: '/small', method: 'GET' }, second);
        }
      })((handler) => handler.abort!(new RequestAbort('body_too_large')));
      connection.dispatch({ path: '/big', method: 'GET' }, first);
      await first.settled;
      await second.settled;
      await sleep(40);
      expect(errorCodeOf(expectFailed(first))).toBe('body_too_large');
      expectCompleted(second);
      expect(second.body.toString()).toBe('small');
    });

    it('connection: close from the server: the response completes and the next request goes on a new socket', { timeout: 10_000 }, async () => {
      const server = await http1((req, res) => {
        if (req.url === '/close') res.setHeader('connection', 'close');
        res.end(`reply ${req.url}`);
      });
      const connection = open(server.url);
      const closing = await send(connection, { path: '/close', method: 'GET' });
      expectCompleted(closing);
      expect(closing.body.toString()).toBe('reply /close');
      // The pool reads this when the request is released: a closed connection goes below the open ones.
      if (connection.connected !== undefined) expect(connection.connected).toBe(false);
      const next = await send(connection, { path: '/next', method: 'GET' });
      expectCompleted(next);
      expect(next.body.toString()).toBe('reply /next');
      if (connection.connected !== undefined) expect(connection.connected).toBe(true);
      expect(server.connections).toBe(2);
      expect(server.requests[1].remotePort).not.toBe(server.requests[0].remotePort);
    });

    it('a body delimited by the server closing the connection is delivered whole', { timeout: 10_000 }, async () => {
      const target = await raw((socket) => socket.end('HTTP/1.1 200 OK\r\nx-test: eof\r\n\r\nabc'));
      const connection = open(target.href);
      const handler = await send(connection, GET);
      expectCompleted(handler);
      expect(handler.header('x-test')).toEqual(['eof']);
      expect(handler.body.toString()).toBe('abc');
      // And the Connection reconnects for the next one.
      const next = await send(connection, GET);
      expectCompleted(next);
      expect(next.body.toString()).toBe('abc');
      expect(target.connections).toBe(2);
    });

    if ((options.continue100 ?? 'skip') === 'skip') {
      it('skips a 100 Continue: the handler sees only the final 200 and its body', { timeout: 10_000 }, async () => {
        const target = await raw((socket) => socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'));
        const handler = await send(open(target.href), GET);
        expectCompleted(handler);
        expect(handler.statuses).toEqual([200]);
        expect(handler.body.toString()).toBe('ok');
      });
    } else {
      it('fails a request answered by an unsolicited 100 Continue (econnreset)', { timeout: 10_000 }, async () => {
        const target = await raw((socket) => socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'));
        const handler = await send(open(target.href), GET);
        expect(errorCodeOf(expectFailed(handler))).toBe('econnreset');
      });
    }

    it('a 103 Early Hints before the response: the final status is 200 and the body whole', { timeout: 10_000 }, async () => {
      const target = await raw((socket) => socket.write('HTTP/1.1 103 Early Hints\r\nlink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\nx-test: final\r\n\r\nok'));
      const handler = await send(open(target.href), GET);
      expectCompleted(handler);
      // Implementations may or may not pass the 1xx head on (undici does); the final one is what counts.
      expect(handler.statuses.filter((s) => s >= 200)).toEqual([200]);
      expect(handler.statuses.at(-1)).toBe(200);
      expect(handler.header('x-test')).toEqual(['final']);
      expect(handler.header('link')).toEqual([]);
      expect(handler.body.toString()).toBe('ok');
    });

    it('the server closing the socket mid-body: onError with econnreset, no onComplete', { timeout: 10_000 }, async () => {
      const target = await raw((socket) => {
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc');
        setTimeout(() => socket.destroy(), 20);
      });
      const handler = await send(open(target.href), GET);
      const error = expectFailed(handler);
      expect(errorCodeOf(error)).toBe('econnreset');
      expect(handler.body.toString()).toBe('abc');
    });

    it('the server closing the socket before any response: onError with econnreset', { timeout: 10_000 }, async () => {
      const target = await raw((socket) => socket.end());
      const handler = await send(open(target.href), GET);
      expect(errorCodeOf(expectFailed(handler))).toBe('econnreset');
    });

    it('connection refused: onError with econnrefused', { timeout: 10_000 }, async () => {
      const port = await closedPort();
      const handler = await send(open(new URL(`http://127.0.0.1:${port}`)), GET);
      const error = expectFailed(handler);
      expect(errorCodeOf(error)).toBe('econnrefused');
      expect(handler.statuses).toEqual([]);
    });

    it('a garbage response: onError with protocol_error', { timeout: 10_000 }, async () => {
      const target = await raw((socket) => socket.write('HELLO\r\n\r\n'));
      const handler = await send(open(target.href), GET);
      expect(errorCodeOf(expectFailed(handler))).toBe('protocol_error');
      expect(handler.statuses).toEqual([]);
    });

    it('an invalid chunk size: onError with protocol_error', { timeout: 10_000 }, async () => {
      const target = await raw((socket) => socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n'));
      const handler = await send(open(target.href), GET);
      expect(errorCodeOf(expectFailed(handler))).toBe('protocol_error');
    });

    it('conflicting content-lengths: onError with protocol_error', { timeout: 10_000 }, async () => {
      const target = await raw((socket) => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\nabc'));
      const handler = await send(open(target.href), GET);
      expect(errorCodeOf(expectFailed(handler))).toBe('protocol_error');
    });

    it('abort from onData: onError gets the reason (body_too_large), no onComplete, and the Connection carries the next request', { timeout: 10_000 }, async () => {
      const server = await http1((req, res) => {
        if (req.url !== '/big') return void res.end('small');
        res.write('x'.repeat(1000));
        setTimeout(() => {
          if (!res.destroyed) res.write('y'.repeat(1000));
          setTimeout(() => {
            if (!res.destroyed) res.end('z'.repeat(1000));
          }, 20);
        }, 20);
      });
      const connection = open(server.url);
      expectCompleted(await send(connection, { path: '/warm', method: 'GET' }));
      const aborting = new TestHandler((handler) => handler.abort!(new RequestAbort('body_too_large')));
      await send(connection, { path: '/big', method: 'GET' }, aborting);
      await sleep(60); // the rest of the body would have arrived by now
      const error = expectFailed(aborting);
      expect(error).toBeInstanceOf(RequestAbort);
      expect(errorCodeOf(error)).toBe('body_too_large');
      expect(aborting.events.filter((e) => e === 'data')).toHaveLength(1);
      const next = await send(connection, { path: '/small', method: 'GET' });
      expectCompleted(next);
      expect(next.body.toString()).toBe('small');
    });

    it('abort from onHeaders-time (before any body): onError with the reason, and the next request succeeds', { timeout: 10_000 }, async () => {
      const server = await http1((req, res) => {
        if (req.url === '/slow') return void res.flushHeaders(); // headers, then nothing
        res.end('fine');
      });
      const connection = open(server.url);
      const handler = new TestHandler();
      connection.dispatch({ path: '/slow', method: 'GET' }, handler);
      for (let i = 0; i < 200 && handler.statuses.length === 0; i++) await sleep(10);
      expect(handler.statuses).toEqual([200]);
      handler.abort!(new RequestAbort('timeout'));
      await handler.settled;
      await sleep(20);
      expect(errorCodeOf(expectFailed(handler))).toBe('timeout');
      const next = await send(connection, GET);
      expectCompleted(next);
      expect(next.body.toString()).toBe('fine');
    });

    it('abort from onConnect (before anything is read): onError with the reason, and the next request succeeds', { timeout: 10_000 }, async () => {
      const server = await http1((req, res) => res.end(`reply ${req.url}`));
      const connection = open(server.url);
      const aborting = new (class extends TestHandler {
        override onConnect(abort: (reason?: Error) => void): void {
          super.onConnect(abort);
          abort(new RequestAbort('timeout'));
        }
      })();
      await send(connection, { path: '/aborted', method: 'GET' }, aborting);
      expect(errorCodeOf(expectFailed(aborting))).toBe('timeout');
      expect(aborting.statuses).toEqual([]);
      const next = await send(connection, { path: '/next', method: 'GET' });
      expectCompleted(next);
      expect(next.body.toString()).toBe('reply /next');
    });

    it('abort while waiting for the head: the late answer to the aborted request never reaches the next request', { timeout: 10_000 }, async () => {
      const server = await http1((req, res) => {
        if (req.url === '/slow') setTimeout(() => !res.destroyed && res.end('late'), 100);
        else res.end('fast');
      });
      const connection = open(server.url);
      // A first request, so the aborted one goes on a socket that is idle, fresh and reusable.
      expectCompleted(await send(connection, { path: '/warm', method: 'GET' }));
      const slow = new TestHandler();
      connection.dispatch({ path: '/slow', method: 'GET' }, slow);
      for (let i = 0; i < 200 && server.requests.length === 1; i++) await sleep(5);
      slow.abort!(new RequestAbort('timeout'));
      await slow.settled;
      expect(errorCodeOf(expectFailed(slow))).toBe('timeout');
      const fast = await send(connection, { path: '/fast', method: 'GET' });
      await sleep(150); // past the late answer
      expectCompleted(fast);
      expect(fast.body.toString()).toBe('fast');
      expect(slow.chunks).toEqual([]);
    });

    it('bytes after a complete response (in the same write) are not taken as the next response', { timeout: 10_000 }, async () => {
      let requests = 0;
      const target = await raw((socket) => {
        const n = ++requests;
        socket.write(`HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n${n}${n}HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nstale`);
      });
      const connection = open(target.href);
      const first = await send(connection, GET);
      expectCompleted(first);
      expect(first.body.toString()).toBe('11');
      const second = await send(connection, GET);
      expectCompleted(second);
      expect(second.body.toString()).toBe('22');
      expect(target.connections).toBe(2);
    });

    it('unsolicited bytes on an idle connection are not taken as the next response', { timeout: 10_000 }, async () => {
      let requests = 0;
      const target = await raw((socket) => {
        const n = ++requests;
        socket.write(`HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n${n}${n}`);
        setTimeout(() => !socket.destroyed && socket.write('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nstale'), 30);
      });
      const connection = open(target.href);
      expectCompleted(await send(connection, GET));
      await sleep(100);
      const second = await send(connection, GET);
      expectCompleted(second);
      expect(second.body.toString()).toBe('22');
      expect(target.connections).toBe(2);
    });

    it('the server closed the idle keep-alive socket (keepAliveTimeout 50 ms): the next request still succeeds', { timeout: 10_000 }, async () => {
      const server = await http1((req, res) => res.end(`reply ${req.url}`), 50);
      const connection = open(server.url);
      expectCompleted(await send(connection, { path: '/1', method: 'GET' }));
      await sleep(200);
      const next = await send(connection, { path: '/2', method: 'GET' });
      expectCompleted(next);
      expect(next.body.toString()).toBe('reply /2');
      expect(server.connections).toBe(2);
    });

    it('the server silently closed the idle socket (no keep-alive timeout announced): the next request still succeeds', { timeout: 10_000 }, async () => {
      const target = await raw((socket) => {
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
        setTimeout(() => socket.end(), 50);
      });
      const connection = open(target.href);
      expectCompleted(await send(connection, GET));
      await sleep(200);
      const next = await send(connection, GET);
      expectCompleted(next);
      expect(next.body.toString()).toBe('ok');
      expect(target.connections).toBe(2);
    });

    it('destroy() while a request waits for a slow server: onError, and the promise resolves', { timeout: 10_000 }, async () => {
      let received = false;
      const server = await http1(() => {
        received = true; // and never answer
      });
      const connection = open(server.url);
      const handler = new TestHandler();
      connection.dispatch({ path: '/', method: 'GET' }, handler);
      for (let i = 0; i < 200 && !received; i++) await sleep(10);
      expect(received).toBe(true);
      await connection.destroy();
      await handler.settled;
      await sleep(20);
      const error = expectFailed(handler);
      expect(ERROR_CODES).toContain(errorCodeOf(error));
    });

    it('a request after destroy() ends with onError (client_closed)', { timeout: 10_000 }, async () => {
      const server = await http1((_req, res) => res.end('ok'));
      const connection = open(server.url);
      expectCompleted(await send(connection, GET));
      await connection.destroy();
      const after = await send(connection, GET);
      expect(errorCodeOf(expectFailed(after))).toBe('client_closed');
      expect(server.requests).toHaveLength(1);
    });

    it('a header value with CR/LF is refused with onError, and nothing is injected into the request', { timeout: 10_000 }, async () => {
      const server = await http1((_req, res) => res.end('ok'));
      const connection = open(server.url);
      const refused = await send(connection, { path: '/', method: 'GET', headers: { 'x-test': 'a\r\nx-injected: 1' } });
      expectFailed(refused);
      expect(server.requests.filter((r) => r.headers['x-injected'] !== undefined)).toEqual([]);
      // The Connection still works.
      expectCompleted(await send(connection, GET));
      expect(server.requests.map((r) => r.headers['x-injected'])).toEqual([undefined]);
    });

    it('close() after a request resolves and closes the socket', { timeout: 10_000 }, async () => {
      let serverSawClose = false;
      const target = await raw((socket) => {
        socket.once('close', () => (serverSawClose = true));
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
      });
      const connection = open(target.href);
      expectCompleted(await send(connection, GET));
      expect(serverSawClose).toBe(false);
      await connection.close();
      for (let i = 0; i < 200 && !serverSawClose; i++) await sleep(10);
      expect(serverSawClose).toBe(true);
    });
  });
}
