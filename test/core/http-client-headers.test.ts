import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient, type Exchange } from '../../src/core/http-client.js';
import { systemClock } from '../../src/core/monotonic-clock.js';
import { noTokenProvider } from '../../src/core/ports/token-provider.js';
import { onEachRequest, startRawTarget, type RawTarget } from '../helpers/raw-target.js';

let target: RawTarget | undefined;
afterEach(async () => {
  await target?.close();
  target = undefined;
});

/** A target that answers every request with these exact bytes (header names as a real server may case them). */
async function answering(response: string): Promise<RawTarget> {
  return startRawTarget((socket) => onEachRequest(socket, () => socket.write(response)));
}

/** Sends one request and resolves with its exchange once it ends. */
function exchangeWith(url: string, options: { readsRetryAfter?: boolean } = {}): Promise<Exchange> {
  return new Promise((resolve) => {
    const client = new HttpClient({
      url,
      method: 'GET',
      headers: {},
      timeoutMs: 2000,
      connections: 1,
      maxResponseBytes: 1 << 20,
      readsRetryAfter: options.readsRetryAfter,
      tokenProvider: noTokenProvider,
      clock: systemClock,
      onDone: (exchange) => void client.close().then(() => resolve(exchange)),
    });
    client.send(0, systemClock.nowUs(), systemClock.nowUs(), 0);
  });
}

describe('HttpClient reads response headers by name, whatever their case', () => {
  it('records the first deployment header and ignores headers it does not read', async () => {
    target = await answering(
      'HTTP/1.1 200 OK\r\nServer: test\r\nX-Request-Id: 42\r\nAzureML-Model-Deployment: green\r\nazureml-model-deployment: blue\r\nContent-Length: 2\r\n\r\n{}',
    );
    const exchange = await exchangeWith(`${target.url}/score`);
    expect({ status: exchange.status, errorCode: exchange.errorCode, deployment: exchange.deployment, bytesIn: exchange.bytesIn }).toEqual({
      status: 200,
      errorCode: '',
      deployment: 'green',
      bytesIn: 2,
    });
  });

  it('reads Retry-After-Ms before Retry-After on a 429 when retries are on, and neither when they are off', async () => {
    const throttled = 'HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nRETRY-AFTER-MS: 250\r\nContent-Length: 0\r\n\r\n';
    target = await answering(throttled);
    expect((await exchangeWith(target.url, { readsRetryAfter: true })).retryAfterMs).toBe(250);
    expect((await exchangeWith(target.url)).retryAfterMs).toBe(-1);
    await target.close();
    target = await answering('HTTP/1.1 503 Service Unavailable\r\nRetry-After: 3\r\nContent-Length: 0\r\n\r\n');
    expect((await exchangeWith(target.url, { readsRetryAfter: true })).retryAfterMs).toBe(3000);
  });

  it('parses a stream announced by Content-Type: text/event-stream as tokens', async () => {
    const events = 'data: {"choices":[{"delta":{"content":"a"}}]}\n\ndata: {"choices":[{"delta":{"content":"b"}}]}\n\ndata: [DONE]\n\n';
    target = await answering(`HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(events)}\r\n\r\n${events}`);
    const exchange = await exchangeWith(target.url);
    expect(exchange.errorCode).toBe('');
    expect(exchange.sse).not.toBeNull();
    expect(exchange.contentChunks).toBe(2);
  });
});
