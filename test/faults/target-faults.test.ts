/**
 * Target faults: each ends as data with a stable error code while the slice goes on sending its
 * planned hits on schedule. Raw cases use a loopback TCP server that misbehaves on purpose.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { executeSlice } from '../../src/core/execute-slice.js';
import { planSchema } from '../../src/core/plan.js';
import { planSlices } from '../../src/core/slice.js';
import { MemoryRawWriter } from '../helpers/memory-raw-writer.js';
import { closedPort, onEachRequest, startRawTarget, type RawTarget } from '../helpers/raw-target.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function raw(onConnection: Parameters<typeof startRawTarget>[0]): Promise<RawTarget> {
  const target = await startRawTarget(onConnection);
  cleanups.push(() => target.close());
  return target;
}

/** Runs one slice of `rps` for `seconds` against url; returns the outcome and the raw rows. */
async function hit(url: string, options: { rps?: number; seconds?: number; timeoutMs?: number; maxResponseBytes?: number } = {}) {
  const plan = planSchema.parse({
    name: 'faults',
    target: { url, method: 'GET', timeoutMs: options.timeoutMs ?? 2000, ...(options.maxResponseBytes !== undefined ? { maxResponseBytes: options.maxResponseBytes } : {}) },
    load: { model: 'constant', rps: options.rps ?? 20, duration: options.seconds ?? 1 },
  });
  const [slice] = planSlices('20260101T000000Z-aaaaaaaaaaaaaaaaaaaa', plan, 1, Date.now() + 50);
  const writer = new MemoryRawWriter();
  const outcome = await executeSlice(slice, plan, { rawWriter: writer });
  return { outcome, counts: outcome.aggregate.counts, errorsByCode: outcome.aggregate.errorsByCode, rows: writer.samples() };
}

/**
 * Every planned hit was sent (the run went on), each failed with `code`, and the raw rows say so.
 * `status` is 0 when no response head came, else the status of the head that came before the failure.
 */
function expectAll(result: Awaited<ReturnType<typeof hit>>, code: string, planned: number, status = 0) {
  expect(result.outcome.status).toBe('done');
  expect(result.counts).toMatchObject({ planned, sent: planned, errors: planned, ok: 0, dropped: 0, completed: status === 0 ? 0 : planned });
  expect(result.errorsByCode).toEqual({ [code]: planned });
  expect(result.rows).toHaveLength(planned);
  expect(result.rows.filter((r) => r.errorCode !== code || r.status !== status)).toEqual([]);
}

describe('target faults are classified with stable error codes, and the run goes on', () => {
  it('connection refused → econnrefused', async () => {
    const port = await closedPort();
    expectAll(await hit(`http://127.0.0.1:${port}/score`), 'econnrefused', 20);
  });

  it('reset in the middle of the body → econnreset', async () => {
    const requestsPerConnection: number[] = [];
    const target = await raw((socket) => {
      const connection = requestsPerConnection.push(0) - 1;
      onEachRequest(socket, () => {
        requestsPerConnection[connection]++;
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"predictions": [0.1, 0.2');
        setTimeout(() => socket.resetAndDestroy(), 20);
      });
    });
    const result = await hit(`${target.url}/score`);
    expectAll(result, 'econnreset', 20, 200);
    // A dead connection is never reused: 20 requests on 20 connections (others opened ahead stay idle).
    expect(requestsPerConnection.filter((n) => n > 0)).toEqual(Array(20).fill(1));
  });

  it('a server closing the connection mid-body (FIN, no RST) → econnreset too', async () => {
    const target = await raw((socket) =>
      onEachRequest(socket, () => {
        socket.end('HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n{"partial":');
      }),
    );
    expectAll(await hit(`${target.url}/score`), 'econnreset', 20, 200);
  });

  it('slower than the timeout → timeout, measured at the timeout', async () => {
    const server = http.createServer((_req, res) => {
      setTimeout(() => res.end('{}'), 1500).unref();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
    const result = await hit(`http://127.0.0.1:${(server.address() as AddressInfo).port}/score`, { rps: 10, timeoutMs: 300 });
    expectAll(result, 'timeout', 10);
    const latenciesMs = result.rows.map((r) => r.latencyUs / 1000);
    expect(Math.min(...latenciesMs)).toBeGreaterThanOrEqual(290);
    expect(Math.max(...latenciesMs)).toBeLessThan(600);
  });

  it('accepts TCP but never answers → timeout', async () => {
    const target = await raw(() => {
      /* reads nothing, writes nothing */
    });
    const result = await hit(`${target.url}/score`, { rps: 10, timeoutMs: 300 });
    expectAll(result, 'timeout', 10);
  });

  it('malformed HTTP → protocol_error', async () => {
    const target = await raw((socket) => onEachRequest(socket, () => socket.write('THIS IS NOT HTTP\r\n\r\n')));
    expectAll(await hit(`${target.url}/score`), 'protocol_error', 20);
  });

  it('a bad content-length → protocol_error', async () => {
    const target = await raw((socket) => onEachRequest(socket, () => socket.write('HTTP/1.1 200 OK\r\ncontent-length: twelve\r\n\r\n{}')));
    expectAll(await hit(`${target.url}/score`), 'protocol_error', 20);
  });

  it('TLS to a plain-HTTP port → tls', async () => {
    const server = http.createServer((_req, res) => res.end('{}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
    expectAll(await hit(`https://127.0.0.1:${(server.address() as AddressInfo).port}/score`, { rps: 10 }), 'tls', 10);
  });

  for (const framing of ['content-length', 'chunked'] as const) {
    it(`a 1 GB response (${framing}) → body_too_large: the read stops at the cap, memory stays low`, async () => {
      const GiB = 1024 * 1024 * 1024;
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const target = await raw((socket, stats) =>
        onEachRequest(socket, () => {
          socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\n${framing === 'chunked' ? 'transfer-encoding: chunked' : `content-length: ${GiB}`}\r\n\r\n`);
          let sent = 0;
          const pump = () => {
            while (sent < GiB && !socket.destroyed) {
              const piece = framing === 'chunked' ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]) : chunk;
              sent += chunk.length;
              stats.written(chunk.length);
              if (!socket.write(piece)) return void socket.once('drain', pump);
            }
          };
          pump();
        }),
      );
      const rssBefore = process.memoryUsage().rss;
      let rssPeak = rssBefore;
      const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 10);
      try {
        const result = await hit(`${target.url}/big`, { rps: 4, seconds: 1, timeoutMs: 20_000, maxResponseBytes: 10 * 1024 * 1024 });
        expectAll(result, 'body_too_large', 4, 200);
        // Each read stopped just past the cap (10 MiB + one chunk), never the whole GiB.
        expect(result.rows.every((r) => r.bytesIn > 10 * 1024 * 1024 && r.bytesIn < 11 * 1024 * 1024)).toBe(true);
      } finally {
        clearInterval(sampler);
      }
      // The server stopped writing soon after the cap (socket buffers hold a few MiB more at most).
      expect(target.bytesWritten).toBeLessThan(4 * 40 * 1024 * 1024);
      expect(rssPeak - rssBefore).toBeLessThan(150 * 1024 * 1024);
    });
  }
});
