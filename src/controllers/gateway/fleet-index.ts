/**
 * Lookup tables over one fleet snapshot and MCS result for the gateway translator:
 * per cluster its GatewayClasses, Gateways, HTTPRoutes, GRPCRoutes, ReferenceGrants, Services, Secrets,
 * ConfigMaps, BackendTLSPolicies,
 * EndpointSlices, Namespaces and ServiceExports, plus the computed ServiceImports and
 * imported EndpointSlices. Built once per translation; never mutated afterwards.
 * @module
 */
import {
  MCS_SERVICE_NAME_LABEL,
  SERVICE_NAME_LABEL,
  type BackendTLSPolicy,
  type Cluster,
  type ConfigMap,
  type EndpointSlice,
  type FleetSnapshot,
  type Gateway,
  type GatewayClass,
  type GRPCRoute,
  type HTTPRoute,
  type ReferenceGrant,
  type Secret,
  type Service,
  type ServiceExport,
  type ServiceImport,
} from '../../api/index.ts';
import type { McsView } from './types.ts';

/** The locality of a cluster, from its `Cluster` inventory record. */
export interface ClusterLocality {
  readonly name: string;
  readonly region?: string;
  /** The cluster's first zone. */
  readonly zone?: string;
}

/** Everything of one cluster the gateway translator looks up. */
export interface ClusterIndex {
  readonly locality: ClusterLocality;
  readonly gatewayClasses: ReadonlyMap<string, GatewayClass>;
  readonly gateways: readonly Gateway[];
  readonly httpRoutes: readonly HTTPRoute[];
  readonly grpcRoutes: readonly GRPCRoute[];
  /** ReferenceGrants by namespace. */
  readonly referenceGrants: ReadonlyMap<string, readonly ReferenceGrant[]>;
  /** Services by `ns/name`. */
  readonly services: ReadonlyMap<string, Service>;
  /** Secrets by `ns/name` (listener certificates). */
  readonly secrets: ReadonlyMap<string, Secret>;
  /** ConfigMaps by `ns/name` (BackendTLSPolicy CA bundles). */
  readonly configMaps: ReadonlyMap<string, ConfigMap>;
  readonly backendTLSPolicies: readonly BackendTLSPolicy[];
  /** Local EndpointSlices by `ns/<service name>` (label `kubernetes.io/service-name`). */
  readonly slices: ReadonlyMap<string, readonly EndpointSlice[]>;
  /** Namespace labels by name (only namespaces with a Namespace object). */
  readonly namespaceLabels: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** ServiceExports by `ns/name`. */
  readonly serviceExports: ReadonlyMap<string, ServiceExport>;
  /** Computed ServiceImports in this cluster by `ns/name`. */
  readonly serviceImports: ReadonlyMap<string, ServiceImport>;
  /** Imported EndpointSlices by `ns/<import name>` (label `multicluster.kubernetes.io/service-name`). */
  readonly importSlices: ReadonlyMap<string, readonly EndpointSlice[]>;
}

/** The whole fleet, indexed. */
export interface FleetIndex {
  /** Clusters with a snapshot, by name. */
  readonly clusters: ReadonlyMap<string, ClusterIndex>;
  /** `cluster/ns/name` → first-seen time of exports without creationTimestamp (from the MCS state). */
  readonly firstSeen: Readonly<Record<string, string>>;
}

/** `ns/name`. */
export function nsName(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

function push<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function locality(name: string, cluster: Cluster | undefined): ClusterLocality {
  const region = cluster?.spec.region;
  const zone = cluster?.spec.zones?.[0];
  return { name, ...(region !== undefined ? { region } : {}), ...(zone !== undefined ? { zone } : {}) };
}

/** Indexes a snapshot and MCS result. */
export function indexFleet(snapshot: FleetSnapshot, mcs: McsView): FleetIndex {
  const inventory = new Map<string, Cluster>();
  for (const { object } of snapshot.fleetObjects) if (object.kind === 'Cluster') inventory.set(object.metadata.name, object);
  const mcsByCluster = new Map(mcs.clusters.map((c) => [c.cluster, c]));

  const clusters = new Map<string, ClusterIndex>();
  for (const [name, snap] of snapshot.clusters) {
    const gatewayClasses = new Map<string, GatewayClass>();
    const gateways: Gateway[] = [];
    const httpRoutes: HTTPRoute[] = [];
    const grpcRoutes: GRPCRoute[] = [];
    const referenceGrants = new Map<string, ReferenceGrant[]>();
    const services = new Map<string, Service>();
    const secrets = new Map<string, Secret>();
    const configMaps = new Map<string, ConfigMap>();
    const backendTLSPolicies: BackendTLSPolicy[] = [];
    const slices = new Map<string, EndpointSlice[]>();
    const namespaceLabels = new Map<string, Readonly<Record<string, string>>>();
    const serviceExports = new Map<string, ServiceExport>();
    for (const { object } of snap.objects) {
      switch (object.kind) {
        case 'GatewayClass':
          gatewayClasses.set(object.metadata.name, object);
          break;
        case 'Gateway':
          gateways.push(object);
          break;
        case 'HTTPRoute':
          httpRoutes.push(object);
          break;
        case 'GRPCRoute':
          grpcRoutes.push(object);
          break;
        case 'ReferenceGrant':
          push(referenceGrants, object.metadata.namespace ?? 'default', object);
          break;
        case 'Service':
          services.set(nsName(object.metadata.namespace, object.metadata.name), object);
          break;
        case 'Secret':
          secrets.set(nsName(object.metadata.namespace, object.metadata.name), object);
          break;
        case 'ConfigMap':
          configMaps.set(nsName(object.metadata.namespace, object.metadata.name), object);
          break;
        case 'BackendTLSPolicy':
          backendTLSPolicies.push(object);
          break;
        case 'EndpointSlice': {
          const service = object.metadata.labels?.[SERVICE_NAME_LABEL];
          if (service !== undefined) push(slices, nsName(object.metadata.namespace, service), object);
          break;
        }
        case 'Namespace':
          namespaceLabels.set(object.metadata.name, object.metadata.labels ?? {});
          break;
        case 'ServiceExport':
          serviceExports.set(nsName(object.metadata.namespace, object.metadata.name), object);
          break;
        default:
          break;
      }
    }
    const computed = mcsByCluster.get(name);
    const serviceImports = new Map<string, ServiceImport>();
    const importSlices = new Map<string, EndpointSlice[]>();
    for (const si of computed?.serviceImports ?? []) serviceImports.set(nsName(si.metadata.namespace, si.metadata.name), si);
    for (const slice of computed?.endpointSlices ?? []) {
      const importName = slice.metadata.labels?.[MCS_SERVICE_NAME_LABEL];
      if (importName !== undefined) push(importSlices, nsName(slice.metadata.namespace, importName), slice);
    }
    clusters.set(name, {
      locality: locality(name, inventory.get(name)),
      gatewayClasses,
      gateways,
      httpRoutes,
      grpcRoutes,
      referenceGrants,
      services,
      secrets,
      configMaps,
      backendTLSPolicies,
      slices,
      namespaceLabels,
      serviceExports,
      serviceImports,
      importSlices,
    });
  }
  return { clusters, firstSeen: mcs.state?.firstSeen ?? {} };
}
