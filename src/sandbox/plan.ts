/**
 * The plan of a local fleet (`lintas up`): which demo-app replica runs where.
 * Pure: from the fleet snapshot, every Workload of every cluster becomes
 * replicas bound to addresses of that cluster's first pod CIDR (so a source
 * address identifies the cluster, as Pod CIDRs do), on the port its Service
 * targets. Replicas of stateful apps know their peers: the other replicas of
 * the same Workload (synchronous) and one replica per other cluster that runs
 * the same app for the same Service (asynchronous replication).
 *
 * Addresses: workload i (by namespace/name, from 0) replica r (from 0) of a
 * cluster with pod CIDR P gets P's address number (i + 1) × 256 + 10 + r, e.g.
 * 127.1.1.10 and 127.1.1.11 for the first workload of 127.1.0.0/16.
 * @module
 */
import type { Cluster, FleetSnapshot, Service, Workload, WorkloadApp } from '../api/index.ts';
import { compareStrings, formatIP, nthAddress, parseCIDR } from '../lib/index.ts';

/** One replica to run. */
export interface ReplicaPlan {
  /** `<cluster>/<ns>/<workload>/<replica>`: stable identity. */
  readonly id: string;
  readonly cluster: string;
  readonly region?: string;
  readonly zone?: string;
  readonly namespace: string;
  readonly workload: string;
  readonly app: WorkloadApp;
  readonly replica: number;
  readonly version: string;
  readonly service: string;
  readonly servicePortName?: string;
  readonly address: string;
  readonly port: number;
  readonly peers: { readonly sameCluster: readonly string[]; readonly otherClusters: readonly { readonly cluster: string; readonly url: string }[] };
}

/** A reason a Workload cannot run, located by cluster and object. */
export interface PlanProblem {
  readonly cluster: string;
  readonly object: string;
  readonly message: string;
}

/** The whole local fleet. */
export interface FleetPlan {
  readonly replicas: readonly ReplicaPlan[];
  readonly problems: readonly PlanProblem[];
}

/** Apps whose replicas replicate state to each other. */
const STATEFUL: ReadonlySet<WorkloadApp> = new Set(['case-api', 'audit-ingest']);

/** Highest workload slots per cluster: (i + 1) × 256 must stay below the gateway's x.x.255.x. */
const MAX_WORKLOADS = 250;

function urlOf(address: string, port: number): string {
  return `http://${address}:${String(port)}`;
}

/** Plans every replica of the fleet's Workloads. */
export function planFleet(snapshot: FleetSnapshot): FleetPlan {
  const clusters = new Map(snapshot.fleetObjects.filter((s) => s.object.kind === 'Cluster').map((s) => [s.object.metadata.name, s.object as Cluster]));
  const replicas: ReplicaPlan[] = [];
  const problems: PlanProblem[] = [];
  for (const name of [...snapshot.clusters.keys()].sort(compareStrings)) {
    const objects = snapshot.clusters.get(name)?.objects ?? [];
    const cluster = clusters.get(name);
    const workloads = objects
      .map((s) => s.object)
      .filter((o): o is Workload => o.kind === 'Workload')
      .sort((a, b) => compareStrings(`${a.metadata.namespace ?? ''}/${a.metadata.name}`, `${b.metadata.namespace ?? ''}/${b.metadata.name}`));
    if (workloads.length === 0) continue;
    const cidrText = cluster?.spec.podCIDRs?.find((c) => !c.includes(':'));
    const cidr = cidrText === undefined ? undefined : parseCIDR(cidrText);
    workloads.forEach((w, i) => {
      const ns = w.metadata.namespace ?? 'default';
      const object = `Workload ${ns}/${w.metadata.name}`;
      if (cidr === undefined) return problems.push({ cluster: name, object, message: `cluster ${name} has no IPv4 podCIDRs: lintas up binds each replica to an address of its cluster's pod CIDR` });
      if (i >= MAX_WORKLOADS) return problems.push({ cluster: name, object, message: `more than ${String(MAX_WORKLOADS)} workloads in one cluster` });
      const service = objects.map((s) => s.object).find((o): o is Service => o.kind === 'Service' && (o.metadata.namespace ?? 'default') === ns && o.metadata.name === w.spec.service);
      if (service === undefined) return problems.push({ cluster: name, object, message: `.spec.service: Service ${ns}/${w.spec.service} not found in cluster ${name}` });
      const sp = service.spec.ports?.[0];
      const target = sp?.targetPort;
      const port = typeof target === 'number' ? target : sp?.port;
      if (port === undefined) return problems.push({ cluster: name, object, message: `.spec.service: Service ${ns}/${w.spec.service} has no port` });
      for (let r = 0; r < w.spec.replicas; r += 1) {
        const ip = nthAddress(cidr, BigInt((i + 1) * 256 + 10 + r));
        if (ip === undefined) {
          problems.push({ cluster: name, object, message: `pod CIDR ${cidrText ?? ''} is too small for replica ${String(r)}` });
          break;
        }
        replicas.push({
          id: `${name}/${ns}/${w.metadata.name}/${String(r)}`,
          cluster: name,
          ...(cluster?.spec.region !== undefined ? { region: cluster.spec.region } : {}),
          ...(cluster?.spec.zones?.[r % cluster.spec.zones.length] !== undefined ? { zone: cluster.spec.zones[r % cluster.spec.zones.length] as string } : {}),
          namespace: ns,
          workload: w.metadata.name,
          app: w.spec.app,
          replica: r,
          version: w.spec.version,
          service: w.spec.service,
          ...(sp?.name !== undefined ? { servicePortName: sp.name } : {}),
          address: formatIP(ip),
          port,
          peers: { sameCluster: [], otherClusters: [] },
        });
      }
      return undefined;
    });
  }
  return { replicas: withPeers(replicas), problems };
}

function withPeers(replicas: ReplicaPlan[]): ReplicaPlan[] {
  return replicas.map((r) => {
    if (!STATEFUL.has(r.app)) return r;
    const same = replicas.filter((o) => o.id !== r.id && o.cluster === r.cluster && o.namespace === r.namespace && o.workload === r.workload).map((o) => urlOf(o.address, o.port));
    const others = new Map<string, string>();
    for (const o of replicas) {
      if (o.cluster === r.cluster || o.app !== r.app || o.namespace !== r.namespace || o.service !== r.service || others.has(o.cluster)) continue;
      others.set(o.cluster, urlOf(o.address, o.port));
    }
    return { ...r, peers: { sameCluster: same, otherClusters: [...others].map(([cluster, url]) => ({ cluster, url })) } };
  });
}
