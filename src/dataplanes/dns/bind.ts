/**
 * Binds the UDP socket and the TCP listener of the DNS server to one
 * address and, when possible, one port number: resolvers retry a truncated
 * UDP answer over TCP on the same port, so the two must match.
 * @module
 */
import type dgram from 'node:dgram';
import type net from 'node:net';
import { DnsServerError } from './errors.ts';

/** The bound pair and the ports they got. */
export interface BoundSockets {
  readonly udp: dgram.Socket;
  readonly udpPort: number;
  readonly tcpPort: number;
}

function bindUdp(socket: dgram.Socket, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      socket.off('listening', onListening);
      reject(err);
    };
    const onListening = (): void => {
      socket.off('error', onError);
      resolve();
    };
    socket.once('error', onError);
    socket.once('listening', onListening);
    socket.bind({ address, port });
  });
}

function listenTcp(server: net.Server, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host: address, port, exclusive: true });
  });
}

function closeUdp(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // never bound: nothing to close
    }
  });
}

function errorCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

function bindError(address: string, port: number, err: unknown): DnsServerError {
  const why = err instanceof Error ? err.message : String(err);
  return new DnsServerError('LINTAS_ERR_DNS_BIND', address, port, `cannot bind DNS on ${address}:${port}: ${why}`, {
    cause: err,
  });
}

/**
 * Binds UDP first, then TCP on the port UDP got. With port 0 the ephemeral
 * UDP port may already be taken for TCP, so it retries with a fresh UDP
 * socket up to `attempts` times, then settles for different numbers
 * (reported through `onSplit`) rather than not starting at all.
 */
export async function bindSamePort(
  createUdp: () => dgram.Socket,
  tcp: net.Server,
  address: string,
  port: number,
  attempts: number,
  onSplit: (udpPort: number, tcpPort: number) => void,
): Promise<BoundSockets> {
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const udp = createUdp();
    try {
      await bindUdp(udp, address, port);
    } catch (err) {
      await closeUdp(udp);
      throw bindError(address, port, err);
    }
    const udpPort = udp.address().port;
    try {
      await listenTcp(tcp, address, udpPort);
      return { udp, udpPort, tcpPort: udpPort };
    } catch (err) {
      await closeUdp(udp);
      if (port !== 0 || errorCode(err) !== 'EADDRINUSE') throw bindError(address, port, err);
    }
  }
  const udp = createUdp();
  try {
    await bindUdp(udp, address, 0);
    await listenTcp(tcp, address, 0);
  } catch (err) {
    await closeUdp(udp);
    throw bindError(address, port, err);
  }
  const udpPort = udp.address().port;
  const addr = tcp.address();
  const tcpPort = typeof addr === 'object' && addr !== null ? addr.port : 0;
  onSplit(udpPort, tcpPort);
  return { udp, udpPort, tcpPort };
}
