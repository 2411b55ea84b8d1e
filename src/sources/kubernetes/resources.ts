/**
 * The resources the Kubernetes source watches in every member cluster, and their REST paths.
 * Each lists the versions it accepts in order of preference: a cluster that does not serve the
 * first (an older MCS or Gateway API install) is read through the next.
 * @module
 */

/** One watched resource. */
export interface WatchedResource {
  readonly kind: string;
  /** API group ('' for the core group). */
  readonly group: string;
  /** Versions in order of preference; the first one the cluster serves is used. */
  readonly versions: readonly string[];
  readonly plural: string;
  readonly namespaced: boolean;
}

/**
 * What Lintas reads from member clusters. ServiceExports are read as v1beta1 and, where only the
 * older CRD is installed, v1alpha1 (never both: the CRD serves one object under both versions).
 */
export const WATCHED_RESOURCES: readonly WatchedResource[] = [
  { kind: 'Namespace', group: '', versions: ['v1'], plural: 'namespaces', namespaced: false },
  { kind: 'Service', group: '', versions: ['v1'], plural: 'services', namespaced: true },
  { kind: 'EndpointSlice', group: 'discovery.k8s.io', versions: ['v1'], plural: 'endpointslices', namespaced: true },
  { kind: 'ServiceExport', group: 'multicluster.x-k8s.io', versions: ['v1beta1', 'v1alpha1'], plural: 'serviceexports', namespaced: true },
  { kind: 'GatewayClass', group: 'gateway.networking.k8s.io', versions: ['v1', 'v1beta1'], plural: 'gatewayclasses', namespaced: false },
  { kind: 'Gateway', group: 'gateway.networking.k8s.io', versions: ['v1', 'v1beta1'], plural: 'gateways', namespaced: true },
  { kind: 'HTTPRoute', group: 'gateway.networking.k8s.io', versions: ['v1', 'v1beta1'], plural: 'httproutes', namespaced: true },
  { kind: 'GRPCRoute', group: 'gateway.networking.k8s.io', versions: ['v1'], plural: 'grpcroutes', namespaced: true },
  { kind: 'ReferenceGrant', group: 'gateway.networking.k8s.io', versions: ['v1', 'v1beta1'], plural: 'referencegrants', namespaced: true },
];

/** `group/version`, or just `version` for the core group. */
export function apiVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

/** The REST path of a collection (all namespaces when `namespace` is absent) or, with `name`, of one object. */
export function resourcePath(group: string, version: string, plural: string, namespace?: string, name?: string): string {
  const base = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  const ns = namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
  return `${base}${ns}/${plural}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}
