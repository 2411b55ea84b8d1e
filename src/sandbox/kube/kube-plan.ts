/**
 * The fleet of `lintas up --kube`, planned from the fleet directory. Pure.
 *
 * A real API server refuses EndpointSlice addresses in 127.0.0.0/8, so the loopback pod ranges of
 * the directory sandbox move to private ranges inside network namespaces: cluster i (by name, from
 * 0) gets the pod range 10.(i+1).0.0/16 and every address of its old first IPv4 pod CIDR keeps its
 * offset (127.1.255.1 in 127.1.0.0/16 becomes 10.1.255.1). Its service range is its API server's.
 * The cluster-scoped objects become what the sandbox applies to each API server: ClusterIPs are
 * dropped (the API server allocates them), EndpointSlices too (the sandbox writes them from the
 * running replicas), and kinds an API server does not serve (Workload, ClusterProperty) stay out.
 * @module
 */
import type { ClusterName, FleetSnapshot, Sourced } from '../../api/index.ts';
import { cidrContains, compareStrings, formatIP, nthAddress, parseCIDR, parseIP } from '../../lib/index.ts';
import type { ClusterNetwork } from './netns.ts';

/** A cluster's new ranges. */
export interface KubeClusterRanges {
  readonly cluster: string;
  readonly podCIDR: string;
  readonly serviceCIDR: string;
}

/** A located reason the fleet cannot run on API servers. */
export interface KubePlanProblem {
  readonly cluster: string;
  readonly message: string;
}

/** A Kubernetes object as the sandbox applies it. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Readonly<Record<string, string>>; readonly annotations?: Readonly<Record<string, string>> };
  readonly [field: string]: unknown;
}

/** Kinds of the Gateway API group (applied only where its CRDs are installed). */
export const GATEWAY_KINDS: ReadonlySet<string> = new Set(['GatewayClass', 'Gateway', 'HTTPRoute', 'GRPCRoute', 'ReferenceGrant']);

/** Kinds applied to the API servers, in apply order (Namespaces before what lives in them). */
export const APPLIED_KINDS: readonly string[] = ['Namespace', 'Service', 'ServiceExport', 'GatewayClass', 'Gateway', 'HTTPRoute', 'GRPCRoute', 'ReferenceGrant'];

/** The fleet moved to private ranges. */
export interface KubeSnapshotPlan {
  readonly snapshot: FleetSnapshot;
  readonly ranges: readonly KubeClusterRanges[];
  readonly problems: readonly KubePlanProblem[];
}

/** The pod range of the i-th cluster. */
export function podRange(index: number): string {
  return `10.${String(index + 1)}.0.0/16`;
}

type Mapper = (address: string) => string;

function mapperFor(oldCidr: string | undefined, newCidr: string): Mapper {
  const from = oldCidr === undefined ? undefined : parseCIDR(oldCidr);
  const to = parseCIDR(newCidr);
  return (address) => {
    const ip = parseIP(address);
    if (from === undefined || to === undefined || ip === undefined || !cidrContains(from, ip)) return address;
    const moved = nthAddress(to, ip.value - from.network);
    return moved === undefined ? address : formatIP(moved);
  };
}

function withSpec(object: KubeObject, spec: Record<string, unknown>): KubeObject {
  return { ...object, spec };
}

/** One cluster object as applied (or undefined: not applied), with `map` moving its addresses. */
function kubeObject(object: KubeObject, map: Mapper): KubeObject | undefined {
  if (!APPLIED_KINDS.includes(object.kind)) return undefined;
  const spec = (object['spec'] ?? {}) as Record<string, unknown>;
  const { status: _status, ...rest } = object as KubeObject & { status?: unknown };
  const clean: KubeObject = rest;
  if (object.kind === 'Service') {
    const { clusterIP: _ip, clusterIPs: _ips, ...kept } = spec;
    return withSpec(clean, kept);
  }
  if (object.kind === 'Gateway' && Array.isArray(spec['addresses'])) {
    const addresses = (spec['addresses'] as { type?: string; value: string }[]).map((a) => (a.type === undefined || a.type === 'IPAddress' ? { ...a, value: map(a.value) } : a));
    return withSpec(clean, { ...spec, addresses });
  }
  return clean;
}

/** The fleet with each cluster moved to its private pod range and its API server's service range. */
export function planKubeSnapshot(snapshot: FleetSnapshot, serviceCIDRs: ReadonlyMap<string, string>): KubeSnapshotPlan {
  const names = [...snapshot.clusters.keys()].map(String).sort(compareStrings);
  const problems: KubePlanProblem[] = [];
  const ranges: KubeClusterRanges[] = [];
  const mappers = new Map<string, Mapper>();
  const fleetObjects: Sourced[] = snapshot.fleetObjects.map((s) => {
    if (s.object.kind !== 'Cluster') return s;
    const name = s.object.metadata.name;
    const index = names.indexOf(name);
    const serviceCIDR = serviceCIDRs.get(name);
    if (index === -1) return s;
    if (serviceCIDR === undefined) {
      problems.push({ cluster: name, message: `no API server for cluster ${name} (lintas up --kube runs ${[...serviceCIDRs.keys()].join(', ')})` });
      return s;
    }
    const spec = s.object.spec as { podCIDRs?: string[]; serviceCIDRs?: string[]; nodeCIDRs?: string[] } & Record<string, unknown>;
    const podCIDR = podRange(index);
    mappers.set(name, mapperFor(spec.podCIDRs?.find((c) => !c.includes(':')), podCIDR));
    ranges.push({ cluster: name, podCIDR, serviceCIDR });
    // nodeCIDRs lie in the old loopback ranges and name no node here: dropped.
    const { nodeCIDRs: _nodes, ...kept } = spec;
    return { ...s, object: { ...s.object, spec: { ...kept, podCIDRs: [podCIDR], serviceCIDRs: [serviceCIDR] } } as Sourced['object'] };
  });
  for (const name of names) if (!mappers.has(name) && !problems.some((p) => p.cluster === name)) problems.push({ cluster: name, message: `cluster folder ${name} has no Cluster object` });
  const clusters = new Map<ClusterName, { cluster: ClusterName; objects: Sourced[] }>();
  for (const [name, c] of snapshot.clusters) {
    const map = mappers.get(name) ?? ((a: string) => a);
    const objects = c.objects.flatMap((s) => {
      if (s.object.kind === 'Workload') return [s];
      const moved = kubeObject(s.object as unknown as KubeObject, map);
      return moved === undefined ? [] : [{ ...s, object: moved as unknown as Sourced['object'] }];
    });
    clusters.set(name, { cluster: name, objects });
  }
  return { snapshot: { fleetObjects, clusters }, ranges: ranges.sort((a, b) => compareStrings(a.cluster, b.cluster)), problems };
}

/** A cluster's objects to apply to its API server, in {@link APPLIED_KINDS} order (Gateway API kinds only when `gatewayApi`). */
export function objectsToApply(objects: readonly Sourced[], gatewayApi: boolean): KubeObject[] {
  const rank = (kind: string): number => APPLIED_KINDS.indexOf(kind);
  return objects
    .map((s) => s.object as unknown as KubeObject)
    .filter((o) => rank(o.kind) !== -1 && (gatewayApi || !GATEWAY_KINDS.has(o.kind)))
    .sort((a, b) => rank(a.kind) - rank(b.kind) || compareStrings(`${a.metadata.namespace ?? ''}/${a.metadata.name}`, `${b.metadata.namespace ?? ''}/${b.metadata.name}`));
}

/** Each cluster's namespace: its name, fabric link and the addresses its replicas and Gateways bind. */
export function clusterNetworks(ranges: readonly KubeClusterRanges[], snapshot: FleetSnapshot, replicas: readonly { readonly cluster: string; readonly address: string }[]): ClusterNetwork[] {
  return ranges.map((r, i) => {
    const gateways = (snapshot.clusters.get(r.cluster as ClusterName)?.objects ?? []).flatMap((s) => (s.object.kind === 'Gateway' ? ((s.object.spec as { addresses?: { value: string }[] }).addresses ?? []).map((a) => a.value) : []));
    const pod = parseCIDR(r.podCIDR);
    const primary = pod === undefined ? [] : [formatIP(nthAddress(pod, 1n) ?? { family: pod.family, value: pod.network })];
    const own = [...replicas.filter((x) => x.cluster === r.cluster).map((x) => x.address), ...gateways].filter((a) => {
      const ip = parseIP(a);
      return pod !== undefined && ip !== undefined && cidrContains(pod, ip);
    });
    return { cluster: r.cluster, netns: `lintas-${r.cluster}`, veth: `vc${String(i)}`, addresses: [...new Set([...primary, ...own])] };
  });
}
