/**
 * Gateways and their listeners: which Gateways are Lintas' (GatewayClass
 * controllerName), which listeners can be programmed (HTTP, and HTTPS with at
 * least one valid certificate: certificates.ts), which addresses they bind, and
 * the conflicts between them.
 *
 * One Lintas process serves the whole fleet, so every `address:port` is one socket:
 * - listeners sharing `address:port` in one cluster merge into one HTTP server, as long
 *   as their hostnames differ (the same hostname twice is a `HostnameConflict`);
 * - a listener whose `address:port` is already served for another cluster cannot bind:
 *   `Accepted=False PortUnavailable`; nor can one whose `address:port` another Gateway of
 *   the cluster serves with the other of HTTP and HTTPS (`Conflicted=True ProtocolConflict`);
 * - listeners of one Gateway on one port with incompatible protocols (HTTP with
 *   HTTPS/TLS/TCP) all get `Conflicted=True ProtocolConflict`.
 * Conflicts across Gateways go to the older Gateway (creationTimestamp, then cluster,
 * namespace and name), so adding a Gateway never takes a port away from a running one.
 * @module
 */
import { GATEWAY_GROUP, type Gateway, type Listener } from '../../api/index.ts';
import { formatIP, parseIP } from '../../lib/index.ts';
import { compareOptionalTimes, timestampMillis } from './time.ts';
import { nsName, type ClusterIndex, type FleetIndex } from './fleet-index.ts';
import type { CertificateIR } from '../../ir/index.ts';
import { listenerCertificates, type CertificateRefReason } from './certificates.ts';
import type { RouteGroupKind } from './types.ts';

/** The route kinds an HTTP listener supports. */
export const HTTP_ROUTE_KIND: RouteGroupKind = { group: GATEWAY_GROUP, kind: 'HTTPRoute' };
/** GRPCRoute: HTTP and HTTPS listeners support it too (HTTP/2 by ALPN or prior knowledge). */
export const GRPC_ROUTE_KIND: RouteGroupKind = { group: GATEWAY_GROUP, kind: 'GRPCRoute' };
const ROUTE_KINDS: readonly RouteGroupKind[] = [HTTP_ROUTE_KIND, GRPC_ROUTE_KIND];

/** What the translator decided about one listener. */
export interface ListenerState {
  readonly listener: Listener;
  readonly supportedKinds: readonly RouteGroupKind[];
  /** Set when the listener is `Accepted=False`. */
  readonly rejected?: { readonly reason: 'UnsupportedProtocol' | 'PortUnavailable'; readonly message: string };
  /** Listed allowedRoutes kinds Lintas does not support (`ResolvedRefs=False InvalidRouteKinds`). */
  readonly invalidKinds: readonly string[];
  readonly conflict?: { readonly reason: 'HostnameConflict' | 'ProtocolConflict'; readonly message: string };
  /** HTTPS: the certificates that resolved, and the refs that did not (`ResolvedRefs=False`). */
  readonly certificates: readonly CertificateIR[];
  readonly certificateProblems: readonly { readonly reason: CertificateRefReason; readonly message: string }[];
  /** True when the listener serves traffic (it then appears in the IR). */
  readonly programmed: boolean;
  /** `Programmed=False` message when not programmed. */
  readonly notProgrammed?: string;
}

/** What the translator decided about one Lintas Gateway. */
export interface GatewayState {
  readonly cluster: ClusterIndex;
  readonly gateway: Gateway;
  /** `cluster/ns/name`. */
  readonly key: string;
  /** IPAddress values, canonical. */
  readonly addresses: readonly string[];
  /** Addresses of a type Lintas cannot bind (`Accepted=False UnsupportedAddress`). */
  readonly unsupportedAddresses: readonly string[];
  readonly listeners: readonly ListenerState[];
}

/** `address:port`, with IPv6 addresses in brackets. */
export function serverKey(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The Gateways in the fleet whose GatewayClass (in the same cluster) has `controllerName`, oldest first. */
function managedGateways(index: FleetIndex, controllerName: string): { cluster: ClusterIndex; gateway: Gateway }[] {
  const out: { cluster: ClusterIndex; gateway: Gateway; created?: number }[] = [];
  for (const cluster of index.clusters.values()) {
    for (const gateway of cluster.gateways) {
      const gatewayClass = cluster.gatewayClasses.get(gateway.spec.gatewayClassName);
      if (gatewayClass?.spec.controllerName !== controllerName) continue;
      out.push({ cluster, gateway, created: timestampMillis(gateway.metadata.creationTimestamp) });
    }
  }
  const key = (g: (typeof out)[number]): string => `${g.cluster.locality.name}\u0000${g.gateway.metadata.namespace ?? ''}\u0000${g.gateway.metadata.name}`;
  return out.sort((a, b) => compareOptionalTimes(a.created, b.created) || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** Protocol families that may not share a port (HTTPS and TLS both terminate TLS with SNI). */
function family(protocol: string): string {
  if (protocol === 'HTTPS' || protocol === 'TLS') return 'TLS';
  return protocol;
}

function routeKinds(listener: Listener, http: boolean): { supported: RouteGroupKind[]; invalid: string[] } {
  const kinds = listener.allowedRoutes?.kinds;
  if (kinds === undefined) return { supported: http ? [...ROUTE_KINDS] : [], invalid: [] };
  const supported: RouteGroupKind[] = [];
  const invalid: string[] = [];
  for (const k of kinds) {
    const group = k.group ?? GATEWAY_GROUP;
    const known = ROUTE_KINDS.find((r) => r.group === group && r.kind === k.kind);
    if (http && known !== undefined) {
      if (!supported.includes(known)) supported.push(known);
    } else {
      invalid.push(group === '' ? k.kind : `${group}/${k.kind}`);
    }
  }
  return { supported, invalid };
}

/** Listener protocol conflicts inside one Gateway: listeners on one port with incompatible protocols. */
function protocolConflicts(listeners: readonly Listener[]): Map<string, string> {
  const byPort = new Map<number, Listener[]>();
  for (const l of listeners) byPort.set(l.port, [...(byPort.get(l.port) ?? []), l]);
  const conflicts = new Map<string, string>();
  for (const [port, group] of byPort) {
    // UDP shares port numbers with TCP-based protocols without a clash.
    const tcp = group.filter((l) => l.protocol !== 'UDP');
    const families = new Set(tcp.map((l) => family(l.protocol)));
    if (families.size < 2) continue;
    for (const l of tcp) {
      const others = [...new Set(tcp.filter((o) => family(o.protocol) !== family(l.protocol)).map((o) => o.protocol))].join(', ');
      conflicts.set(l.name, `port ${port} is also used with protocol ${others} by another listener of this Gateway`);
    }
  }
  return conflicts;
}

interface Claim {
  readonly cluster: string;
  readonly gateway: string;
  /** `HTTP` or `TLS` (HTTPS): one socket speaks one of them. */
  readonly family: string;
  /** Listener hostname (or '' for none) → `ns/gateway/listener` holding it. */
  readonly hostnames: Map<string, string>;
}

/** Decides every Lintas Gateway's listeners, oldest Gateway first. */
export function processGateways(index: FleetIndex, controllerName: string): GatewayState[] {
  const claims = new Map<string, Claim>();
  const states: GatewayState[] = [];
  for (const { cluster, gateway } of managedGateways(index, controllerName)) {
    const gatewayName = nsName(gateway.metadata.namespace, gateway.metadata.name);
    const addresses: string[] = [];
    const unsupportedAddresses: string[] = [];
    for (const a of gateway.spec.addresses ?? []) {
      const ip = a.type === 'IPAddress' ? parseIP(a.value) : undefined;
      if (ip === undefined) unsupportedAddresses.push(`${a.type} ${a.value}`);
      else if (!addresses.includes(formatIP(ip))) addresses.push(formatIP(ip));
    }
    const accepted = unsupportedAddresses.length === 0;
    const protocols = protocolConflicts(gateway.spec.listeners);
    const listeners: ListenerState[] = [];
    for (const listener of gateway.spec.listeners) {
      const https = listener.protocol === 'HTTPS';
      const http = listener.protocol === 'HTTP' || https;
      const { supported, invalid } = routeKinds(listener, http);
      let rejected: ListenerState['rejected'] = http
        ? undefined
        : { reason: 'UnsupportedProtocol', message: `protocol ${listener.protocol} is not supported yet; Lintas serves HTTP and HTTPS listeners` };
      const tls = https ? listenerCertificates(listener, gateway, cluster) : { certificates: [], problems: [] };
      let conflict: ListenerState['conflict'];
      const protocolConflict = protocols.get(listener.name);
      if (protocolConflict !== undefined) conflict = { reason: 'ProtocolConflict', message: protocolConflict };
      let notProgrammed: string | undefined;
      if (!accepted) notProgrammed = 'the Gateway is not accepted';
      else if (rejected !== undefined) notProgrammed = 'the listener is not accepted';
      else if (conflict !== undefined) notProgrammed = 'the listener is conflicted';
      else if (supported.length === 0) notProgrammed = 'the listener allows no supported route kind';
      else if (https && tls.certificates.length === 0) notProgrammed = 'the listener has no valid certificate';
      else if (addresses.length === 0) notProgrammed = 'the Gateway has no IPAddress in spec.addresses to bind';

      if (notProgrammed === undefined) {
        // Check every address before claiming any, so a listener binds all its addresses or none.
        const hostname = listener.hostname ?? '';
        for (const address of addresses) {
          const claim = claims.get(serverKey(address, listener.port));
          if (claim === undefined) continue;
          if (claim.cluster !== cluster.locality.name) {
            rejected = { reason: 'PortUnavailable', message: `${serverKey(address, listener.port)} is already served for cluster ${claim.cluster} (Gateway ${claim.gateway})` };
            notProgrammed = 'the listener is not accepted';
            break;
          }
          if (claim.family !== family(listener.protocol)) {
            conflict = { reason: 'ProtocolConflict', message: `${serverKey(address, listener.port)} is already served with ${claim.family === 'TLS' ? 'HTTPS' : claim.family} by Gateway ${claim.gateway}` };
            notProgrammed = 'the listener is conflicted';
            break;
          }
          const holder = claim.hostnames.get(hostname);
          if (holder !== undefined) {
            conflict = { reason: 'HostnameConflict', message: `${serverKey(address, listener.port)} already serves hostname "${hostname || '*'}" for listener ${holder}` };
            notProgrammed = 'the listener is conflicted';
            break;
          }
        }
      }
      if (notProgrammed === undefined) {
        for (const address of addresses) {
          const key = serverKey(address, listener.port);
          const claim = claims.get(key) ?? { cluster: cluster.locality.name, gateway: gatewayName, family: family(listener.protocol), hostnames: new Map<string, string>() };
          claim.hostnames.set(listener.hostname ?? '', `${gatewayName}/${listener.name}`);
          claims.set(key, claim);
        }
      }
      listeners.push({
        listener,
        supportedKinds: supported,
        invalidKinds: invalid,
        certificates: tls.certificates,
        certificateProblems: tls.problems,
        programmed: notProgrammed === undefined,
        ...(rejected !== undefined ? { rejected } : {}),
        ...(conflict !== undefined ? { conflict } : {}),
        ...(notProgrammed !== undefined ? { notProgrammed } : {}),
      });
    }
    states.push({ cluster, gateway, key: `${cluster.locality.name}/${gatewayName}`, addresses, unsupportedAddresses, listeners });
  }
  return states;
}
