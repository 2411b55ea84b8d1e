/**
 * Keep-alive connection pools, one undici Pool per backend endpoint and
 * protocol (`address:port`, shared by every upstream that contains it and
 * speaks the same protocol): HTTP/1.1, or HTTP/2 for upstreams of appProtocol
 * `kubernetes.io/h2c` and GRPCRoute backends (a few connections, many streams
 * each): with prior knowledge in cleartext, or over TLS (ALPN h2) when a
 * BackendTLSPolicy applies. Re-encrypted upstreams get pools of their own per
 * TLS setting (backend-tls.ts); an upstream whose policy is refused gets no
 * pool at all. Pools of endpoints that leave the config are closed
 * gracefully: requests in flight on them finish first.
 * @module
 */
import { Pool } from 'undici';
import { sameAddresses, type UpstreamIR, type UpstreamTlsIR } from '../../ir/index.ts';
import { backendTlsId, backendTlsOptions } from './backend-tls.ts';
import type { EndpointRef } from './upstream/index.ts';

/** The protocol an upstream is spoken to in (the IR's, without the TCP proxy's). */
export type UpstreamProtocol = 'http' | 'h2c';

/** Concurrent streams per h2c connection (and so undici's pipelining on it). */
const H2C_STREAMS = 100;
/** Connections per h2c endpoint: streams multiplex on each. */
const H2C_CONNECTIONS = 4;

/** How an upstream is spoken to: its protocol, and TLS (with the identity of its setting) when re-encrypted. */
interface UpstreamWire {
  readonly protocol: UpstreamProtocol;
  readonly tls?: UpstreamTlsIR;
  readonly tlsId?: string;
}

const PLAIN_HTTP: UpstreamWire = { protocol: 'http' };

/** The pool key of an endpoint in a protocol and TLS setting. */
export function poolKey(endpointKey: string, protocol: UpstreamProtocol, tlsId?: string): string {
  const base = protocol === 'h2c' ? `h2c ${endpointKey}` : endpointKey;
  return tlsId === undefined ? base : `tls:${tlsId} ${base}`;
}

function wireOf(u: UpstreamIR): UpstreamWire {
  const protocol: UpstreamProtocol = u.protocol === 'h2c' ? 'h2c' : 'http';
  if (u.tls === undefined) return protocol === 'http' ? PLAIN_HTTP : { protocol };
  return { protocol, tls: u.tls, tlsId: backendTlsId(u.tls) };
}

/** An upstream's wire and the pool keys of its endpoints, as last applied. */
interface UpstreamPoolKeys {
  readonly ir: UpstreamIR;
  readonly wire: UpstreamWire;
  readonly keys: ReadonlySet<string>;
}

/** The pool keys of `u`: `before`'s very set when the wire and the members are the same. */
function poolKeysOf(u: UpstreamIR, before: UpstreamPoolKeys | undefined): UpstreamPoolKeys {
  const wire = wireOf(u);
  if (before !== undefined && before.wire.protocol === wire.protocol && before.wire.tlsId === wire.tlsId && sameAddresses(before.ir.endpoints, u.endpoints, (e) => e)) return { ir: u, wire, keys: before.keys };
  // Same key format as EndpointRef.key (IPv6 in brackets).
  const keys = new Set(u.endpoints.map((e) => poolKey(e.address.includes(':') ? `[${e.address}]:${String(e.port)}` : `${e.address}:${String(e.port)}`, wire.protocol, wire.tlsId)));
  return { ir: u, wire, keys };
}

/** Pool tuning. */
export interface PoolOptions {
  /** Most connections per endpoint (a hung backend cannot take more sockets than this). */
  readonly connections: number;
  /** TCP connect timeout (ms). */
  readonly connectTimeoutMs: number;
  /** Idle keep-alive time before a pooled connection is closed (ms). */
  readonly keepAliveTimeoutMs: number;
}

/** Defaults: 512 connections per endpoint, 3 s connect timeout, 4 s idle keep-alive. */
export const DEFAULT_POOL_OPTIONS: PoolOptions = { connections: 512, connectTimeoutMs: 3000, keepAliveTimeoutMs: 4000 };

/** The pools of every endpoint the gateway has talked to and still knows. */
export class EndpointPools {
  private readonly pools = new Map<string, Pool>();
  private wires: ReadonlyMap<string, UpstreamWire> = new Map();
  private byUpstream: ReadonlyMap<string, UpstreamPoolKeys> = new Map();

  /** Creates an empty set of pools. */
  constructor(private readonly options: PoolOptions = DEFAULT_POOL_OPTIONS) {}

  /** Learns how every upstream is spoken to (on every apply), and closes the pools no upstream uses any more. */
  setUpstreams(upstreams: readonly UpstreamIR[]): void {
    const wires = new Map<string, UpstreamWire>();
    const next = new Map<string, UpstreamPoolKeys>();
    // The pools to keep are worked out again only when some upstream's endpoint set changed: a
    // one-line edit of a 10,000-endpoint Service (a readiness flip) costs a walk by identity.
    let changed = upstreams.length !== this.byUpstream.size;
    for (const u of upstreams) {
      const before = this.byUpstream.get(u.key);
      const entry = before?.ir === u ? before : poolKeysOf(u, before);
      if (entry.keys !== before?.keys) changed = true;
      next.set(u.key, entry);
      if (entry.wire !== PLAIN_HTTP) wires.set(u.key, entry.wire);
    }
    this.byUpstream = next;
    this.wires = wires;
    if (!changed) return;
    const keep = new Set<string>();
    for (const { keys } of next.values()) for (const k of keys) keep.add(k);
    this.retain(keep);
  }

  /** The protocol of upstream `upstream`. */
  protocolOf(upstream: string): UpstreamProtocol {
    return this.wires.get(upstream)?.protocol ?? 'http';
  }

  /** Why nothing may be sent to `upstream` (its BackendTLSPolicy is refused), or undefined. */
  refusal(upstream: string): string | undefined {
    return this.wires.get(upstream)?.tls?.refused;
  }

  /** The SNI of a re-encrypted upstream (undici would take it from the request's Host otherwise). */
  servername(upstream: string): string | undefined {
    return this.wires.get(upstream)?.tls?.hostname;
  }

  /** The pool for `endpoint` as upstream `upstream` speaks to it (created on first use; never for a refused upstream). */
  get(endpoint: EndpointRef, upstream: string): Pool {
    const wire = this.wires.get(upstream) ?? PLAIN_HTTP;
    const { protocol, tls } = wire;
    const key = poolKey(endpoint.key, protocol, wire.tlsId);
    const existing = this.pools.get(key);
    if (existing !== undefined) return existing;
    if (tls?.refused !== undefined) throw new Error(tls.refused);
    const host = endpoint.address.includes(':') ? `[${endpoint.address}]` : endpoint.address;
    const origin = `${tls === undefined ? 'http' : 'https'}://${host}:${String(endpoint.port)}`;
    const common = { connectTimeout: this.options.connectTimeoutMs, keepAliveTimeout: this.options.keepAliveTimeoutMs, ...(tls !== undefined ? { connect: backendTlsOptions(tls) } : {}) };
    let pool: Pool;
    if (protocol === 'http') pool = new Pool(origin, { ...common, connections: this.options.connections, pipelining: 1 });
    else if (tls !== undefined) pool = new Pool(origin, { ...common, connections: H2C_CONNECTIONS, pipelining: H2C_STREAMS, allowH2: true, h2Options: { maxConcurrentStreams: H2C_STREAMS } } as Pool.Options);
    // undici's Pool builds its connector from a top-level `useH2c` (its types only list h2Options.useH2c).
    else pool = new Pool(origin, { ...common, connections: H2C_CONNECTIONS, pipelining: H2C_STREAMS, allowH2: true, useH2c: true, h2Options: { useH2c: true, maxConcurrentStreams: H2C_STREAMS } } as Pool.Options);
    this.pools.set(key, pool);
    return pool;
  }

  /** Closes (gracefully) the pools not in `keep`. */
  private retain(keep: ReadonlySet<string>): void {
    for (const [key, pool] of this.pools) {
      if (keep.has(key)) continue;
      this.pools.delete(key);
      pool.close().catch(() => undefined);
    }
  }

  /** Number of pools (tests, explain). */
  get size(): number {
    return this.pools.size;
  }

  /** Closes every pool: gracefully, then forcefully after `graceMs`. */
  async close(graceMs = 1000): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(
      pools.map(async (pool) => {
        const timer = setTimeout(() => void pool.destroy().catch(() => undefined), graceMs);
        try {
          await pool.close();
        } catch {
          // already destroyed by the timer
        } finally {
          clearTimeout(timer);
        }
      }),
    );
  }
}
