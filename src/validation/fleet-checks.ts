/**
 * Referential checks across the whole fleet: cluster folders vs the inventory,
 * duplicate objects, ClusterSet membership, cluster identity properties,
 * CIDR overlaps (seed 001 §6, §14.4) and namespace sameness hints (§8); the routing
 * policies' references are checked by policy-checks.ts, called from here.
 * Pure: decoded objects in, issues out.
 * @module
 */
import {
  CLUSTER_ID_PROPERTY,
  CLUSTERSET_PROPERTY,
  SERVICE_NAME_LABEL,
  splitApiVersion,
  type Cluster,
  type ClusterSet,
  type Issue,
  type Sourced,
} from '../api/index.ts';
import { cidrsOverlap, dns1123Label, parseCIDR, type ParsedCIDR } from '../lib/index.ts';
import { formatFieldPath, issueAt, type IssueAt } from './issues.ts';
import { checkDnsPolicies } from './dns-policy-checks.ts';
import { checkPolicies } from './policy-checks.ts';

/** Finds the line of a field inside a decoded object (the loader remembers each document's positions). */
export type Locator = (object: Sourced, path: readonly (string | number)[]) => number;

/** Namespaces every Kubernetes cluster has without declaring them. */
const BUILTIN_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

/**
 * Runs every cross-object check. `clusterFolders` are the names under `clusters/`;
 * `invalidClusters` names Cluster objects that exist but failed their own checks, so
 * references to them are not reported a second time as missing.
 */
export function checkFleet(objects: readonly Sourced[], clusterFolders: readonly string[], locate: Locator, invalidClusters: ReadonlySet<string> = new Set()): Issue[] {
  const issues: Issue[] = [];
  const at = issueAt(issues, locate);

  checkDuplicates(objects, at);

  const clusters = objects.filter((s): s is Sourced<Cluster> => s.object.kind === 'Cluster');
  const clusterSets = objects.filter((s): s is Sourced<ClusterSet> => s.object.kind === 'ClusterSet');
  const clusterByName = new Map(clusters.map((c) => [c.object.metadata.name, c]));
  const clusterExists = (name: string): boolean => clusterByName.has(name) || invalidClusters.has(name);

  for (const folder of clusterFolders) {
    const bad = dns1123Label(folder);
    if (bad !== undefined) {
      issues.push({ severity: 'error', file: `clusters/${folder}/`, line: 0, message: `cluster folder name "${folder}" is not a valid cluster name: ${bad}` });
    } else if (!clusterExists(folder)) {
      issues.push({ severity: 'error', file: `clusters/${folder}/`, line: 0, message: `cluster folder has no Cluster object named "${folder}" (lintas.dev/v1alpha1); add it to the fleet inventory, e.g. fleet/clusters.yaml` });
    }
  }
  const folders = new Set(clusterFolders);
  for (const c of clusters) {
    if (!folders.has(c.object.metadata.name)) at(c, [], `no clusters/${c.object.metadata.name}/ folder: the cluster has no objects yet`, 'warning');
  }

  // One ClusterSet per fleet: MCS, its DNS zone and ClusterSetIP allocation serve exactly one set, so a
  // second set would leave its members without imports (and their routes without backends).
  const [firstSet, ...extraSets] = [...clusterSets].sort((a, b) => (a.object.metadata.name < b.object.metadata.name ? -1 : a.object.metadata.name > b.object.metadata.name ? 1 : 0));
  for (const extra of extraSets) {
    const first = firstSet as Sourced<ClusterSet>;
    at(
      extra,
      ['metadata', 'name'],
      `a fleet has at most one ClusterSet, and ClusterSet "${first.object.metadata.name}" (${first.origin.file}:${first.origin.line}) is already defined: ` +
        `Lintas serves one ClusterSet per fleet, so the clusters of "${extra.object.metadata.name}" would get no ServiceImports; add them to "${first.object.metadata.name}" or give this set a fleet directory and a Lintas of its own`,
    );
  }

  // ClusterSet membership: members must exist, and a cluster belongs to at most one set (KEP-1645).
  const setOf = new Map<string, Sourced<ClusterSet>>();
  for (const set of clusterSets) {
    set.object.spec.clusters.forEach((member, i) => {
      if (!clusterExists(member)) at(set, ['spec', 'clusters', i], `cluster "${member}" is not in the inventory (no Cluster object named "${member}")`);
      const other = setOf.get(member);
      if (other && other !== set) at(set, ['spec', 'clusters', i], `cluster "${member}" is already a member of ClusterSet "${other.object.metadata.name}"; a cluster belongs to at most one ClusterSet`);
      else setOf.set(member, set);
    });
  }
  for (const c of clusters) {
    if (clusterSets.length > 0 && !setOf.has(c.object.metadata.name)) at(c, [], 'the cluster is in no ClusterSet: it neither exports nor imports services', 'warning');
  }

  checkCidrs(clusters, clusterSets, setOf, at);
  checkClusterProperties(objects, setOf, at);
  checkNamespaces(objects, at);
  // TrafficPolicy, OwnershipMap, HealthContract and FailoverPolicy references (issue 5).
  issues.push(...checkPolicies(objects, locate, invalidClusters));
  // DNSPolicy references (issue 18).
  issues.push(...checkDnsPolicies(objects, locate, invalidClusters));
  return issues;
}

type At = IssueAt;

function identity(s: Sourced): string {
  const { group } = splitApiVersion(s.object.apiVersion);
  return [s.cluster ?? '', group, s.object.kind, s.object.metadata.namespace ?? '', s.object.metadata.name].join('|');
}

function checkDuplicates(objects: readonly Sourced[], at: At): void {
  const first = new Map<string, Sourced>();
  for (const s of objects) {
    const key = identity(s);
    const seen = first.get(key);
    // Objects arrive sorted by file and line, so `seen` is the earlier definition.
    if (seen) at(s, [], `duplicate object: also defined at ${seen.origin.file}:${seen.origin.line}${s.cluster ? ` (cluster ${s.cluster})` : ''}`);
    else first.set(key, s);
  }
}

interface CidrUse {
  readonly owner: Sourced<Cluster>;
  readonly path: readonly (string | number)[];
  readonly text: string;
  readonly cidr: ParsedCIDR;
}

function checkCidrs(clusters: readonly Sourced<Cluster>[], sets: readonly Sourced<ClusterSet>[], setOf: ReadonlyMap<string, Sourced<ClusterSet>>, at: At): void {
  const uses: CidrUse[] = [];
  for (const c of clusters) {
    for (const field of ['podCIDRs', 'serviceCIDRs', 'nodeCIDRs'] as const) {
      (c.object.spec[field] ?? []).forEach((text, i) => {
        const cidr = parseCIDR(text);
        if (cidr) uses.push({ owner: c, path: ['spec', field, i], text, cidr });
      });
    }
  }
  for (let i = 0; i < uses.length; i++) {
    for (let j = i + 1; j < uses.length; j++) {
      const a = uses[i] as CidrUse;
      const b = uses[j] as CidrUse;
      if (!cidrsOverlap(a.cidr, b.cidr)) continue;
      const aName = a.owner.object.metadata.name;
      const bName = b.owner.object.metadata.name;
      if (aName === bName) {
        at(b.owner, b.path, `${b.text} overlaps ${formatFieldPath(a.path)} ${a.text} of the same cluster`);
        continue;
      }
      const sameSet = setOf.get(aName) !== undefined && setOf.get(aName) === setOf.get(bName);
      // Overlap inside a ClusterSet breaks routing and endpoint identity; across sets it only
      // matters once they are connected, so it is a warning there.
      const where = sameSet ? '' : setOf.has(aName) && setOf.has(bName) ? ' in another ClusterSet' : ' (the clusters share no ClusterSet)';
      at(b.owner, b.path, `${b.text} overlaps ${a.text} of cluster "${aName}" (${formatFieldPath(a.path)})${where}`, sameSet ? 'error' : 'warning');
    }
  }
  for (const set of sets) {
    const range = set.object.spec.clusterSetIPRange;
    const cidr = range === undefined ? undefined : parseCIDR(range);
    if (!cidr) continue;
    for (const use of uses) {
      if (setOf.get(use.owner.object.metadata.name) === set && cidrsOverlap(cidr, use.cidr)) {
        at(set, ['spec', 'clusterSetIPRange'], `${range} overlaps ${use.text} of cluster "${use.owner.object.metadata.name}" (${formatFieldPath(use.path)})`);
      }
    }
  }
}

function checkClusterProperties(objects: readonly Sourced[], setOf: ReadonlyMap<string, Sourced<ClusterSet>>, at: At): void {
  for (const s of objects) {
    if (s.object.kind !== 'ClusterProperty' || !s.cluster) continue;
    const value = s.object.spec.value;
    if (s.object.metadata.name === CLUSTER_ID_PROPERTY && value !== s.cluster) {
      at(s, ['spec', 'value'], `cluster id "${value}" does not match the folder clusters/${s.cluster}/; a cluster's id must be its name in the fleet`);
    }
    if (s.object.metadata.name === CLUSTERSET_PROPERTY) {
      const set = setOf.get(s.cluster);
      if (!set) at(s, ['spec', 'value'], `cluster "${s.cluster}" is in no ClusterSet, so it must not carry ${CLUSTERSET_PROPERTY} (KEP-2149)`);
      else if (set.object.metadata.name !== value) at(s, ['spec', 'value'], `cluster "${s.cluster}" is a member of ClusterSet "${set.object.metadata.name}", not "${value}"`);
    }
  }
}

function checkNamespaces(objects: readonly Sourced[], at: At): void {
  const declared = new Map<string, Set<string>>();
  const services = new Set<string>();
  for (const s of objects) {
    if (!s.cluster) continue;
    if (s.object.kind === 'Namespace') {
      const set = declared.get(s.cluster) ?? new Set<string>();
      set.add(s.object.metadata.name);
      declared.set(s.cluster, set);
    }
    if (s.object.kind === 'Service') services.add(`${s.cluster}|${s.object.metadata.namespace}|${s.object.metadata.name}`);
  }
  for (const s of objects) {
    if (!s.cluster) continue;
    const ns = s.object.metadata.namespace;
    const names = declared.get(s.cluster);
    // Only clusters that model their namespaces get this check; others would drown in noise.
    if (ns && names && !names.has(ns) && !BUILTIN_NAMESPACES.has(ns)) {
      at(s, ['metadata', 'namespace'], `namespace "${ns}" is not declared in cluster ${s.cluster}`, 'warning');
    }
    if (s.object.kind === 'EndpointSlice') {
      const svc = s.object.metadata.labels?.[SERVICE_NAME_LABEL];
      if (svc === undefined) at(s, ['metadata', 'labels'], `has no ${SERVICE_NAME_LABEL} label, so no Service uses it`, 'warning');
      else if (!services.has(`${s.cluster}|${ns}|${svc}`)) at(s, ['metadata', 'labels', SERVICE_NAME_LABEL], `Service ${ns}/${svc} does not exist in cluster ${s.cluster}`, 'warning');
    }
  }
}
