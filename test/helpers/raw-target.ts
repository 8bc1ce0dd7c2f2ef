import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface RawTarget {
  url: string;
  port: number;
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** Bytes written to clients so far. */
  readonly bytesWritten: number;
  close(): Promise<void>;
}

/**
 * A TCP server on 127.0.0.1 that does whatever `onConnection` does with each socket: the raw target
 * faults an HTTP server cannot produce (garbage, resets, silence). Every socket is destroyed on close.
 */
export async function startRawTarget(onConnection: (socket: net.Socket, stats: { written: (n: number) => void }) => void): Promise<RawTarget> {
  let connections = 0;
  let bytesWritten = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onConnection(socket, { written: (n) => (bytesWritten += n) });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get connections() {
      return connections;
    },
    get bytesWritten() {
      return bytesWritten;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Reads one request head (up to the blank line) from the socket, then calls `then` once per request. */
export function onEachRequest(socket: net.Socket, then: () => void): void {
  let buffered = '';
  socket.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('latin1');
    for (;;) {
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buffered.slice(0, end);
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      buffered = buffered.slice(end + 4 + length);
      then();
    }
  });
}

/** A port nobody listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
