/**
 * The authoritative ClusterSet DNS server: UDP and TCP listeners on one
 * address and port, answering from whatever index `getIndex()` returns at
 * the moment each query arrives, so a new zone version takes effect on the
 * next query without a restart. TCP connections are bounded per source and
 * overall, and by deadlines that incoming bytes do not extend (tcp.ts,
 * tcp-limits.ts), so slow clients cannot lock resolvers out of TCP. Names in a public
 * (GSLB) zone are answered from `getPublic()` with the client's address (ECS or source).
 * @module
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type { Logger } from '../../observability/index.ts';
import { bindSamePort } from './bind.ts';
import { DnsCounters, type DnsServerStats } from './stats.ts';
import { serveTcpConnection } from './tcp.ts';
import type { PublicDnsIndex } from './public-index.ts';
import { TcpConnectionTable } from './tcp-limits.ts';
import { answerMessage, type DnsQueryEvent, type DnsTransport, type WireContext } from './wire.ts';
import type { DnsIndex } from './zone-index.ts';

/** Options of {@link startDnsServer}. */
export interface DnsServerOptions {
  /** IP literal to bind, e.g. `127.0.0.1` or `::`. */
  readonly address: string;
  /** Port for both UDP and TCP; 0 picks an ephemeral one. */
  readonly port: number;
  /** The current zone index; called on every query, so it must be cheap and must not throw. */
  readonly getIndex: () => DnsIndex;
  /** The public (GSLB) zones now; called on every query like `getIndex`. Absent: no public zones. */
  readonly getPublic?: () => PublicDnsIndex;
  readonly log: Logger;
  /** Called after every answered query (metrics hook); exceptions are logged and ignored. */
  readonly onQuery?: (event: DnsQueryEvent) => void;
  /** A TCP connection with no message in progress is closed after this long (default 10 s). */
  readonly tcpIdleTimeoutMs?: number;
  /** A TCP message must be complete this long after its first byte, or the connection is closed (default 3 s). */
  readonly tcpMessageTimeoutMs?: number;
  /** Concurrent TCP connections; at the cap the least recently active one is evicted for a new one (default 1024). */
  readonly maxTcpConnections?: number;
  /** Concurrent TCP connections per source (IPv4 address, IPv6 /64); past it new ones are refused (default 32). */
  readonly maxTcpConnectionsPerSource?: number;
}

/** A running DNS server. */
export interface DnsServer {
  readonly udpPort: number;
  readonly tcpPort: number;
  /** Stops both listeners and drops open TCP connections. Idempotent. */
  close(): Promise<void>;
  /** A copy of the query counters. */
  stats(): DnsServerStats;
}

const DEFAULT_TCP_IDLE_MS = 10_000;
// A real client writes a query in one segment; seconds leave room for slow links, not for drip-feeding.
const DEFAULT_TCP_MESSAGE_MS = 3_000;
const DEFAULT_MAX_TCP_CONNECTIONS = 1024;
const DEFAULT_MAX_TCP_PER_SOURCE = 32;
// How many fresh ephemeral UDP ports we try before accepting a TCP port that differs.
const SAME_PORT_ATTEMPTS = 5;

/** Starts the DNS server; resolves once both UDP and TCP are bound. */
export async function startDnsServer(options: DnsServerOptions): Promise<DnsServer> {
  const log = options.log.child({ component: 'dns' });
  const counters = new DnsCounters();

  // Whatever happens in here, a query must never take the process down:
  // the worst case is one unanswered query and an error line.
  // Weighted draws and the round-robin rotation: the only per-query state of the public zones.
  let rotation = 0;
  const draw = (): number => Math.random();
  const rotate = (): number => (rotation = (rotation + 1) % 1_000_000);
  const handle = (msg: Buffer, transport: DnsTransport, source: string | undefined): Buffer | undefined => {
    try {
      const context: WireContext = options.getPublic === undefined ? {} : { publicIndex: options.getPublic(), ...(source !== undefined ? { source } : {}), draw, rotate };
      const result = answerMessage(msg, transport, options.getIndex(), context);
      if (result.kind === 'malformed') {
        counters.malformed();
        return undefined;
      }
      if (result.error !== undefined) {
        log.error('dns answer could not be encoded', { err: String(result.error) });
      }
      counters.record(result.event);
      if (options.onQuery !== undefined) {
        try {
          options.onQuery(result.event);
        } catch (err) {
          log.warn('dns onQuery hook failed', { err: String(err) });
        }
      }
      return result.reply;
    } catch (err) {
      log.error('dns query handling failed', { err: String(err) });
      return undefined;
    }
  };

  const sockets = new Set<net.Socket>();
  const table = new TcpConnectionTable<net.Socket>({
    total: options.maxTcpConnections ?? DEFAULT_MAX_TCP_CONNECTIONS,
    perSource: options.maxTcpConnectionsPerSource ?? DEFAULT_MAX_TCP_PER_SOURCE,
  });
  let closing: Promise<void> | undefined;
  const tcp = net.createServer((socket) => {
    // A connection accepted while closing would hold server.close() open.
    if (closing !== undefined) {
      socket.destroy();
      return;
    }
    const admission = table.admit(socket.remoteAddress);
    if (admission.kind === 'refuse') {
      counters.tcpRefused();
      log.debug('dns tcp connection refused: per-source limit', { source: admission.source });
      socket.destroy();
      return;
    }
    if (admission.evict !== undefined) {
      counters.tcpEvicted();
      table.remove(admission.evict);
      admission.evict.destroy();
    }
    sockets.add(socket);
    table.add(socket, admission.source);
    socket.once('close', () => {
      sockets.delete(socket);
      table.remove(socket);
    });
    serveTcpConnection(socket, {
      idleTimeoutMs: options.tcpIdleTimeoutMs ?? DEFAULT_TCP_IDLE_MS,
      messageTimeoutMs: options.tcpMessageTimeoutMs ?? DEFAULT_TCP_MESSAGE_MS,
      handle: (msg) => handle(msg, 'tcp', socket.remoteAddress),
      onMessage: () => table.touch(socket),
      onTimeout: (why) => counters.tcpTimedOut(why),
      log,
    });
  });

  // The message handler is attached at creation so no datagram that arrives
  // while TCP is still binding finds the socket without a listener.
  const createUdp = (): dgram.Socket => {
    const udp = dgram.createSocket({ type: net.isIPv6(options.address) ? 'udp6' : 'udp4' });
    udp.on('message', (msg, rinfo) => {
      const reply = handle(msg, 'udp', rinfo.address);
      if (reply === undefined) return;
      udp.send(reply, rinfo.port, rinfo.address, (err) => {
        if (err) log.debug('dns udp send failed', { err: err.message, to: rinfo.address });
      });
    });
    return udp;
  };

  const { udp, udpPort, tcpPort } = await bindSamePort(
    createUdp,
    tcp,
    options.address,
    options.port,
    SAME_PORT_ATTEMPTS,
    (u, t) => log.warn('dns udp and tcp ports differ', { udpPort: u, tcpPort: t }),
  );
  // Errors after binding (e.g. ICMP-induced send failures) are logged; an
  // 'error' event without a listener would crash the process.
  udp.on('error', (err) => log.warn('dns udp socket error', { err: err.message }));
  tcp.on('error', (err) => log.warn('dns tcp listener error', { err: err.message }));
  log.info('dns server listening', { address: options.address, udpPort, tcpPort });

  const close = (): Promise<void> => {
    closing ??= Promise.all([
      new Promise<void>((resolve) => udp.close(() => resolve())),
      new Promise<void>((resolve) => {
        tcp.close(() => resolve());
        // server.close() waits for open connections; idle keep-alive clients
        // would hold shutdown hostage, so drop them.
        for (const socket of sockets) socket.destroy();
      }),
    ]).then(() => undefined);
    return closing;
  };

  return { udpPort, tcpPort, close, stats: () => counters.snapshot(table.size) };
}
