/**
 * Admission of DNS-over-TCP connections (RFC 7766 §6.2.2: a server under
 * pressure may close idle connections): at most `perSource` open connections
 * per client source (an IPv4 address, or an IPv6 /64 that one host can
 * hop around in), and at most `total` overall, where a new connection evicts
 * the connection that has gone longest without completing a message. So
 * neither one source nor many slow sources can hold every slot: a dripping
 * connection never completes a message, so it is always first in line.
 * Plain data, no sockets or timers: the server feeds it events.
 * @module
 */
import { formatIP, parseIP } from '../../lib/index.ts';

/** Limits of the table. */
export interface TcpLimits {
  /** Open connections allowed overall; at the cap, the least recently active one is evicted. */
  readonly total: number;
  /** Open connections allowed per source; past it, a new connection is refused. */
  readonly perSource: number;
}

/** What to do with a new connection. */
export type Admission<C> =
  | { readonly kind: 'refuse'; readonly source: string }
  | { readonly kind: 'accept'; readonly source: string; readonly evict?: C };

const V4_MAPPED_PREFIX = 0xffffn << 32n;
const LOW_32 = (1n << 32n) - 1n;

/**
 * The key a peer address is limited by: an IPv4 address (v4-mapped IPv6
 * unwrapped), an IPv6 /64 as `prefix::/64`, or the text itself when it is
 * not an IP (never expected from a TCP socket).
 */
export function sourceKey(address: string | undefined): string {
  const ip = address === undefined ? undefined : parseIP(address);
  if (ip === undefined) return address ?? 'unknown';
  if (ip.family === 4) return formatIP(ip);
  if (ip.value >> 32n === V4_MAPPED_PREFIX >> 32n) return formatIP({ family: 4, value: ip.value & LOW_32 });
  return `${formatIP({ family: 6, value: (ip.value >> 64n) << 64n })}/64`;
}

/** Open connections by source and by recency of their last complete message. */
export class TcpConnectionTable<C> {
  // Insertion order is recency order: `touch` re-inserts, so the first key is the least recently active.
  private readonly byRecency = new Map<C, string>();
  private readonly perSource = new Map<string, number>();

  /** Creates an empty table with these limits. */
  constructor(private readonly limits: TcpLimits) {}

  /** Open connections. */
  get size(): number {
    return this.byRecency.size;
  }

  /** Decides about a new connection from `address`; the caller adds it with {@link add} when accepted. */
  admit(address: string | undefined): Admission<C> {
    const source = sourceKey(address);
    if ((this.perSource.get(source) ?? 0) >= this.limits.perSource) return { kind: 'refuse', source };
    if (this.byRecency.size < this.limits.total) return { kind: 'accept', source };
    const oldest = this.byRecency.keys().next();
    return oldest.done === true ? { kind: 'accept', source } : { kind: 'accept', source, evict: oldest.value };
  }

  /** Records an accepted connection (most recently active). */
  add(conn: C, source: string): void {
    if (this.byRecency.has(conn)) return;
    this.byRecency.set(conn, source);
    this.perSource.set(source, (this.perSource.get(source) ?? 0) + 1);
  }

  /** The connection completed a message: it moves to the back of the eviction line. */
  touch(conn: C): void {
    const source = this.byRecency.get(conn);
    if (source === undefined) return;
    this.byRecency.delete(conn);
    this.byRecency.set(conn, source);
  }

  /** Forgets a closed connection (idempotent). */
  remove(conn: C): void {
    const source = this.byRecency.get(conn);
    if (source === undefined) return;
    this.byRecency.delete(conn);
    const n = (this.perSource.get(source) ?? 1) - 1;
    if (n <= 0) this.perSource.delete(source);
    else this.perSource.set(source, n);
  }
}
