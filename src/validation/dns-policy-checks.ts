/**
 * Cross-object checks of DNSPolicies (issue 18): the clusters and regions a strategy names
 * exist, the Gateways it targets exist somewhere in the fleet, a Gateway has one DNSPolicy,
 * a zone declared twice is declared the same way, and no public zone overlaps the
 * ClusterSet's own `clusterset.local`-style zone. Contradictions inside one policy are the
 * schema's job (api/dns-policy.ts). Pure: decoded objects in, located issues out.
 * @module
 */
import { isDeepStrictEqual } from 'node:util';
import { type Cluster, type ClusterSet, type DNSPolicy, type Gateway, type Issue, type Sourced } from '../api/index.ts';
import type { Locator } from './fleet-checks.ts';
import { issueAt } from './issues.ts';

const nsName = (namespace: string | undefined, name: string): string => `${namespace ?? 'default'}/${name}`;

/** True when `name` is `zone` or lies below it (names already lowercase). */
function within(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

/** Runs the DNSPolicy checks; `invalidClusters` names Cluster objects that failed their own checks. */
export function checkDnsPolicies(objects: readonly Sourced[], locate: Locator, invalidClusters: ReadonlySet<string> = new Set()): Issue[] {
  const issues: Issue[] = [];
  const at = issueAt(issues, locate);
  const clusters = objects.filter((s) => s.object.kind === 'Cluster').map((s) => s.object as Cluster);
  const clusterNames = new Set([...clusters.map((c) => c.metadata.name), ...invalidClusters]);
  const regions = new Set(clusters.map((c) => c.spec.region));
  const gateways = new Set(objects.filter((s) => s.object.kind === 'Gateway').map((s) => nsName(s.object.metadata.namespace, (s.object as Gateway).metadata.name)));
  const setZones = objects.filter((s) => s.object.kind === 'ClusterSet').map((s) => (s.object as ClusterSet).spec.dnsZone.toLowerCase());
  const placeExists = (name: string): boolean => clusterNames.has(name) || regions.has(name);
  const notAPlace = (name: string): string => `"${name}" is neither a cluster in the inventory nor the region of one`;

  const targetedBy = new Map<string, Sourced>();
  const zoneBy = new Map<string, { s: Sourced; zone: unknown }>();
  const seen = new Set<string>();
  for (const s of objects) {
    if (s.object.kind !== 'DNSPolicy' || s.cluster !== undefined) continue;
    const key = nsName(s.object.metadata.namespace, s.object.metadata.name);
    // A second definition is already a duplicate-object error (fleet-checks).
    if (seen.has(key)) continue;
    seen.add(key);
    const policy = s.object as DNSPolicy;
    const ns = policy.metadata.namespace ?? 'default';
    const { strategy } = policy.spec;

    for (const cluster of Object.keys(strategy.weights ?? {})) {
      if (!clusterNames.has(cluster)) at(s, ['spec', 'strategy', 'weights', cluster], `cluster "${cluster}" is not in the inventory (no Cluster object named "${cluster}")`);
    }
    if (strategy.failover !== undefined) {
      if (!placeExists(strategy.failover.primary)) at(s, ['spec', 'strategy', 'failover', 'primary'], notAPlace(strategy.failover.primary));
      strategy.failover.then.forEach((name, i) => {
        if (!placeExists(name)) at(s, ['spec', 'strategy', 'failover', 'then', i], notAPlace(name));
      });
    }
    if (strategy.geo !== undefined) {
      if (!placeExists(strategy.geo.defaultRegion)) at(s, ['spec', 'strategy', 'geo', 'defaultRegion'], notAPlace(strategy.geo.defaultRegion));
      strategy.geo.subnets.forEach((row, i) => {
        if (!placeExists(row.region)) at(s, ['spec', 'strategy', 'geo', 'subnets', i, 'region'], notAPlace(row.region));
      });
    }

    policy.spec.targetRefs.forEach((ref, i) => {
      const gw = nsName(ns, ref.name);
      const other = targetedBy.get(`${gw}#${ref.sectionName ?? ''}`) ?? (ref.sectionName !== undefined ? targetedBy.get(`${gw}#`) : undefined);
      if (other !== undefined) {
        at(s, ['spec', 'targetRefs', i], `Gateway ${gw} is already the target of DNSPolicy ${other.object.metadata.name} (${other.origin.file}:${String(other.origin.line)}); a Gateway has one DNS policy`);
      } else targetedBy.set(`${gw}#${ref.sectionName ?? ''}`, s);
      if (!gateways.has(gw)) at(s, ['spec', 'targetRefs', i], `no cluster has a Gateway ${gw}; the policy applies once one exists`, 'warning');
    });

    policy.spec.zones.forEach((zone, i) => {
      const name = zone.name.toLowerCase();
      const setZone = setZones.find((z) => within(name, z) || within(z, name));
      if (setZone !== undefined) {
        at(s, ['spec', 'zones', i, 'name'], `overlaps the ClusterSet DNS zone "${setZone}", which Lintas serves from the MCS API; public hostnames need a zone of their own`);
      }
      const first = zoneBy.get(name);
      if (first === undefined) zoneBy.set(name, { s, zone: { ...zone, name } });
      else if (!isDeepStrictEqual(first.zone, { ...zone, name })) {
        at(s, ['spec', 'zones', i], `zone "${name}" is also declared by DNSPolicy ${first.s.object.metadata.name} (${first.s.origin.file}:${String(first.s.origin.line)}) with other name servers or SOA; declare it the same way in both, or in one policy`);
      }
    });
  }
  return issues;
}
