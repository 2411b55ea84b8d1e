/**
 * Policy attachment (issue 5): TrafficPolicies bind to the upstreams of the
 * Services/ServiceImports they target, or to the rules of the HTTPRoutes they
 * target (`sectionName` = rule name), and become {@link TrafficPolicyIR}s:
 * regions in `failoverPriority` expanded to clusters, CapacityAware weights
 * from `Cluster.spec.capacity`, the OwnershipMap inlined with the failover
 * state's epoch and moves, the mirror target resolved to an upstream. The
 * policy's health check and outlier settings replace the annotations' on its
 * upstreams; clusters whose regional readiness is false (health contract) or
 * that are drained are excluded from routing. An operator's weight override
 * (`lintas weights set`) makes the policy Weighted with its weights until cleared
 * (except in Owner mode, whose mutations go only to the owner). `spec.shadowSafe`
 * marks the policy's upstreams shadow-safe: mirrors may send them mutations.
 * Policy mirror targets are resolved to upstreams before any policy attaches, so
 * a policy declaring its own mirror target shadow-safe finds it whatever their age.
 *
 * Conflicts follow GEP-713: when two policies target the same object, the
 * oldest (creationTimestamp, then namespace/name) wins and the other's
 * condition says Conflicted. Pure: inputs are never mutated.
 * @module
 */
import type { Cluster, Condition, OwnershipMap, Sourced, TrafficPolicy } from '../../api/index.ts';
import type { ExcludedClusterIR, GatewayIR, HttpListenerIR, OwnershipIR, TrafficPolicyIR, UpstreamIR } from '../../ir/index.ts';
import { compareStrings, parseGatewayDuration } from '../../lib/index.ts';
import { draft, settle, type DraftCondition } from './conditions.ts';
import { DEFAULT_OUTLIER_DETECTION } from './health.ts';
import { nsName, type FleetIndex } from './fleet-index.ts';
import { timestampMillis } from './time.ts';
import { importUpstream } from './upstreams.ts';

/** The failover state of one ownership domain (a TrafficPolicy), from the failover controller. */
export interface OwnershipState {
  readonly epoch: number;
  readonly moved: readonly { readonly from: string; readonly to: string }[];
  /** Owners whose failover is under way or held without a move (not Normal, not moved); sorted; absent when none. */
  readonly degraded?: readonly string[];
}

/** Runtime facts the policy pass needs besides the config. */
export interface PolicyInputs {
  /** By policy `ns/name`; absent = epoch 1, nothing moved. */
  readonly ownership?: Readonly<Record<string, OwnershipState>>;
  /** By target `Kind/ns/name` (`ServiceImport/…` or `Service/…`): clusters whose regional readiness is false, with why. */
  readonly excluded?: Readonly<Record<string, readonly ExcludedClusterIR[]>>;
  /** Clusters taken out of all routing (`lintas drain`). */
  readonly drained?: readonly string[];
  /** By policy `ns/name`: operator weight overrides (`lintas weights set`); the policy routes as Weighted with them. */
  readonly weights?: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/** Policy Accepted reasons (GEP-713 style). */
export const PolicyReason = { Accepted: 'Accepted', Conflicted: 'Conflicted', TargetNotFound: 'TargetNotFound', Invalid: 'Invalid' } as const;

/** A TrafficPolicy with the status Lintas computed. */
export type TrafficPolicyWithStatus = TrafficPolicy & { status: { conditions: Condition[] } };

/** The result of the policy pass. */
export interface PolicyResult {
  readonly ir: GatewayIR;
  readonly trafficPolicies: readonly TrafficPolicyWithStatus[];
}

const INITIAL_EPOCH = 1;

function ms(d: string | undefined): number | undefined {
  return d === undefined ? undefined : parseGatewayDuration(d);
}

function objectsOf<T>(fleet: readonly Sourced[], kind: string): T[] {
  return fleet.filter((s) => s.object.kind === kind).map((s) => s.object as unknown as T);
}

/** Oldest first (creationTimestamp, then namespace/name): the winner of a conflict comes first. */
function byAge(a: TrafficPolicy, b: TrafficPolicy): number {
  const ta = timestampMillis(a.metadata.creationTimestamp) ?? Number.MAX_SAFE_INTEGER;
  const tb = timestampMillis(b.metadata.creationTimestamp) ?? Number.MAX_SAFE_INTEGER;
  return ta - tb || compareStrings(nsName(a.metadata.namespace, a.metadata.name), nsName(b.metadata.namespace, b.metadata.name));
}

function ownershipIR(policy: TrafficPolicy, maps: readonly OwnershipMap[], state: OwnershipState | undefined): OwnershipIR | string {
  const o = policy.spec.ownership;
  if (o === undefined) return 'no ownership';
  const ns = policy.metadata.namespace ?? 'default';
  const map = maps.find((m) => (m.metadata.namespace ?? 'default') === ns && m.metadata.name === o.mapRef.name);
  if (map === undefined) return `OwnershipMap ${ns}/${o.mapRef.name} not found`;
  const key = o.key.header !== undefined ? { header: o.key.header } : o.key.query !== undefined ? { query: o.key.query } : { pathSegment: o.key.pathSegment ?? 1 };
  return {
    key,
    map: nsName(ns, map.metadata.name),
    rules: map.spec.rules.map((r) => (r.prefix !== undefined ? { prefix: r.prefix, cluster: r.cluster } : { keys: [...(r.keys ?? [])], cluster: r.cluster })),
    defaultClusters: [...(map.spec.default?.clusters ?? [])],
    reads: o.reads,
    ...(o.readYourWrites === undefined ? {} : { readYourWrites: { windowMs: ms(o.readYourWrites.window) ?? 0, maxKeys: o.readYourWrites.maxKeys } }),
    epoch: state?.epoch ?? INITIAL_EPOCH,
    moved: [...(state?.moved ?? [])],
    ...(state?.degraded !== undefined && state.degraded.length > 0 ? { degraded: [...state.degraded].sort(compareStrings) } : {}),
  };
}

function localityIR(policy: TrafficPolicy, clusters: readonly Cluster[]): TrafficPolicyIR['locality'] {
  const l = policy.spec.locality;
  switch (l.mode) {
    case 'FailoverPriority': {
      const order: string[] = [];
      for (const name of l.failoverPriority ?? []) {
        // A region stands for its clusters, sorted by name.
        const members = clusters.some((c) => c.metadata.name === name) ? [name] : clusters.filter((c) => c.spec.region === name).map((c) => c.metadata.name).sort(compareStrings);
        for (const m of members) if (!order.includes(m)) order.push(m);
      }
      return { mode: l.mode, failoverPriority: order };
    }
    case 'Weighted':
      return { mode: l.mode, weights: Object.entries(l.weights ?? {}).map(([cluster, weight]) => ({ cluster, weight })).sort((a, b) => compareStrings(a.cluster, b.cluster)) };
    case 'CapacityAware':
      return {
        mode: l.mode,
        weights: clusters
          .map((c) => ({ cluster: c.metadata.name, weight: c.spec.capacity ?? 0 }))
          .filter((w) => w.weight > 0)
          .sort((a, b) => compareStrings(a.cluster, b.cluster)),
      };
    default:
      return { mode: l.mode };
  }
}

/** A weight override as Weighted locality (weight-0 clusters kept: they get nothing), or undefined when none is set. */
function overrideLocality(weights: Readonly<Record<string, number>> | undefined): TrafficPolicyIR['locality'] | undefined {
  if (weights === undefined) return undefined;
  return { mode: 'Weighted', weights: Object.entries(weights).map(([cluster, weight]) => ({ cluster, weight })).sort((a, b) => compareStrings(a.cluster, b.cluster)) };
}

/** Applies the policy's health and slow start settings to an upstream (policy values replace annotation values). */
function withHealth(u: UpstreamIR, policy: TrafficPolicy): UpstreamIR {
  const hc = policy.spec.healthCheck;
  const od = policy.spec.outlierDetection;
  const ss = policy.spec.slowStart;
  let out = u;
  if (ss !== undefined) out = { ...out, slowStart: { windowMs: ms(ss.window) ?? 0, aggression: ss.aggression, minWeightPercent: ss.minWeightPercent } };
  if (hc !== undefined) {
    out = {
      ...out,
      healthCheck: {
        path: hc.path ?? out.healthCheck?.path ?? '/healthz',
        intervalMs: ms(hc.interval) ?? out.healthCheck?.intervalMs ?? 1000,
        timeoutMs: ms(hc.timeout) ?? out.healthCheck?.timeoutMs ?? 500,
        unhealthyThreshold: hc.unhealthyThreshold ?? out.healthCheck?.unhealthyThreshold ?? 2,
        healthyThreshold: hc.healthyThreshold ?? out.healthCheck?.healthyThreshold ?? 2,
      },
    };
  }
  if (od !== undefined) {
    const base = out.outlierDetection ?? DEFAULT_OUTLIER_DETECTION;
    out = {
      ...out,
      outlierDetection: {
        consecutive5xx: od.consecutive5xx ?? base.consecutive5xx,
        consecutiveGatewayErrors: od.consecutiveGatewayErrors ?? base.consecutiveGatewayErrors,
        intervalMs: ms(od.interval) ?? base.intervalMs,
        baseEjectionTimeMs: ms(od.baseEjectionTime) ?? base.baseEjectionTimeMs,
        maxEjectionTimeMs: ms(od.maxEjectionTime) ?? base.maxEjectionTimeMs,
        maxEjectionPercent: od.maxEjectionPercent ?? base.maxEjectionPercent,
      },
    };
  }
  return out;
}

/** Finds or builds the upstream of a ServiceImport port (from the first cluster that imports it). */
function mirrorUpstream(index: FleetIndex, upstreams: Map<string, UpstreamIR>, ns: string, name: string, port: number): string | undefined {
  const key = `ServiceImport/${ns}/${name}:${String(port)}`;
  if (upstreams.has(key)) return key;
  for (const clusterName of [...index.clusters.keys()].sort(compareStrings)) {
    const cluster = index.clusters.get(clusterName);
    const si = cluster?.serviceImports.get(nsName(ns, name));
    const p = si?.spec.ports.find((x) => x.port === port);
    if (cluster === undefined || si === undefined || p === undefined) continue;
    upstreams.set(key, importUpstream(index, cluster, si, p));
    return key;
  }
  return undefined;
}

interface RuleRef {
  readonly namespace: string;
  readonly name: string;
  readonly ruleName?: string;
}

/** Attaches the fleet's TrafficPolicies to the IR and computes their status. */
export function attachPolicies(
  ir: GatewayIR,
  fleetObjects: readonly Sourced[],
  index: FleetIndex,
  inputs: PolicyInputs,
  now: string,
  previous?: readonly TrafficPolicyWithStatus[],
): PolicyResult {
  const policies = objectsOf<TrafficPolicy>(fleetObjects, 'TrafficPolicy').sort(byAge);
  const maps = objectsOf<OwnershipMap>(fleetObjects, 'OwnershipMap');
  const clusters = objectsOf<Cluster>(fleetObjects, 'Cluster');
  const upstreams = new Map(ir.upstreams.map((u) => [u.key, u]));
  const upstreamPolicy = new Map<string, string>();
  const rulePolicy = new Map<string, string>();
  const claimed = new Map<string, string>();
  const policyIRs: TrafficPolicyIR[] = [];
  const statuses: TrafficPolicyWithStatus[] = [];

  const routeRules = ir.listeners.flatMap((l) => l.virtualHosts.flatMap((v) => v.routes));
  for (const policy of policies) {
    const ref = policy.spec.mirror?.backendRef;
    if (ref?.kind === 'ServiceImport') mirrorUpstream(index, upstreams, ref.namespace ?? policy.metadata.namespace ?? 'default', ref.name, ref.port);
  }

  for (const policy of policies) {
    const ns = policy.metadata.namespace ?? 'default';
    const key = nsName(ns, policy.metadata.name);
    const problems: string[] = [];
    const conflicts: string[] = [];
    let found = 0;
    const ownership = ownershipIR(policy, maps, inputs.ownership?.[key]);
    if (typeof ownership === 'string' && policy.spec.ownership !== undefined) problems.push(ownership);

    const mine: string[] = [];
    const myRules: RuleRef[] = [];
    for (const ref of policy.spec.targetRefs) {
      const target = `${ref.kind}/${ns}/${ref.name}${ref.sectionName !== undefined ? `#${ref.sectionName}` : ''}`;
      const owner = claimed.get(target);
      if (owner !== undefined) {
        conflicts.push(`${ref.kind} ${ref.name}${ref.sectionName !== undefined ? ` (rule ${ref.sectionName})` : ''} is already targeted by the older policy ${owner}`);
        continue;
      }
      if (ref.kind === 'HTTPRoute') {
        const rules = routeRules.filter((r) => r.route.namespace === ns && r.route.name === ref.name && (ref.sectionName === undefined || r.ruleName === ref.sectionName));
        if (rules.length > 0) {
          found += 1;
          claimed.set(target, key);
          myRules.push({ namespace: ns, name: ref.name, ...(ref.sectionName !== undefined ? { ruleName: ref.sectionName } : {}) });
        }
        continue;
      }
      const prefix = ref.kind === 'ServiceImport' ? `ServiceImport/${ns}/${ref.name}:` : undefined;
      const matching = [...upstreams.values()].filter((u) => (prefix !== undefined ? u.key.startsWith(prefix) : u.kind === 'Service' && u.namespace === ns && u.name === ref.name));
      if (matching.length > 0) {
        found += 1;
        claimed.set(target, key);
        mine.push(...matching.map((u) => u.key));
      }
    }

    const accepted = problems.length === 0 && found > 0;
    let condition: DraftCondition;
    if (problems.length > 0) condition = draft('Accepted', 'False', PolicyReason.Invalid, problems.join('; '), policy.metadata.generation);
    else if (found === 0 && conflicts.length > 0) condition = draft('Accepted', 'False', PolicyReason.Conflicted, conflicts.join('; '), policy.metadata.generation);
    else if (found === 0) condition = draft('Accepted', 'False', PolicyReason.TargetNotFound, 'No target is routed by a Lintas Gateway or the ClusterSetIP proxy yet.', policy.metadata.generation);
    else condition = draft('Accepted', 'True', PolicyReason.Accepted, conflicts.length > 0 ? `Applied; ${conflicts.join('; ')}.` : 'Applied to every target.', policy.metadata.generation);
    const before = previous?.find((p) => nsName(p.metadata.namespace, p.metadata.name) === key);
    statuses.push({ ...policy, status: { conditions: settle([condition], before?.status.conditions, now) } });
    if (!accepted) continue;

    for (const u of mine) {
      upstreamPolicy.set(u, key);
      const current = upstreams.get(u);
      if (current !== undefined) upstreams.set(u, { ...withHealth(current, policy), ...(policy.spec.shadowSafe === true ? { shadowSafe: true as const } : {}) });
    }
    for (const r of myRules) for (const rule of routeRules) if (rule.route.namespace === r.namespace && rule.route.name === r.name && (r.ruleName === undefined || rule.ruleName === r.ruleName)) rulePolicy.set(rule.name, key);

    const spec = policy.spec;
    const mirror = spec.mirror;
    const mirrorKey = mirror !== undefined && mirror.backendRef.kind === 'ServiceImport' ? mirrorUpstream(index, upstreams, mirror.backendRef.namespace ?? ns, mirror.backendRef.name, mirror.backendRef.port) : undefined;
    const requestMs = ms(spec.timeouts?.request);
    const backendRequestMs = ms(spec.timeouts?.backendRequest);
    policyIRs.push({
      key,
      // Never for Owner mode: its mutations must reach only the owner (the runner refuses such overrides too).
      locality: (policy.spec.locality.mode === 'Owner' ? undefined : overrideLocality(inputs.weights?.[key])) ?? localityIR(policy, clusters),
      mutationMethods: [...spec.requestClasses.mutation.methods],
      requireIdempotencyKey: spec.requestClasses.mutation.requireIdempotencyKey,
      ...(typeof ownership !== 'string' ? { ownership } : {}),
      ...(spec.sessionAffinity !== undefined ? { sessionAffinity: spec.sessionAffinity.header !== undefined ? { header: spec.sessionAffinity.header } : { cookie: spec.sessionAffinity.cookie ?? '' } } : {}),
      ...(spec.retry !== undefined ? { retry: { attempts: spec.retry.attempts ?? 0 } } : {}),
      ...(requestMs !== undefined || backendRequestMs !== undefined
        ? { timeouts: { ...(requestMs !== undefined ? { requestMs } : {}), ...(backendRequestMs !== undefined ? { backendRequestMs } : {}) } }
        : {}),
      ...(mirror !== undefined ? { mirror: { ...(mirrorKey !== undefined ? { upstream: mirrorKey } : {}), percent: mirror.percent, shadowSafe: mirror.shadowSafe } } : {}),
    });
  }

  const drained = inputs.drained ?? [];
  const finalUpstreams = [...upstreams.values()]
    .map((u) => {
      const policy = upstreamPolicy.get(u.key);
      const excluded = [
        // Keyed by kind too: a Service and a ServiceImport of the same name are different targets.
        ...(inputs.excluded?.[`${u.kind}/${nsName(u.namespace, u.name)}`] ?? []),
        ...drained.map((cluster) => ({ cluster, reason: 'drained' })),
      ];
      const merged = new Map<string, ExcludedClusterIR>();
      for (const x of excluded) if (!merged.has(x.cluster)) merged.set(x.cluster, x);
      const list = [...merged.values()].sort((a, b) => compareStrings(a.cluster, b.cluster));
      // Nothing to add: the same object, so an unchanged upstream keeps its identity (cluster-configs.ts compares by reference first).
      if (policy === undefined && list.length === 0) return u;
      return { ...u, ...(policy !== undefined ? { policy } : {}), ...(list.length > 0 ? { excludedClusters: list } : {}) };
    })
    .sort((a, b) => compareStrings(a.key, b.key));
  const listeners: HttpListenerIR[] =
    rulePolicy.size === 0
      ? [...ir.listeners]
      : ir.listeners.map((l) => ({
          ...l,
          virtualHosts: l.virtualHosts.map((v) => ({ ...v, routes: v.routes.map((r) => (rulePolicy.has(r.name) ? { ...r, policy: rulePolicy.get(r.name) as string } : r)) })),
        }));
  const out: GatewayIR = {
    ...ir,
    listeners,
    upstreams: finalUpstreams,
    ...(policyIRs.length > 0 ? { policies: policyIRs.sort((a, b) => compareStrings(a.key, b.key)) } : {}),
  };
  return { ir: out, trafficPolicies: statuses.sort((a, b) => compareStrings(nsName(a.metadata.namespace, a.metadata.name), nsName(b.metadata.namespace, b.metadata.name))) };
}
