/**
 * East-west: the ClusterSetIP service proxy's part of the IR (issue 4). Clients
 * that resolve `<svc>.<ns>.svc.clusterset.local` get a ClusterSetIP; Lintas listens
 * on every ServiceImport's ClusterSetIP and ports and proxies to the imported
 * endpoints with the gateway's locality, health and retry rules: HTTP when the port's
 * appProtocol is http (or its name starts with `http`), plain TCP otherwise (UDP and
 * SCTP ports are not proxied). The client's cluster is the one whose
 * `Cluster.spec.podCIDRs` contain the connection's source address.
 *
 * This runs on every MCS result, for every import. An import whose ServiceImport is
 * the same object as last time (the MCS translator keeps unchanged ones), with an
 * equal upstream and equal entry sources, gets last time's listener and upstream
 * objects back: equal output, same identity, so the config versions and the data
 * plane's compare cost nothing for it. The memo is a cache of pure results, weakly
 * keyed by the ServiceImport; it never changes what is returned, only its identity.
 * @module
 */
import type { Cluster, FleetSnapshot, ServiceImport } from '../../api/index.ts';
import { shareUpstream, type EntrySourceIR, type HttpListenerIR, type TcpListenerIR, type UpstreamIR } from '../../ir/index.ts';
import { isDeepStrictEqual } from 'node:util';
import { nsName, type ClusterIndex, type FleetIndex } from './fleet-index.ts';
import { importUpstreamDeps, sameDeps } from './import-deps.ts';
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

/** What one import port gave last time: its upstream and its listeners (HTTP or TCP, one per ClusterSetIP). */
interface PortMemo {
  /** What the upstream was computed from (import-deps.ts). */
  readonly deps: readonly unknown[];
  readonly upstream: UpstreamIR;
  readonly entryBySource: readonly EntrySourceIR[];
  readonly listeners: readonly HttpListenerIR[];
  readonly tcpListeners: readonly TcpListenerIR[];
}

// ServiceImport → port index → last result; weak: a replaced import drops its entry.
const portMemo = new WeakMap<ServiceImport, Map<number, PortMemo>>();
// The last entry sources returned, kept so that equal sources stay the same array (every listener holds it).
let lastSources: readonly EntrySourceIR[] = [];

/** How many import ports' listeners were built afresh or reused, and upstreams built, by {@link translateEastWest} (tests read it). */
export const eastWestMemoStats = { built: 0, reused: 0, upstreamsBuilt: 0 };

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
  const sources = entrySources(snapshot);
  if (!isDeepStrictEqual(sources, lastSources)) lastSources = sources;
  const entryBySource = lastSources;
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
    const memos = portMemo.get(serviceImport) ?? new Map<number, PortMemo>();
    portMemo.set(serviceImport, memos);
    const deps = importUpstreamDeps(index, cluster, serviceImport);
    serviceImport.spec.ports.forEach((port, i) => {
      if ((port.protocol ?? 'TCP') !== 'TCP') return;
      const http = isHttpPort(port);
      const before = memos.get(i);
      // Same inputs: the same upstream, not even built (import-deps.ts); else built and kept if equal.
      let upstream: UpstreamIR;
      if (before !== undefined && sameDeps(before.deps, deps)) upstream = before.upstream;
      else {
        const base = importUpstream(index, cluster, serviceImport, port);
        // A TCP upstream gets its own key: the same import port may also be an HTTP gateway backend.
        const fresh: UpstreamIR = http ? base : { ...base, key: `${base.key}/tcp`, protocol: 'tcp' };
        // Equal: last time's object; else last time's endpoint objects where they are equal (ir/share.ts).
        upstream = shareUpstream(before?.upstream, fresh);
        eastWestMemoStats.upstreamsBuilt += 1;
      }
      upstreams.push(upstream);
      // The listeners depend on the import (same object: same ports and IPs), the upstream's key and the entry sources only.
      if (before !== undefined && before.entryBySource === entryBySource && before.upstream.key === upstream.key) {
        eastWestMemoStats.reused += 1;
        listeners.push(...before.listeners);
        tcpListeners.push(...before.tcpListeners);
        if (before.upstream !== upstream || before.deps !== deps) memos.set(i, { ...before, deps, upstream });
        return;
      }
      eastWestMemoStats.built += 1;
      const built = portListeners(serviceImport, port, http, upstream, entryBySource);
      memos.set(i, { deps, upstream, entryBySource, ...built });
      listeners.push(...built.listeners);
      tcpListeners.push(...built.tcpListeners);
    });
  }
  const byKey = (a: { key: string }, b: { key: string }): number => compareStrings(a.key, b.key);
  return { listeners: listeners.sort(byKey), tcpListeners: tcpListeners.sort(byKey), upstreams: upstreams.sort(byKey) };
}

/** The listeners of one import port: one per ClusterSetIP, HTTP or TCP. */
function portListeners(serviceImport: ServiceImport, port: ImportPort, http: boolean, upstream: UpstreamIR, entryBySource: readonly EntrySourceIR[]): { listeners: HttpListenerIR[]; tcpListeners: TcpListenerIR[] } {
  const namespace = serviceImport.metadata.namespace ?? 'default';
  const name = serviceImport.metadata.name;
  const listeners: HttpListenerIR[] = [];
  const tcpListeners: TcpListenerIR[] = [];
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
  return { listeners, tcpListeners };
}
