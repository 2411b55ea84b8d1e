/**
 * Keep-alive connection pools, one undici Pool per backend endpoint and
 * protocol (`address:port`, shared by every upstream that contains it and
 * speaks the same protocol): HTTP/1.1, or cleartext HTTP/2 with prior
 * knowledge for upstreams of appProtocol `kubernetes.io/h2c` (a few
 * connections, many streams each). Pools of endpoints that leave the config
 * are closed gracefully: requests in flight on them finish first.
 * @module
 */
import { Pool } from 'undici';
import type { UpstreamIR } from '../../ir/index.ts';
import type { EndpointRef } from './upstream/index.ts';

/** The protocol an upstream is spoken to in (the IR's, without the TCP proxy's). */
export type UpstreamProtocol = 'http' | 'h2c';

/** Concurrent streams per h2c connection (and so undici's pipelining on it). */
const H2C_STREAMS = 100;
/** Connections per h2c endpoint: streams multiplex on each. */
const H2C_CONNECTIONS = 4;

/** The pool key of an endpoint in a protocol (also what {@link EndpointPools.retain} keeps). */
export function poolKey(endpointKey: string, protocol: UpstreamProtocol): string {
  return protocol === 'h2c' ? `h2c ${endpointKey}` : endpointKey;
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
  private protocols: ReadonlyMap<string, UpstreamProtocol> = new Map();

  /** Creates an empty set of pools. */
  constructor(private readonly options: PoolOptions = DEFAULT_POOL_OPTIONS) {}

  /** Learns which upstreams speak h2c (on every apply). */
  setProtocols(upstreams: readonly UpstreamIR[]): void {
    this.protocols = new Map(upstreams.filter((u) => u.protocol === 'h2c').map((u) => [u.key, 'h2c' as const]));
  }

  /** The protocol of upstream `upstream`. */
  protocolOf(upstream: string): UpstreamProtocol {
    return this.protocols.get(upstream) ?? 'http';
  }

  /** The pool for `endpoint` as upstream `upstream` speaks to it (created on first use). */
  get(endpoint: EndpointRef, upstream: string): Pool {
    const protocol = this.protocolOf(upstream);
    const key = poolKey(endpoint.key, protocol);
    const existing = this.pools.get(key);
    if (existing !== undefined) return existing;
    const host = endpoint.address.includes(':') ? `[${endpoint.address}]` : endpoint.address;
    const common = { connectTimeout: this.options.connectTimeoutMs, keepAliveTimeout: this.options.keepAliveTimeoutMs };
    const pool =
      protocol === 'h2c'
        ? // undici's Pool builds its connector from a top-level `useH2c` (its types only list h2Options.useH2c).
          new Pool(`http://${host}:${String(endpoint.port)}`, { ...common, connections: H2C_CONNECTIONS, pipelining: H2C_STREAMS, allowH2: true, useH2c: true, h2Options: { useH2c: true, maxConcurrentStreams: H2C_STREAMS } } as Pool.Options)
        : new Pool(`http://${host}:${String(endpoint.port)}`, { ...common, connections: this.options.connections, pipelining: 1 });
    this.pools.set(key, pool);
    return pool;
  }

  /** Closes (gracefully) the pools of endpoints not in `keep`. */
  retain(keep: ReadonlySet<string>): void {
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
