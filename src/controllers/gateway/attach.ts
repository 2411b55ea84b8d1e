/**
 * Route attachment: which listeners of a parent Gateway accept an HTTPRoute or a GRPCRoute.
 *
 * A parentRef selects the Gateway's listeners by `sectionName` and/or `port` (none
 * selected: `NoMatchingParent`). A selected listener accepts the route when its
 * `allowedRoutes` admit the route's namespace (`Same` by default, `All`, `Selector` on the
 * namespace's labels, `None`) and kind (else `NotAllowedByListeners`), and when the
 * hostnames intersect (else `NoMatchingListenerHostname`). Routes attach only to Gateways
 * in their own cluster folder: that cluster is the entry cluster.
 * @module
 */
import { GATEWAY_GROUP, type ParentReference } from '../../api/index.ts';
import { matchesSelector, selectorFromLabelSelector } from '../../lib/index.ts';
import type { ClusterIndex } from './fleet-index.ts';
import { effectiveHostnames } from './hostnames.ts';
import type { GatewayState, ListenerState } from './listeners.ts';

/** What attachment reads of a route (an HTTPRoute or a GRPCRoute). */
export interface AttachableRoute {
  readonly kind: 'HTTPRoute' | 'GRPCRoute';
  readonly metadata: { readonly namespace?: string };
  readonly spec: { readonly hostnames?: readonly string[] };
}

/** Label every namespace carries (Kubernetes adds it), so selectors can name namespaces. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** One listener that accepted the route, and the hostnames the route gets there. */
export interface Attachment {
  readonly listener: ListenerState;
  readonly hostnames: readonly string[];
}

/** What one parentRef to a Lintas Gateway came to. */
export type ParentVerdict =
  | { readonly parentRef: ParentReference; readonly gateway: GatewayState; readonly attached: true; readonly attachments: readonly Attachment[] }
  | {
      readonly parentRef: ParentReference;
      readonly gateway: GatewayState;
      readonly attached: false;
      readonly reason: 'NoMatchingParent' | 'NotAllowedByListeners' | 'NoMatchingListenerHostname';
      readonly message: string;
    };

function namespaceAllowed(listener: ListenerState, gateway: GatewayState, routeNamespace: string, cluster: ClusterIndex): boolean {
  const namespaces = listener.listener.allowedRoutes?.namespaces;
  const from = (namespaces?.from ?? 'Same') as string;
  const gatewayNamespace = gateway.gateway.metadata.namespace ?? 'default';
  switch (from) {
    case 'All':
      return true;
    case 'Same':
      return routeNamespace === gatewayNamespace;
    case 'Selector': {
      const labels = { ...(cluster.namespaceLabels.get(routeNamespace) ?? {}), [NAMESPACE_NAME_LABEL]: routeNamespace };
      try {
        return matchesSelector(selectorFromLabelSelector(namespaces?.selector), labels);
      } catch {
        // A selector that does not parse admits nothing rather than everything.
        return false;
      }
    }
    default:
      // `None`, and any value Lintas does not know, admits no route.
      return false;
  }
}

function kindAllowed(listener: ListenerState, kind: AttachableRoute['kind']): boolean {
  return listener.supportedKinds.some((k) => k.group === GATEWAY_GROUP && k.kind === kind);
}

/** The parent Gateway a parentRef names, when it is a Lintas Gateway in the route's cluster. */
export function parentGateway(ref: ParentReference, routeNamespace: string, cluster: ClusterIndex, gateways: ReadonlyMap<string, GatewayState>): GatewayState | undefined {
  if ((ref.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP || (ref.kind ?? 'Gateway') !== 'Gateway') return undefined;
  return gateways.get(`${cluster.locality.name}/${ref.namespace ?? routeNamespace}/${ref.name}`);
}

/** Decides one parentRef of `route` against its (Lintas) Gateway. */
export function attachToParent(route: AttachableRoute, ref: ParentReference, gateway: GatewayState, cluster: ClusterIndex): ParentVerdict {
  const routeNamespace = route.metadata.namespace ?? 'default';
  const selected = gateway.listeners.filter((l) => (ref.sectionName === undefined || l.listener.name === ref.sectionName) && (ref.port === undefined || l.listener.port === ref.port));
  if (selected.length === 0) {
    const what = [ref.sectionName !== undefined ? `sectionName "${ref.sectionName}"` : '', ref.port !== undefined ? `port ${ref.port}` : ''].filter(Boolean).join(' and ');
    return { parentRef: ref, gateway, attached: false, reason: 'NoMatchingParent', message: `Gateway ${gateway.gateway.metadata.namespace}/${gateway.gateway.metadata.name} has no listener with ${what}` };
  }
  const kindOk = selected.filter((l) => kindAllowed(l, route.kind));
  if (kindOk.length === 0) {
    return { parentRef: ref, gateway, attached: false, reason: 'NotAllowedByListeners', message: `no selected listener accepts ${route.kind}s (listener protocol or allowedRoutes.kinds)` };
  }
  const allowed = kindOk.filter((l) => namespaceAllowed(l, gateway, routeNamespace, cluster));
  if (allowed.length === 0) {
    return { parentRef: ref, gateway, attached: false, reason: 'NotAllowedByListeners', message: `no selected listener allows ${route.kind}s from namespace ${routeNamespace} (allowedRoutes.namespaces)` };
  }
  const attachments: Attachment[] = [];
  for (const listener of allowed) {
    const hostnames = effectiveHostnames(listener.listener.hostname, route.spec.hostnames);
    if (hostnames.length > 0) attachments.push({ listener, hostnames });
  }
  if (attachments.length === 0) {
    const listenerHosts = allowed.map((l) => l.listener.hostname ?? '*').join(', ');
    return { parentRef: ref, gateway, attached: false, reason: 'NoMatchingListenerHostname', message: `route hostnames ${(route.spec.hostnames ?? []).join(', ')} do not intersect listener hostnames ${listenerHosts}` };
  }
  return { parentRef: ref, gateway, attached: true, attachments };
}
