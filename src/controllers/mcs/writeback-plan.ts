/**
 * The MCS controller's write-back plan (KEP-1645, issue 16 item 2): what one importing cluster's API
 * server should hold, from that cluster's MCS result. Pure: the writer (sources/kubernetes) does the
 * I/O, adds the ownership marks and decides what actually needs a write.
 *
 * Per imported Service the cluster gets a derived Service with no selector (as GKE and Lighthouse
 * do), whose ClusterIP the cluster allocates; that IP becomes the ServiceImport's `spec.ips`, so
 * kube-proxy and CNIs route the import. The imported EndpointSlices point at the derived Service
 * (`kubernetes.io/service-name`) besides their MCS labels. Lintas's own ClusterSetIP (served by its
 * DNS and east-west proxies) is kept as an annotation of the ServiceImport.
 * @module
 */
import { createHash } from 'node:crypto';
import {
  ENDPOINT_SLICE_RESOURCE,
  MCS_SERVICE_NAME_LABEL,
  SERVICE_EXPORT_RESOURCE,
  SERVICE_IMPORT_RESOURCE,
  SERVICE_NAME_LABEL,
  SERVICE_RESOURCE,
  type DesiredWrite,
  type EndpointSlice,
  type ServiceImport,
  type WriteEvent,
} from '../../api/index.ts';
import { ExportConditionType } from './conditions.ts';
import type { McsClusterResult, ServiceExportWithStatus } from './types.ts';

/** Annotation of a written ServiceImport with Lintas's ClusterSetIP(s) (its DNS and east-west proxies answer on them). */
export const CLUSTERSET_IP_ANNOTATION = 'lintas.dev/clusterset-ips';
/** The Event reason of a ServiceExport that newly conflicts. */
export const EXPORT_CONFLICT_REASON = 'ExportConflict';

/** `ns/name`: how derived ClusterIPs are keyed. */
export function importKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** The derived Service's name: `derived-` and a digest of `ns/name` (a ServiceImport name can be 63 characters long). */
export function derivedServiceName(namespace: string, name: string): string {
  return `derived-${createHash('sha256').update(importKey(namespace, name)).digest('hex').slice(0, 10)}`;
}

type ImportPort = ServiceImport['spec']['ports'][number];

/** A Service with more than one port must name each; an unnamed import port gets `<protocol>-<port>`, in the Service and its slices alike. */
function portName(port: { name?: string | undefined; protocol: string; port?: number | null | undefined }, many: boolean): string | undefined {
  if (port.name !== undefined && port.name !== '') return port.name;
  return many ? `${port.protocol.toLowerCase()}-${String(port.port ?? 0)}` : undefined;
}

function servicePort(port: ImportPort, many: boolean): Record<string, unknown> {
  const name = portName(port, many);
  return { ...(name !== undefined ? { name } : {}), protocol: port.protocol, port: port.port, ...(port.appProtocol !== undefined ? { appProtocol: port.appProtocol } : {}) };
}

/** The derived Service of an import (see the module comment). */
export function derivedService(si: ServiceImport): DesiredWrite {
  const namespace = si.metadata.namespace ?? '';
  const name = derivedServiceName(namespace, si.metadata.name);
  const many = si.spec.ports.length > 1;
  const spec: Record<string, unknown> = { type: 'ClusterIP', ports: si.spec.ports.map((p) => servicePort(p, many)), sessionAffinity: si.spec.sessionAffinity ?? 'None' };
  if (si.spec.type === 'Headless') spec['clusterIP'] = 'None';
  if (si.spec.sessionAffinityConfig !== undefined) spec['sessionAffinityConfig'] = si.spec.sessionAffinityConfig;
  if (si.spec.ipFamilies !== undefined) {
    spec['ipFamilies'] = [...si.spec.ipFamilies];
    spec['ipFamilyPolicy'] = si.spec.ipFamilies.length > 1 ? 'RequireDualStack' : 'SingleStack';
  }
  if (si.spec.internalTrafficPolicy !== undefined) spec['internalTrafficPolicy'] = si.spec.internalTrafficPolicy;
  return {
    resource: SERVICE_RESOURCE,
    namespace,
    name,
    write: 'object',
    owned: true,
    body: { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace, labels: { [MCS_SERVICE_NAME_LABEL]: si.metadata.name } }, spec },
  };
}

/** A derived Service to write, and the import (`ns/name`) whose ClusterIP it allocates. */
export interface DerivedServiceWrite {
  readonly importKey: string;
  readonly write: DesiredWrite;
}

/** The derived Services of a cluster's imports, sorted like the imports (namespace, then name). Written first: their ClusterIPs feed {@link planImports}. */
export function planDerivedServices(result: McsClusterResult): DerivedServiceWrite[] {
  return result.serviceImports.map((si) => ({ importKey: importKey(si.metadata.namespace ?? '', si.metadata.name), write: derivedService(si) }));
}

/** A ServiceImport's object and status writes, with `spec.ips` from the derived Service's allocated ClusterIPs (by `ns/name`). */
export function serviceImportWrites(si: ServiceImport, derivedIPs: ReadonlyMap<string, readonly string[]>): DesiredWrite[] {
  const namespace = si.metadata.namespace ?? '';
  const name = si.metadata.name;
  const { ips, ...rest } = si.spec;
  const spec: Record<string, unknown> = { ...rest };
  // Headless imports have no IP; a ClusterSetIP import gets the derived Service's, once the cluster allocated it.
  const allocated = derivedIPs.get(importKey(namespace, name));
  if (si.spec.type === 'ClusterSetIP' && allocated !== undefined && allocated.length > 0) spec['ips'] = [...allocated];
  const annotations = { ...si.metadata.annotations, ...(ips !== undefined && ips.length > 0 ? { [CLUSTERSET_IP_ANNOTATION]: ips.join(',') } : {}) };
  const metadata = { name, namespace, ...(si.metadata.labels !== undefined ? { labels: { ...si.metadata.labels } } : {}), ...(Object.keys(annotations).length > 0 ? { annotations } : {}) };
  const apiVersion = `${SERVICE_IMPORT_RESOURCE.group}/${SERVICE_IMPORT_RESOURCE.version}`;
  return [
    { resource: SERVICE_IMPORT_RESOURCE, namespace, name, write: 'object', owned: true, body: { apiVersion, kind: 'ServiceImport', metadata, spec } },
    { resource: SERVICE_IMPORT_RESOURCE, namespace, name, write: 'status', owned: true, body: { apiVersion, kind: 'ServiceImport', metadata: { name, namespace }, status: structuredClone(si.status ?? {}) } },
  ];
}

/** An imported EndpointSlice's write (`portsPerImport`: port count per import `ns/name`, to name unnamed ports alike). */
export function importedSlice(slice: EndpointSlice, portsPerImport: ReadonlyMap<string, number>): DesiredWrite {
  const namespace = slice.metadata.namespace ?? '';
  const importName = slice.metadata.labels?.[MCS_SERVICE_NAME_LABEL] ?? '';
  const many = (portsPerImport.get(importKey(namespace, importName)) ?? 0) > 1;
  const body = structuredClone(slice) as unknown as Record<string, unknown> & { metadata: { labels: Record<string, string> }; ports?: { name?: string; protocol: string; port?: number | null }[] };
  // kube-proxy routes a Service through the slices labelled with its name: the derived Service's.
  body.metadata.labels[SERVICE_NAME_LABEL] = derivedServiceName(namespace, importName);
  if (body.ports !== undefined) body.ports = body.ports.map((p) => ({ ...p, name: portName(p, many) ?? '' }));
  return { resource: ENDPOINT_SLICE_RESOURCE, namespace, name: slice.metadata.name, write: 'object', owned: true, body };
}

function conflictEvent(se: ServiceExportWithStatus): WriteEvent | undefined {
  const conflict = se.status.conditions.find((c) => c.type === ExportConditionType.Conflict);
  return conflict?.status === 'True' ? { type: 'Warning', reason: EXPORT_CONFLICT_REASON, message: `${conflict.reason}: ${conflict.message ?? ''}`.trim() } : undefined;
}

/** The status write of one of the cluster's own ServiceExports (with a conflict Event when it conflicts). */
export function exportStatus(se: ServiceExportWithStatus): DesiredWrite {
  const namespace = se.metadata.namespace ?? '';
  const version = se.apiVersion.slice(se.apiVersion.indexOf('/') + 1);
  const event = conflictEvent(se);
  return {
    resource: { ...SERVICE_EXPORT_RESOURCE, version },
    namespace,
    name: se.metadata.name,
    write: 'status',
    owned: false,
    body: { apiVersion: se.apiVersion, kind: 'ServiceExport', metadata: { name: se.metadata.name, namespace }, status: { conditions: structuredClone(se.status.conditions) } },
    ...(se.metadata.generation !== undefined ? { generation: se.metadata.generation } : {}),
    ...(event !== undefined ? { event } : {}),
  };
}

/**
 * Everything else a cluster should hold, in write order: its ServiceImports (object, then status), the
 * imported EndpointSlices, and the status of its own ServiceExports. `derivedIPs` (by `ns/name`) are
 * the ClusterIPs the cluster allocated to the derived Services.
 */
export function planImports(result: McsClusterResult, derivedIPs: ReadonlyMap<string, readonly string[]>): DesiredWrite[] {
  const portsPerImport = new Map(result.serviceImports.map((si) => [importKey(si.metadata.namespace ?? '', si.metadata.name), si.spec.ports.length]));
  return [
    ...result.serviceImports.flatMap((si) => serviceImportWrites(si, derivedIPs)),
    ...result.endpointSlices.map((slice) => importedSlice(slice, portsPerImport)),
    ...result.serviceExports.map(exportStatus),
  ];
}
