/**
 * The east-west TCP proxy: listens on ClusterSetIP ports that do not speak HTTP
 * and splices each connection to an imported endpoint chosen by the upstream set
 * (locality relative to the client's cluster, health, ejection). A connect failure
 * is retried on another endpoint before the client notices; once connected, bytes
 * flow untouched. Config swaps keep established connections.
 * @module
 */
import net from 'node:net';
import type { TcpListenerIR } from '../../ir/index.ts';
import type { Logger } from '../../observability/index.ts';
import { compileEntrySources, type EntryLocality } from '../entry-locality.ts';
import type { EndpointRef, UpstreamSet } from '../gateway/upstream/index.ts';

/** Options of {@link createTcpProxy}. */
export interface TcpProxyOptions {
  readonly log: Logger;
  readonly upstreams: UpstreamSet;
  /** Per-attempt connect timeout (default 2000 ms). */
  readonly connectTimeoutMs?: number;
  /** Endpoints tried per connection (default 3). */
  readonly maxAttempts?: number;
  /** Called when a proxied connection ends (for access logs and metrics). */
  readonly onConnection?: (event: TcpConnectionEvent) => void;
  /** Bind with SO_REUSEPORT (a gateway's workers each bind the same address; default false). */
  readonly reusePort?: boolean;
}

/** One finished client connection. */
export interface TcpConnectionEvent {
  readonly listener: string;
  readonly serviceImport: string;
  readonly entryCluster?: string;
  readonly upstream?: EndpointRef;
  readonly attempts: number;
  /** `-` when fine, else Envoy-style: UH (no healthy upstream), UF (connect failure), URX (attempts exhausted). */
  readonly responseFlags: string;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

/** A bound listener. */
export interface BoundTcpListener {
  readonly key: string;
  readonly address: string;
  readonly port: number;
}

/** The running proxy. */
export interface TcpProxy {
  /** Binds new listeners, re-points existing ones, closes removed ones (their open connections finish). */
  apply(listeners: readonly TcpListenerIR[]): Promise<{ readonly failed: readonly { readonly key: string; readonly error: string }[] }>;
  listeners(): readonly BoundTcpListener[];
  close(): Promise<void>;
}

interface Live {
  ir: TcpListenerIR;
  entry: (remote: string | undefined) => EntryLocality | undefined;
  readonly server: net.Server;
  readonly port: number;
}

/** Creates the proxy with no listeners. */
export function createTcpProxy(options: TcpProxyOptions): TcpProxy {
  const { log, upstreams } = options;
  const connectTimeoutMs = options.connectTimeoutMs ?? 2000;
  const maxAttempts = options.maxAttempts ?? 3;
  const live = new Map<string, Live>();
  const sockets = new Set<net.Socket>();

  const handle = (state: Live, client: net.Socket): void => {
    const ir = state.ir;
    const entry = state.entry(client.remoteAddress);
    const tried = new Set<string>();
    let attempts = 0;
    client.pause();
    sockets.add(client);
    client.on('error', () => undefined); // a client reset is the client's business; 'close' cleans up
    const finish = (upstream: EndpointRef | undefined, responseFlags: string, bytesOut: number): void => {
      options.onConnection?.({
        listener: ir.key,
        serviceImport: ir.serviceImport,
        ...(entry !== undefined ? { entryCluster: entry.cluster } : {}),
        ...(upstream !== undefined ? { upstream } : {}),
        attempts,
        responseFlags,
        bytesIn: client.bytesRead,
        bytesOut,
      });
    };
    client.once('close', () => sockets.delete(client));

    const attempt = (): void => {
      if (client.destroyed) return;
      const endpoint = upstreams.pick(ir.upstream, {
        entryCluster: entry?.cluster ?? '',
        ...(entry?.region !== undefined ? { entryRegion: entry.region } : {}),
        ...(entry?.zone !== undefined ? { entryZone: entry.zone } : {}),
        exclude: tried,
      });
      if (endpoint === undefined) {
        finish(undefined, attempts === 0 ? 'UH' : 'UF,URX', 0);
        client.destroy();
        return;
      }
      attempts++;
      tried.add(endpoint.key);
      upstreams.onAttemptStart(ir.upstream, endpoint);
      const server = net.connect({ host: endpoint.address, port: endpoint.port });
      sockets.add(server);
      let connected = false;
      const timer = setTimeout(() => server.destroy(new Error('connect timeout')), connectTimeoutMs);
      server.once('connect', () => {
        connected = true;
        clearTimeout(timer);
        client.pipe(server);
        server.pipe(client);
        client.resume();
      });
      server.on('error', (error) => {
        clearTimeout(timer);
        if (connected) return; // 'close' reports it
        upstreams.onAttemptEnd(ir.upstream, endpoint, { error: error.message === 'connect timeout' ? 'timeout' : 'connect' });
        sockets.delete(server);
        if (attempts < maxAttempts) attempt();
        else {
          finish(endpoint, 'UF,URX', 0);
          client.destroy();
        }
      });
      server.once('close', (hadError) => {
        sockets.delete(server);
        if (!connected) return;
        upstreams.onAttemptEnd(ir.upstream, endpoint, hadError ? { error: 'reset' } : {});
        finish(endpoint, hadError ? 'UC' : '-', server.bytesRead);
        client.destroy();
      });
      client.once('close', () => server.destroy());
    };
    attempt();
  };

  const bind = (ir: TcpListenerIR): Promise<Live> =>
    new Promise((resolve, reject) => {
      const server = net.createServer({ pauseOnConnect: true }, (socket) => {
        const state = live.get(ir.key);
        if (state === undefined) socket.destroy();
        else handle(state, socket);
      });
      server.once('error', reject);
      server.listen({ host: ir.address, port: ir.port, reusePort: options.reusePort ?? false }, () => {
        server.off('error', reject);
        server.on('error', (error) => log.error('tcp listener failed', { listener: ir.key, error: error.message }));
        const port = (server.address() as net.AddressInfo).port;
        resolve({ ir, entry: compileEntrySources(ir.entryBySource), server, port });
      });
    });

  return {
    async apply(listeners) {
      const wanted = new Map(listeners.map((l) => [l.key, l]));
      for (const [key, state] of live) {
        if (wanted.has(key)) continue;
        live.delete(key);
        state.server.close(); // stops accepting; open connections run to their end
      }
      const failed: { key: string; error: string }[] = [];
      for (const ir of listeners) {
        const current = live.get(ir.key);
        if (current !== undefined) {
          current.ir = ir;
          current.entry = compileEntrySources(ir.entryBySource);
          continue;
        }
        try {
          live.set(ir.key, await bind(ir));
        } catch (error) {
          failed.push({ key: ir.key, error: (error as Error).message });
          log.error('cannot bind tcp listener', { listener: ir.key, error: (error as Error).message });
        }
      }
      return { failed };
    },
    listeners: () => [...live.values()].map((l) => ({ key: l.ir.key, address: l.ir.address, port: l.port })),
    async close() {
      const servers = [...live.values()].map((l) => l.server);
      live.clear();
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
