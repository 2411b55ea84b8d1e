/**
 * Turns the public DNS IR (GSLB zones) into a lookup index, built once per IR version:
 * every name that exists in a public zone mapped to what it is — the apex (SOA, NS), a
 * hostname (answered per query by its strategy), an in-zone name server (glue addresses) or
 * an empty non-terminal — plus the zone's negative-answer SOA (RFC 2308: its TTL is
 * min(SOA TTL, MINIMUM)), so answering is a map lookup and a small choice.
 * @module
 */
import type { PublicDnsIR, PublicHostIR, PublicZoneIR } from '../../ir/index.ts';
import { parseCIDR, parseIP, type ParsedCIDR } from '../../lib/index.ts';
import type { DnsAddressRecord, DnsNsRecord, DnsRecord, DnsSoaRecord } from './records.ts';
import { normalizeName } from './zone-index.ts';

/** A zone's records that do not depend on the question. */
export interface PublicZoneEntry {
  readonly apex: string;
  readonly ir: PublicZoneIR;
  readonly soa: DnsSoaRecord;
  /** The SOA as the authority section of NXDOMAIN/NODATA carries it: TTL = min(TTL, MINIMUM). */
  readonly negativeSoa: DnsSoaRecord;
  /** The authority section of negative answers (one list for every query, so its bytes are encoded once). */
  readonly negativeAuthority: readonly DnsSoaRecord[];
  readonly ns: readonly DnsNsRecord[];
  /** A/AAAA of the in-zone name servers (the additional section of NS answers). */
  readonly glue: readonly DnsAddressRecord[];
}

/** The addresses of one candidate cluster of a hostname. */
export interface PublicClusterAddresses {
  readonly region: string;
  readonly v4: readonly string[];
  readonly v6: readonly string[];
}

/** A Geo row with its CIDR parsed. */
export interface GeoRow {
  readonly cidr: ParsedCIDR;
  readonly text: string;
  readonly region: string;
  readonly clusters: readonly string[];
}

/** A hostname ready to answer. */
export interface PublicHostEntry {
  readonly ir: PublicHostIR;
  readonly zone: PublicZoneEntry;
  readonly clusters: ReadonlyMap<string, PublicClusterAddresses>;
  /** Geo only: rows longest prefix first. */
  readonly geo?: readonly GeoRow[];
}

/** What a name in a public zone is. */
export type PublicNode =
  /** The apex; a hostname equal to the apex is answered there too. */
  | { readonly kind: 'apex'; readonly zone: PublicZoneEntry; readonly host?: PublicHostEntry }
  | { readonly kind: 'host'; readonly zone: PublicZoneEntry; readonly host: PublicHostEntry }
  | { readonly kind: 'nameserver'; readonly zone: PublicZoneEntry; readonly records: readonly DnsAddressRecord[] }
  | { readonly kind: 'empty'; readonly zone: PublicZoneEntry };

/** The public zones ready for lookups. Shared by every query; never mutated once built. */
export interface PublicDnsIndex {
  /** Longest apex first, so the most specific zone wins. */
  readonly zones: readonly PublicZoneEntry[];
  /** Every existing name (lowercase, no trailing dot). */
  readonly names: ReadonlyMap<string, PublicNode>;
}

/** An index without zones: no name is public. */
export const EMPTY_PUBLIC_INDEX: PublicDnsIndex = { zones: [], names: new Map() };

const MAX_TTL = 2 ** 31 - 1;
const ttl = (n: number): number => (Number.isFinite(n) && n > 0 ? Math.min(Math.floor(n), MAX_TTL) : 0);

function addressRecord(name: string, address: string, seconds: number): DnsAddressRecord | undefined {
  const ip = parseIP(address);
  return ip === undefined ? undefined : { type: ip.family === 4 ? 'A' : 'AAAA', name, ttl: seconds, data: address };
}

function zoneEntry(z: PublicZoneIR): PublicZoneEntry {
  const apex = normalizeName(z.zone);
  const soaData = { ...z.soa, mname: normalizeName(z.soa.mname), rname: normalizeName(z.soa.rname) };
  const soa: DnsSoaRecord = { type: 'SOA', name: apex, ttl: ttl(z.ttlSeconds), data: soaData };
  const glue: DnsAddressRecord[] = [];
  for (const ns of z.nameServers) for (const a of ns.addresses) glue.push(...[addressRecord(normalizeName(ns.name), a, ttl(z.ttlSeconds))].filter((r) => r !== undefined));
  const negativeSoa: DnsSoaRecord = { ...soa, ttl: Math.min(soa.ttl, ttl(z.soa.minimum)) };
  return {
    apex,
    ir: z,
    soa,
    negativeSoa,
    negativeAuthority: [negativeSoa],
    ns: z.nameServers.map((ns) => ({ type: 'NS', name: apex, ttl: ttl(z.ttlSeconds), data: normalizeName(ns.name) })),
    glue,
  };
}

function hostEntry(h: PublicHostIR, zone: PublicZoneEntry): PublicHostEntry {
  const clusters = new Map<string, PublicClusterAddresses>();
  for (const c of h.candidates) {
    const v4: string[] = [];
    const v6: string[] = [];
    for (const a of c.addresses) {
      const ip = parseIP(a);
      if (ip?.family === 4) v4.push(a);
      else if (ip?.family === 6) v6.push(a);
    }
    clusters.set(c.cluster, { region: c.region, v4, v6 });
  }
  const s = h.strategy;
  const geo =
    s.type === 'Geo'
      ? s.subnets.flatMap((row) => {
          const cidr = parseCIDR(row.cidr);
          return cidr === undefined ? [] : [{ cidr, text: row.cidr, region: row.region, clusters: row.clusters }];
        })
      : undefined;
  return { ir: h, zone, clusters, ...(geo !== undefined ? { geo } : {}) };
}

/** Builds the lookup index of the public zones (pure; call once per IR version). */
export function indexPublicZones(ir: PublicDnsIR): PublicDnsIndex {
  const names = new Map<string, PublicNode>();
  const zones: PublicZoneEntry[] = [];
  for (const z of ir.zones) {
    const zone = zoneEntry(z);
    zones.push(zone);
    names.set(zone.apex, { kind: 'apex', zone });
    // Every name between an existing name and the apex exists too (an empty non-terminal: NODATA, not NXDOMAIN).
    const touchParents = (name: string): void => {
      for (let n = name.slice(name.indexOf('.') + 1); n !== zone.apex && n.endsWith(`.${zone.apex}`); n = n.slice(n.indexOf('.') + 1)) {
        if (!names.has(n)) names.set(n, { kind: 'empty', zone });
      }
    };
    for (const ns of z.nameServers) {
      const name = normalizeName(ns.name);
      if (!name.endsWith(`.${zone.apex}`)) continue;
      names.set(name, { kind: 'nameserver', zone, records: zone.glue.filter((g) => g.name === name) });
      touchParents(name);
    }
    for (const h of z.hosts) {
      const name = normalizeName(h.hostname);
      if (name !== zone.apex && !name.endsWith(`.${zone.apex}`)) continue;
      if (name === zone.apex) {
        names.set(name, { kind: 'apex', zone, host: hostEntry(h, zone) });
        continue;
      }
      names.set(name, { kind: 'host', zone, host: hostEntry(h, zone) });
      touchParents(name);
    }
  }
  zones.sort((a, b) => b.apex.length - a.apex.length);
  return { zones, names };
}

/** The public zone holding `name` (normalized), if any. */
export function publicZoneOf(index: PublicDnsIndex, name: string): PublicZoneEntry | undefined {
  return index.zones.find((z) => name === z.apex || name.endsWith(`.${z.apex}`));
}

/** Every record of a node that does not depend on the client (apex SOA/NS, glue). */
export function staticRecords(node: PublicNode): readonly DnsRecord[] {
  switch (node.kind) {
    case 'apex':
      return [node.zone.soa, ...node.zone.ns];
    case 'nameserver':
      return node.records;
    default:
      return [];
  }
}
