/**
 * Upstreams: the endpoint set one resolved backendRef points at.
 *
 * - A Service upstream holds that Service's endpoints in the entry cluster (local
 *   EndpointSlices labelled `kubernetes.io/service-name`). The backendRef's port is a
 *   Service port; each slice's port of the same name gives the endpoint port (a slice
 *   without ports falls back to a numeric targetPort, or the port itself).
 * - A ServiceImport upstream holds the imported endpoints of every exporting cluster
 *   (the MCS controller's slices, labelled with their source cluster and annotated with
 *   its region); the import port is found in each slice by name.
 *
 * Endpoints use their first address (addresses are fungible per the EndpointSlice API),
 * and their conditions with the API defaults spelled out (ready defaults to true,
 * serving to ready, terminating to false).
 *
 * Version (for the access log): EndpointSlice endpoints carry no labels, so an endpoint's
 * version is the label `version` (else `app.kubernetes.io/version`) of the local
 * EndpointSlice that lists it in its own cluster, else of its Service. Imported endpoints
 * are looked up the same way in their source cluster.
 *
 * Health settings come from Service annotations (see `health.ts`). A ServiceImport takes
 * the annotations of the Service in the oldest exporting cluster (ServiceExport
 * creationTimestamp, else first seen by the MCS controller, then cluster name: the MCS
 * precedence), overlaid with the import's own annotations (exportedAnnotations).
 * @module
 */
import {
  MCS_SOURCE_CLUSTER_LABEL,
  slicePortFor,
  type EndpointSlice,
  type Service,
  type ServiceImport,
  type ServicePort,
} from '../../api/index.ts';
import type { UpstreamEndpointIR, UpstreamIR, UpstreamTlsIR } from '../../ir/index.ts';
import { nsName, type ClusterIndex, type FleetIndex } from './fleet-index.ts';
import { healthCheckFrom, outlierDetectionFrom } from './health.ts';
import { compareOptionalTimes, timestampMillis } from './time.ts';

/** Annotation on imported EndpointSlices with the source cluster's region (written by the MCS controller). */
export const SOURCE_REGION_ANNOTATION = 'lintas.dev/source-region';
/** Labels that give an endpoint's version, first match wins. */
export const VERSION_LABELS = ['version', 'app.kubernetes.io/version'] as const;

type ImportPort = ServiceImport['spec']['ports'][number];

function versionLabel(labels: Readonly<Record<string, string>> | undefined): string | undefined {
  for (const key of VERSION_LABELS) {
    const v = labels?.[key];
    if (v !== undefined && v !== '') return v;
  }
  return undefined;
}

/** Versions of Service ns/name's endpoints in `cluster`: address → version (slice label, else the Service's). */
function versionsOf(cluster: ClusterIndex | undefined, namespace: string, name: string): (address: string) => string | undefined {
  if (cluster === undefined) return () => undefined;
  const key = nsName(namespace, name);
  const byAddress = new Map<string, string>();
  for (const slice of cluster.slices.get(key) ?? []) {
    const v = versionLabel(slice.metadata.labels);
    if (v === undefined) continue;
    for (const e of slice.endpoints) {
      const address = e.addresses[0];
      if (address !== undefined && !byAddress.has(address)) byAddress.set(address, v);
    }
  }
  const fallback = versionLabel(cluster.services.get(key)?.metadata.labels);
  return (address) => byAddress.get(address) ?? fallback;
}


/** What {@link versionsOf} reads: the Service's version label, then every own slice that carries one (by reference). */
function versionInputs(cluster: ClusterIndex | undefined, namespace: string, name: string): unknown[] {
  if (cluster === undefined) return [];
  const key = nsName(namespace, name);
  const out: unknown[] = [versionLabel(cluster.services.get(key)?.metadata.labels)];
  for (const slice of cluster.slices.get(key) ?? []) if (versionLabel(slice.metadata.labels) !== undefined) out.push(slice);
  return out;
}

function endpointConditions(conditions: EndpointSlice['endpoints'][number]['conditions']): Pick<UpstreamEndpointIR, 'ready' | 'serving' | 'terminating'> {
  const ready = conditions?.ready ?? true;
  return { ready, serving: conditions?.serving ?? ready, terminating: conditions?.terminating ?? false };
}

function compareEndpoints(a: UpstreamEndpointIR, b: UpstreamEndpointIR): number {
  if (a.cluster !== b.cluster) return a.cluster < b.cluster ? -1 : 1;
  if (a.address !== b.address) return a.address < b.address ? -1 : 1;
  return a.port - b.port;
}

/** Sorts and de-duplicates endpoints by (cluster, address, port): one endpoint may briefly sit in two slices. */
function finish(endpoints: UpstreamEndpointIR[]): UpstreamEndpointIR[] {
  // Imported slices come sorted, so the sort is mostly a check; after it, duplicates are neighbours.
  let sorted = true;
  for (let i = 1; i < endpoints.length && sorted; i++) sorted = compareEndpoints(endpoints[i - 1] as UpstreamEndpointIR, endpoints[i] as UpstreamEndpointIR) <= 0;
  if (!sorted) endpoints.sort(compareEndpoints);
  return endpoints.filter((e, i) => i === 0 || compareEndpoints(endpoints[i - 1] as UpstreamEndpointIR, e) !== 0);
}

/** What an upstream endpoint was built from, beside its imported endpoint. */
interface BuiltEndpoint {
  readonly port: number;
  readonly source: string;
  readonly region: string | undefined;
  readonly version: string | undefined;
  readonly value: UpstreamEndpointIR;
}

// An imported endpoint → the upstream endpoint built from it last time. The MCS translator keeps
// unchanged imported endpoints as the same objects, so a rebuilt 10,000-endpoint upstream reuses
// all but the changed ones (ir/share.ts then only checks identities); weak, so replaced
// slices drop their entries.
const builtEndpoints = new WeakMap<object, BuiltEndpoint>();

/** What an imported slice's upstream endpoints were built from, and the endpoints. */
interface BuiltSlice {
  readonly source: string;
  readonly region: string | undefined;
  readonly labelled: readonly unknown[];
  readonly endpoints: readonly UpstreamEndpointIR[];
}

// An imported slice → its upstream endpoints last time, per target port. The MCS translator keeps
// unchanged imported slices as the same objects, so a 10,000-endpoint upstream rebuilds the one
// slice an edit touched.
const builtSlices = new WeakMap<object, Map<number, BuiltSlice>>();

const sameList = (a: readonly unknown[], b: readonly unknown[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** The upstream endpoint of imported endpoint `e`, the one built last time when made from the same values. */
function importedEndpoint(e: EndpointSlice['endpoints'][number], address: string, port: number, source: string, region: string | undefined, version: string | undefined): UpstreamEndpointIR {
  const memo = builtEndpoints.get(e);
  if (memo !== undefined && memo.port === port && memo.source === source && memo.region === region && memo.version === version && memo.value.address === address) return memo.value;
  const value = endpoint(address, port, source, region, e.zone, endpointConditions(e.conditions), version);
  builtEndpoints.set(e, { port, source, region, version, value });
  return value;
}

function endpoint(address: string, port: number, cluster: string, region: string | undefined, zone: string | undefined, rest: Pick<UpstreamEndpointIR, 'ready' | 'serving' | 'terminating'>, version: string | undefined): UpstreamEndpointIR {
  return {
    address,
    port,
    cluster,
    ...(region !== undefined ? { region } : {}),
    ...(zone !== undefined ? { zone } : {}),
    ...rest,
    ...(version !== undefined ? { version } : {}),
  };
}

/** The protocol the gateway speaks to a port: `h2c` for appProtocol `kubernetes.io/h2c`, else HTTP/1.1. */
export function upstreamProtocol(appProtocol: string | undefined): 'http' | 'h2c' {
  return appProtocol?.toLowerCase() === 'kubernetes.io/h2c' ? 'h2c' : 'http';
}

/** The upstream key of a Service backend. */
export function serviceUpstreamKey(cluster: string, namespace: string, name: string, port: number): string {
  return `Service/${cluster}/${namespace}/${name}:${port}`;
}

/** The upstream key of a ServiceImport backend. */
export function importUpstreamKey(namespace: string, name: string, port: number): string {
  return `ServiceImport/${namespace}/${name}:${port}`;
}

/**
 * How a route speaks to an upstream beyond what its port says: re-encrypted (BackendTLSPolicy), and
 * HTTP/2 whatever its appProtocol (a GRPCRoute's backend). `key` is the upstream's key then.
 */
export interface UpstreamVariant {
  readonly key: string;
  readonly tls?: UpstreamTlsIR;
  readonly http2?: true;
}

function variantFields(variant: UpstreamVariant | undefined, appProtocol: string | undefined): Pick<UpstreamIR, 'protocol' | 'tls'> {
  return {
    protocol: variant?.http2 === true ? 'h2c' : upstreamProtocol(appProtocol),
    ...(variant?.tls !== undefined ? { tls: variant.tls } : {}),
  };
}

/** The upstream of Service `service` port `servicePort` in `cluster` (`variant`: see {@link UpstreamVariant}). */
export function serviceUpstream(cluster: ClusterIndex, service: Service, servicePort: ServicePort, variant?: UpstreamVariant): UpstreamIR {
  const namespace = service.metadata.namespace ?? 'default';
  const name = service.metadata.name;
  const endpoints: UpstreamEndpointIR[] = [];
  const version = versionsOf(cluster, namespace, name);
  for (const slice of cluster.slices.get(nsName(namespace, name)) ?? []) {
    if (slice.addressType === 'FQDN') continue;
    const port = slicePortFor(slice, servicePort);
    if (port === undefined) continue;
    for (const e of slice.endpoints) {
      const address = e.addresses[0];
      if (address === undefined) continue;
      endpoints.push(endpoint(address, port, cluster.locality.name, cluster.locality.region, e.zone, endpointConditions(e.conditions), version(address)));
    }
  }
  const annotations = service.metadata.annotations ?? {};
  const healthCheck = healthCheckFrom(annotations);
  return {
    key: variant?.key ?? serviceUpstreamKey(cluster.locality.name, namespace, name, servicePort.port),
    kind: 'Service',
    namespace,
    name,
    port: servicePort.port,
    ...variantFields(variant, servicePort.appProtocol),
    endpoints: finish(endpoints),
    ...(healthCheck !== undefined ? { healthCheck } : {}),
    outlierDetection: outlierDetectionFrom(annotations),
  };
}

/** The annotations health settings of a ServiceImport come from (see the module doc). */
function importAnnotations(index: FleetIndex, serviceImport: ServiceImport): Readonly<Record<string, string>> {
  const namespace = serviceImport.metadata.namespace ?? 'default';
  const name = serviceImport.metadata.name;
  const exporters = (serviceImport.status?.clusters ?? []).flatMap(({ cluster }) => {
    const c = index.clusters.get(cluster);
    const service = c?.services.get(nsName(namespace, name));
    if (c === undefined || service === undefined) return [];
    const exported = c.serviceExports.get(nsName(namespace, name));
    const time = timestampMillis(exported?.metadata.creationTimestamp) ?? timestampMillis(index.firstSeen[`${cluster}/${namespace}/${name}`]);
    return [{ cluster, time, service }];
  });
  exporters.sort((a, b) => compareOptionalTimes(a.time, b.time) || (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0));
  return { ...(exporters[0]?.service.metadata.annotations ?? {}), ...(serviceImport.metadata.annotations ?? {}) };
}

/** The upstream of ServiceImport `serviceImport` port `importPort`, as seen from `cluster` (`variant`: see {@link UpstreamVariant}). */
export function importUpstream(index: FleetIndex, cluster: ClusterIndex, serviceImport: ServiceImport, importPort: ImportPort, variant?: UpstreamVariant): UpstreamIR {
  const namespace = serviceImport.metadata.namespace ?? 'default';
  const name = serviceImport.metadata.name;
  const endpoints: UpstreamEndpointIR[] = [];
  const versions = new Map<string, (address: string) => string | undefined>();
  for (const slice of cluster.importSlices.get(nsName(namespace, name)) ?? []) {
    if (slice.addressType === 'FQDN') continue;
    const source = slice.metadata.labels?.[MCS_SOURCE_CLUSTER_LABEL];
    if (source === undefined) continue;
    const slicePort = (slice.ports ?? []).find((p) => (p.name ?? '') === (importPort.name ?? '') && p.protocol === importPort.protocol);
    if (slicePort?.port === undefined || slicePort.port === null) continue;
    const sourceIndex = index.clusters.get(source);
    const region = slice.metadata.annotations?.[SOURCE_REGION_ANNOTATION] ?? sourceIndex?.locality.region;
    // What the version labels come from (versionsOf): the Service's label and the exporter's own slices that carry one.
    const labelled = versionInputs(sourceIndex, namespace, name);
    const memos = builtSlices.get(slice) ?? new Map<number, BuiltSlice>();
    builtSlices.set(slice, memos);
    const memo = memos.get(slicePort.port);
    if (memo !== undefined && memo.source === source && memo.region === region && sameList(memo.labelled, labelled)) {
      for (const e of memo.endpoints) endpoints.push(e);
      continue;
    }
    const version = versions.get(source) ?? versionsOf(sourceIndex, namespace, name);
    versions.set(source, version);
    const built: UpstreamEndpointIR[] = [];
    for (const e of slice.endpoints) {
      const address = e.addresses[0];
      if (address === undefined) continue;
      built.push(importedEndpoint(e, address, slicePort.port, source, region, version(address)));
    }
    memos.set(slicePort.port, { source, region, labelled, endpoints: built });
    for (const e of built) endpoints.push(e);
  }
  const annotations = importAnnotations(index, serviceImport);
  const healthCheck = healthCheckFrom(annotations);
  return {
    key: variant?.key ?? importUpstreamKey(namespace, name, importPort.port),
    kind: 'ServiceImport',
    namespace,
    name,
    port: importPort.port,
    ...variantFields(variant, importPort.appProtocol),
    endpoints: finish(endpoints),
    ...(healthCheck !== undefined ? { healthCheck } : {}),
    outlierDetection: outlierDetectionFrom(annotations),
  };
}
