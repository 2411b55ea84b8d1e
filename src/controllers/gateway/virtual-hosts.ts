/**
 * Bound HTTP servers and their virtual hosts.
 *
 * Every programmed listener binds each Gateway address at its port; listeners sharing
 * `address:port` (in one cluster) merge into one server. Each listener contributes a
 * virtual host per hostname its routes got (the intersections), plus always one for its
 * own hostname (`*` when it has none), so a request for a listener without routes gets
 * a 404 there instead of falling into a broader listener (listener isolation).
 *
 * A virtual host for hostname H under listener L is dropped when another listener on the
 * same server is more specific than L and admits every host H admits: those requests
 * belong to that listener. Virtual hosts are sorted most specific first (the data plane
 * takes the first whose hostname matches the Host).
 *
 * Inside a virtual host, routes follow the spec's precedence, whose first tier is the
 * hostname: the rules of routes with this very hostname come first, then those of the
 * listener's broader hostnames that admit every host of this one (`bar.example.com`
 * is followed by `*.example.com`, then `*`), each group sorted by `precedence.ts`. So a
 * request for bar.example.com that misses the bar.example.com routes still reaches a
 * route for *.example.com on the same listener, never one of another listener.
 * @module
 */
import type { HttpListenerIR, RouteRuleIR, TlsListenerIR, TlsServerIR, VirtualHostIR } from '../../ir/index.ts';
import { ANY_HOST, compareHostnames, hostnameSpecificity, listenerCovers } from './hostnames.ts';
import { serverKey, type GatewayState, type ListenerState } from './listeners.ts';
import { comparePrecedence, type PrecedenceKey } from './precedence.ts';
import { compareStrings } from '../../lib/index.ts';

/** One IR rule with the key it is ordered by. */
export interface RankedRule {
  readonly rule: RouteRuleIR;
  readonly key: PrecedenceKey;
}

/** Routes attached to one listener, by effective hostname. */
export type ListenerRoutes = ReadonlyMap<ListenerState, ReadonlyMap<string, readonly RankedRule[]>>;

interface Member {
  readonly gateway: GatewayState;
  readonly listener: ListenerState;
}

interface Server {
  readonly gateway: GatewayState;
  readonly address: string;
  readonly port: number;
  readonly members: Member[];
}

function virtualHost(member: Member, hostname: string, segments: readonly (readonly RankedRule[])[]): VirtualHostIR {
  const seen = new Set<string>();
  const routes = segments
    .flatMap((segment) => [...segment].sort((a, b) => comparePrecedence(a.key, b.key)))
    .filter((r) => {
      // A route can reach one vhost twice (two parentRefs, or an exact and a wildcard
      // hostname): the first, higher-precedence place counts.
      if (seen.has(r.rule.name)) return false;
      seen.add(r.rule.name);
      return true;
    })
    .map((r) => r.rule);
  const g = member.gateway.gateway.metadata;
  return { hostname, gateway: `${g.namespace ?? 'default'}/${g.name}`, listener: member.listener.listener.name, routes };
}

/** `*` as a pattern that admits every host. */
function asPattern(hostname: string): string | undefined {
  return hostname === ANY_HOST ? undefined : hostname;
}

function serverHosts(server: Server, routes: ListenerRoutes): VirtualHostIR[] {
  const vhosts: VirtualHostIR[] = [];
  for (const member of server.members) {
    const own = member.listener.listener.hostname;
    const byHost = routes.get(member.listener);
    const hostnames = new Set<string>([own ?? ANY_HOST, ...(byHost?.keys() ?? [])]);
    const ordered = [...hostnames].sort(compareHostnames);
    for (const hostname of ordered) {
      const owned = server.members.some(
        (other) => other !== member && hostnameSpecificity(other.listener.listener.hostname) > hostnameSpecificity(own) && listenerCovers(other.listener.listener.hostname, hostname),
      );
      if (owned) continue;
      // The spec's first precedence tier is hostname specificity across all applicable
      // routes: after this hostname's own rules come those of the broader hostnames of the
      // same listener that also admit every host of it, most specific first.
      const broader = ordered.filter((h) => hostnameSpecificity(h) < hostnameSpecificity(hostname) && listenerCovers(asPattern(h), hostname));
      vhosts.push(virtualHost(member, hostname, [hostname, ...broader].map((h) => byHost?.get(h) ?? [])));
    }
  }
  return vhosts.sort((a, b) => compareHostnames(a.hostname, b.hostname) || compareStrings(a.gateway, b.gateway) || compareStrings(a.listener, b.listener));
}

/** Gateway annotation that turns HTTP/2 prior knowledge (h2c) off on its cleartext listeners (`"false"`; on by default, as Envoy's AUTO codec). */
export const HTTP2_PRIOR_KNOWLEDGE_ANNOTATION = 'lintas.dev/http2-prior-knowledge';

/** Whether a cleartext server answers HTTP/2 prior knowledge: unless one of its Gateways says `"false"`. */
function priorKnowledgeOff(server: Server): boolean {
  return server.members.some((m) => m.gateway.gateway.metadata.annotations?.[HTTP2_PRIOR_KNOWLEDGE_ANNOTATION] === 'false');
}

/** TLS termination of an HTTPS server: each member listener with its certificates, most specific hostname first. */
function serverTls(server: Server): TlsServerIR | undefined {
  if (server.members[0]?.listener.listener.protocol !== 'HTTPS') return undefined;
  const listeners: TlsListenerIR[] = server.members.map(({ gateway, listener }) => {
    const g = gateway.gateway.metadata;
    const hostname = listener.listener.hostname;
    return { gateway: `${g.namespace ?? 'default'}/${g.name}`, listener: listener.listener.name, ...(hostname !== undefined ? { hostname } : {}), certificates: listener.certificates };
  });
  listeners.sort((a, b) => compareHostnames(a.hostname ?? ANY_HOST, b.hostname ?? ANY_HOST) || compareStrings(a.gateway, b.gateway) || compareStrings(a.listener, b.listener));
  return { listeners };
}

/** The IR listeners (servers) of every programmed listener, sorted by `address:port`. */
export function buildServers(states: readonly GatewayState[], routes: ListenerRoutes): HttpListenerIR[] {
  const servers = new Map<string, Server>();
  for (const gateway of states) {
    for (const listener of gateway.listeners) {
      if (!listener.programmed) continue;
      for (const address of gateway.addresses) {
        const key = serverKey(address, listener.listener.port);
        const server = servers.get(key) ?? { gateway, address, port: listener.listener.port, members: [] };
        server.members.push({ gateway, listener });
        servers.set(key, server);
      }
    }
  }
  return [...servers.entries()]
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([key, server]) => {
      const locality = server.gateway.cluster.locality;
      return {
        key,
        address: server.address,
        port: server.port,
        cluster: locality.name,
        ...(locality.region !== undefined ? { region: locality.region } : {}),
        ...(locality.zone !== undefined ? { zone: locality.zone } : {}),
        virtualHosts: serverHosts(server, routes),
        ...(server.members[0]?.listener.listener.protocol === 'HTTPS' ? { tls: serverTls(server) as TlsServerIR } : priorKnowledgeOff(server) ? { http2PriorKnowledge: false as const } : {}),
      };
    });
}
