/**
 * Gateway API status write-back plan (issue 16 item 2): which status the gateway translation
 * computed goes to which member cluster's API server, and how. Pure: the status writer
 * (sources/kubernetes/status-writer.ts) reads the live object and decides whether a write is needed.
 *
 * - Gateways of Lintas's GatewayClasses: the whole status (conditions, listeners, addresses) is
 *   Lintas's, the class's controller: server-side applied to the status subresource (`apply`).
 * - HTTPRoutes and GRPCRoutes: only the `status.parents` entries whose controllerName is Lintas's.
 *   The upstream CRDs declare `status.parents` an atomic list (not a map list), so server-side apply
 *   would take the whole list from other controllers: the writer merges Lintas's entries into the live
 *   list and writes it with a resourceVersion precondition instead (`parents`).
 * - lintas.dev objects that came from an API server (TrafficPolicies from this translation, and any
 *   other computed elsewhere, e.g. DNSPolicies from the GSLB): their conditions and observedGeneration (`apply`).
 *
 * Every write carries the metadata.generation the status was computed for: the writer skips a live
 * object at another generation (the next translation answers for it).
 * @module
 */
import type { Condition, ResourceType } from '../../api/index.ts';
import { DEFAULT_CONTROLLER_NAME, type GatewayResult, type RouteParentStatus } from './types.ts';

/** How a status is written: the whole status by server-side apply, or Lintas's entries merged into an atomic `status.parents`. */
export type StatusWriteMode = 'apply' | 'parents';

/** One status to write into one cluster's API server. */
export interface StatusWrite {
  /** The cluster whose API server holds the object. */
  readonly cluster: string;
  readonly resource: ResourceType;
  /** Empty for cluster-scoped objects. */
  readonly namespace: string;
  readonly name: string;
  readonly mode: StatusWriteMode;
  /** `apply`: the status Lintas owns. `parents`: `{ parents }`, Lintas's entries only. */
  readonly status: Readonly<Record<string, unknown>>;
  /** `parents`: the controllerName whose entries are Lintas's (every other entry is kept as it is). */
  readonly controllerName?: string;
  /** The metadata.generation the status was computed for (absent when the object had none). */
  readonly generation?: number;
}

/** Where a fleet-scoped lintas.dev object came from: the cluster whose API server holds it (undefined: the directory). */
export type OriginOf = (kind: string, namespace: string, name: string) => string | undefined;

interface Meta {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly namespace?: string | undefined; readonly name: string; readonly generation?: number | undefined };
}

const PLURALS: Readonly<Record<string, string>> = { Gateway: 'gateways', HTTPRoute: 'httproutes', GRPCRoute: 'grpcroutes', TrafficPolicy: 'trafficpolicies', DNSPolicy: 'dnspolicies', FailoverPolicy: 'failoverpolicies', ClusterSet: 'clustersets' };

/** A lintas.dev object with the conditions a controller computed for it. */
export type WithConditions = Meta & { readonly status: { readonly conditions: readonly Condition[] } };

function resourceOf(o: Meta): ResourceType {
  const slash = o.apiVersion.indexOf('/');
  return { group: slash < 0 ? '' : o.apiVersion.slice(0, slash), version: o.apiVersion.slice(slash + 1), plural: PLURALS[o.kind] ?? `${o.kind.toLowerCase()}s`, kind: o.kind };
}

function write(cluster: string, o: Meta, mode: StatusWriteMode, status: Record<string, unknown>, controllerName?: string): StatusWrite {
  return {
    cluster,
    resource: resourceOf(o),
    namespace: o.metadata.namespace ?? '',
    name: o.metadata.name,
    mode,
    status,
    ...(controllerName !== undefined ? { controllerName } : {}),
    ...(o.metadata.generation !== undefined ? { generation: o.metadata.generation } : {}),
  };
}

const copyConditions = (conditions: readonly Condition[]): Condition[] => conditions.map((c) => ({ ...c }));

function parentsWrite(cluster: string, route: Meta & { status: { parents: readonly RouteParentStatus[] } }, controllerName: string): StatusWrite {
  const ours = route.status.parents.filter((p) => p.controllerName === controllerName).map((p) => ({ parentRef: { ...p.parentRef }, controllerName: p.controllerName, conditions: copyConditions(p.conditions) }));
  return write(cluster, route, 'parents', { parents: ours }, controllerName);
}

const order = (a: StatusWrite, b: StatusWrite): number => {
  const ka = [a.cluster, a.resource.kind, a.namespace, a.name].join('\0');
  const kb = [b.cluster, b.resource.kind, b.namespace, b.name].join('\0');
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

/** A route as its cluster's API server last reported it (from the fleet snapshot), with the status it holds. */
export interface LiveRoute {
  readonly cluster: string;
  readonly route: Meta & { readonly status?: unknown };
}

/** What {@link planGatewayStatus} writes for, besides the translation. */
export interface StatusPlanInput {
  /** The clusters read from an API server (objects of a directory have nowhere to go). */
  readonly clusters: ReadonlySet<string>;
  /** Where fleet-scoped lintas.dev objects came from (default: the directory, so nothing). */
  readonly originOf?: OriginOf;
  /**
   * The routes of those clusters as last read: one that still holds a parents entry of Lintas's but
   * no longer refers to a Lintas Gateway gets that entry removed (the others' entries stay).
   */
  readonly liveRoutes?: readonly LiveRoute[];
  /** lintas.dev objects whose conditions other controllers computed (e.g. the GSLB's DNSPolicies); written like TrafficPolicies. */
  readonly lintasObjects?: readonly WithConditions[];
  /** Lintas's controllerName (default {@link DEFAULT_CONTROLLER_NAME}). */
  readonly controllerName?: string;
}

function holdsParentOf(status: unknown, controllerName: string): boolean {
  const parents = (status as { parents?: unknown } | undefined)?.parents;
  return Array.isArray(parents) && parents.some((p) => (p as { controllerName?: unknown } | null)?.controllerName === controllerName);
}

/**
 * The status writes of one gateway translation, sorted by cluster, kind, namespace and name: only
 * for `input.clusters`, and lintas.dev objects only where `input.originOf` names such a cluster.
 */
export function planGatewayStatus(result: Pick<GatewayResult, 'gateways' | 'httpRoutes' | 'grpcRoutes' | 'trafficPolicies'>, input: StatusPlanInput): StatusWrite[] {
  const { clusters } = input;
  const originOf = input.originOf ?? (() => undefined);
  const controllerName = input.controllerName ?? DEFAULT_CONTROLLER_NAME;
  const writes: StatusWrite[] = [];
  for (const { cluster, gateway } of result.gateways) {
    if (!clusters.has(cluster)) continue;
    const { addresses, conditions, listeners } = gateway.status;
    const status = {
      ...(addresses !== undefined ? { addresses: addresses.map((a) => ({ ...a })) } : {}),
      conditions: copyConditions(conditions),
      // Lintas's own `certificates` extension is not in the upstream schema: the API server would prune or refuse it.
      listeners: listeners.map((l) => ({ name: l.name, supportedKinds: l.supportedKinds.map((k) => ({ ...k })), attachedRoutes: l.attachedRoutes, conditions: copyConditions(l.conditions) })),
    };
    writes.push(write(cluster, gateway, 'apply', status));
  }
  const planned = new Set<string>();
  for (const { cluster, route } of [...result.httpRoutes, ...result.grpcRoutes]) {
    if (!clusters.has(cluster)) continue;
    planned.add(`${cluster}/${route.kind}/${route.metadata.namespace ?? ''}/${route.metadata.name}`);
    writes.push(parentsWrite(cluster, route, controllerName));
  }
  for (const { cluster, route } of input.liveRoutes ?? []) {
    if (!clusters.has(cluster) || planned.has(`${cluster}/${route.kind}/${route.metadata.namespace ?? ''}/${route.metadata.name}`)) continue;
    if (holdsParentOf(route.status, controllerName)) writes.push(write(cluster, route, 'parents', { parents: [] }, controllerName));
  }
  for (const o of [...result.trafficPolicies, ...(input.lintasObjects ?? [])]) {
    const cluster = originOf(o.kind, o.metadata.namespace ?? '', o.metadata.name);
    if (cluster === undefined || !clusters.has(cluster)) continue;
    const generation = o.metadata.generation;
    writes.push(write(cluster, o, 'apply', { ...(generation !== undefined ? { observedGeneration: generation } : {}), conditions: copyConditions(o.status.conditions) }));
  }
  return writes.sort(order);
}
