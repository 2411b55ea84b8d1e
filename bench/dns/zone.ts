/**
 * Pure helpers of the DNS benchmark: the records Lintas serves (from the
 * `/api/v1/mcs` DNS IR), the same records as a dnsmasq configuration, the
 * dnsperf query file, and the parser of dnsperf's report.
 *
 * No I/O here, so all of it is unit-tested (zone.test.ts).
 * @module
 */
import type { DnsZoneIR, PublicDnsIR } from '../../src/ir/index.ts';

/** One A record. */
export interface ARecord {
  readonly name: string;
  readonly ip: string;
}

/** One SRV record (RFC 2782). */
export interface SrvRecord {
  readonly name: string;
  readonly target: string;
  readonly port: number;
  readonly priority: number;
  readonly weight: number;
}

/** The records the benchmark queries and mirrors into dnsmasq. */
export interface BenchZone {
  readonly zone: string;
  readonly ttlSeconds: number;
  /** Sorted by name then address. */
  readonly a: readonly ARecord[];
  /** Sorted by name then port. */
  readonly srv: readonly SrvRecord[];
  /** ClusterSetIP services mirrored (headless ones are left out: see {@link benchZone}). */
  readonly services: number;
  /** Headless services in the IR, neither mirrored nor queried. */
  readonly skippedHeadless: number;
  /** `public`: a DNSPolicy zone (hostnames answered by the GSLB), not the ClusterSet zone. */
  readonly kind?: 'public';
}

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/;

/** A DNS label we can write into a dnsmasq config and a query file unchanged. */
function isPlainLabel(s: string): boolean {
  return /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/.test(s);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The records of every ClusterSetIP service, as Lintas' zone index builds
 * them (src/dataplanes/dns/zone-index.ts): an A record per ClusterSetIP at
 * `<name>.<ns>.svc.<zone>`, an SRV at that name per distinct port, and an SRV
 * at `_<port>._<proto>.<name>.<ns>.svc.<zone>` per named port, all with
 * priority 0, weight 1 and the service name as target.
 *
 * Headless services (none in the generated fleet) are skipped: their answers
 * depend on endpoint readiness, which is not what this benchmark measures.
 * IPv6 addresses are skipped too (the generated ClusterSetIP range is IPv4).
 */
export function benchZone(ir: DnsZoneIR): BenchZone {
  const zone = ir.zone.toLowerCase().replace(/\.$/, '');
  const a = new Map<string, ARecord>();
  const srv = new Map<string, SrvRecord>();
  let services = 0;
  let skippedHeadless = 0;
  const addSrv = (name: string, target: string, port: number): void => {
    srv.set(`${name} ${port}`, { name, target, port, priority: 0, weight: 1 });
  };
  for (const svc of ir.services) {
    if (svc.type !== 'ClusterSetIP') {
      skippedHeadless++;
      continue;
    }
    const ns = svc.namespace.toLowerCase();
    const n = svc.name.toLowerCase();
    if (!isPlainLabel(ns) || !isPlainLabel(n)) continue;
    services++;
    const name = `${n}.${ns}.svc.${zone}`;
    for (const ip of svc.ips) if (IPV4.test(ip)) a.set(`${name} ${ip}`, { name, ip });
    for (const p of svc.ports) addSrv(name, name, p.port);
    for (const p of svc.ports) {
      if (p.name === undefined || !isPlainLabel(p.name.toLowerCase())) continue;
      addSrv(`_${p.name.toLowerCase()}._${p.protocol.toLowerCase()}.${name}`, name, p.port);
    }
  }
  return {
    zone,
    ttlSeconds: ir.ttlSeconds,
    a: [...a.values()].sort((x, y) => compare(x.name, y.name) || compare(x.ip, y.ip)),
    srv: [...srv.values()].sort((x, y) => compare(x.name, y.name) || x.port - y.port),
    services,
    skippedHeadless,
  };
}

/**
 * The records of the first public (DNSPolicy) zone as the GSLB answers them with a
 * RoundRobin strategy: an A record per IPv4 address of every eligible cluster of each
 * hostname (answer order aside). `services` counts the hostnames.
 */
export function publicBenchZone(ir: PublicDnsIR): BenchZone {
  const z = ir.zones[0];
  if (z === undefined) throw new Error('no public zone: the fleet has no DNSPolicy that answers a hostname');
  const a = new Map<string, ARecord>();
  for (const h of z.hosts) {
    for (const c of h.candidates) {
      if (!h.eligible.includes(c.cluster)) continue;
      for (const ip of c.addresses) if (IPV4.test(ip)) a.set(`${h.hostname} ${ip}`, { name: h.hostname, ip });
    }
  }
  return {
    zone: z.zone,
    ttlSeconds: z.hosts[0]?.ttlSeconds ?? 0,
    a: [...a.values()].sort((x, y) => compare(x.name, y.name) || compare(x.ip, y.ip)),
    srv: [],
    services: z.hosts.length,
    skippedHeadless: 0,
    kind: 'public',
  };
}

/** Distinct owner names of a record list, in first-seen order. */
export function ownerNames(records: readonly { name: string }[]): string[] {
  return [...new Set(records.map((r) => r.name))];
}

/**
 * dnsmasq configuration serving `zone` authoritatively-enough for the
 * benchmark: `host-record=` per A record, `srv-host=` per SRV record,
 * `local=/<zone>/` so every other name in the zone is NXDOMAIN (never
 * forwarded), `local-ttl` equal to Lintas' TTL. The cache is disabled:
 * there is nothing upstream to cache, and configured records are answered
 * from their own table either way.
 * Listening options (port, address) are passed on the command line.
 */
export function dnsmasqConfig(zone: BenchZone): string {
  const lines = [
    '# generated by bench/dns/run.ts: the Lintas benchmark zone, for dnsmasq',
    'no-resolv',
    'no-hosts',
    'no-poll',
    `local=/${zone.zone}/`,
    `local-ttl=${zone.ttlSeconds}`,
    'cache-size=0',
    'log-facility=-',
  ];
  for (const r of zone.a) lines.push(`host-record=${r.name},${r.ip}`);
  for (const r of zone.srv) lines.push(`srv-host=${r.name},${r.target},${r.port},${r.priority},${r.weight}`);
  return `${lines.join('\n')}\n`;
}

/** The query mix, out of 10 queries. */
export const MIX = { a: 8, srv: 1, nxdomain: 1 } as const;
/** The mix of a public zone, which has no SRV records. */
export const PUBLIC_MIX = { a: 9, srv: 0, nxdomain: 1 } as const;

/** The mix a zone is queried with. */
export function mixOf(zone: BenchZone): { readonly a: number; readonly srv: number; readonly nxdomain: number } {
  return zone.kind === 'public' ? PUBLIC_MIX : MIX;
}

/** A name under the zone that no record uses: `nx-NNNNN.<ns>.svc.<zone>`, a sibling of real services (public zones: `nx-NNNNN.<zone>`). */
export function nxdomainName(zone: BenchZone, k: number, namespaces: readonly string[]): string {
  if (zone.kind === 'public') return `nx-${String(k).padStart(5, '0')}.${zone.zone}`;
  const ns = namespaces[k % namespaces.length] ?? 'default';
  return `nx-${String(k).padStart(5, '0')}.${ns}.svc.${zone.zone}`;
}

/** Namespaces in the zone, sorted (`<ns>` of `<name>.<ns>.svc.<zone>`). */
export function zoneNamespaces(zone: BenchZone): string[] {
  const set = new Set<string>();
  for (const r of zone.a) {
    const labels = r.name.split('.');
    if (labels[1] !== undefined) set.add(labels[1]);
  }
  return [...set].sort(compare);
}

/**
 * dnsperf input: `lines` queries, deterministic, in blocks of ten: 8 A
 * queries for existing names, 1 SRV query, 1 query for a name that does not
 * exist (NXDOMAIN); a public zone: 9 A, 1 NXDOMAIN. Each kind cycles through
 * all of its names in order.
 */
export function queryFile(zone: BenchZone, lines: number): string {
  const aNames = ownerNames(zone.a);
  const srvNames = ownerNames(zone.srv);
  const mix = mixOf(zone);
  if (aNames.length === 0 || (srvNames.length === 0 && mix.srv > 0)) throw new Error('the zone has no A or no SRV records to query');
  const namespaces = zoneNamespaces(zone);
  const existing = new Set([...aNames, ...srvNames]);
  const out: string[] = [];
  let ia = 0;
  let is = 0;
  let ix = 0;
  for (let i = 0; i < lines; i++) {
    const slot = i % 10;
    if (slot < mix.a) out.push(`${aNames[ia++ % aNames.length]} A`);
    else if (slot < mix.a + mix.srv) out.push(`${srvNames[is++ % srvNames.length]} SRV`);
    else {
      const name = nxdomainName(zone, ix++, namespaces);
      if (existing.has(name)) throw new Error(`NXDOMAIN probe ${name} exists in the zone`);
      out.push(`${name} A`);
    }
  }
  return `${out.join('\n')}\n`;
}

/** What dnsperf reports at the end of a run. */
export interface DnsperfResult {
  readonly sent: number;
  readonly completed: number;
  readonly lost: number;
  readonly runSeconds: number;
  readonly qps: number;
  readonly avgLatencyMs: number;
  readonly minLatencyMs: number;
  readonly maxLatencyMs: number;
  readonly stddevLatencyMs: number;
  /** e.g. { NOERROR: 9000, NXDOMAIN: 1000 } */
  readonly rcodes: Readonly<Record<string, number>>;
}

function num(text: string, re: RegExp, what: string): number {
  const m = re.exec(text);
  const v = Number(m?.[1]);
  if (m === null || !Number.isFinite(v)) throw new Error(`dnsperf output has no "${what}"`);
  return v;
}

/** Parses dnsperf's "Statistics:" block (dnsperf 2.x). Throws when a field is missing. */
export function parseDnsperf(text: string): DnsperfResult {
  const rcodes: Record<string, number> = {};
  const codes = /^\s*Response codes:\s*(.*)$/m.exec(text)?.[1] ?? '';
  for (const m of codes.matchAll(/([A-Z]+)\s+(\d+)/g)) rcodes[m[1] as string] = Number(m[2]);
  const latency = /^\s*Average Latency \(s\):\s*([\d.]+)\s*\(min\s*([\d.]+),\s*max\s*([\d.]+)\)/m.exec(text);
  if (latency === null) throw new Error('dnsperf output has no "Average Latency (s)"');
  return {
    sent: num(text, /^\s*Queries sent:\s*(\d+)/m, 'Queries sent'),
    completed: num(text, /^\s*Queries completed:\s*(\d+)/m, 'Queries completed'),
    lost: num(text, /^\s*Queries lost:\s*(\d+)/m, 'Queries lost'),
    runSeconds: num(text, /^\s*Run time \(s\):\s*([\d.]+)/m, 'Run time (s)'),
    qps: num(text, /^\s*Queries per second:\s*([\d.]+)/m, 'Queries per second'),
    avgLatencyMs: Number(latency[1]) * 1000,
    minLatencyMs: Number(latency[2]) * 1000,
    maxLatencyMs: Number(latency[3]) * 1000,
    stddevLatencyMs: num(text, /^\s*Latency StdDev \(s\):\s*([\d.]+)/m, 'Latency StdDev (s)') * 1000,
    rcodes,
  };
}
