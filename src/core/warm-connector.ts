import type { Socket } from 'node:net';
import type { buildConnector } from 'undici';

/**
 * Opens sockets before a slice starts for connections that cannot connect ahead themselves (undici's
 * Client; the lean Http1Connection opens its own, see Connection.open), so the first second is not
 * spent connecting. Without it, a high rate that starts at once opens one connection per early
 * request, each costing more than a request; the event loop falls behind, more requests come due,
 * more connections open — a storm that shows as schedule lag. Warm sockets are handed to the pool as it
 * grows; dead ones (closed by the server while idle) are dropped, and the pool connects as usual once
 * they run out.
 */
export class WarmConnector {
  private readonly warm: Socket[] = [];
  private closed = false;

  constructor(
    private readonly base: buildConnector.connector,
    private readonly target: buildConnector.Options,
  ) {}

  /** The connector to give undici. */
  readonly connect: buildConnector.connector = (options, callback) => {
    while (this.warm.length > 0) {
      const socket = this.warm.pop()!;
      if (!socket.destroyed && !socket.readableEnded && socket.writable) {
        socket.removeAllListeners('close');
        socket.removeAllListeners('end');
        socket.removeAllListeners('error');
        process.nextTick(() => callback(null, socket));
        return;
      }
      socket.destroy();
    }
    this.base(options, callback);
  };

  /** Opens up to `count` sockets; failures are ignored (the pool will connect, and fail, on its own). */
  warmUp(count: number): Promise<void> {
    const opening = Array.from(
      { length: count },
      () =>
        new Promise<void>((resolve) => {
          this.base(this.target, (error, socket) => {
            if (error || !socket) return resolve();
            if (this.closed) {
              socket.destroy();
              return resolve();
            }
            const drop = () => {
              const i = this.warm.indexOf(socket);
              if (i >= 0) this.warm.splice(i, 1);
              socket.destroy();
            };
            socket.once('close', drop);
            socket.once('end', drop);
            socket.on('error', drop);
            this.warm.push(socket);
            resolve();
          });
        }),
    );
    return Promise.all(opening).then(() => undefined);
  }

  /** Sockets opened and not yet used. */
  get idle(): number {
    return this.warm.length;
  }

  close(): void {
    this.closed = true;
    for (const socket of this.warm.splice(0)) socket.destroy();
  }
}
