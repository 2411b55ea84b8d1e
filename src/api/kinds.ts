/**
 * The kind registry: every kind Lintas understands, its API group and versions,
 * where it lives in a fleet directory, its kubectl-style names, and its schema.
 * @module
 */
import type { z } from 'zod';
import { BackendTLSPolicy, ConfigMap } from './backend-tls-policy.ts';
import { Namespace, Secret, Service } from './core.ts';
import { EndpointSlice } from './discovery.ts';
import { DNSPolicy } from './dns-policy.ts';
import { Gateway, GatewayClass, ReferenceGrant, GATEWAY_GROUP } from './gateway.ts';
import { GRPCRoute } from './grpcroute.ts';
import { HTTPRoute } from './httproute.ts';
import { FailoverPolicy } from './failover.ts';
import { HealthContract } from './health-contract.ts';
import { Cluster, ClusterSet, LINTAS_GROUP } from './lintas.ts';
import { Workload } from './workload.ts';
import { ClusterProperty, MCS_GROUP, ServiceExport, type ServiceImport } from './multicluster.ts';
import { OwnershipMap } from './ownership-map.ts';
import { TrafficPolicy } from './traffic-policy.ts';

/** Where a kind's manifests live: under `clusters/<name>/` or anywhere else in the fleet. */
export type KindScope = 'Cluster' | 'Fleet';

/** Everything Lintas knows about one kind. */
export interface KindInfo {
  readonly kind: string;
  readonly group: string;
  /** Served versions, preferred first. */
  readonly versions: readonly string[];
  readonly plural: string;
  readonly shortNames: readonly string[];
  readonly scope: KindScope;
  readonly namespaced: boolean;
  /** Undefined for kinds Lintas computes and never accepts as input. */
  readonly schema?: z.ZodType;
  /** Why the kind is refused as input, for controller-owned kinds. */
  readonly refusal?: string;
}

/** The registry, in the order `lintas get all` prints kinds. */
export const KINDS: readonly KindInfo[] = [
  { kind: 'Cluster', group: LINTAS_GROUP, versions: ['v1alpha1'], plural: 'clusters', shortNames: ['cl'], scope: 'Fleet', namespaced: false, schema: Cluster },
  { kind: 'ClusterSet', group: LINTAS_GROUP, versions: ['v1alpha1'], plural: 'clustersets', shortNames: ['cs'], scope: 'Fleet', namespaced: false, schema: ClusterSet },
  { kind: 'ClusterProperty', group: 'about.k8s.io', versions: ['v1beta1', 'v1alpha1'], plural: 'clusterproperties', shortNames: ['cp'], scope: 'Cluster', namespaced: false, schema: ClusterProperty },
  { kind: 'Namespace', group: '', versions: ['v1'], plural: 'namespaces', shortNames: ['ns'], scope: 'Cluster', namespaced: false, schema: Namespace },
  { kind: 'Service', group: '', versions: ['v1'], plural: 'services', shortNames: ['svc'], scope: 'Cluster', namespaced: true, schema: Service },
  // Listener certificates (kubernetes.io/tls); printed with their data redacted.
  { kind: 'Secret', group: '', versions: ['v1'], plural: 'secrets', shortNames: [], scope: 'Cluster', namespaced: true, schema: Secret },
  // BackendTLSPolicy CA bundles (`ca.crt`); other ConfigMaps are read and ignored.
  { kind: 'ConfigMap', group: '', versions: ['v1'], plural: 'configmaps', shortNames: ['cm'], scope: 'Cluster', namespaced: true, schema: ConfigMap },
  { kind: 'EndpointSlice', group: 'discovery.k8s.io', versions: ['v1'], plural: 'endpointslices', shortNames: ['eps'], scope: 'Cluster', namespaced: true, schema: EndpointSlice },
  { kind: 'ServiceExport', group: MCS_GROUP, versions: ['v1beta1', 'v1alpha1'], plural: 'serviceexports', shortNames: ['svcex', 'svcexport'], scope: 'Cluster', namespaced: true, schema: ServiceExport },
  {
    kind: 'ServiceImport',
    group: MCS_GROUP,
    versions: ['v1beta1', 'v1alpha1'],
    plural: 'serviceimports',
    shortNames: ['svcim', 'svcimport'],
    scope: 'Cluster',
    namespaced: true,
    refusal:
      'ServiceImport is owned by the Lintas MCS controller and cannot be supplied as input; export the Service with a ServiceExport and Lintas creates the ServiceImport in every cluster of the ClusterSet',
  },
  { kind: 'GatewayClass', group: GATEWAY_GROUP, versions: ['v1', 'v1beta1'], plural: 'gatewayclasses', shortNames: ['gc'], scope: 'Cluster', namespaced: false, schema: GatewayClass },
  { kind: 'Gateway', group: GATEWAY_GROUP, versions: ['v1', 'v1beta1'], plural: 'gateways', shortNames: ['gtw'], scope: 'Cluster', namespaced: true, schema: Gateway },
  { kind: 'HTTPRoute', group: GATEWAY_GROUP, versions: ['v1', 'v1beta1'], plural: 'httproutes', shortNames: [], scope: 'Cluster', namespaced: true, schema: HTTPRoute },
  { kind: 'GRPCRoute', group: GATEWAY_GROUP, versions: ['v1', 'v1alpha2'], plural: 'grpcroutes', shortNames: [], scope: 'Cluster', namespaced: true, schema: GRPCRoute },
  { kind: 'BackendTLSPolicy', group: GATEWAY_GROUP, versions: ['v1', 'v1alpha3'], plural: 'backendtlspolicies', shortNames: ['btlspolicy'], scope: 'Cluster', namespaced: true, schema: BackendTLSPolicy },
  { kind: 'ReferenceGrant', group: GATEWAY_GROUP, versions: ['v1beta1', 'v1', 'v1alpha2'], plural: 'referencegrants', shortNames: ['refgrant'], scope: 'Cluster', namespaced: true, schema: ReferenceGrant },
  // Fleet-scoped: one ownership domain spans clusters, so its failover policy must exist exactly once, not per cluster folder.
  { kind: 'FailoverPolicy', group: LINTAS_GROUP, versions: ['v1alpha1'], plural: 'failoverpolicies', shortNames: ['fop'], scope: 'Fleet', namespaced: true, schema: FailoverPolicy },
  // Cluster-scoped: a demo app runs in the cluster whose folder holds it (lintas up).
  { kind: 'Workload', group: LINTAS_GROUP, versions: ['v1alpha1'], plural: 'workloads', shortNames: ['wl'], scope: 'Cluster', namespaced: true, schema: Workload },
  // Fleet-scoped like FailoverPolicy: a policy, an ownership truth and a health contract each apply to every cluster's copy of their targets.
  { kind: 'TrafficPolicy', group: LINTAS_GROUP, versions: ['v1alpha1'], plural: 'trafficpolicies', shortNames: ['tp'], scope: 'Fleet', namespaced: true, schema: TrafficPolicy },
  { kind: 'OwnershipMap', group: LINTAS_GROUP, versions: ['v1alpha1'], plural: 'ownershipmaps', shortNames: ['om'], scope: 'Fleet', namespaced: true, schema: OwnershipMap },
  { kind: 'HealthContract', group: LINTAS_GROUP, versions: ['v1alpha1'], plural: 'healthcontracts', shortNames: ['hc'], scope: 'Fleet', namespaced: true, schema: HealthContract },
  // Fleet-scoped: one policy answers for every cluster's copy of its Gateways (each contributes its addresses).
  { kind: 'DNSPolicy', group: LINTAS_GROUP, versions: ['v1alpha1'], plural: 'dnspolicies', shortNames: ['dnsp'], scope: 'Fleet', namespaced: true, schema: DNSPolicy },
];

/** Splits `group/version` (or core `v1`) into its parts. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** `group/version` for a kind's preferred version. */
export function preferredApiVersion(info: KindInfo): string {
  const version = info.versions[0] ?? 'v1';
  return info.group ? `${info.group}/${version}` : version;
}

/** The result of looking a manifest's apiVersion/kind up in the registry. */
export type KindLookup =
  | { readonly status: 'known'; readonly info: KindInfo }
  | { readonly status: 'badVersion'; readonly info: KindInfo }
  | { readonly status: 'unknown' };

/** Finds the kind of a manifest by its apiVersion and kind. */
export function lookupKind(apiVersion: string, kind: string): KindLookup {
  const { group, version } = splitApiVersion(apiVersion);
  const info = KINDS.find((k) => k.kind === kind && k.group === group);
  if (!info) return { status: 'unknown' };
  return info.versions.includes(version) ? { status: 'known', info } : { status: 'badVersion', info };
}

/** Resolves a kubectl-style kind name (`svc`, `services`, `service`, `Service`, `serviceexports.multicluster.x-k8s.io`). */
export function resolveKindName(name: string): KindInfo | undefined {
  const lower = name.toLowerCase();
  const dot = lower.indexOf('.');
  const [base, group] = dot < 0 ? [lower, undefined] : [lower.slice(0, dot), lower.slice(dot + 1)];
  return KINDS.find(
    (k) =>
      (group === undefined || k.group === group) &&
      (k.plural === base || k.kind.toLowerCase() === base || k.shortNames.includes(base)),
  );
}

/** Resource kinds as data, a union discriminated on `kind`. */
export type FleetObject =
  | z.infer<typeof Cluster>
  | z.infer<typeof ClusterSet>
  | z.infer<typeof ClusterProperty>
  | z.infer<typeof Namespace>
  | z.infer<typeof Service>
  | z.infer<typeof Secret>
  | z.infer<typeof ConfigMap>
  | z.infer<typeof EndpointSlice>
  | z.infer<typeof ServiceExport>
  | z.infer<typeof GatewayClass>
  | z.infer<typeof Gateway>
  | z.infer<typeof HTTPRoute>
  | z.infer<typeof GRPCRoute>
  | z.infer<typeof ReferenceGrant>
  | z.infer<typeof BackendTLSPolicy>
  | z.infer<typeof FailoverPolicy>
  | z.infer<typeof TrafficPolicy>
  | z.infer<typeof OwnershipMap>
  | z.infer<typeof HealthContract>
  | z.infer<typeof DNSPolicy>
  | z.infer<typeof Workload>;

/** Any object Lintas can show, including the ones it computes. */
export type AnyObject = FleetObject | ServiceImport;
