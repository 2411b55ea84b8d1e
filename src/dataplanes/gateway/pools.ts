/**
 * Keep-alive connection pools, one undici Pool per backend endpoint
 * (`address:port`, shared by every upstream that contains it). Pools of
 * endpoints that leave the config are closed gracefully: requests in flight on
 * them finish first.
 * @module
 */
import { Pool } from 'undici';
import type { EndpointRef } from './upstream/index.ts';

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

  /** Creates an empty set of pools. */
  constructor(private readonly options: PoolOptions = DEFAULT_POOL_OPTIONS) {}

  /** The pool for `endpoint` (created on first use). */
  get(endpoint: EndpointRef): Pool {
    const existing = this.pools.get(endpoint.key);
    if (existing !== undefined) return existing;
    const host = endpoint.address.includes(':') ? `[${endpoint.address}]` : endpoint.address;
    const pool = new Pool(`http://${host}:${String(endpoint.port)}`, {
      connections: this.options.connections,
      pipelining: 1,
      connectTimeout: this.options.connectTimeoutMs,
      keepAliveTimeout: this.options.keepAliveTimeoutMs,
    });
    this.pools.set(endpoint.key, pool);
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
