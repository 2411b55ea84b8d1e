/**
 * The GSLB translator (issue 18): DNSPolicies + the Gateway IR + health → the public DNS IR,
 * the DNSPolicies' status, and the probes to send. Pure: same input, same output.
 *
 * Attachment follows GEP-713 as TrafficPolicy does (controllers/gateway/policies.ts): a policy
 * targets Gateways in its own namespace (optionally one listener); every cluster's Gateway of
 * that name contributes its addresses; when two policies target the same Gateway, or claim the
 * same hostname through different Gateways, the oldest (creationTimestamp, then
 * namespace/name) wins and the other says so in its conditions. A hostname is answered only
 * inside a zone its policy declares; wildcard hostnames cannot be answered and are listed as
 * skipped.
 * @module
 */
import type { Cluster, DNSPolicy, Sourced } from '../../api/index.ts';
import { durationSeconds } from '../../api/index.ts';
import type { PublicHostIR, PublicZoneIR } from '../../ir/index.ts';
import { compareStrings } from '../../lib/index.ts';
import { buildHost, type Places } from './host.ts';
import { servedHosts, upstreamsByKey, type ServedHost } from './served.ts';
import { dnsPolicyStatus, type AttachOutcome } from './status.ts';
import type { DNSPolicyWithStatus, GslbInput, GslbResult, ProbeTarget } from './types.ts';

/** TTL of the SOA and NS RRsets: they change only with the config. */
const ZONE_RECORD_TTL = 3600;

const nsName = (namespace: string | undefined, name: string): string => `${namespace ?? 'default'}/${name}`;

function timestamp(value: unknown): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isNaN(ms) ? Number.MAX_SAFE_INTEGER : ms;
}

/** Oldest first (creationTimestamp, then namespace/name): the winner of a conflict comes first. */
function byAge(a: DNSPolicy, b: DNSPolicy): number {
  return timestamp(a.metadata.creationTimestamp) - timestamp(b.metadata.creationTimestamp) || compareStrings(nsName(a.metadata.namespace, a.metadata.name), nsName(b.metadata.namespace, b.metadata.name));
}

/** The longest declared zone holding `hostname`, if any. */
function zoneOf(hostname: string, policy: DNSPolicy): string | undefined {
  let best: string | undefined;
  for (const z of policy.spec.zones) {
    const zone = z.name.toLowerCase();
    if ((hostname === zone || hostname.endsWith(`.${zone}`)) && (best === undefined || zone.length > best.length)) best = zone;
  }
  return best;
}

function places(clusters: readonly Cluster[]): Places {
  const regionOf = new Map(clusters.map((c) => [c.metadata.name, c.spec.region]));
  const clustersOf = new Map<string, string[]>();
  for (const c of [...clusters].sort((a, b) => compareStrings(a.metadata.name, b.metadata.name))) {
    clustersOf.set(c.spec.region, [...(clustersOf.get(c.spec.region) ?? []), c.metadata.name]);
  }
  return { regionOf, clustersOf };
}

/** The zone of `policy` named `zone`, as IR (without hosts). */
function zoneIR(policy: DNSPolicy, policyKey: string, zone: string, serial: number): Omit<PublicZoneIR, 'hosts'> {
  const z = policy.spec.zones.find((x) => x.name.toLowerCase() === zone);
  const nameServers = (z?.nameServers ?? []).map((ns) => {
    const name = ns.name.toLowerCase();
    const inside = name === zone || name.endsWith(`.${zone}`);
    // Glue only for servers inside the zone: out-of-zone addresses are not ours to publish.
    return { name, addresses: inside ? [...(ns.addresses ?? [])].sort(compareStrings) : [] };
  });
  const soa = z?.soa;
  return {
    zone,
    policy: policyKey,
    soa: {
      mname: nameServers[0]?.name ?? zone,
      rname: (soa?.rname ?? `hostmaster.${zone}`).toLowerCase(),
      serial,
      refresh: durationSeconds(soa?.refresh ?? '1h'),
      retry: durationSeconds(soa?.retry ?? '10m'),
      expire: durationSeconds(soa?.expire ?? '336h'),
      minimum: durationSeconds(soa?.negativeTTL ?? '30s'),
    },
    ttlSeconds: ZONE_RECORD_TTL,
    nameServers,
  };
}

/** Translates the fleet's DNSPolicies into the public DNS IR and their status. */
export function translateGslb(input: GslbInput): GslbResult {
  const objects = (kind: string): unknown[] => input.fleetObjects.filter((s: Sourced) => s.object.kind === kind).map((s) => s.object);
  const policies = (objects('DNSPolicy') as DNSPolicy[]).sort(byAge);
  const where = places(objects('Cluster') as Cluster[]);
  const served = servedHosts(input.gateway);
  const upstreams = upstreamsByKey(input.gateway);
  const serial = input.serial ?? 1;

  const claimedGateways = new Map<string, string>();
  const claimedHosts = new Map<string, string>();
  const zones = new Map<string, { zone: Omit<PublicZoneIR, 'hosts'>; hosts: PublicHostIR[] }>();
  const probes: ProbeTarget[] = [];
  const statuses: DNSPolicyWithStatus[] = [];

  for (const policy of policies) {
    const ns = policy.metadata.namespace ?? 'default';
    const key = nsName(ns, policy.metadata.name);
    const outcome: AttachOutcome = { gateways: [], conflicts: [], missing: [], hostnames: [], skipped: [] };
    const mine: ServedHost[] = [];
    for (const ref of policy.spec.targetRefs) {
      const gw = nsName(ns, ref.name);
      const shown = `Gateway ${ref.name}${ref.sectionName !== undefined ? ` (listener ${ref.sectionName})` : ''}`;
      const owner = claimedGateways.get(`${gw}#`) ?? claimedGateways.get(`${gw}#${ref.sectionName ?? ''}`) ?? (ref.sectionName === undefined ? [...claimedGateways].find(([k]) => k.startsWith(`${gw}#`))?.[1] : undefined);
      if (owner !== undefined && owner !== key) {
        outcome.conflicts.push(`${shown} is already targeted by the older DNSPolicy ${owner}`);
        continue;
      }
      const entries = served.filter((s) => s.gateway === gw && (ref.sectionName === undefined || s.listener === ref.sectionName));
      if (entries.length === 0) {
        outcome.missing.push(shown);
        continue;
      }
      claimedGateways.set(`${gw}#${ref.sectionName ?? ''}`, key);
      outcome.gateways.push(shown);
      mine.push(...entries);
    }

    const byHost = new Map<string, ServedHost[]>();
    for (const s of mine) byHost.set(s.hostname, [...(byHost.get(s.hostname) ?? []), s]);
    for (const hostname of [...byHost.keys()].sort(compareStrings)) {
      if (hostname.includes('*')) {
        outcome.skipped.push(`${hostname} (a wildcard cannot be answered)`);
        continue;
      }
      const zone = zoneOf(hostname, policy);
      if (zone === undefined) {
        outcome.skipped.push(`${hostname} (in no declared zone)`);
        continue;
      }
      const owner = claimedHosts.get(hostname);
      if (owner !== undefined && owner !== key) {
        outcome.skipped.push(`${hostname} (already answered by the older DNSPolicy ${owner})`);
        continue;
      }
      claimedHosts.set(hostname, key);
      // The first policy to declare a zone sets its SOA and NS (validation refuses differing copies).
      let entry = zones.get(zone);
      if (entry === undefined) {
        entry = { zone: zoneIR(policy, key, zone, serial), hosts: [] };
        zones.set(zone, entry);
      }
      const built = buildHost(hostname, key, policy, byHost.get(hostname) ?? [], upstreams, where, input);
      entry.hosts.push(built.host);
      probes.push(...built.probes);
      outcome.hostnames.push(hostname);
    }
    // A declared zone is served even before any hostname lands in it: the delegation must answer SOA and NS.
    for (const z of policy.spec.zones) {
      const zone = z.name.toLowerCase();
      if (outcome.gateways.length > 0 && !zones.has(zone)) zones.set(zone, { zone: zoneIR(policy, key, zone, serial), hosts: [] });
    }
    const before = input.previous?.find((p) => nsName(p.metadata.namespace, p.metadata.name) === key);
    statuses.push({ ...policy, status: { conditions: dnsPolicyStatus(outcome, policy.metadata.generation, before?.status.conditions, input.now) } });
  }

  const zoneList: PublicZoneIR[] = [...zones.values()]
    .map(({ zone, hosts }) => ({ ...zone, hosts: hosts.sort((a, b) => compareStrings(a.hostname, b.hostname)) }))
    .sort((a, b) => compareStrings(a.zone, b.zone));
  return {
    ir: { zones: zoneList },
    dnsPolicies: statuses.sort((a, b) => compareStrings(nsName(a.metadata.namespace, a.metadata.name), nsName(b.metadata.namespace, b.metadata.name))),
    probes: probes.sort((a, b) => compareStrings(a.key, b.key)),
  };
}
