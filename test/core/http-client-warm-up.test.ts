import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient, type Exchange } from '../../src/core/http-client.js';
import { systemClock } from '../../src/core/monotonic-clock.js';
import { noTokenProvider } from '../../src/core/ports/token-provider.js';
import { onEachRequest, startRawTarget, type RawTarget } from '../helpers/raw-target.js';

let target: RawTarget | undefined;
let client: HttpClient | undefined;
afterEach(async () => {
  await client?.destroy();
  await target?.close();
  client = target = undefined;
});

describe.each(['lean', 'undici'] as const)('HttpClient.warmUp (%s connections)', (httpClient) => {
  it('connects before any request, up to the connection limit, and the load then opens no other connection', { timeout: 10_000 }, async () => {
    let requests = 0;
    target = await startRawTarget((socket) =>
      onEachRequest(socket, () => {
        requests++;
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
      }),
    );
    const done: Exchange[] = [];
    let allDone!: () => void;
    const finished = new Promise<void>((resolve) => (allDone = resolve));
    client = new HttpClient({
      url: target.url,
      method: 'GET',
      headers: {},
      timeoutMs: 2000,
      connections: 4,
      maxResponseBytes: 1 << 20,
      httpClient,
      tokenProvider: noTokenProvider,
      clock: systemClock,
      onDone: (exchange) => {
        done.push(exchange);
        if (done.length === 4) allDone();
      },
    });
    await client.warmUp(10);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect({ connections: target.connections, requests }).toEqual({ connections: 4, requests: 0 });
    for (let seq = 0; seq < 4; seq++) client.send(seq, systemClock.nowUs(), systemClock.nowUs(), 0);
    await finished;
    expect(done.map((e) => `${e.status}${e.errorCode}`)).toEqual(['200', '200', '200', '200']);
    expect({ connections: target.connections, requests }).toEqual({ connections: 4, requests: 4 });
  });
});
