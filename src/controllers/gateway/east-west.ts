/**
 * East-west: the ClusterSetIP service proxy's part of the IR (issue 4). Clients
 * that resolve `<svc>.<ns>.svc.clusterset.local` get a ClusterSetIP; Lintas listens
 * on every ServiceImport's ClusterSetIP and ports and proxies to the imported
 * endpoints with the gateway's locality, health and retry rules: HTTP when the port's
 * appProtocol is http (or its name starts with `http`), plain TCP otherwise (UDP and
 * SCTP ports are not proxied). The client's cluster is the one whose
 * `Cluster.spec.podCIDRs` contain the connection's source address.
 * @module
 */
import type { Cluster, FleetSnapshot, ServiceImport } from '../../api/index.ts';
import type { EntrySourceIR, HttpListenerIR, TcpListenerIR, UpstreamIR } from '../../ir/index.ts';
import { nsName, type ClusterIndex, type FleetIndex } from './fleet-index.ts';
import { importUpstream } from './upstreams.ts';
import { compareStrings } from '../../lib/index.ts';

type ImportPort = ServiceImport['spec']['ports'][number];

/** The `gateway` name east-west virtual hosts carry in logs. */
export const EAST_WEST_GATEWAY = 'clusterset-ip';

/** The east-west listeners and the upstreams they use. */
export interface EastWestIR {
  readonly listeners: readonly HttpListenerIR[];
  readonly tcpListeners: readonly TcpListenerIR[];
  readonly upstreams: readonly UpstreamIR[];
}

/** Every cluster's pod CIDRs, longest first is left to the data plane. */
export function entrySources(snapshot: FleetSnapshot): EntrySourceIR[] {
  const sources: EntrySourceIR[] = [];
  for (const { object } of snapshot.fleetObjects) {
    if (object.kind !== 'Cluster') continue;
    const cluster = object as Cluster;
    const zone = cluster.spec.zones?.[0];
    for (const cidr of cluster.spec.podCIDRs ?? []) {
      sources.push({ cidr, cluster: cluster.metadata.name, region: cluster.spec.region, ...(zone !== undefined ? { zone } : {}) });
    }
  }
  return sources.sort((a, b) => compareStrings(a.cidr, b.cidr) || compareStrings(a.cluster, b.cluster));
}

/** True when a ServiceImport port speaks HTTP/1.1 (appProtocol, else the `http*` naming convention). */
export function isHttpPort(port: ImportPort): boolean {
  const app = port.appProtocol?.toLowerCase();
  if (app !== undefined) return app === 'http' || app === 'kubernetes.io/http';
  return (port.name ?? '').toLowerCase().startsWith('http');
}

function keyOf(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** East-west listeners for every ClusterSetIP ServiceImport of the fleet (imports are the same in every cluster). */
export function translateEastWest(snapshot: FleetSnapshot, index: FleetIndex): EastWestIR {
  const entryBySource = entrySources(snapshot);
  // One importing cluster per import is enough: the MCS controller gives every importer the same object and slices.
  const imports = new Map<string, { cluster: ClusterIndex; serviceImport: ServiceImport }>();
  for (const name of [...index.clusters.keys()].sort(compareStrings)) {
    const cluster = index.clusters.get(name);
    for (const [key, serviceImport] of cluster?.serviceImports ?? []) {
      if (cluster !== undefined && !imports.has(key) && serviceImport.spec.type === 'ClusterSetIP') imports.set(key, { cluster, serviceImport });
    }
  }
  const listeners: HttpListenerIR[] = [];
  const tcpListeners: TcpListenerIR[] = [];
  const upstreams: UpstreamIR[] = [];
  for (const key of [...imports.keys()].sort(compareStrings)) {
    const entry = imports.get(key);
    if (entry === undefined) continue;
    const { cluster, serviceImport } = entry;
    const namespace = serviceImport.metadata.namespace ?? 'default';
    const name = serviceImport.metadata.name;
    for (const port of serviceImport.spec.ports) {
      if ((port.protocol ?? 'TCP') !== 'TCP') continue;
      const http = isHttpPort(port);
      const base = importUpstream(index, cluster, serviceImport, port);
      // A TCP upstream gets its own key: the same import port may also be an HTTP gateway backend.
      const upstream: UpstreamIR = http ? base : { ...base, key: `${base.key}/tcp`, protocol: 'tcp' };
      upstreams.push(upstream);
      for (const ip of serviceImport.spec.ips ?? []) {
        if (!http) {
          tcpListeners.push({ key: keyOf(ip, port.port), address: ip, port: port.port, serviceImport: nsName(namespace, name), upstream: upstream.key, entryBySource });
          continue;
        }
        listeners.push({
          key: keyOf(ip, port.port),
          address: ip,
          port: port.port,
          cluster: '',
          entryBySource,
          virtualHosts: [
            {
              hostname: '*',
              gateway: EAST_WEST_GATEWAY,
              listener: nsName(namespace, name),
              routes: [
                {
                  name: `serviceimport/${namespace}/${name}/port/${port.port}`,
                  route: { namespace, name },
                  ruleIndex: 0,
                  matchIndex: 0,
                  match: { path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] },
                  filters: {},
                  backends: [{ weight: 1, kind: 'ServiceImport', namespace, name, port: port.port, upstream: upstream.key }],
                  // Connect failures always retry; 5xx only for idempotent requests (the data plane's rule).
                  retry: { codes: [502, 503, 504], attempts: 2 },
                },
              ],
            },
          ],
        });
      }
    }
  }
  const byKey = (a: { key: string }, b: { key: string }): number => compareStrings(a.key, b.key);
  return { listeners: listeners.sort(byKey), tcpListeners: tcpListeners.sort(byKey), upstreams: upstreams.sort(byKey) };
}
