/**
 * Reads what MCS needs out of a FleetSnapshot: the ClusterSet, and for each member
 * cluster its namespaces, Services, EndpointSlices (by Service) and ServiceExports.
 * @module
 */
import {
  MANAGED_BY_LABEL,
  MCS_SOURCE_CLUSTER_LABEL,
  SERVICE_NAME_LABEL,
  clusterName,
  type Cluster,
  type ClusterName,
  type ClusterSet,
  type ClusterSnapshot,
  type EndpointSlice,
  type FleetSnapshot,
  type Service,
  type ServiceExport,
  type Sourced,
} from '../../api/index.ts';
import { compareStrings as compare } from '../../lib/index.ts';

/** Namespaces every Kubernetes cluster has without declaring them (namespace sameness counts them as present). */
export const BUILTIN_NAMESPACES: ReadonlySet<string> = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

/** One ClusterSet member, indexed. Keys are `ns/name`. */
export interface MemberCluster {
  readonly name: ClusterName;
  readonly region?: string;
  readonly network?: string;
  /** What the member was indexed from: an unchanged snapshot (same array, same Cluster) reuses the index. */
  readonly objects: readonly Sourced[];
  readonly inventory: Cluster | undefined;
  readonly namespaces: ReadonlySet<string>;
  readonly services: ReadonlyMap<string, Service>;
  /** Source EndpointSlices by the `ns/name` of their Service. */
  readonly slices: ReadonlyMap<string, readonly EndpointSlice[]>;
  /** Sorted by namespace and name; one per `ns/name` (v1alpha1 and v1beta1 are the same object). */
  readonly exports: readonly ServiceExport[];
}

/** The ClusterSet and its members that have a snapshot, sorted by name. */
export interface FleetIndex {
  readonly clusterSet: ClusterSet;
  /** Every name in `spec.clusters`, including members whose snapshot is missing. */
  readonly memberNames: ReadonlySet<string>;
  readonly members: readonly MemberCluster[];
}

/** `ns/name`. */
export function nsName(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

/** Slices the upstream endpoint slice controller (or anyone but an MCS controller) wrote for a Service. */
function isSourceSlice(slice: EndpointSlice): boolean {
  const labels = slice.metadata.labels ?? {};
  // Imported slices (ours or another MCS controller's) must never be re-exported: that would loop.
  return labels[SERVICE_NAME_LABEL] !== undefined && labels[MCS_SOURCE_CLUSTER_LABEL] === undefined && labels[MANAGED_BY_LABEL] !== 'lintas.dev';
}

function indexMember(name: ClusterName, cluster: Cluster | undefined, objects: ClusterSnapshot): MemberCluster {
  const namespaces = new Set(BUILTIN_NAMESPACES);
  const services = new Map<string, Service>();
  const slices = new Map<string, EndpointSlice[]>();
  const exports = new Map<string, ServiceExport>();
  for (const { object } of objects.objects) {
    switch (object.kind) {
      case 'Namespace':
        namespaces.add(object.metadata.name);
        break;
      case 'Service':
        services.set(nsName(object.metadata.namespace, object.metadata.name), object);
        break;
      case 'EndpointSlice': {
        if (!isSourceSlice(object)) break;
        const key = nsName(object.metadata.namespace, object.metadata.labels?.[SERVICE_NAME_LABEL] ?? '');
        const list = slices.get(key);
        if (list === undefined) slices.set(key, [object]);
        else list.push(object);
        break;
      }
      case 'ServiceExport': {
        const key = nsName(object.metadata.namespace, object.metadata.name);
        // Validation reports duplicates; the first one (snapshot order) is the one that counts.
        if (!exports.has(key)) exports.set(key, object);
        break;
      }
      default:
        break;
    }
  }
  // Sorted by (namespace, name), not by the `ns/name` key, where `-` would sort before `/`.
  const sortedExports = [...exports.values()].sort(
    (a, b) => compare(a.metadata.namespace ?? '', b.metadata.namespace ?? '') || compare(a.metadata.name, b.metadata.name),
  );
  return {
    name,
    ...(cluster?.spec.region !== undefined ? { region: cluster.spec.region } : {}),
    ...(cluster?.spec.network !== undefined ? { network: cluster.spec.network } : {}),
    objects: objects.objects,
    inventory: cluster,
    namespaces,
    services,
    slices,
    exports: sortedExports,
  };
}

/**
 * Indexes the fleet for MCS, or undefined when it has no ClusterSet. Lintas serves one
 * ClusterSet per fleet: validation refuses a second one (fleet-checks.ts), and should
 * several reach here anyway, the first by name is used. A member of `previous` whose snapshot
 * (the same objects array) and Cluster are unchanged is reused as it is, so a change in one
 * cluster re-indexes that cluster only.
 */
export function indexFleet(snapshot: FleetSnapshot, previous?: FleetIndex): FleetIndex | undefined {
  const clusterSets: ClusterSet[] = [];
  const clusters = new Map<string, Cluster>();
  for (const { object } of snapshot.fleetObjects) {
    if (object.kind === 'ClusterSet') clusterSets.push(object);
    else if (object.kind === 'Cluster') clusters.set(object.metadata.name, object);
  }
  clusterSets.sort((a, b) => compare(a.metadata.name, b.metadata.name));
  const clusterSet = clusterSets[0];
  if (clusterSet === undefined) return undefined;
  const memberNames = new Set(clusterSet.spec.clusters);
  const before = new Map((previous?.members ?? []).map((m) => [m.name as string, m]));
  const members = [...memberNames]
    .sort()
    .flatMap((name) => {
      const objects = snapshot.clusters.get(clusterName(name));
      // A member without a snapshot is unknown, not empty: it takes no part until it reports.
      if (objects === undefined) return [];
      const reused = before.get(name);
      if (reused !== undefined && reused.objects === objects.objects && reused.inventory === clusters.get(name)) return [reused];
      return [indexMember(clusterName(name), clusters.get(name), objects)];
    });
  return { clusterSet, memberNames, members };
}
