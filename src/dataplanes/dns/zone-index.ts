/**
 * Turns the DNS IR into a lookup index: every name that exists in the zone
 * mapped to its RRsets. Built once per zone version so that answering a
 * query is a single map lookup, whatever the size of the zone.
 * @module
 */
import type { DnsServiceIR, DnsZoneIR } from '../../ir/index.ts';
import { parseIP } from '../../lib/index.ts';
import type { DnsRecord, DnsRecordType } from './records.ts';

/** The RRsets at one owner name by type; an empty map is a name that exists without data (an empty non-terminal). */
export type DnsRRsets = ReadonlyMap<DnsRecordType, readonly DnsRecord[]>;

/** A zone ready for O(1) lookups. Shared by every query; never mutated once built. */
export interface DnsIndex {
  /** The zone apex, lowercase, no trailing dot. */
  readonly zone: string;
  readonly ttlSeconds: number;
  /** Every existing name (lowercase, no trailing dot) and its RRsets. */
  readonly names: ReadonlyMap<string, DnsRRsets>;
}

/** The MCS DNS specification version published at `dns-version.<zone>`. */
export const DNS_SCHEMA_VERSION = '1.0.0';

// RFC 2181 §8: a TTL is an unsigned 31-bit value; anything else would make the
// codec throw on every answer, so clamp rather than trust the IR blindly.
const MAX_TTL = 2 ** 31 - 1;

/** Lowercases a name and drops one trailing dot: DNS names compare case-insensitively (RFC 4343). */
export function normalizeName(name: string): string {
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  return bare.toLowerCase();
}

// A label we can place in a name: non-empty, no dot (it would silently add a
// level), at most 63 octets (RFC 1035 §2.3.4). Bad IR data is skipped, not thrown,
// so one broken endpoint never takes the whole zone down.
function isLabel(s: string): boolean {
  return s.length > 0 && s.length <= 63 && !s.includes('.');
}

function clampTtl(ttl: number): number {
  return Number.isFinite(ttl) && ttl > 0 ? Math.min(Math.floor(ttl), MAX_TTL) : 0;
}

/** Accumulates RRsets, dropping duplicate records (an RRset is a set, RFC 2181 §5). */
class IndexBuilder {
  readonly names = new Map<string, Map<DnsRecordType, DnsRecord[]>>();
  private readonly seen = new Set<string>();

  constructor(readonly ttl: number) {}

  /** Marks `name` as existing, with or without records. */
  touch(name: string): Map<DnsRecordType, DnsRecord[]> {
    let rrsets = this.names.get(name);
    if (rrsets === undefined) {
      rrsets = new Map();
      this.names.set(name, rrsets);
    }
    return rrsets;
  }

  address(name: string, ip: string): void {
    const parsed = parseIP(ip);
    if (parsed === undefined) return;
    this.add({ type: parsed.family === 4 ? 'A' : 'AAAA', name, ttl: this.ttl, data: ip });
  }

  srv(name: string, port: number, target: string): void {
    // Equal priority and weight: the MCS spec prescribes neither, and equal
    // values let clients spread load uniformly (RFC 2782).
    this.add({ type: 'SRV', name, ttl: this.ttl, data: { priority: 0, weight: 1, port, target } });
  }

  txt(name: string, text: string): void {
    this.add({ type: 'TXT', name, ttl: this.ttl, data: [text] });
  }

  private add(record: DnsRecord): void {
    const key = `${record.name}\0${record.type}\0${JSON.stringify(record.data)}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const rrsets = this.touch(record.name);
    const list = rrsets.get(record.type);
    if (list === undefined) rrsets.set(record.type, [record]);
    else list.push(record);
  }
}

/** Port numbers without repeats, in IR order: `tcp/42` and `udp/42` are one SRV target port. */
function distinctPorts(svc: DnsServiceIR): number[] {
  return [...new Set(svc.ports.map((p) => p.port))];
}

/** Named ports as their `_<name>` and `_<proto>` labels (lowercase) and number. */
function namedPorts(svc: DnsServiceIR): { proto: string; label: string; port: number }[] {
  const out: { proto: string; label: string; port: number }[] = [];
  for (const p of svc.ports) {
    if (p.name === undefined || !isLabel(p.name)) continue;
    out.push({ proto: `_${p.protocol.toLowerCase()}`, label: `_${p.name.toLowerCase()}`, port: p.port });
  }
  return out;
}

function indexClusterSetIP(b: IndexBuilder, svc: DnsServiceIR, svcName: string): void {
  b.touch(svcName);
  for (const ip of svc.ips) b.address(svcName, ip);
  for (const port of distinctPorts(svc)) b.srv(svcName, port, svcName);
  for (const p of namedPorts(svc)) {
    b.touch(`${p.proto}.${svcName}`); // empty non-terminal between the SRV name and the service
    b.srv(`${p.label}.${p.proto}.${svcName}`, p.port, svcName);
  }
}

function indexHeadless(b: IndexBuilder, svc: DnsServiceIR, svcName: string): void {
  // Only ready endpoints with a usable address and name are ever published.
  const ready = svc.endpoints.filter(
    (e) => e.ready && isLabel(e.hostname) && isLabel(e.cluster) && e.ips.some((ip) => parseIP(ip) !== undefined),
  );
  // Spec: a headless service with no ready endpoints is NXDOMAIN, so the name
  // (and everything below it) is simply never added.
  if (ready.length === 0) return;
  const ports = distinctPorts(svc);
  const named = namedPorts(svc);
  for (const ep of ready) {
    // `<clusterid>.<svc>…` is reserved by the spec and must not exist, so it is
    // deliberately not touched even though it is an ancestor of this name.
    const epName = `${ep.hostname.toLowerCase()}.${ep.cluster.toLowerCase()}.${svcName}`;
    for (const ip of ep.ips) {
      b.address(svcName, ip);
      b.address(epName, ip);
    }
    for (const port of ports) b.srv(svcName, port, epName);
    for (const p of named) {
      b.touch(`${p.proto}.${svcName}`);
      b.srv(`${p.label}.${p.proto}.${svcName}`, p.port, epName);
    }
  }
}

/** What one service adds to the zone: its names (all below its own name) and its namespace's name. */
interface IndexedService {
  readonly ir: DnsServiceIR;
  /** Undefined when the service's labels are unusable (nothing is added). */
  readonly nsName?: string;
  readonly names: ReadonlyMap<string, Map<DnsRecordType, DnsRecord[]>>;
}

function indexService(svc: DnsServiceIR, apex: string, ttl: number): IndexedService {
  if (!isLabel(svc.namespace) || !isLabel(svc.name)) return { ir: svc, names: new Map() };
  const nsName = `${svc.namespace.toLowerCase()}.svc.${apex}`;
  const svcName = `${svc.name.toLowerCase()}.${nsName}`;
  const b = new IndexBuilder(ttl);
  if (svc.type === 'ClusterSetIP') indexClusterSetIP(b, svc, svcName);
  else indexHeadless(b, svc, svcName);
  return { ir: svc, nsName, names: b.names };
}

/**
 * Indexes successive versions of a zone, redoing only the services whose IR object changed (the MCS
 * translator reuses an unchanged service's object): a change to one service costs that service and a
 * copy of the name map, not the whole zone. Every index returned is a new one; none is mutated later.
 */
export class ZoneIndexer {
  #apex: string | undefined;
  #ttl = 0;
  #last: { readonly zone: DnsZoneIR; readonly index: DnsIndex } | undefined;
  #names = new Map<string, DnsRRsets>();
  #services = new Map<string, IndexedService>();
  /** Services per namespace name: the namespace exists while it holds one. */
  #namespaces = new Map<string, number>();

  /** The index of `zone`. */
  index(zone: DnsZoneIR): DnsIndex {
    if (this.#last?.zone === zone) return this.#last.index;
    const apex = normalizeName(zone.zone);
    const ttl = clampTtl(zone.ttlSeconds);
    if (apex !== this.#apex || ttl !== this.#ttl) this.#reset(apex, ttl);
    // Copied on the first change only: an index handed out is never mutated.
    let names: Map<string, DnsRRsets> | undefined;
    const services = new Map<string, IndexedService>();
    for (const svc of zone.services) {
      const key = `${svc.namespace}/${svc.name}`;
      const before = this.#services.get(key);
      if (before?.ir === svc) {
        services.set(key, before);
        continue;
      }
      names ??= new Map(this.#names);
      if (before !== undefined) this.#remove(names, before);
      const indexed = indexService(svc, apex, ttl);
      this.#add(names, indexed);
      services.set(key, indexed);
    }
    for (const [key, before] of this.#services) {
      if (services.has(key)) continue;
      names ??= new Map(this.#names);
      this.#remove(names, before);
    }
    this.#names = names ?? this.#names;
    this.#services = services;
    const index: DnsIndex = { zone: apex, ttlSeconds: ttl, names: this.#names };
    this.#last = { zone, index };
    return index;
  }

  #reset(apex: string, ttl: number): void {
    this.#apex = apex;
    this.#ttl = ttl;
    this.#services = new Map();
    this.#namespaces = new Map();
    const b = new IndexBuilder(ttl);
    b.touch(apex);
    b.touch(`svc.${apex}`);
    b.txt(`dns-version.${apex}`, DNS_SCHEMA_VERSION);
    this.#names = b.names;
  }

  #add(names: Map<string, DnsRRsets>, svc: IndexedService): void {
    if (svc.nsName === undefined) return;
    const count = this.#namespaces.get(svc.nsName) ?? 0;
    this.#namespaces.set(svc.nsName, count + 1);
    // The namespace exists once it holds a ServiceImport, even a headless one without ready
    // endpoints, so it answers NODATA rather than NXDOMAIN.
    if (count === 0) names.set(svc.nsName, new Map());
    for (const [name, rrsets] of svc.names) names.set(name, rrsets);
  }

  #remove(names: Map<string, DnsRRsets>, svc: IndexedService): void {
    if (svc.nsName === undefined) return;
    for (const name of svc.names.keys()) names.delete(name);
    const count = (this.#namespaces.get(svc.nsName) ?? 1) - 1;
    if (count > 0) this.#namespaces.set(svc.nsName, count);
    else {
      this.#namespaces.delete(svc.nsName);
      names.delete(svc.nsName);
    }
  }
}

/** Builds the lookup index of a zone (pure; call once per zone version, or keep a {@link ZoneIndexer} across versions). */
export function indexZone(zone: DnsZoneIR): DnsIndex {
  return new ZoneIndexer().index(zone);
}
