import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoopbackServer {
  url: string;
  port: number;
  /** Requests received so far. */
  readonly count: number;
  close(): Promise<void>;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, seq: number) => void;

/** A real HTTP server on 127.0.0.1 and a free port, for targets whose behaviour a test knows. */
export async function startLoopbackServer(handler: Handler): Promise<LoopbackServer> {
  let count = 0;
  const server = http.createServer((req, res) => {
    const seq = count++;
    req.resume();
    req.on('end', () => handler(req, res, seq));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get count() {
      return count;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const okHandler: Handler = (_req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end('{"ok":true}');
};
