/**
 * Imported EndpointSlices (KEP-1645 "Using EndpointSlice objects to track endpoints"):
 * every slice holds endpoints of exactly one source cluster, is labelled with the
 * ServiceImport's name and the source cluster, is managed by Lintas (so no endpoint
 * slice controller adopts it), and carries the source cluster's region and network.
 *
 * Ports are per source cluster: an import port is listed only when that cluster's
 * Service exposes the same (protocol, port), and it points at that cluster's target
 * port. Traffic to a port that lost a conflict therefore only reaches clusters that
 * really serve it.
 * @module
 */
import { createHash } from 'node:crypto';
import {
  MANAGED_BY_LABEL,
  MCS_SERVICE_NAME_LABEL,
  MCS_SOURCE_CLUSTER_LABEL,
  type ClusterName,
  type Endpoint,
  type EndpointPort,
  type EndpointSlice,
  type Service,
  type ServicePort,
} from '../../api/index.ts';
import type { ImportPort } from './types.ts';

/** The `endpointslice.kubernetes.io/managed-by` value of every slice Lintas writes. */
export const LINTAS_MANAGER = 'lintas.dev';
/** Annotation with the source cluster's region. */
export const SOURCE_REGION_ANNOTATION = 'lintas.dev/source-region';
/** Annotation with the source cluster's network. */
export const SOURCE_NETWORK_ANNOTATION = 'lintas.dev/source-network';
/** The EndpointSlice API's limit on endpoints per slice. */
export const MAX_ENDPOINTS_PER_SLICE = 1000;

/** The cluster endpoints come from, with the inventory facts slices are annotated with. */
export interface SourceCluster {
  readonly name: ClusterName;
  readonly region?: string;
  readonly network?: string;
}

/** Everything needed to import one source cluster's endpoints of one Service. */
export interface SliceSource {
  readonly namespace: string;
  /** The ServiceImport's name (= the Service's). */
  readonly name: string;
  readonly cluster: SourceCluster;
  /** The exported Service in the source cluster. */
  readonly service: Service;
  /** The source cluster's EndpointSlices of that Service (`kubernetes.io/service-name`). */
  readonly slices: readonly EndpointSlice[];
  /** The merged ServiceImport ports. */
  readonly importPorts: readonly ImportPort[];
}

/** An import port together with the source Service port that serves it. */
interface Exposed {
  readonly importPort: ImportPort;
  readonly servicePort: ServicePort;
}

/** Import ports the source Service serves: same protocol and port number (what a client dials). */
function exposedPorts(importPorts: readonly ImportPort[], service: Service): Exposed[] {
  const exposed: Exposed[] = [];
  for (const importPort of importPorts) {
    const servicePort = (service.spec.ports ?? []).find((p) => p.protocol === importPort.protocol && p.port === importPort.port);
    if (servicePort !== undefined) exposed.push({ importPort, servicePort });
  }
  return exposed;
}

/**
 * The slice ports of one source slice. The Service port is found in the slice by name (the
 * endpoint slice controller names slice ports after Service ports); a slice that lists no
 * ports at all (hand-written manifests) falls back to a numeric targetPort, or to the port
 * itself when targetPort is omitted. A listed-but-missing port stays missing: those
 * endpoints do not serve it.
 */
function slicePorts(exposed: readonly Exposed[], sourcePorts: readonly EndpointPort[] | null | undefined): EndpointPort[] {
  const ports: EndpointPort[] = [];
  for (const { importPort, servicePort } of exposed) {
    let target: number | undefined;
    if (sourcePorts === null || sourcePorts === undefined) {
      target = servicePort.targetPort === undefined ? servicePort.port : typeof servicePort.targetPort === 'number' ? servicePort.targetPort : undefined;
    } else {
      const match = sourcePorts.find((p) => (p.name ?? '') === (servicePort.name ?? '') && p.protocol === servicePort.protocol);
      if (match === undefined) continue;
      // A null port means "all ports" upstream; the Service's own target is the best stand-in.
      target = match.port ?? (typeof servicePort.targetPort === 'number' ? servicePort.targetPort : servicePort.port);
    }
    if (target === undefined) continue;
    const port: EndpointPort = { name: importPort.name ?? '', protocol: importPort.protocol, port: target };
    const appProtocol = importPort.appProtocol ?? servicePort.appProtocol;
    if (appProtocol !== undefined) port.appProtocol = appProtocol;
    ports.push(port);
  }
  return ports;
}

/** An endpoint as imported: addresses, explicit conditions, hostname and zone (cluster-local refs dropped). */
// A source endpoint → its imported form. Sources keep unchanged objects across loads, so an unchanged
// endpoint imports to the same object each time and comparisons further on (keepUnchanged, the
// gateway's upstreams) cost an identity check; weak, so a replaced slice drops its entries.
const importedEndpoints = new WeakMap<Endpoint, Endpoint>();

function importEndpoint(endpoint: Endpoint): Endpoint {
  const hit = importedEndpoints.get(endpoint);
  if (hit !== undefined) return hit;
  const imported = buildImportedEndpoint(endpoint);
  importedEndpoints.set(endpoint, imported);
  return imported;
}

function buildImportedEndpoint(endpoint: Endpoint): Endpoint {
  // Spell the upstream defaults out (nil ready/serving mean ready, nil terminating means not),
  // so consumers in other clusters need not know them.
  const ready = endpoint.conditions?.ready ?? true;
  const imported: Endpoint = {
    addresses: [...endpoint.addresses],
    conditions: { ready, serving: endpoint.conditions?.serving ?? ready, terminating: endpoint.conditions?.terminating ?? false },
  };
  if (endpoint.hostname !== undefined) imported.hostname = endpoint.hostname;
  if (endpoint.zone !== undefined) imported.zone = endpoint.zone;
  return imported;
}

function serviceAddressType(service: Service): EndpointSlice['addressType'] {
  const family = service.spec.ipFamilies?.[0];
  if (family !== undefined) return family;
  const ip = service.spec.clusterIPs?.[0] ?? service.spec.clusterIP;
  return ip !== undefined && ip.includes(':') ? 'IPv6' : 'IPv4';
}

/** A short, stable, DNS-safe digest (10 hex characters of SHA-256). */
function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 10);
}

interface Group {
  readonly addressType: EndpointSlice['addressType'];
  readonly ports: EndpointPort[];
  readonly endpoints: Map<string, Endpoint>;
}

/**
 * The imported slices for one (ServiceImport, source cluster), sorted by name. Source slices
 * are regrouped by (addressType, ports), endpoints sorted and de-duplicated by address (the
 * upstream controller may briefly list one in two slices), then cut into slices of at most
 * {@link MAX_ENDPOINTS_PER_SLICE}. A source with no endpoints still yields one empty slice,
 * so consumers can tell "exported, nothing ready" from "not exported".
 */
export function importEndpointSlices(source: SliceSource): EndpointSlice[] {
  const exposed = exposedPorts(source.importPorts, source.service);
  const groups = new Map<string, Group>();
  for (const slice of source.slices) {
    if (slice.endpoints.length === 0) continue;
    const ports = slicePorts(exposed, slice.ports);
    const key = `${slice.addressType}|${JSON.stringify(ports)}`;
    let group = groups.get(key);
    if (group === undefined) {
      group = { addressType: slice.addressType, ports, endpoints: new Map() };
      groups.set(key, group);
    }
    for (const endpoint of slice.endpoints) {
      const id = endpoint.addresses.length === 1 ? (endpoint.addresses[0] as string) : endpoint.addresses.join(',');
      if (!group.endpoints.has(id)) group.endpoints.set(id, importEndpoint(endpoint));
    }
  }
  if (groups.size === 0) {
    const ports = slicePorts(exposed, undefined);
    const addressType = serviceAddressType(source.service);
    groups.set(`${addressType}|${JSON.stringify(ports)}`, { addressType, ports, endpoints: new Map() });
  }

  const slices: EndpointSlice[] = [];
  for (const [key, group] of groups) {
    // The default sort orders strings by UTF-16 code units, as `<` does, without a comparator call per pair.
    const endpoints = [...group.endpoints.keys()].sort().map((id) => group.endpoints.get(id) as Endpoint);
    const chunks = Math.max(1, Math.ceil(endpoints.length / MAX_ENDPOINTS_PER_SLICE));
    for (let chunk = 0; chunk < chunks; chunk++) {
      // The name hashes everything that tells slices apart, so it is stable across runs
      // and distinct even when `<svc>-<cluster>` prefixes of different services collide.
      const hash = shortHash(`${source.namespace}/${source.name}\n${source.cluster.name}\n${key}\n${chunk}`);
      slices.push(buildSlice(source, `${source.name}-${source.cluster.name}-${hash}`, group, endpoints.slice(chunk * MAX_ENDPOINTS_PER_SLICE, (chunk + 1) * MAX_ENDPOINTS_PER_SLICE)));
    }
  }
  return slices.sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
}

function buildSlice(source: SliceSource, name: string, group: Group, endpoints: Endpoint[]): EndpointSlice {
  const annotations: Record<string, string> = {};
  if (source.cluster.region !== undefined) annotations[SOURCE_REGION_ANNOTATION] = source.cluster.region;
  if (source.cluster.network !== undefined) annotations[SOURCE_NETWORK_ANNOTATION] = source.cluster.network;
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name,
      namespace: source.namespace,
      labels: {
        [MANAGED_BY_LABEL]: LINTAS_MANAGER,
        [MCS_SERVICE_NAME_LABEL]: source.name,
        [MCS_SOURCE_CLUSTER_LABEL]: source.cluster.name,
      },
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    },
    addressType: group.addressType,
    endpoints,
    ports: group.ports.map((p) => ({ ...p })),
  };
}
