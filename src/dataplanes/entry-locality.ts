/**
 * Which cluster a connection comes from: the one whose pod CIDRs contain the
 * client's address (issue 4, east-west). Loopback ranges play Pod CIDRs in the
 * sandbox, so this is how the ClusterSetIP proxy knows the client's locality.
 * @module
 */
import type { EntrySourceIR } from '../ir/index.ts';
import { cidrContains, parseCIDR, parseIP, type ParsedCIDR } from '../lib/index.ts';

/** The locality a request enters from. */
export interface EntryLocality {
  readonly cluster: string;
  readonly region?: string;
  readonly zone?: string;
}

/** Bound on remembered addresses: clients are few, but a scan must not grow memory. */
const CACHE_LIMIT = 4096;

/** Compiles the ranges once; the returned lookup caches per address (undefined = unknown source). */
export function compileEntrySources(sources: readonly EntrySourceIR[]): (remoteAddress: string | undefined) => EntryLocality | undefined {
  // Longest prefix first, so a more specific range wins over a broader one.
  const compiled = sources
    .map((s) => ({ cidr: parseCIDR(s.cidr), locality: { cluster: s.cluster, ...(s.region !== undefined ? { region: s.region } : {}), ...(s.zone !== undefined ? { zone: s.zone } : {}) } }))
    .filter((s): s is { cidr: ParsedCIDR; locality: EntryLocality } => s.cidr !== undefined)
    .sort((a, b) => b.cidr.prefix - a.cidr.prefix);
  const cache = new Map<string, EntryLocality | undefined>();
  return (remoteAddress) => {
    if (remoteAddress === undefined || compiled.length === 0) return undefined;
    if (cache.has(remoteAddress)) return cache.get(remoteAddress);
    // Dual-stack sockets report IPv4 clients as IPv4-mapped IPv6.
    const text = remoteAddress.startsWith('::ffff:') && remoteAddress.includes('.') ? remoteAddress.slice(7) : remoteAddress;
    const ip = parseIP(text);
    const found = ip === undefined ? undefined : compiled.find((s) => cidrContains(s.cidr, ip))?.locality;
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(remoteAddress, found);
    return found;
  };
}
