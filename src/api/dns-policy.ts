/**
 * `lintas.dev/v1alpha1` DNSPolicy: health-driven global entry (GSLB, issue 18; seed 000
 * §6.1 and §16, seed 001 §7.1). It attaches to Gateways through `targetRefs` (GEP-713 direct
 * attachment, targets in the policy's own namespace; every cluster's Gateway of that name
 * contributes its addresses) and makes Lintas authoritative for the hostnames of the
 * HTTPRoutes attached to them, inside the zones it declares (SOA, NS, RFC 2308 negative
 * caching). Which clusters a query is answered with is the strategy's choice among the healthy
 * ones: RoundRobin, Weighted, Failover or Geo (RFC 7871 client subnet, else the resolver's
 * address). Modelled on Kuadrant's DNSPolicy and k8gb's Gslb strategies.
 *
 * The superRefine rules play the part of a CRD's CEL validations; cross-object checks (the
 * clusters and regions named exist, zones do not collide) live in
 * validation/dns-policy-checks.ts.
 * @module
 */
import { z } from 'zod';
import { CIDR, DNSSubdomain, GatewayDuration, IPAddress } from './fields.ts';
import { GATEWAY_GROUP, SectionName } from './gateway.ts';
import { LINTAS_V1ALPHA1 } from './lintas.ts';
import { ObjectMeta } from './meta.ts';
import { ClusterWeights, HTTPRequestPath } from './traffic-policy.ts';
import { parseGatewayDuration } from '../lib/index.ts';

/** A Gateway the policy attaches to, in the policy's namespace; `sectionName` narrows it to one listener. */
export const DNSPolicyTargetRef = z.looseObject({
  group: z.literal(GATEWAY_GROUP).default(GATEWAY_GROUP),
  kind: z.literal('Gateway'),
  name: DNSSubdomain,
  sectionName: SectionName.optional(),
});
/** A DNSPolicy target with its group filled in. */
export type DNSPolicyTargetRef = z.infer<typeof DNSPolicyTargetRef>;

/** Whole seconds of a duration field (the SOA counters and TTLs are 32-bit seconds). */
export function durationSeconds(value: string): number {
  return Math.floor((parseGatewayDuration(value) ?? 0) / 1000);
}

/** A duration that must lie within [min, max] whole seconds. */
function secondsBetween(min: number, max: number, why: string) {
  return GatewayDuration.superRefine((value, ctx) => {
    const ms = parseGatewayDuration(value);
    if (ms !== undefined && (ms < min * 1000 || ms > max * 1000)) ctx.addIssue({ code: 'custom', message: `must be from ${String(min)}s to ${String(max)}s: ${why}, got ${value}` });
  });
}

/** One name server of a zone: the NS record's target and, for a server inside the zone, its glue addresses. */
export const DNSNameServer = z.looseObject({
  name: DNSSubdomain,
  addresses: z.array(IPAddress).optional(),
});

/**
 * The zone's SOA (RFC 1035 §3.3.13). `negativeTTL` is the SOA MINIMUM field, which RFC 2308
 * made the TTL of negative answers: resolvers cache NXDOMAIN and NODATA that long.
 */
export const DNSZoneSOA = z.looseObject({
  /** The mailbox of the zone's admin as a name (`hostmaster.example.com`); default `hostmaster.<zone>`. */
  rname: DNSSubdomain.optional(),
  refresh: GatewayDuration.default('1h'),
  retry: GatewayDuration.default('10m'),
  expire: GatewayDuration.default('336h'),
  // RFC 2308 §5: one to three hours work well for negative caching; a day is the hard ceiling here.
  negativeTTL: secondsBetween(0, 86400, 'it is how long resolvers cache a name that does not exist').default('30s'),
});

/** A zone Lintas is authoritative for; the hostnames it answers must lie inside one. */
export const DNSZone = z
  .looseObject({
    /** The zone apex, e.g. `example.com`. */
    name: DNSSubdomain,
    nameServers: z.array(DNSNameServer).min(1, 'must list at least one name server (the NS records the parent zone delegates to)'),
    soa: DNSZoneSOA.prefault({}),
  })
  .superRefine((zone, ctx) => {
    const apex = zone.name.toLowerCase();
    zone.nameServers.forEach((ns, i) => {
      const inside = ns.name.toLowerCase() === apex || ns.name.toLowerCase().endsWith(`.${apex}`);
      if (inside && (ns.addresses === undefined || ns.addresses.length === 0)) {
        ctx.addIssue({ code: 'custom', path: ['nameServers', i, 'addresses'], message: `is required: ${ns.name} lies inside ${zone.name}, so resolvers need its addresses (glue) to reach it` });
      }
    });
    const names = zone.nameServers.map((ns) => ns.name.toLowerCase());
    const seen = new Map<string, number>();
    names.forEach((n, i) => {
      const first = seen.get(n);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['nameServers', i, 'name'], message: `duplicate name server "${n}" (also .nameServers[${String(first)}])` });
      else seen.set(n, i);
    });
  });
/** A declared zone as data. */
export type DNSZone = z.infer<typeof DNSZone>;

/** How a query is answered among the healthy clusters. */
export const DNSStrategyType = z.enum(['RoundRobin', 'Weighted', 'Failover', 'Geo']);
/** RoundRobin | Weighted | Failover | Geo. */
export type DNSStrategyType = z.infer<typeof DNSStrategyType>;

/** One row of the Geo table: clients in `cidr` are answered with `region` (a region, or a cluster name). */
export const GeoSubnet = z.looseObject({ cidr: CIDR, region: z.string().min(1) });

/** `spec.strategy`. Each type reads only its own field. */
export const DNSStrategy = z
  .looseObject({
    type: DNSStrategyType.default('RoundRobin'),
    /** Weighted: relative weight per cluster; each query is answered with one cluster, drawn by weight among the healthy ones. */
    weights: ClusterWeights.optional(),
    /** Failover: the primary cluster or region, then the ones to fall back to, in order. */
    failover: z.looseObject({ primary: z.string().min(1), then: z.array(z.string().min(1)).default([]) }).optional(),
    /** Geo: client subnet → region, longest prefix first; clients in no subnet get `defaultRegion`. */
    geo: z.looseObject({ subnets: z.array(GeoSubnet).default([]), defaultRegion: z.string().min(1) }).optional(),
  })
  .superRefine((s, ctx) => {
    if (s.type === 'Weighted') {
      if (s.weights === undefined || Object.keys(s.weights).length === 0) ctx.addIssue({ code: 'custom', path: ['weights'], message: 'is required when type is Weighted: give each cluster a weight' });
      else if (Object.values(s.weights).every((w) => w === 0)) ctx.addIssue({ code: 'custom', path: ['weights'], message: 'must give at least one cluster a weight above 0: with every weight 0, no query is ever answered' });
    }
    if (s.type === 'Failover' && s.failover === undefined) ctx.addIssue({ code: 'custom', path: ['failover'], message: 'is required when type is Failover: name the primary cluster or region and the ones to fall back to' });
    if (s.failover !== undefined) {
      const seen = new Map<string, number>();
      s.failover.then.forEach((name, i) => {
        const first = seen.get(name);
        if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['failover', 'then', i], message: `duplicate cluster or region "${name}" (also .spec.strategy.failover.then[${String(first)}])` });
        else seen.set(name, i);
      });
      const again = s.failover.then.indexOf(s.failover.primary);
      if (again >= 0) ctx.addIssue({ code: 'custom', path: ['failover', 'then', again], message: `"${s.failover.primary}" is already the primary` });
    }
    if (s.type === 'Geo' && s.geo === undefined) ctx.addIssue({ code: 'custom', path: ['geo'], message: 'is required when type is Geo: map client subnets to regions and name a defaultRegion' });
    const cidrs = new Map<string, number>();
    s.geo?.subnets.forEach((row, i) => {
      const first = cidrs.get(row.cidr);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['geo', 'subnets', i, 'cidr'], message: `duplicate subnet ${row.cidr} (also .spec.strategy.geo.subnets[${String(first)}])` });
      else cidrs.set(row.cidr, i);
    });
  });
/** `spec.strategy` as data. */
export type DNSStrategy = z.infer<typeof DNSStrategy>;

/** The probe each cluster's Gateway must answer for each hostname (sent through the Gateway, with that Host). */
export const DNSHealthCheck = z
  .looseObject({
    /** Default: the route backend's health-check path, else `/healthz`. */
    path: HTTPRequestPath.optional(),
    interval: GatewayDuration.default('5s'),
    timeout: GatewayDuration.default('1s'),
    /** Consecutive failures that take a cluster out of the answers. */
    failureThreshold: z.int().min(1).max(100).default(3),
    /** Consecutive successes that bring it back. */
    successThreshold: z.int().min(1).max(100).default(1),
  })
  .superRefine((h, ctx) => {
    const interval = parseGatewayDuration(h.interval);
    const timeout = parseGatewayDuration(h.timeout);
    if (interval === 0) ctx.addIssue({ code: 'custom', path: ['interval'], message: 'must be greater than 0s: probes would run back to back' });
    if (timeout === 0) ctx.addIssue({ code: 'custom', path: ['timeout'], message: 'must be greater than 0s: every probe would time out' });
    if (interval !== undefined && timeout !== undefined && timeout > interval) ctx.addIssue({ code: 'custom', path: ['timeout'], message: `must be less than or equal to interval (${h.interval}): probes would overlap` });
  });

/** What to answer when no cluster is healthy: every cluster (fail open) or nothing (NODATA, with a metric and an alert). */
export const NoHealthyRegion = z.enum(['FailOpen', 'NoAnswer']);
/** FailOpen | NoAnswer. */
export type NoHealthyRegion = z.infer<typeof NoHealthyRegion>;

/** DNSPolicy spec, with defaults filled in. */
export const DNSPolicySpec = z
  .looseObject({
    targetRefs: z.array(DNSPolicyTargetRef).min(1, 'must name at least one Gateway'),
    zones: z.array(DNSZone).min(1, 'must declare at least one zone: Lintas answers only for hostnames inside a zone it is authoritative for'),
    /** TTL of the hostnames' A/AAAA records: with the probe interval × failureThreshold, it bounds how long clients keep a failed region. */
    ttlSeconds: z.int().min(0).max(86400).default(30),
    strategy: DNSStrategy.prefault({}),
    healthCheck: DNSHealthCheck.prefault({}),
    onNoHealthyRegion: NoHealthyRegion.default('FailOpen'),
  })
  .superRefine((spec, ctx) => {
    const targets = new Map<string, number>();
    spec.targetRefs.forEach((ref, i) => {
      const key = `${ref.name}#${ref.sectionName ?? ''}`;
      const first = targets.get(key);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['targetRefs', i], message: `duplicate target (also .spec.targetRefs[${String(first)}])` });
      else targets.set(key, i);
    });
    const zones = spec.zones.map((z) => z.name.toLowerCase());
    zones.forEach((zone, i) => {
      const j = zones.findIndex((other, k) => k !== i && (other === zone || zone.endsWith(`.${other}`)));
      if (j >= 0 && !(zones[j] === zone && j > i)) {
        ctx.addIssue({ code: 'custom', path: ['zones', i, 'name'], message: zones[j] === zone ? `duplicate zone "${zone}" (also .spec.zones[${String(j)}])` : `"${zone}" lies inside .spec.zones[${String(j)}] "${zones[j] ?? ''}": declare delegated subzones in another policy, or drop one` });
      }
    });
  });
/** DNSPolicy spec as data. */
export type DNSPolicySpec = z.infer<typeof DNSPolicySpec>;

/** `lintas.dev/v1alpha1` DNSPolicy (namespaced, fleet-scoped: one policy for every cluster's copy of its Gateways). */
export const DNSPolicy = z.looseObject({
  apiVersion: z.literal(LINTAS_V1ALPHA1),
  kind: z.literal('DNSPolicy'),
  metadata: ObjectMeta.extend({ name: DNSSubdomain }),
  spec: DNSPolicySpec,
});
/** DNSPolicy as data. */
export type DNSPolicy = z.infer<typeof DNSPolicy>;
