/**
 * The objects bench/kube writes into the test fleet's API servers: per cluster, N Services (the first
 * `probes` of them headless, so their DNS answer is the endpoints), one EndpointSlice each and, in the
 * "at once" phase, a ServiceExport each; and the Lintas fleet directory (Clusters and a ClusterSet)
 * that names the three API servers. Service names are unique per cluster: each has one exporter.
 * @module
 */
import { stringify } from 'yaml';
import { TEST_CLUSTERS } from '../../test/kube/fleet.ts';

/** The namespace every bench object lives in. */
export const NAMESPACE = 'bench';
export const SERVICES = `/api/v1/namespaces/${NAMESPACE}/services`;
export const SLICES = `/apis/discovery.k8s.io/v1/namespaces/${NAMESPACE}/endpointslices`;
export const EXPORTS = `/apis/multicluster.x-k8s.io/v1beta1/namespaces/${NAMESPACE}/serviceexports`;
export const IMPORTS = `/apis/multicluster.x-k8s.io/v1beta1/namespaces/${NAMESPACE}/serviceimports`;

/** `jkt` for `jkt-prod-1`. */
export const shortName = (cluster: string): string => cluster.split('-')[0] ?? cluster;

/** The i-th Service of a cluster. */
export const serviceName = (cluster: string, i: number): string => `${shortName(cluster)}-s${String(i).padStart(4, '0')}`;

/** The k-th pod address of the i-th Service of cluster number `c` (0-based), inside that cluster's pod range 10.(c+1).0.0/16. */
export function podIP(c: number, i: number, k: number): string {
  const n = i * 4 + k + 1;
  return `10.${String(c + 1)}.${String(Math.floor(n / 256))}.${String(n % 256)}`;
}

/** A Service (headless for probes). */
export function service(name: string, headless: boolean): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NAMESPACE }, spec: { ...(headless ? { clusterIP: 'None' } : {}), ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } };
}

/** The Service's one EndpointSlice with these ready endpoints. */
export function slice(svc: string, addresses: readonly string[]): Record<string, unknown> {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${svc}-1`, namespace: NAMESPACE, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    endpoints: addresses.map((a) => ({ addresses: [a], conditions: { ready: true } })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

/** The Service's ServiceExport. */
export function serviceExport(svc: string): Record<string, unknown> {
  return { apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceExport', metadata: { name: svc, namespace: NAMESPACE } };
}

/** The fleet directory's one file: the three Clusters (context = name) and the ClusterSet. */
export function fleetYaml(): string {
  return [
    ...TEST_CLUSTERS.map((c, i) => ({ apiVersion: 'lintas.dev/v1alpha1', kind: 'Cluster', metadata: { name: c.name }, spec: { region: `region-${String(i + 1)}`, podCIDRs: [`10.${String(i + 1)}.0.0/16`], serviceCIDRs: [c.serviceCidr] } })),
    { apiVersion: 'lintas.dev/v1alpha1', kind: 'ClusterSet', metadata: { name: 'prod' }, spec: { clusters: TEST_CLUSTERS.map((c) => c.name), clusterSetIPRange: '10.250.0.0/16' } },
  ]
    .map((o) => stringify(o))
    .join('---\n');
}

/** Runs `fn` over `items` with at most `width` in flight (an admin client creating objects "at once"). */
export async function pool<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}
