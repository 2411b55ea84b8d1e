/**
 * Table columns per kind, as `kubectl get` prints them (`-o wide` adds more).
 * @module
 */
import type { AnyObject, Sourced } from '../api/index.ts';

/** One column: header and how to render a cell. */
export interface Column {
  readonly header: string;
  readonly wide?: boolean;
  readonly cell: (s: Sourced<AnyObject>) => string;
}

const none = '<none>';
const list = (values: readonly (string | number)[] | undefined, max = 4): string => {
  if (!values || values.length === 0) return none;
  return values.length > max ? `${values.slice(0, max).join(',')} + ${values.length - max} more...` : values.join(',');
};
const labels = (m: Readonly<Record<string, string>> | undefined): string =>
  m && Object.keys(m).length ? Object.entries(m).map(([k, v]) => `${k}=${v}`).join(',') : none;

/** `True`/`False`/`Unknown` (and the reason when not True) of a condition in `status.conditions`, or `-` before any status. */
function condition(o: object, type: string): string {
  const conditions = ((o as { status?: unknown }).status as { conditions?: { type: string; status: string; reason?: string }[] } | undefined)?.conditions;
  const c = conditions?.find((x) => x.type === type);
  if (!c) return '-';
  return c.status === 'True' && type !== 'Conflict' ? 'True' : c.status === 'False' && type === 'Conflict' ? 'False' : `${c.status} (${c.reason ?? ''})`;
}

/**
 * A route condition summed over its parents (`status.parents[*].conditions`): `True` when every parent
 * says True, else the first other status with its reason; `-` before any status.
 */
function parentsCondition(o: object, type: string): string {
  const parents = ((o as { status?: unknown }).status as { parents?: { conditions?: { type: string; status: string; reason?: string }[] }[] } | undefined)?.parents;
  const found = (parents ?? []).map((p) => p.conditions?.find((c) => c.type === type)).filter((c) => c !== undefined);
  if (found.length === 0) return '-';
  const bad = found.find((c) => c.status !== 'True');
  return bad ? `${bad.status} (${bad.reason ?? ''})` : 'True';
}

type Of<K extends AnyObject['kind']> = Extract<AnyObject, { kind: K }>;
const col = <K extends AnyObject['kind']>(_kind: K, header: string, cell: (o: Of<K>) => string, wide = false): Column => ({
  header,
  wide,
  cell: (s) => cell(s.object as Of<K>),
});

/** Kind-specific columns after NAME (CLUSTER and NAMESPACE are added by the printer). */
export const KIND_COLUMNS: Readonly<Record<string, readonly Column[]>> = {
  Cluster: [
    col('Cluster', 'REGION', (o) => o.spec.region),
    col('Cluster', 'ENVIRONMENT', (o) => o.spec.environment ?? none),
    col('Cluster', 'NETWORK', (o) => o.spec.network ?? none),
    col('Cluster', 'POD-CIDRS', (o) => list(o.spec.podCIDRs)),
    col('Cluster', 'SERVICE-CIDRS', (o) => list(o.spec.serviceCIDRs)),
    col('Cluster', 'ZONES', (o) => list(o.spec.zones), true),
    col('Cluster', 'NODE-CIDRS', (o) => list(o.spec.nodeCIDRs), true),
    col('Cluster', 'TRUST-DOMAIN', (o) => o.spec.trustDomain ?? none, true),
    col('Cluster', 'OWNER', (o) => o.spec.owner ?? none, true),
    col('Cluster', 'CAPACITY', (o) => (o.spec.capacity === undefined ? none : String(o.spec.capacity)), true),
  ],
  ClusterSet: [
    col('ClusterSet', 'CLUSTERS', (o) => list(o.spec.clusters, 8)),
    col('ClusterSet', 'DNS-ZONE', (o) => o.spec.dnsZone),
    col('ClusterSet', 'CLUSTERSET-IP-RANGE', (o) => o.spec.clusterSetIPRange ?? none),
    col('ClusterSet', 'DNS-TTL', (o) => `${o.spec.dnsTTLSeconds}s`, true),
  ],
  ClusterProperty: [col('ClusterProperty', 'VALUE', (o) => o.spec.value)],
  Namespace: [col('Namespace', 'LABELS', (o) => labels(o.metadata.labels), true)],
  Service: [
    col('Service', 'TYPE', (o) => o.spec.type),
    col('Service', 'CLUSTER-IP', (o) => o.spec.clusterIP || none),
    col('Service', 'PORT(S)', (o) =>
      list((o.spec.ports ?? []).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol}`), 8),
    ),
    col('Service', 'SELECTOR', (o) => labels(o.spec.selector), true),
  ],
  EndpointSlice: [
    col('EndpointSlice', 'ADDRESSTYPE', (o) => o.addressType),
    col('EndpointSlice', 'PORTS', (o) => list((o.ports ?? []).map((p) => (p.port == null ? 'all' : p.port)))),
    col('EndpointSlice', 'ENDPOINTS', (o) => list(o.endpoints.flatMap((e) => e.addresses), 3)),
    col('EndpointSlice', 'SERVICE', (o) => o.metadata.labels?.['kubernetes.io/service-name'] ?? o.metadata.labels?.['multicluster.kubernetes.io/service-name'] ?? none, true),
    col('EndpointSlice', 'SOURCE-CLUSTER', (o) => o.metadata.labels?.['multicluster.kubernetes.io/source-cluster'] ?? '(local)', true),
    col('EndpointSlice', 'READY', (o) => `${o.endpoints.filter((e) => e.conditions?.ready !== false).length}/${o.endpoints.length}`, true),
  ],
  ServiceExport: [
    col('ServiceExport', 'VALID', (o) => condition(o, 'Valid')),
    col('ServiceExport', 'READY', (o) => condition(o, 'Ready')),
    col('ServiceExport', 'CONFLICT', (o) => condition(o, 'Conflict')),
    col('ServiceExport', 'API-VERSION', (o) => o.apiVersion, true),
  ],
  ServiceImport: [
    col('ServiceImport', 'TYPE', (o) => o.spec.type),
    col('ServiceImport', 'IP', (o) => list(o.spec.ips)),
    col('ServiceImport', 'CLUSTERS', (o) => list((o.status?.clusters ?? []).map((c) => c.cluster), 8)),
    col('ServiceImport', 'READY', (o) => condition(o, 'Ready')),
    col('ServiceImport', 'PORTS', (o) => list(o.spec.ports.map((p) => `${p.name ? `${p.name}:` : ''}${p.port}/${p.protocol}`), 8), true),
  ],
  GatewayClass: [col('GatewayClass', 'CONTROLLER', (o) => o.spec.controllerName), col('GatewayClass', 'ACCEPTED', (o) => condition(o, 'Accepted'))],
  Gateway: [
    col('Gateway', 'CLASS', (o) => o.spec.gatewayClassName),
    col('Gateway', 'ADDRESS', (o) => list((o.spec.addresses ?? []).map((a) => a.value))),
    col('Gateway', 'PROGRAMMED', (o) => condition(o, 'Programmed')),
    col('Gateway', 'LISTENERS', (o) => list(o.spec.listeners.map((l) => `${l.name}:${l.protocol}/${l.port}`))),
    col('Gateway', 'ACCEPTED', (o) => condition(o, 'Accepted'), true),
    col('Gateway', 'ATTACHED-ROUTES', (o) => {
      const listeners = (o as { status?: { listeners?: { name: string; attachedRoutes: number }[] } }).status?.listeners;
      return listeners ? list(listeners.map((l) => `${l.name}=${l.attachedRoutes}`)) : '-';
    }, true),
    // The earliest notAfter of each HTTPS listener's certificates (status.listeners[].certificates, Lintas' own field).
    col('Gateway', 'CERT-NOT-AFTER', (o) => {
      const listeners = (o as { status?: { listeners?: { name: string; certificates?: { notAfter: string }[] }[] } }).status?.listeners ?? [];
      const certs = listeners.flatMap((l) => (l.certificates === undefined || l.certificates.length === 0 ? [] : [`${l.name}=${l.certificates.map((c) => c.notAfter).sort()[0] ?? ''}`]));
      return list(certs, 8);
    }, true),
  ],
  HTTPRoute: [
    col('HTTPRoute', 'HOSTNAMES', (o) => list(o.spec.hostnames)),
    col('HTTPRoute', 'PARENTS', (o) => list((o.spec.parentRefs ?? []).map((p) => (p.namespace ? `${p.namespace}/${p.name}` : p.name)))),
    col('HTTPRoute', 'ACCEPTED', (o) => parentsCondition(o, 'Accepted')),
    col('HTTPRoute', 'RESOLVED-REFS', (o) => parentsCondition(o, 'ResolvedRefs')),
    col('HTTPRoute', 'RULES', (o) => String(o.spec.rules.length), true),
  ],
  ReferenceGrant: [
    col('ReferenceGrant', 'FROM', (o) => list(o.spec.from.map((f) => `${f.kind}/${f.namespace}`))),
    col('ReferenceGrant', 'TO', (o) => list(o.spec.to.map((t) => (t.name ? `${t.kind}/${t.name}` : t.kind)))),
  ],
};
