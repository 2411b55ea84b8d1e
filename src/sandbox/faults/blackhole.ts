/**
 * A partitioned gateway for `lintas fault cluster NAME partition` (issue 7):
 * once the cluster's own gateway has let go of its address, a listener on the
 * same address accepts connections and never answers, so clients see
 * timeouts, not refusals, as they would behind a network partition. `heal`
 * closes it (held connections are dropped) before the gateway comes back.
 * @module
 */
import net from 'node:net';

/** A bound blackhole. */
export interface Blackhole {
  /** Connections accepted so far (and left unanswered). */
  accepted(): number;
  close(): Promise<void>;
}

/** Stable error of {@link startBlackhole}. */
export class BlackholeError extends Error {
  /** Stable code: the address stayed in use for the whole wait. */
  readonly code = 'BLACKHOLE_ADDRESS_IN_USE';
  constructor(address: string, port: number, waitedMs: number) {
    super(`cannot partition ${address}:${String(port)}: the address was still in use after ${String(waitedMs)} ms`);
    this.name = 'BlackholeError';
  }
}

function listenOnce(server: net.Server, host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      resolve(error);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve(undefined);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port, exclusive: true });
  });
}

/**
 * Binds `host:port` and holds every connection without reading or answering. The gateway being
 * taken down may still hold the address for its drain grace, so EADDRINUSE is retried for `waitMs`.
 */
export async function startBlackhole(host: string, port: number, waitMs = 5000): Promise<Blackhole> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer({ pauseOnConnect: true }, (socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  const deadline = Date.now() + waitMs;
  for (;;) {
    const error = await listenOnce(server, host, port);
    if (error === undefined) break;
    if (error.code !== 'EADDRINUSE' || Date.now() > deadline) {
      if (error.code === 'EADDRINUSE') throw new BlackholeError(host, port, waitMs);
      throw error;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    accepted: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
