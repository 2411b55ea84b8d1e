/**
 * The per-query part of GSLB: which of a hostname's eligible clusters a query is answered
 * with, and the authoritative answer of a public zone. Pure: the client, the weighted draw
 * and the rotation are arguments, so `lintas dns explain` and the tests make the same choice
 * as the server.
 *
 * - RoundRobin: every eligible cluster (the address order rotates per query).
 * - Weighted: one eligible cluster drawn by weight (clusters without a weight get 0); when no
 *   eligible cluster has a weight above 0, all eligible ones are drawn alike (Route 53's rule).
 * - Failover: the first group of the order with an eligible cluster; when none has one, every
 *   eligible cluster.
 * - Geo: the client's address — the EDNS Client Subnet (RFC 7871) when the query has one, else
 *   the resolver's — mapped by the longest matching row to a region; its eligible clusters,
 *   else the default region's, else every eligible one. The scope returned is the longest
 *   prefix over which that mapping does not change (the ECS SCOPE PREFIX-LENGTH).
 * @module
 */
import type { ParsedIP } from '../../lib/index.ts';
import type { DnsAnswer, DnsQuestion, DnsRecord } from './records.ts';
import { publicZoneOf, staticRecords, type GeoRow, type PublicDnsIndex, type PublicHostEntry } from './public-index.ts';
import { normalizeName } from './zone-index.ts';

/** Where a query comes from: the client subnet of its ECS option, or the resolver's address (prefix = full length). */
export interface PublicClient {
  readonly address?: ParsedIP;
  /** Bits of `address` that are meaningful; 0 = the resolver asked that no client address be used. */
  readonly prefix?: number;
}

/** The strategy's choice for one query. */
export interface PublicChoice {
  readonly clusters: readonly string[];
  /** Regions of the chosen clusters, sorted, without repeats. */
  readonly regions: readonly string[];
  /** The choice in words. */
  readonly why: string;
  /** ECS scope prefix length: 0 unless the answer depends on the client's address (Geo). */
  readonly scope: number;
}

/** The hostname a query was about and what its strategy chose. */
export interface PublicHostChoice {
  readonly hostname: string;
  readonly strategy: string;
  readonly choice: PublicChoice;
}

/** A public zone's answer, with the choice made for a hostname. */
export interface PublicAnswer extends DnsAnswer {
  /** Set when the question named a hostname (not for SOA/NS or absent names). */
  readonly host?: PublicHostChoice;
  readonly scope: number;
}

/** A client given as is, or computed only if the strategy needs it (Geo): parsing the resolver's address costs. */
export type LazyClient = PublicClient | (() => PublicClient);

const bits = (ip: ParsedIP): number => (ip.family === 4 ? 32 : 128);

/** Leading bits `a` and `b` share (same family). */
function commonPrefix(a: bigint, b: bigint, width: number): number {
  const x = a ^ b;
  return x === 0n ? width : width - x.toString(2).length;
}

function contains(row: GeoRow, ip: ParsedIP): boolean {
  if (row.cidr.family !== ip.family) return false;
  const shift = BigInt(bits(ip) - row.cidr.prefix);
  return row.cidr.network >> shift === ip.value >> shift;
}

/** The longest matching row and the longest prefix around the client over which that match holds (exact). */
export function geoMatch(rows: readonly GeoRow[], ip: ParsedIP): { row?: GeoRow; scope: number } {
  const width = bits(ip);
  const row = rows.find((r) => contains(r, ip));
  let scope = row?.cidr.prefix ?? 0;
  for (const r of rows) {
    if (r.cidr.family !== ip.family || r === row || contains(r, ip)) continue;
    // A row the client is not in, but that a shorter scope would cover: the scope must stop before it.
    const nested = row === undefined || (r.cidr.prefix > row.cidr.prefix && contains(row, { family: ip.family, value: r.cidr.network }));
    if (nested) scope = Math.max(scope, Math.min(r.cidr.prefix, commonPrefix(ip.value, r.cidr.network, width) + 1));
  }
  return { ...(row !== undefined ? { row } : {}), scope };
}

function regionsOf(host: PublicHostEntry, clusters: readonly string[]): string[] {
  return [...new Set(clusters.map((c) => host.clusters.get(c)?.region ?? c))].sort();
}

/** The strategy's choice among the hostname's eligible clusters; `draw` in [0, 1) decides Weighted. */
export function chooseClusters(host: PublicHostEntry, lazy: LazyClient, draw: number): PublicChoice {
  const ir = host.ir;
  const eligible = ir.eligible;
  const result = (clusters: readonly string[], why: string, scope = 0): PublicChoice => ({ clusters, regions: regionsOf(host, clusters), why, scope });
  if (eligible.length === 0) return result([], 'no cluster is healthy and onNoHealthyRegion is NoAnswer');
  const open = ir.noHealthy ? 'no cluster is healthy, failing open: ' : '';
  const s = ir.strategy;
  switch (s.type) {
    case 'RoundRobin':
      return result(eligible, `${open}every ${ir.noHealthy ? 'undrained' : 'healthy'} cluster`);
    case 'Weighted': {
      const weights = new Map(s.weights.map((w) => [w.cluster, w.weight]));
      let pool = eligible.map((c) => ({ cluster: c, weight: weights.get(c) ?? 0 })).filter((w) => w.weight > 0);
      const even = pool.length === 0;
      if (even) pool = eligible.map((c) => ({ cluster: c, weight: 1 }));
      const total = pool.reduce((sum, w) => sum + w.weight, 0);
      let at = Math.min(Math.max(draw, 0), 0.999999999) * total;
      const picked = pool.find((w) => (at -= w.weight) < 0) ?? pool[pool.length - 1];
      const shares = pool.map((w) => `${w.cluster} ${String(w.weight)}/${String(total)}`).join(', ');
      return result(picked === undefined ? [] : [picked.cluster], `${open}drawn by weight among ${shares}${even ? ' (no eligible cluster has a weight above 0: drawn alike)' : ''}`);
    }
    case 'Failover': {
      const ok = new Set(eligible);
      for (const [i, group] of s.order.entries()) {
        const chosen = group.filter((c) => ok.has(c));
        if (chosen.length > 0) return result(chosen, `${open}${i === 0 ? 'the primary' : `fallback ${String(i)} (the ones before it have no eligible cluster)`}: ${group.join(', ')}`);
      }
      return result(eligible, `${open}no cluster of the failover order is eligible: every eligible cluster`);
    }
    case 'Geo': {
      const ok = new Set(eligible);
      const client = typeof lazy === 'function' ? lazy() : lazy;
      const ip = client.address;
      const known = ip !== undefined && (client.prefix ?? bits(ip)) > 0;
      const match = known ? geoMatch(host.geo ?? [], ip) : { scope: 0 };
      const region = match.row?.region ?? s.defaultRegion;
      const target = (match.row?.clusters ?? s.defaultClusters).filter((c) => ok.has(c));
      const from = match.row !== undefined ? `client in ${match.row.text} → ${region}` : `${known ? 'client in no subnet' : 'no client address'} → default ${region}`;
      if (target.length > 0) return result(target, `${open}${from}`, match.scope);
      const fallback = s.defaultClusters.filter((c) => ok.has(c));
      if (fallback.length > 0 && match.row !== undefined) return result(fallback, `${open}${from} has no eligible cluster → default ${s.defaultRegion}`, match.scope);
      return result(eligible, `${open}${from} has no eligible cluster → every eligible cluster`, match.scope);
    }
  }
}

/** The address records of a choice for `type` (A or AAAA), in cluster order. */
function addressRecords(host: PublicHostEntry, choice: PublicChoice, type: 'A' | 'AAAA'): DnsRecord[] {
  const out: DnsRecord[] = [];
  const seen = new Set<string>();
  for (const c of choice.clusters) {
    const a = host.clusters.get(c);
    for (const data of (type === 'A' ? a?.v4 : a?.v6) ?? []) {
      if (seen.has(data)) continue;
      seen.add(data);
      out.push({ type, name: host.ir.hostname, ttl: host.ir.ttlSeconds, data });
    }
  }
  return out;
}

/** Every rotation of a record list (round robin across queries), built once per choice. */
function rotations(records: readonly DnsRecord[]): readonly (readonly DnsRecord[])[] {
  if (records.length < 2) return [records];
  return records.map((_, k) => [...records.slice(k), ...records.slice(0, k)]);
}

/** A choice with its records built: what a query about the hostname is answered with. */
interface BuiltChoice {
  readonly host: PublicHostChoice;
  readonly a: readonly (readonly DnsRecord[])[];
  readonly aaaa: readonly (readonly DnsRecord[])[];
}

function build(entry: PublicHostEntry, choice: PublicChoice): BuiltChoice {
  return { host: { hostname: entry.ir.hostname, strategy: entry.ir.strategy.type, choice }, a: rotations(addressRecords(entry, choice, 'A')), aaaa: rotations(addressRecords(entry, choice, 'AAAA')) };
}

// Choices that do not depend on the client, built once per index version (entries are
// immutable, so identity is a safe key): RoundRobin and Failover have one, Weighted one per
// cluster it can draw. Geo is computed per query.
const fixed = new WeakMap<PublicHostEntry, { one?: BuiltChoice; byCluster?: ReadonlyMap<string, BuiltChoice> }>();

function builtChoice(entry: PublicHostEntry, client: LazyClient, draw: number): BuiltChoice {
  const type = entry.ir.strategy.type;
  if (type === 'Geo') return build(entry, chooseClusters(entry, client, draw));
  let memo = fixed.get(entry);
  if (memo === undefined) {
    memo = type === 'Weighted' ? { byCluster: new Map() } : { one: build(entry, chooseClusters(entry, client, draw)) };
    fixed.set(entry, memo);
  }
  if (memo.one !== undefined) return memo.one;
  const choice = chooseClusters(entry, client, draw);
  const key = choice.clusters.join(',');
  const byCluster = memo.byCluster as Map<string, BuiltChoice>;
  let built = byCluster.get(key);
  if (built === undefined) {
    built = build(entry, choice);
    byCluster.set(key, built);
  }
  return built;
}

/**
 * Answers `question` from the public zones, or undefined when the name lies in none of them.
 * `draw` in [0, 1) and `rotate` are the per-query randomness and counter.
 */
export function answerPublic(index: PublicDnsIndex, question: DnsQuestion, client: LazyClient, draw: number, rotate: number): PublicAnswer | undefined {
  if (index.zones.length === 0) return undefined;
  const asked = question.name.endsWith('.') ? question.name.slice(0, -1) : question.name;
  const key = normalizeName(asked);
  const node = index.names.get(key);
  const zone = node?.zone ?? publicZoneOf(index, key);
  if (zone === undefined) return undefined;
  const negative = { authority: zone.negativeAuthority, authoritative: true as const, scope: 0 };
  const klass = (question.class ?? 'IN').toUpperCase();
  const type = question.type.toUpperCase();
  if ((klass !== 'IN' && klass !== 'ANY') || type === 'AXFR' || type === 'IXFR') return { rcode: 'REFUSED', answers: [], authoritative: true, scope: 0 };
  if (node === undefined) return { rcode: 'NXDOMAIN', answers: [], ...negative };

  // Answer with the owner name as asked: resolvers using 0x20 case randomisation compare it.
  const named = (records: readonly DnsRecord[]): readonly DnsRecord[] => (asked === key ? records : records.map((r) => ({ ...r, name: asked })));
  let records: readonly DnsRecord[] = node.kind === 'host' ? [] : named(staticRecords(node).filter((r) => type === 'ANY' || r.type === type));
  let host: PublicAnswer['host'];
  const entry = node.kind === 'host' || node.kind === 'apex' ? node.host : undefined;
  if (entry !== undefined && (type === 'A' || type === 'AAAA' || type === 'ANY')) {
    const built = builtChoice(entry, client, draw);
    host = built.host;
    const pick = (list: readonly (readonly DnsRecord[])[]): readonly DnsRecord[] => list[rotate % list.length] ?? [];
    const found = type === 'A' ? pick(built.a) : type === 'AAAA' ? pick(built.aaaa) : [...pick(built.a), ...pick(built.aaaa)];
    records = records.length === 0 ? named(found) : [...records, ...named(found)];
  }
  const scope = host?.choice.scope ?? 0;
  if (records.length === 0) return { rcode: 'NOERROR', answers: [], ...negative, scope, ...(host !== undefined ? { host } : {}) };
  const additional = type === 'NS' || (type === 'ANY' && node.kind === 'apex') ? zone.glue : undefined;
  return { rcode: 'NOERROR', answers: records, authoritative: true, scope, ...(additional !== undefined && additional.length > 0 ? { additional } : {}), ...(host !== undefined ? { host } : {}) };
}
