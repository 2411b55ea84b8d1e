/**
 * The gateway translator: Gateways, HTTPRoutes, ReferenceGrants, Services and their
 * EndpointSlices plus the MCS result (ServiceImports and imported slices) in; the
 * Gateway IR and the status of every Lintas GatewayClass, Gateway and HTTPRoute out.
 * Pure: no I/O, no clock (`now` is an input), inputs never mutated, output sorted.
 *
 * Steps (as Envoy Gateway's translator): Gateways and listeners (class, addresses,
 * conflicts) → route attachment (parentRefs, allowedRoutes, hostnames) → rules
 * (matches, filters, backends, timeouts, retry) → servers and virtual hosts (listener
 * isolation, precedence) → status.
 * @module
 */
import type { ParentReference } from '../../api/index.ts';
import type { GatewayIR, HttpListenerIR, UpstreamIR } from '../../ir/index.ts';
import { attachToParent, parentGateway, type ParentVerdict } from './attach.ts';
import { recordReach, resolveBackendTls, type Verdict } from './backend-tls.ts';
import { translateEastWest } from './east-west.ts';
import { ConditionType, GatewayClassReason, draft, settle } from './conditions.ts';
import { indexFleet, nsName } from './fleet-index.ts';
import { attachPolicies } from './policies.ts';
import { processGateways, type GatewayState, type ListenerState } from './listeners.ts';
import type { BackendContext } from './backends.ts';
import { translateGrpcRouteRules } from './grpc-rules.ts';
import { KindClaims, routesByAge, type AnyRoute } from './route-kinds.ts';
import { translateRouteRules, type RouteTranslation } from './rules.ts';
import { gatewayStatus, routeAccepted, routeParentStatus } from './status.ts';
import { timestampMillis } from './time.ts';
import { DEFAULT_CONTROLLER_NAME, type GatewayInput, type GatewayResult, type GRPCRouteWithStatus, type HTTPRouteWithStatus, type RouteParentStatus } from './types.ts';
import { buildServers, type RankedRule } from './virtual-hosts.ts';
import { compareStrings } from '../../lib/index.ts';

function byNamespaceName(a: { metadata: { namespace?: string; name: string } }, b: { metadata: { namespace?: string; name: string } }): number {
  return compareStrings(a.metadata.namespace ?? '', b.metadata.namespace ?? '') || compareStrings(a.metadata.name, b.metadata.name);
}

/** Identity of a parentRef, to find its previous status entry. */
function parentKey(ref: ParentReference, routeNamespace: string): string {
  return JSON.stringify([ref.group, ref.kind, ref.namespace ?? routeNamespace, ref.name, ref.sectionName ?? null, ref.port ?? null]);
}

/** Upstream keys the programmed rules use (backends and mirrors); unused upstreams are not served. */
function usedUpstreams(listeners: readonly HttpListenerIR[]): Set<string> {
  const used = new Set<string>();
  for (const l of listeners) {
    for (const vh of l.virtualHosts) {
      for (const r of vh.routes) {
        for (const m of r.filters.mirrors ?? []) used.add(m.upstream);
        for (const b of r.backends) {
          if (b.upstream !== undefined) used.add(b.upstream);
          for (const m of b.filters?.mirrors ?? []) used.add(m.upstream);
        }
      }
    }
  }
  return used;
}

/** Translates a fleet's Gateway API objects into the Gateway IR and status. */
export function translateGateway(input: GatewayInput): GatewayResult {
  const controllerName = input.controllerName ?? DEFAULT_CONTROLLER_NAME;
  const { now, previous } = input;
  const index = indexFleet(input.snapshot, input.mcs);
  const states = processGateways(index, controllerName);
  const gatewaysByKey = new Map<string, GatewayState>(states.map((s) => [s.key, s]));
  const upstreams = new Map<string, UpstreamIR>();
  const listenerRoutes = new Map<ListenerState, Map<string, RankedRule[]>>();
  const attachedRoutes = new Map<ListenerState, number>();
  const httpRoutes: { cluster: string; route: HTTPRouteWithStatus }[] = [];
  const grpcRoutes: { cluster: string; route: GRPCRouteWithStatus }[] = [];
  const clusterNames = [...index.clusters.keys()].sort(compareStrings);
  const backendTls = resolveBackendTls(index);
  // BackendTLSPolicy id → the Gateways (`ns/name`) whose routes reach its targets, with how.
  const tlsReached = new Map<string, Map<string, Verdict>>();

  for (const clusterName of clusterNames) {
    const cluster = index.clusters.get(clusterName);
    if (cluster === undefined) continue;
    const claims = new KindClaims();
    for (const route of routesByAge(cluster)) {
      const routeNamespace = route.metadata.namespace ?? 'default';
      const verdicts: ParentVerdict[] = [];
      for (const ref of route.spec.parentRefs ?? []) {
        const gateway = parentGateway(ref, routeNamespace, cluster, gatewaysByKey);
        if (gateway !== undefined) verdicts.push(claims.filter(route, attachToParent(route, ref, gateway, cluster)));
      }
      // Routes with no parent of Lintas' belong to another controller: no status, no traffic.
      if (verdicts.length === 0) continue;
      const tlsMet: NonNullable<BackendContext['tlsMet']> = [];
      const ctx: BackendContext = { index, cluster, routeNamespace, upstreams, backendTls, tlsMet };
      const translation = route.kind === 'GRPCRoute' ? translateGrpcRouteRules(route, ctx) : translateRouteRules(route, ctx);
      const created = timestampMillis(route.metadata.creationTimestamp);
      const counted = new Set<ListenerState>();
      for (const verdict of verdicts) {
        if (!verdict.attached || !routeAccepted(verdict, translation)) continue;
        claims.hold(route, verdict.attachments);
        recordReach(tlsReached, nsName(verdict.gateway.gateway.metadata.namespace ?? 'default', verdict.gateway.gateway.metadata.name), tlsMet);
        for (const { listener, hostnames } of verdict.attachments) {
          if (!counted.has(listener)) {
            counted.add(listener);
            attachedRoutes.set(listener, (attachedRoutes.get(listener) ?? 0) + 1);
          }
          const byHost = listenerRoutes.get(listener) ?? new Map<string, RankedRule[]>();
          listenerRoutes.set(listener, byHost);
          for (const hostname of hostnames) {
            const list = byHost.get(hostname) ?? [];
            byHost.set(hostname, list);
            for (const rule of translation.rules) {
              list.push({ rule, key: { match: rule.match, created, namespace: routeNamespace, name: route.metadata.name, ruleIndex: rule.ruleIndex, matchIndex: rule.matchIndex } });
            }
          }
        }
      }
      const status = routeStatus(clusterName, route, verdicts, translation, controllerName, now, route.kind === 'GRPCRoute' ? previous?.grpcRoutes : previous?.httpRoutes);
      if (route.kind === 'GRPCRoute') grpcRoutes.push({ cluster: clusterName, route: { ...route, status } });
      else httpRoutes.push({ cluster: clusterName, route: { ...route, status } });
    }
  }
  // Routes were taken oldest first (route-kinds.ts); the results are listed by cluster and name.
  const byClusterName = (a: { cluster: string; route: AnyRoute }, b: { cluster: string; route: AnyRoute }): number => compareStrings(a.cluster, b.cluster) || byNamespaceName(a.route, b.route);
  httpRoutes.sort(byClusterName);
  grpcRoutes.sort(byClusterName);

  const listeners = buildServers(states, listenerRoutes);
  const used = usedUpstreams(listeners);
  const programmed = [...upstreams.values()].filter((u) => used.has(u.key));
  const byKey = (a: { key: string }, b: { key: string }): number => compareStrings(a.key, b.key);
  let ir: GatewayIR = { listeners, upstreams: programmed.sort(byKey) };
  if (input.eastWest === true) {
    const eastWest = translateEastWest(input.snapshot, index);
    // A ClusterSetIP that collides with a Gateway address:port loses: north-south was configured explicitly.
    const taken = new Set(listeners.map((l) => l.key));
    const merged = new Map(programmed.map((u) => [u.key, u]));
    for (const u of eastWest.upstreams) merged.set(u.key, u);
    ir = {
      listeners: [...listeners, ...eastWest.listeners.filter((l) => !taken.has(l.key))].sort(byKey),
      upstreams: [...merged.values()].sort(byKey),
      tcpListeners: eastWest.tcpListeners.filter((l) => !taken.has(l.key)),
    };
  }

  const gateways = [...states]
    .sort((a, b) => compareStrings(a.cluster.locality.name, b.cluster.locality.name) || byNamespaceName(a.gateway, b.gateway))
    .map((state) => {
      const before = previous?.gateways.find((g) => g.cluster === state.cluster.locality.name && nsName(g.gateway.metadata.namespace, g.gateway.metadata.name) === nsName(state.gateway.metadata.namespace, state.gateway.metadata.name));
      return { cluster: state.cluster.locality.name, gateway: { ...state.gateway, status: gatewayStatus(state, attachedRoutes, now, before?.gateway.status) } };
    });

  const gatewayClasses = clusterNames.flatMap((clusterName) => {
    const cluster = index.clusters.get(clusterName);
    const classes = [...(cluster?.gatewayClasses.values() ?? [])].filter((c) => c.spec.controllerName === controllerName).sort(byNamespaceName);
    return classes.map((gatewayClass) => {
      const before = previous?.gatewayClasses.find((c) => c.cluster === clusterName && c.gatewayClass.metadata.name === gatewayClass.metadata.name);
      const accepted = draft(ConditionType.Accepted, 'True', GatewayClassReason.Accepted, `Handled by ${controllerName}.`, gatewayClass.metadata.generation);
      return { cluster: clusterName, gatewayClass: { ...gatewayClass, status: { conditions: settle([accepted], before?.gatewayClass.status.conditions, now) } } };
    });
  });

  const attached = attachPolicies(ir, input.snapshot.fleetObjects, index, input.policy ?? {}, now, previous?.trafficPolicies);
  const backendTLSPolicies = backendTls.statuses(tlsReached, controllerName, now, previous?.backendTLSPolicies);
  return { ir: attached.ir, gateways, httpRoutes, grpcRoutes, gatewayClasses, trafficPolicies: attached.trafficPolicies, backendTLSPolicies };
}

function routeStatus(
  clusterName: string,
  route: AnyRoute,
  verdicts: readonly ParentVerdict[],
  translation: RouteTranslation,
  controllerName: string,
  now: string,
  previous: readonly { readonly cluster: string; readonly route: { readonly metadata: { namespace?: string; name: string }; readonly status: { readonly parents: readonly RouteParentStatus[] } } }[] | undefined,
): { parents: RouteParentStatus[] } {
  const routeNamespace = route.metadata.namespace ?? 'default';
  const before = previous?.find((r) => r.cluster === clusterName && nsName(r.route.metadata.namespace, r.route.metadata.name) === nsName(route.metadata.namespace, route.metadata.name));
  const seen = new Set<string>();
  const parents = verdicts.flatMap((verdict) => {
    const key = parentKey(verdict.parentRef, routeNamespace);
    if (seen.has(key)) return [];
    seen.add(key);
    const prior = before?.route.status.parents.find((p) => parentKey(p.parentRef, routeNamespace) === key)?.conditions;
    return [routeParentStatus(verdict, translation, controllerName, route.metadata.generation, now, prior)];
  });
  return { parents };
}
