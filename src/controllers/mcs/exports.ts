/**
 * Assessing every ServiceExport of the member clusters: is it valid (KEP "Service
 * types": a Service must exist and must not be ExternalName), how old is it, and,
 * when valid, what it contributes to the merge.
 * @module
 */
import { parseIP, type IPFamily } from '../../lib/index.ts';
import type { ClusterName, Service, ServiceExport } from '../../api/index.ts';
import type { InvalidReason } from './conditions.ts';
import { nsName, type FleetIndex } from './fleet-index.ts';
import { exportAge } from './order.ts';
import type { Constituent, ImportPort, IPFamilyName } from './types.ts';

/** One export with the translator's verdict on it. */
export interface AssessedExport {
  readonly cluster: ClusterName;
  /** `cluster/ns/name`: the key of the persisted firstSeen and conditions. */
  readonly key: string;
  /** `ns/name`: the ServiceImport it feeds. */
  readonly importKey: string;
  readonly export: ServiceExport;
  /** Set when the export is `Valid=False`. */
  readonly invalid?: { readonly reason: InvalidReason; readonly message: string };
  /** Set when the export is valid. */
  readonly constituent?: Constituent;
}

/** `cluster/ns/name`. */
export function exportKey(cluster: string, namespace: string | undefined, name: string): string {
  return `${cluster}/${nsName(namespace, name)}`;
}

const FAMILY_NAMES: Readonly<Record<IPFamily, IPFamilyName>> = { 4: 'IPv4', 6: 'IPv6' };

/** The Service's IP families: declared, or read off its cluster IPs; undefined when neither says. */
function serviceIPFamilies(service: Service): IPFamilyName[] | undefined {
  if (service.spec.ipFamilies !== undefined && service.spec.ipFamilies.length > 0) return [...service.spec.ipFamilies];
  const ips = service.spec.clusterIPs ?? (service.spec.clusterIP !== undefined ? [service.spec.clusterIP] : []);
  const families = ips.flatMap((ip) => {
    const parsed = parseIP(ip);
    return parsed === undefined ? [] : [FAMILY_NAMES[parsed.family]];
  });
  return families.length > 0 ? families : undefined;
}

function isHeadless(service: Service): boolean {
  return service.spec.clusterIP === 'None' || service.spec.clusterIPs?.[0] === 'None';
}

function importPort(port: NonNullable<Service['spec']['ports']>[number]): ImportPort {
  // Key order is name, protocol, appProtocol, port, as the mcs-api type declares them.
  return {
    ...(port.name !== undefined && port.name !== '' ? { name: port.name } : {}),
    protocol: port.protocol,
    ...(port.appProtocol !== undefined ? { appProtocol: port.appProtocol } : {}),
    port: port.port,
  };
}

function constituentOf(cluster: ClusterName, time: number, service: Service, serviceExport: ServiceExport): Constituent {
  const { spec } = service;
  const ipFamilies = serviceIPFamilies(service);
  return {
    cluster,
    time,
    service,
    // NodePort and LoadBalancer Services export as ClusterSetIP; their node ports stay local (KEP "Service types").
    type: isHeadless(service) ? 'Headless' : 'ClusterSetIP',
    ports: (spec.ports ?? []).map(importPort),
    sessionAffinity: spec.sessionAffinity,
    ...(spec.sessionAffinityConfig !== undefined ? { sessionAffinityConfig: spec.sessionAffinityConfig } : {}),
    ...(ipFamilies !== undefined ? { ipFamilies } : {}),
    ...(spec.internalTrafficPolicy !== undefined ? { internalTrafficPolicy: spec.internalTrafficPolicy } : {}),
    ...(spec.trafficDistribution !== undefined ? { trafficDistribution: spec.trafficDistribution } : {}),
    labels: serviceExport.spec?.exportedLabels ?? {},
    annotations: serviceExport.spec?.exportedAnnotations ?? {},
  };
}

/**
 * Assesses one export of `cluster`, whose Service there is `service` (undefined: none), and returns the
 * first-seen entry to persist for it (only when the manifest has no creationTimestamp).
 */
export function assessExport(
  cluster: ClusterName,
  serviceExport: ServiceExport,
  service: Service | undefined,
  previousFirstSeen: Readonly<Record<string, string>>,
  now: string,
): { assessed: AssessedExport; firstSeen?: string } {
  const { namespace, name, creationTimestamp } = serviceExport.metadata;
  const key = exportKey(cluster, namespace, name);
  const importKey = nsName(namespace, name);
  const age = exportAge(creationTimestamp, previousFirstSeen[key], now);
  const seen = age.firstSeen !== undefined ? { firstSeen: age.firstSeen } : {};
  const base = { cluster, key, importKey, export: serviceExport };
  if (service === undefined) {
    return { assessed: { ...base, invalid: { reason: 'NoService', message: `Service "${importKey}" does not exist in cluster "${cluster}".` } }, ...seen };
  }
  if (service.spec.type === 'ExternalName') {
    return {
      assessed: {
        ...base,
        invalid: { reason: 'InvalidServiceType', message: `Service "${importKey}" is of type ExternalName, which cannot be exported; create it in each cluster instead.` },
      },
      ...seen,
    };
  }
  return { assessed: { ...base, constituent: constituentOf(cluster, age.time, service, serviceExport) }, ...seen };
}

/**
 * Assesses every export of every member cluster, in (cluster, namespace, name) order, and
 * returns the firstSeen map to persist: entries for current exports without a
 * creationTimestamp, plus the previous entries of members whose snapshot is missing (an
 * unreported cluster is unknown, not empty, and must not lose its precedence).
 */
export function assessExports(
  index: FleetIndex,
  previousFirstSeen: Readonly<Record<string, string>>,
  now: string,
): { exports: AssessedExport[]; firstSeen: Record<string, string> } {
  const firstSeen = keptForUnreported(previousFirstSeen, index);
  const exports: AssessedExport[] = [];
  for (const member of index.members) {
    for (const serviceExport of member.exports) {
      const service = member.services.get(nsName(serviceExport.metadata.namespace, serviceExport.metadata.name));
      const one = assessExport(member.name, serviceExport, service, previousFirstSeen, now);
      if (one.firstSeen !== undefined) firstSeen[one.assessed.key] = one.firstSeen;
      exports.push(one.assessed);
    }
  }
  return { exports, firstSeen: sortRecord(firstSeen) };
}

/**
 * The entries of a `cluster/ns/name`-keyed record that belong to members without a snapshot
 * this run: such a cluster is unknown, not empty, so what was persisted for it is kept.
 * Entries of clusters that left the ClusterSet are dropped.
 */
export function keptForUnreported<V>(previous: Readonly<Record<string, V>> | undefined, index: FleetIndex): Record<string, V> {
  // Every member reported: nothing to keep (entries of clusters that left are dropped anyway).
  if (index.members.length === index.memberNames.size) return {};
  const reported = new Set<string>(index.members.map((m) => m.name));
  const kept: Record<string, V> = {};
  for (const [key, value] of Object.entries(previous ?? {})) {
    const cluster = key.slice(0, key.indexOf('/'));
    if (index.memberNames.has(cluster) && !reported.has(cluster)) kept[key] = value;
  }
  return kept;
}

/**
 * {@link sortRecord} of `next`, cheaper when `next` has exactly the keys of `previous` (itself sorted):
 * then they are taken in `previous`'s order, and when every value is also the same, `previous` itself
 * is returned (so an unchanged state is the same object).
 */
export function stableRecord<V>(previous: Readonly<Record<string, V>> | undefined, next: Readonly<Record<string, V>>): Record<string, V> {
  if (previous === undefined) return sortRecord(next);
  const keys = Object.keys(previous);
  if (keys.length !== Object.keys(next).length || !keys.every((k) => Object.hasOwn(next, k))) return sortRecord(next);
  if (keys.every((k) => next[k] === previous[k])) return previous as Record<string, V>;
  const ordered: Record<string, V> = {};
  for (const key of keys) ordered[key] = next[key] as V;
  return ordered;
}

/** A copy with keys in sorted order, so persisted state and goldens never depend on insertion order. */
export function sortRecord<V>(record: Readonly<Record<string, V>>): Record<string, V> {
  const sorted: Record<string, V> = {};
  for (const key of Object.keys(record).sort()) sorted[key] = record[key] as V;
  return sorted;
}
