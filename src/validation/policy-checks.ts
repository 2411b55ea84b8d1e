/**
 * Cross-object checks of the routing policies (issue 5): TrafficPolicy, OwnershipMap,
 * HealthContract and FailoverPolicy against the cluster inventory, each other, and the
 * HTTPRoutes they attach to. Contradictions inside one object are the schemas' job
 * (api/traffic-policy.ts and friends); here every problem needs a second object.
 * Pure: decoded objects in, located issues out, in the format of fleet-checks.ts. Whether a
 * FailoverPolicy can detect and measure what it decides on is failover-checks.ts'.
 *
 * A missing attachment target is a warning, not an error: as with Gateway API policy
 * attachment, a policy may be written before the service it governs exists.
 * @module
 */
import {
  failoverSources,
  policyTargetsOf,
  TARGET_GROUPS,
  targetKeyOf,
  type Cluster,
  type FailoverPolicy,
  type HealthContract,
  type HTTPRoute,
  type Issue,
  type OwnershipMap,
  type PolicyTarget,
  type Sourced,
  type TrafficPolicy,
} from '../api/index.ts';
import { parseGatewayDuration } from '../lib/index.ts';
import { checkFailoverDetection } from './failover-checks.ts';
import type { Locator } from './fleet-checks.ts';
import { issueAt, type IssueAt } from './issues.ts';

type Path = readonly (string | number)[];
type At = IssueAt;

/** What the checks look objects up by. */
interface Index {
  readonly clusterNames: ReadonlySet<string>;
  readonly regions: ReadonlySet<string>;
  readonly clusters: readonly Sourced<Cluster>[];
  /** `ns/name` of every Service in any cluster, and of every exported one (a ServiceImport exists). */
  readonly services: ReadonlySet<string>;
  readonly exports: ReadonlySet<string>;
  /** `ns/name` → every cluster's copy of the HTTPRoute. */
  readonly routes: ReadonlyMap<string, readonly Sourced<HTTPRoute>[]>;
  readonly routesByNamespace: ReadonlyMap<string, readonly Sourced<HTTPRoute>[]>;
  readonly ownershipMaps: ReadonlySet<string>;
  /** `ns/name` → the first definition of the TrafficPolicy. */
  readonly trafficPolicies: ReadonlyMap<string, Sourced<TrafficPolicy>>;
  readonly healthContracts: readonly Sourced<HealthContract>[];
}

const nsName = (namespace: string | undefined, name: string): string => `${namespace ?? 'default'}/${name}`;

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * Runs every policy check. `invalidClusters` names Cluster objects that failed their own
 * checks, so references to them are not reported a second time as missing.
 */
export function checkPolicies(objects: readonly Sourced[], locate: Locator, invalidClusters: ReadonlySet<string> = new Set()): Issue[] {
  const issues: Issue[] = [];
  const at = issueAt(issues, locate);

  const index = buildIndex(objects, invalidClusters);
  // A second definition of the same object is already an error (fleet-checks); checking it
  // again would only repeat the first one's problems.
  const seen = new Set<string>();
  const firsts = objects.filter((s) => {
    if (s.cluster !== undefined) return false;
    const key = `${s.object.kind}|${nsName(s.object.metadata.namespace, s.object.metadata.name)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });

  const targetedBy = new Map<string, Sourced>();
  const contractFor = new Map<string, Sourced>();
  for (const s of firsts) {
    if (s.object.kind === 'TrafficPolicy') checkTrafficPolicy(s as Sourced<TrafficPolicy>, index, targetedBy, at);
    if (s.object.kind === 'OwnershipMap') checkOwnershipMap(s as Sourced<OwnershipMap>, index, at);
    if (s.object.kind === 'HealthContract') checkHealthContract(s as Sourced<HealthContract>, index, contractFor, at);
    if (s.object.kind === 'FailoverPolicy') checkFailoverPolicy(s as Sourced<FailoverPolicy>, index, at);
  }
  return issues;
}

function buildIndex(objects: readonly Sourced[], invalidClusters: ReadonlySet<string>): Index {
  const clusters = objects.filter((s): s is Sourced<Cluster> => s.object.kind === 'Cluster');
  const services = new Set<string>();
  const exports = new Set<string>();
  const routes = new Map<string, Sourced<HTTPRoute>[]>();
  const routesByNamespace = new Map<string, Sourced<HTTPRoute>[]>();
  const ownershipMaps = new Set<string>();
  const trafficPolicies = new Map<string, Sourced<TrafficPolicy>>();
  const healthContracts: Sourced<HealthContract>[] = [];
  for (const s of objects) {
    const key = nsName(s.object.metadata.namespace, s.object.metadata.name);
    if (s.object.kind === 'Service') services.add(key);
    if (s.object.kind === 'ServiceExport') exports.add(key);
    if (s.object.kind === 'OwnershipMap') ownershipMaps.add(key);
    if (s.object.kind === 'TrafficPolicy' && !trafficPolicies.has(key)) trafficPolicies.set(key, s as Sourced<TrafficPolicy>);
    if (s.object.kind === 'HealthContract') healthContracts.push(s as Sourced<HealthContract>);
    if (s.object.kind === 'HTTPRoute') {
      push(routes, key, s as Sourced<HTTPRoute>);
      push(routesByNamespace, s.object.metadata.namespace ?? 'default', s as Sourced<HTTPRoute>);
    }
  }
  return {
    clusterNames: new Set([...clusters.map((c) => c.object.metadata.name), ...invalidClusters]),
    regions: new Set(clusters.map((c) => c.object.spec.region)),
    clusters,
    services,
    exports,
    routes,
    routesByNamespace,
    ownershipMaps,
    trafficPolicies,
    healthContracts,
  };
}

function unknownCluster(name: string): string {
  return `cluster "${name}" is not in the inventory (no Cluster object named "${name}")`;
}

function checkTrafficPolicy(s: Sourced<TrafficPolicy>, index: Index, targetedBy: Map<string, Sourced>, at: At): void {
  const { spec } = s.object;
  const namespace = s.object.metadata.namespace ?? 'default';
  for (const cluster of Object.keys(spec.locality.weights ?? {})) {
    if (!index.clusterNames.has(cluster)) at(s, ['spec', 'locality', 'weights', cluster], unknownCluster(cluster));
  }
  spec.locality.failoverPriority?.forEach((name, i) => {
    if (!index.clusterNames.has(name) && !index.regions.has(name)) {
      at(s, ['spec', 'locality', 'failoverPriority', i], `"${name}" is neither a cluster in the inventory nor the region of one`);
    }
  });
  if (spec.locality.mode === 'CapacityAware') {
    const missing = index.clusters.filter((c) => c.object.spec.capacity === undefined).map((c) => c.object.metadata.name);
    if (missing.length > 0) at(s, ['spec', 'locality', 'mode'], `CapacityAware weighs clusters by .spec.capacity, which is not set on cluster(s) ${missing.join(', ')}`, 'warning');
  }
  if (spec.ownership !== undefined) {
    const map = spec.ownership.mapRef.name;
    if (!index.ownershipMaps.has(nsName(namespace, map))) at(s, ['spec', 'ownership', 'mapRef', 'name'], `OwnershipMap "${map}" does not exist in namespace ${namespace}`);
    if (spec.locality.mode !== 'Owner') {
      at(s, ['spec', 'ownership'], `is not used for routing: mutations go to their owner only when locality.mode is Owner, not ${spec.locality.mode}`, 'warning');
    }
  }
  policyTargetsOf(s.object).forEach((target, i) => {
    const path = ['spec', 'targetRefs', i];
    const key = targetKeyOf(target.namespace, target);
    const other = targetedBy.get(key);
    if (other !== undefined) {
      at(s, path, `${target.kind} ${target.name}${target.sectionName ? ` (${target.sectionName})` : ''} is already the target of TrafficPolicy ${other.object.metadata.name} (${other.origin.file}:${other.origin.line}); a target has one policy`);
    } else targetedBy.set(key, s);
    const missing = missingTarget(target, index);
    if (missing !== undefined) at(s, path, `${missing}; the policy applies once it exists`, 'warning');
    checkTimeoutsAgainstRoutes(s, target, index, at);
  });
}

/** Why a target does not resolve, or undefined when it does. */
function missingTarget(target: PolicyTarget, index: Index): string | undefined {
  const key = nsName(target.namespace, target.name);
  if (target.kind === 'ServiceImport') return index.exports.has(key) ? undefined : `no cluster exports ${key} (no ServiceExport), so there is no ServiceImport ${key}`;
  if (target.kind === 'Service') return index.services.has(key) ? undefined : `Service ${key} does not exist in any cluster`;
  const copies = index.routes.get(key);
  if (copies === undefined) return `HTTPRoute ${key} does not exist in any cluster`;
  const rule = target.sectionName;
  if (rule !== undefined && !copies.some((r) => r.object.spec.rules.some((x) => x.name === rule))) return `HTTPRoute ${key} has no rule named "${rule}" in any cluster`;
  return undefined;
}

/** A route rule a policy's requests pass through, with the timeouts it already enforces. */
interface RuleUse {
  readonly route: Sourced<HTTPRoute>;
  readonly label: string;
  readonly request?: string | undefined;
  readonly backendRequest?: string | undefined;
}

function rulesThrough(target: PolicyTarget, index: Index): RuleUse[] {
  const uses: RuleUse[] = [];
  const candidates = target.kind === 'HTTPRoute' ? (index.routes.get(nsName(target.namespace, target.name)) ?? []) : (index.routesByNamespace.get(target.namespace) ?? []);
  for (const route of candidates) {
    route.object.spec.rules.forEach((rule, i) => {
      if (target.kind === 'HTTPRoute' && target.sectionName !== undefined && rule.name !== target.sectionName) return;
      if (target.kind !== 'HTTPRoute' && !(rule.backendRefs ?? []).some((ref) => refersTo(ref, route, target))) return;
      uses.push({ route, label: rule.name === undefined ? `rules[${i}]` : `rule "${rule.name}"`, request: rule.timeouts?.request, backendRequest: rule.timeouts?.backendRequest });
    });
  }
  return uses;
}

function refersTo(ref: { group: string; kind: string; name: string; namespace?: string | undefined }, route: Sourced<HTTPRoute>, target: PolicyTarget): boolean {
  const group = ref.group === 'core' ? '' : ref.group;
  return ref.kind === target.kind && TARGET_GROUPS[target.kind].includes(group) && ref.name === target.name && (ref.namespace ?? route.object.metadata.namespace) === target.namespace;
}

/** Positive milliseconds, or undefined for unset or 0s ("no timeout", which never exceeds or caps anything here). */
function limit(value: string | undefined): number | undefined {
  const ms = value === undefined ? undefined : parseGatewayDuration(value);
  return ms === undefined || ms === 0 ? undefined : ms;
}

/**
 * A policy timeout above a route rule's never takes effect: the route ends the request first.
 * For an HTTPRoute target that is an error; for a service reached through routes it is a
 * warning, since the policy still governs east-west traffic that bypasses the route.
 */
function checkTimeoutsAgainstRoutes(s: Sourced<TrafficPolicy>, target: PolicyTarget, index: Index, at: At): void {
  const timeouts = s.object.spec.timeouts;
  if (timeouts === undefined) return;
  const severity: Issue['severity'] = target.kind === 'HTTPRoute' ? 'error' : 'warning';
  // One issue per (field, route rule, value), naming every cluster whose copy has it.
  const found = new Map<string, { path: Path; text: string; clusters: string[] }>();
  for (const use of rulesThrough(target, index)) {
    const capRequest = limit(use.request);
    const capBackend = limit(use.backendRequest) ?? capRequest;
    const capBackendField = limit(use.backendRequest) !== undefined ? `timeouts.backendRequest ${String(use.backendRequest)}` : `timeouts.request ${String(use.request)}`;
    const checks = [
      { field: 'request', value: limit(timeouts.request), cap: capRequest, capText: `timeouts.request ${String(use.request)}` },
      { field: 'backendRequest', value: limit(timeouts.backendRequest), cap: capBackend, capText: capBackendField },
    ];
    for (const { field, value, cap, capText } of checks) {
      if (value === undefined || cap === undefined || value <= cap) continue;
      const route = `HTTPRoute ${nsName(use.route.object.metadata.namespace, use.route.object.metadata.name)}`;
      const key = `${field}|${route}|${use.label}|${capText}`;
      const entry = found.get(key) ?? { path: ['spec', 'timeouts', field], text: `is above ${capText} of ${route} ${use.label}`, clusters: [] };
      if (use.route.cluster !== undefined) entry.clusters.push(use.route.cluster);
      found.set(key, entry);
    }
  }
  for (const { path, text, clusters } of found.values()) {
    at(s, path, `${text} (in ${clusters.sort().join(', ')}): the route's timeout ends the request first`, severity);
  }
}

function checkOwnershipMap(s: Sourced<OwnershipMap>, index: Index, at: At): void {
  s.object.spec.rules.forEach((rule, i) => {
    if (!index.clusterNames.has(rule.cluster)) at(s, ['spec', 'rules', i, 'cluster'], unknownCluster(rule.cluster));
  });
  s.object.spec.default?.clusters.forEach((cluster, i) => {
    if (!index.clusterNames.has(cluster)) at(s, ['spec', 'default', 'clusters', i], unknownCluster(cluster));
  });
}

function checkHealthContract(s: Sourced<HealthContract>, index: Index, contractFor: Map<string, Sourced>, at: At): void {
  const ref = s.object.spec.targetRef;
  const target: PolicyTarget = { group: ref.group, kind: ref.kind, namespace: s.object.metadata.namespace ?? 'default', name: ref.name };
  const key = targetKeyOf(target.namespace, target);
  const other = contractFor.get(key);
  if (other !== undefined) {
    at(s, ['spec', 'targetRef'], `${ref.kind} ${ref.name} already has HealthContract ${other.object.metadata.name} (${other.origin.file}:${other.origin.line}); a service has one health contract`);
  } else contractFor.set(key, s);
  const missing = missingTarget(target, index);
  if (missing !== undefined) at(s, ['spec', 'targetRef'], `${missing}; the contract applies once it exists`, 'warning');
}

function checkFailoverPolicy(s: Sourced<FailoverPolicy>, index: Index, at: At): void {
  const { spec } = s.object;
  const namespace = s.object.metadata.namespace ?? 'default';
  const tp = index.trafficPolicies.get(nsName(namespace, spec.targetRef.name));
  if (tp === undefined) {
    at(s, ['spec', 'targetRef', 'name'], `TrafficPolicy "${spec.targetRef.name}" does not exist in namespace ${namespace}`);
  } else checkFailoverDetection(s, tp, index, at);
  const sources = failoverSources(spec);
  sources.forEach((cluster, i) => {
    if (!index.clusterNames.has(cluster)) at(s, typeof spec.from === 'string' ? ['spec', 'from'] : ['spec', 'from', i], unknownCluster(cluster));
  });
  spec.to.forEach((cluster, i) => {
    if (!index.clusterNames.has(cluster)) at(s, ['spec', 'to', i], unknownCluster(cluster));
  });
}
