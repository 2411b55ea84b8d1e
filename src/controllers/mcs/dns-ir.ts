/**
 * The DNS IR of the ClusterSet zone (MCS DNS specification): one service per
 * ServiceImport, with its ClusterSetIP and ports, and for Headless services every
 * imported endpoint with its readiness (the DNS data plane answers ready ones only).
 * @module
 */
import { MCS_SOURCE_CLUSTER_LABEL, type EndpointSlice, type ServiceImport } from '../../api/index.ts';
import type { DnsEndpointIR, DnsPortIR, DnsServiceIR, DnsZoneIR } from '../../ir/index.ts';
import { compareStrings as compare } from '../../lib/index.ts';

/** The zone's name and TTL when there is no ClusterSet to take them from (the MCS DNS defaults). */
export const DEFAULT_DNS_ZONE = 'clusterset.local';
/** Default record TTL in seconds, as coredns/multicluster and Lighthouse use. */
export const DEFAULT_DNS_TTL_SECONDS = 5;

/** One ServiceImport with every imported slice behind it (from all source clusters). */
export interface ImportedService {
  readonly serviceImport: ServiceImport;
  readonly endpointSlices: readonly EndpointSlice[];
}

/** The per-endpoint DNS label: the endpoint's hostname, or its IP with `.`/`:` replaced by `-`. */
export function endpointHostname(hostname: string | undefined, address: string): string {
  return hostname ?? address.replace(/[.:]/g, '-');
}

function headlessEndpoints(slices: readonly EndpointSlice[]): DnsEndpointIR[] {
  const endpoints: DnsEndpointIR[] = [];
  for (const slice of slices) {
    // FQDN endpoints cannot be answered as A/AAAA records.
    if (slice.addressType === 'FQDN') continue;
    const cluster = slice.metadata.labels?.[MCS_SOURCE_CLUSTER_LABEL] ?? '';
    for (const endpoint of slice.endpoints) {
      const first = endpoint.addresses[0];
      if (first === undefined) continue;
      endpoints.push({ cluster, hostname: endpointHostname(endpoint.hostname, first), ips: [...endpoint.addresses], ready: endpoint.conditions?.ready ?? true });
    }
  }
  return endpoints.sort((a, b) => compare(a.cluster, b.cluster) || compare(a.hostname, b.hostname) || compare(a.ips.join(','), b.ips.join(',')));
}

/** The DNS IR of one ServiceImport (and, when headless, its endpoints). */
export function dnsService(imported: ImportedService): DnsServiceIR {
  const { metadata, spec } = imported.serviceImport;
  const ports: DnsPortIR[] = spec.ports.map((p) => (p.name !== undefined ? { name: p.name, protocol: p.protocol, port: p.port } : { protocol: p.protocol, port: p.port }));
  const headless = spec.type === 'Headless';
  return {
    namespace: metadata.namespace ?? '',
    name: metadata.name,
    type: spec.type,
    ips: headless ? [] : [...(spec.ips ?? [])],
    ports,
    endpoints: headless ? headlessEndpoints(imported.endpointSlices) : [],
  };
}

/** The zone: name and TTL from the ClusterSet, services sorted by namespace then name. */
export function buildDnsZone(zone: string, ttlSeconds: number, imports: Iterable<ImportedService>): DnsZoneIR {
  const services = [...imports].map(dnsService).sort((a, b) => compare(a.namespace, b.namespace) || compare(a.name, b.name));
  return { zone, ttlSeconds, services };
}
