/**
 * What the Gateway IR says each Gateway serves, for DNS: per north-south listener and
 * virtual host, the entry cluster, the bound address and port, the hostname and the
 * upstreams its routes send to. East-west (ClusterSetIP) listeners are not public entry
 * points and are left out, as are virtual hosts without routes. Pure.
 * @module
 */
import type { GatewayIR, UpstreamIR } from '../../ir/index.ts';
import { compareStrings } from '../../lib/index.ts';

/** One hostname served by one Gateway listener in one cluster. */
export interface ServedHost {
  /** `ns/name` of the Gateway. */
  readonly gateway: string;
  readonly listener: string;
  readonly cluster: string;
  readonly region?: string;
  readonly address: string;
  readonly port: number;
  /** As the virtual host has it: an exact name, `*.example.com` or `*`. */
  readonly hostname: string;
  /** Keys of the upstreams the virtual host's routes send to, sorted. */
  readonly upstreams: readonly string[];
}

/** Every (listener, virtual host) of the north-south listeners, sorted by gateway, cluster, hostname, address. */
export function servedHosts(ir: GatewayIR | undefined): ServedHost[] {
  const out: ServedHost[] = [];
  for (const l of ir?.listeners ?? []) {
    if (l.entryBySource !== undefined) continue;
    for (const v of l.virtualHosts) {
      // `*` is the listener's catch-all (routes without hostnames): no name to answer for.
      // A virtual host without routes exists only for the listener's own hostname.
      if (v.hostname === '*' || v.routes.length === 0) continue;
      const upstreams = new Set<string>();
      for (const r of v.routes) for (const b of r.backends) if (b.upstream !== undefined && b.weight > 0) upstreams.add(b.upstream);
      out.push({
        gateway: v.gateway,
        listener: v.listener,
        cluster: l.cluster,
        ...(l.region !== undefined ? { region: l.region } : {}),
        address: l.address,
        port: l.port,
        hostname: v.hostname.toLowerCase(),
        upstreams: [...upstreams].sort(compareStrings),
      });
    }
  }
  return out.sort(
    (a, b) => compareStrings(a.gateway, b.gateway) || compareStrings(a.cluster, b.cluster) || compareStrings(a.hostname, b.hostname) || compareStrings(a.address, b.address) || a.port - b.port,
  );
}

/** The upstreams of a Gateway IR by key. */
export function upstreamsByKey(ir: GatewayIR | undefined): ReadonlyMap<string, UpstreamIR> {
  return new Map((ir?.upstreams ?? []).map((u) => [u.key, u]));
}
