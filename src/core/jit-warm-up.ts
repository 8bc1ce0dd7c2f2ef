import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpClient } from './http-client.js';
import type { MonotonicClock } from './monotonic-clock.js';
import { ConstantPacer } from './pacers/constant-pacer.js';
import { noTokenProvider } from './ports/token-provider.js';
import { Scheduler } from './scheduler.js';
import { SliceRecorder } from './slice-recorder.js';

/**
 * Warms the JIT before a fast slice starts. A fresh process runs the send path — scheduler, undici's
 * dispatch and parser, recording — in the interpreter at first, several times slower: at thousands of
 * requests per second the first few hundred milliseconds fall behind by tens of milliseconds. So before
 * the start, the very same code runs against a sink on 127.0.0.1 in this process (never the target, which
 * sees no extra request); its measurements are thrown away.
 */
export async function warmUpJit(clock: MonotonicClock, untilUs: number, rps: number): Promise<void> {
  const budgetUs = untilUs - clock.nowUs() - 20_000;
  if (budgetUs < 100_000) return;
  const durationUs = Math.min(budgetUs, 600_000);
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('{"ok":true}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const recorder = new SliceRecorder(0, 0, null);
  const scheduler = new Scheduler({
    pacer: new ConstantPacer(Math.min(rps, 20_000), durationUs),
    worker: 0,
    workers: 1,
    originUs: clock.nowUs() + 1000,
    maxInFlight: 256,
    recorder,
    clock,
  });
  const client = new HttpClient({
    url: `http://127.0.0.1:${port}/`,
    method: 'POST',
    headers: {},
    timeoutMs: 2000,
    connections: 32,
    maxResponseBytes: 1024,
    tokenProvider: noTokenProvider,
    clock,
    onDone: (exchange) => scheduler.onDone(exchange),
  });
  try {
    await scheduler.run(client);
  } finally {
    await client.destroy();
    server.closeAllConnections();
    server.close();
  }
}
