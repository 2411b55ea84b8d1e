/**
 * Test helper: a loopback TCP relay in front of a server (e.g. PostgreSQL), to take one client's
 * connection to it away: `stall()` keeps every connection open but delivers nothing more (a network
 * partition: requests hang), `cut()` drops every connection and refuses new ones (the server looks
 * down). Other clients that connect to the server directly are not affected.
 * @module
 */
import net from 'node:net';

/** A running relay. */
export interface TcpRelay {
  /** The relay's port on 127.0.0.1. */
  readonly port: number;
  /** From now on, bytes in either direction are dropped and new connections get no reply. */
  stall(): void;
  /** Destroys every connection now and every new one as it arrives. */
  cut(): void;
  /** Lets new connections through again (after `cut`: the server is back). */
  resume(): void;
  /** Closes the relay and every connection. */
  close(): Promise<void>;
}

/** Starts a relay on 127.0.0.1 (a free port) to `target`. */
export async function startTcpRelay(target: { host: string; port: number }): Promise<TcpRelay> {
  let mode: 'pass' | 'stall' | 'cut' = 'pass';
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  };
  const server = net.createServer((client) => {
    track(client);
    if (mode === 'cut') return void client.destroy();
    if (mode === 'stall') return;
    const upstream = net.connect(target.port, target.host);
    track(upstream);
    // Forwarded by hand (not pipe) so that stall() can drop what is already flowing.
    const forward = (from: net.Socket, to: net.Socket): void => {
      from.on('data', (chunk: Buffer) => {
        if (mode === 'pass') to.write(chunk);
      });
      from.on('close', () => {
        if (mode === 'pass') to.destroy();
      });
    };
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    stall: () => {
      mode = 'stall';
    },
    cut: () => {
      mode = 'cut';
      for (const socket of sockets) socket.destroy();
    },
    resume: () => {
      mode = 'pass';
    },
    close: () =>
      new Promise<void>((resolve) => {
        mode = 'cut';
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
